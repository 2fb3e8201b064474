// Runs the lab's commands (ip, nft, iptables-restore, node agents) with a hard time limit each.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'

export interface RunResult {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

export interface RunOptions {
  readonly input?: string
  /** The process is killed (by its pid) when this runs out; default 20 s. */
  readonly timeoutMs?: number
  /** Resolve with the result instead of throwing on a non-zero exit. */
  readonly allowFailure?: boolean
}

/** Runs argv[0] with the rest as arguments; throws with the command line and stderr on failure. */
export function run(argv: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const [command, ...args] = argv
  if (command === undefined) throw new Error('run: empty command')
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      child.kill('SIGKILL')
    }, options.timeoutMs ?? 20_000)
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    child.on('error', (e) => {
      clearTimeout(timer)
      reject(new Error(`${argv.join(' ')}: ${e.message}`))
    })
    child.on('close', (code) => {
      clearTimeout(timer)
      const result = { code, stdout, stderr }
      if (timedOut) reject(new Error(`${argv.join(' ')}: killed after ${options.timeoutMs ?? 20_000} ms\n${stderr}`))
      else if (code !== 0 && !options.allowFailure) reject(new Error(`${argv.join(' ')}: exit ${code}\n${stderr}`))
      else resolve(result)
    })
    child.stdin.on('error', () => {})
    child.stdin.end(options.input ?? '')
  })
}

/** `ip netns exec NS …`: a command inside one namespace (the lab only ever names its own). */
export function inNs(ns: string, argv: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return run(['ip', 'netns', 'exec', ns, ...argv], options)
}

/** Many `ip` commands in one process, all inside namespace `ns` (`ip -n NS -batch -`). */
export function ipBatch(ns: string, lines: readonly string[]): Promise<RunResult> {
  return run(['ip', '-n', ns, '-batch', '-'], { input: `${lines.join('\n')}\n` })
}

/**
 * A long-running Node.js process inside a namespace that answers JSON-line requests on stdin.
 * `ip netns exec` execs the command, so `pid` is the agent's own and it is killed by that pid alone.
 */
export class Agent {
  readonly child: ChildProcess
  readonly pid: number
  readonly #pending = new Map<string, { resolve: (v: unknown) => void; reject: (e: Error) => void }>()
  #stderr = ''
  #next = 0

  private constructor(child: ChildProcess, pid: number) {
    this.child = child
    this.pid = pid
  }

  /** Starts `argv` in `ns` and waits for its `{"ready":true}` line. */
  static start(ns: string, argv: readonly string[], timeoutMs = 20_000): Promise<Agent> {
    // Node.js reads NODE_EXTRA_CA_CERTS at start-up; the agents make no TLS connections.
    const { NODE_EXTRA_CA_CERTS: _unused, ...env } = process.env
    const child = spawn('ip', ['netns', 'exec', ns, ...argv], { stdio: ['pipe', 'pipe', 'pipe'], env })
    return new Promise((resolve, reject) => {
      let agent: Agent | undefined
      let buffer = ''
      const fail = (why: string) => {
        clearTimeout(timer)
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
        reject(new Error(`agent in ${ns}: ${why}\n${agent ? agent.#stderr : ''}`))
      }
      const timer = setTimeout(() => fail(`not ready after ${timeoutMs} ms`), timeoutMs)
      if (child.pid === undefined) return fail('did not start')
      agent = new Agent(child, child.pid)
      const self = agent
      child.stderr!.setEncoding('utf8').on('data', (d: string) => (self.#stderr += d))
      child.stdin!.on('error', () => {})
      child.stdout!.setEncoding('utf8').on('data', (d: string) => {
        buffer += d
        let nl: number
        while ((nl = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, nl)
          buffer = buffer.slice(nl + 1)
          const message = JSON.parse(line) as { ready?: boolean; id?: string }
          if (message.ready) {
            clearTimeout(timer)
            resolve(self)
          } else if (message.id !== undefined) {
            self.#pending.get(message.id)?.resolve(message)
            self.#pending.delete(message.id)
          }
        }
      })
      child.on('error', (e) => fail(e.message))
      child.on('exit', (code, signal) => {
        fail(`exited (${code ?? signal})`)
        for (const p of self.#pending.values()) p.reject(new Error(`agent in ${ns} exited (${code ?? signal})\n${self.#stderr}`))
        self.#pending.clear()
      })
    })
  }

  /** Sends one request line; the answer must come within timeoutMs. */
  request<T>(payload: object, timeoutMs: number): Promise<T> {
    const id = String(this.#next++)
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id)
        reject(new Error(`agent ${this.pid}: no answer within ${timeoutMs} ms`))
      }, timeoutMs)
      this.#pending.set(id, {
        resolve: (v) => {
          clearTimeout(timer)
          resolve(v as T)
        },
        reject: (e) => {
          clearTimeout(timer)
          reject(e)
        },
      })
      this.child.stdin!.write(`${JSON.stringify({ ...payload, id })}\n`)
    })
  }

  /** Kills the agent by its pid and waits (bounded) until it is gone. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return
    const gone = new Promise<void>((resolve) => this.child.once('exit', () => resolve()))
    this.child.kill('SIGKILL')
    await Promise.race([gone, new Promise<void>((resolve) => setTimeout(resolve, 3_000))])
  }
}

/** Synchronous last resort for process exit: kill pids, delete namespaces, ignore errors. */
export function cleanupSync(pids: readonly number[], namespaces: readonly string[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // already gone
    }
  }
  for (const ns of namespaces) spawnSync('ip', ['netns', 'del', ns], { stdio: 'ignore', timeout: 5_000 })
}
