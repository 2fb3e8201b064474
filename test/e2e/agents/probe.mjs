// The lab's client: connects a bounded number of times per probe and reports who answered, or how it failed.
// Plain JavaScript, loaded by agent.mjs inside a lab namespace.
//
// A probe: { id, bind?, host, port, protocol: "tcp"|"udp", min, max, until?, parallel, timeoutMs }.
// Its result: { id, attempts: [{ ok: true, name, ep, src, ms } | { ok: false, error, ms }] }.
// Each probe makes at most `max` attempts, `parallel` at a time, and stops early once it has made
// `min` attempts and every endpoint in `until` has answered. Every attempt ends within timeoutMs.
import dgram from 'node:dgram'
import net from 'node:net'
import { performance } from 'node:perf_hooks'

function endpointOf(ip, port) {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`
}

function parseAnswer(text, started) {
  const ms = performance.now() - started
  try {
    const a = JSON.parse(text.trim())
    return { ok: true, name: a.name, ep: endpointOf(a.ip, a.port), src: a.src, ms }
  } catch {
    return { ok: false, error: text === '' ? 'EMPTY' : 'GARBLED', ms }
  }
}

function tcpAttempt(p) {
  return new Promise((resolve) => {
    const started = performance.now()
    let data = ''
    let done = false
    const finish = (result) => {
      if (done) return
      done = true
      clearTimeout(timer)
      socket.destroy()
      resolve(result)
    }
    const socket = net.connect({ host: p.host, port: p.port, ...(p.bind ? { localAddress: p.bind } : {}) })
    const timer = setTimeout(() => finish({ ok: false, error: 'TIMEOUT', ms: performance.now() - started }), p.timeoutMs)
    socket.setEncoding('utf8')
    socket.on('data', (chunk) => (data += chunk))
    socket.on('end', () => finish(parseAnswer(data, started)))
    socket.on('error', (e) => finish({ ok: false, error: e.code ?? e.message, ms: performance.now() - started }))
  })
}

function udpAttempt(p) {
  return new Promise((resolve) => {
    const started = performance.now()
    let done = false
    const socket = dgram.createSocket(p.host.includes(':') ? 'udp6' : 'udp4')
    const finish = (result) => {
      if (done) return
      done = true
      clearTimeout(timer)
      try {
        socket.close()
      } catch {
        // already closed
      }
      resolve(result)
    }
    const timer = setTimeout(() => finish({ ok: false, error: 'TIMEOUT', ms: performance.now() - started }), p.timeoutMs)
    // An ICMP port-unreachable (REJECT) reaches a connected UDP socket as ECONNREFUSED.
    socket.on('error', (e) => finish({ ok: false, error: e.code ?? e.message, ms: performance.now() - started }))
    socket.on('message', (message) => finish(parseAnswer(String(message), started)))
    socket.bind({ port: 0, ...(p.bind ? { address: p.bind } : {}) }, () => {
      socket.connect(p.port, p.host, (error) => {
        if (error) finish({ ok: false, error: error.code ?? error.message, ms: performance.now() - started })
        else socket.send('probe')
      })
    })
  })
}

export async function runProbe(p) {
  const attempts = []
  const seen = new Set()
  const attempt = p.protocol === 'udp' ? udpAttempt : tcpAttempt
  while (attempts.length < p.max) {
    const n = Math.min(p.parallel, p.max - attempts.length)
    const batch = await Promise.all(Array.from({ length: n }, () => attempt(p)))
    for (const a of batch) {
      attempts.push(a)
      if (a.ok) seen.add(a.ep)
    }
    if (p.until && attempts.length >= p.min && p.until.every((ep) => seen.has(ep))) break
  }
  return { id: p.id, attempts }
}
