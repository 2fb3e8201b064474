// Throwaway network namespaces for kernel tests: created with random names, always deleted, never the test machine's own.
import { randomBytes } from 'node:crypto'
import { afterAll, afterEach } from 'vitest'
import { execaRunner } from '../../src/apply/runner.ts'

/** Runs a command and returns its stdout; throws with stderr when it fails. */
export async function sh(argv: readonly [string, ...string[]], input = ''): Promise<string> {
  const r = await execaRunner.run(argv, input)
  if (r.exitCode !== 0) throw new Error(`${argv.join(' ')} failed (${r.exitCode ?? r.spawnError}): ${r.stderr}`)
  return r.stdout
}

/** Runs a command inside the namespace. */
export function inNetns(name: string, argv: readonly [string, ...string[]], input = ''): Promise<string> {
  return sh(['ip', 'netns', 'exec', name, ...argv], input)
}

export async function createNetns(prefix = 'svcc-t'): Promise<string> {
  const name = `${prefix}-${randomBytes(4).toString('hex')}`
  await sh(['ip', 'netns', 'add', name])
  return name
}

export async function deleteNetns(name: string): Promise<void> {
  await execaRunner.run(['ip', 'netns', 'delete', name], '')
}

/**
 * Why kernel tests cannot run here, or undefined when they can: they need root (ip netns add) and
 * the tools. Probed once per test file with top-level await.
 */
export async function kernelSkipReason(tools: readonly string[] = ['ip', 'nft', 'iptables-restore', 'iptables-save', 'nfacct']): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'not root: creating network namespaces needs root'
  for (const tool of tools) {
    const r = await execaRunner.run(['sh', '-c', `command -v ${tool}`], '')
    if (r.exitCode !== 0) return `${tool} is not installed`
  }
  return undefined
}

/**
 * Registers cleanup hooks in the calling describe block and returns a factory: every namespace it
 * makes is deleted after each test, also when the test fails (afterAll catches stragglers).
 */
export function useNetns(prefix = 'svcc-t'): () => Promise<string> {
  const live = new Set<string>()
  const cleanup = async () => {
    for (const name of [...live]) {
      await deleteNetns(name)
      live.delete(name)
    }
  }
  afterEach(cleanup)
  afterAll(cleanup)
  return async () => {
    const name = await createNetns(prefix)
    live.add(name)
    return name
  }
}

/** Makes a skip impossible to miss in the test output. */
export function announceSkip(suite: string, reason: string | undefined): void {
  if (reason !== undefined) process.stderr.write(`\n*** SKIPPED ${suite}: ${reason} ***\n\n`)
}
