// The one process in each lab namespace: a server that says who it is, and a client that probes on request.
// Plain JavaScript, started once per namespace as `ip netns exec NS node agent.mjs CONFIG`: starting
// Node.js costs a quarter of a second here, so probes go over stdin instead of new processes.
//
// CONFIG (argv[2], JSON): { "name": "...", "address": "...", "tcp": [80, ...], "udp": [53, ...] }.
// Server: every port answers one JSON line { name, ip, port, src }: the address and port the
//   connection arrived on after any DNAT, and the source it saw after any masquerade.
// Client: each stdin line { id, probes: [...] } (see probe.mjs) gets one stdout line { id, results }.
// Runner: each stdin line { id, exec: { argv, input } } runs a command here (no `ip netns exec`, whose
//   extra process start costs as much as the command) and answers { id, exitCode, stdout, stderr }.
// Reader: each stdin line { id, read: path } answers { id, text } or { id, error }: for this
//   namespace's /proc/net files only (they show the namespace of the process that reads them).
import { spawn } from 'node:child_process'
import dgram from 'node:dgram'
import { readFile } from 'node:fs/promises'
import net from 'node:net'
import { createInterface } from 'node:readline'
import { runProbe } from './probe.mjs'

const config = JSON.parse(process.argv[2] ?? '{}')
const name = String(config.name)

/** Dual-stack sockets report IPv4 peers as ::ffff:a.b.c.d; the lab compares plain addresses. */
function plain(address) {
  return typeof address === 'string' && address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : String(address)
}

function answer(localAddress, localPort, remoteAddress) {
  return `${JSON.stringify({ name, ip: plain(localAddress), port: localPort, src: plain(remoteAddress) })}\n`
}

const listening = []

for (const port of config.tcp ?? []) {
  const server = net.createServer((socket) => {
    socket.on('error', () => {})
    socket.end(answer(socket.localAddress, socket.localPort, socket.remoteAddress))
  })
  listening.push(
    new Promise((resolve, reject) => {
      server.once('error', reject)
      // '::' without ipv6Only takes IPv4 too, so one socket serves both families.
      server.listen({ host: '::', port, ipv6Only: false }, resolve)
    }),
  )
}

for (const port of config.udp ?? []) {
  const socket = dgram.createSocket({ type: 'udp6', ipv6Only: false })
  socket.on('error', () => {})
  socket.on('message', (_message, remote) => {
    // A socket bound to '::' does not learn which local address was hit; a pod has only one.
    socket.send(answer(config.address ?? '', port, remote.address), remote.port, remote.address)
  })
  listening.push(
    new Promise((resolve, reject) => {
      socket.once('error', reject)
      socket.bind({ address: '::', port }, resolve)
    }),
  )
}

/** Like the applier's execa runner: C locale, stdin fed, never rejects; killed after 25 s. */
function execute({ argv, input }) {
  return new Promise((resolve) => {
    const child = spawn(argv[0], argv.slice(1), { env: { ...process.env, LC_ALL: 'C' } })
    const timer = setTimeout(() => child.kill('SIGKILL'), 25_000)
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d))
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d))
    child.on('error', (e) => {
      clearTimeout(timer)
      resolve({ exitCode: null, stdout, stderr, spawnError: e.code ?? e.message })
    })
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ exitCode: code, stdout, stderr })
    })
    child.stdin.on('error', () => {})
    child.stdin.end(input ?? '')
  })
}

async function read(path) {
  if (!/^\/proc\/net\/[a-z_0-9]+$/.test(path)) return { error: `not a /proc/net file: ${path}` }
  try {
    return { text: await readFile(path, 'utf8') }
  } catch (e) {
    return { error: e.code ?? e.message }
  }
}

Promise.all(listening).then(
  () => {
    process.stdout.write(`${JSON.stringify({ ready: true })}\n`)
    createInterface({ input: process.stdin }).on('line', async (line) => {
      const request = JSON.parse(line)
      const reply = request.exec ? await execute(request.exec) : request.read !== undefined ? await read(request.read) : { results: await Promise.all(request.probes.map(runProbe)) }
      process.stdout.write(`${JSON.stringify({ id: request.id, ...reply })}\n`)
    })
    // The lab closing our stdin (or dying) ends the agent.
    process.stdin.on('end', () => process.exit(0))
  },
  (error) => {
    process.stderr.write(`agent ${name}: ${error.message}\n`)
    process.exit(1)
  },
)
