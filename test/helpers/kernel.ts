// Runs kernel tools inside a private, unnamed network namespace (`unshare --net`) that vanishes with the process.
import { spawnSync } from 'node:child_process'

export const IS_ROOT = process.getuid?.() === 0

/** Says loudly, once per file, that kernel tests were skipped. */
export function warnIfNotRoot(what: string): void {
  if (!IS_ROOT) process.stderr.write(`\n!!! SKIPPED (not root): ${what} — run the tests as root to let the kernel judge the rules\n\n`)
}

export interface ShellResult {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/**
 * Runs a shell script in a fresh network namespace, so nothing it loads can reach the
 * machine's own namespace, and nothing needs cleaning up afterwards. Files are passed as
 * environment variables. Bounded by a timeout.
 */
export function inFreshNetns(script: string, env: Record<string, string> = {}, timeoutMs = 30_000): ShellResult {
  const r = spawnSync('unshare', ['--net', 'sh', '-ec', script], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: timeoutMs })
  return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? (r.error ? String(r.error) : '') }
}
