// Runs one tool in the target and turns "could not run at all" into APPLY_COMMAND_NOT_FOUND, naming the command.
import { inTarget, targetLabel, type Target } from './netns.ts'
import { toolProblem } from './problem.ts'
import type { Runner, RunResult } from './runner.ts'

export interface Context {
  readonly runner: Runner
  readonly target: Target
}

export interface Ran extends RunResult {
  readonly exitCode: number
}

/** Extra advice per tool, appended when it is missing. */
const INSTALL_HINTS: Record<string, string> = {
  nft: 'install nftables, or compile with --format iptables',
  'iptables-restore': 'install iptables, or compile with --format nft',
  'ip6tables-restore': 'install iptables (ip6tables), or compile with --format nft',
  nfacct: "install nfacct, or compile with --no-nfacct (the ruleset counts packets in kube-proxy's nfacct counters)",
  ip: 'install iproute2 (needed for --netns)',
}

/**
 * `ip netns exec` reports a missing program itself and exits 1 (iproute2's netns.c), so "not found"
 * must be read from its stderr as well as from a spawn error.
 */
const NETNS_EXEC_NOT_FOUND = /^exec of "([^"]+)" failed: No such file or directory/m

export function notFoundCommand(argv: readonly [string, ...string[]], r: RunResult): string | undefined {
  if (r.spawnError === 'ENOENT') return argv[0]
  if (r.exitCode !== 0 && argv[0] === 'ip' && argv[1] === 'netns' && argv[2] === 'exec') return NETNS_EXEC_NOT_FOUND.exec(r.stderr)?.[1]
  return undefined
}

/** Runs `argv` inside the target. Resolves with any exit code; aborts only when the process never ran to an exit. */
export async function invoke(ctx: Context, argv: readonly [string, ...string[]], input = ''): Promise<Ran> {
  const full = inTarget(ctx.target, argv)
  const r = await ctx.runner.run(full, input)
  const where = targetLabel(ctx.target)
  const missing = notFoundCommand(full, r)
  if (missing !== undefined) {
    const hint = INSTALL_HINTS[missing]
    throw toolProblem(where, 'APPLY_COMMAND_NOT_FOUND', `${missing} not found${hint ? `: ${hint}` : ''}`)
  }
  if (r.spawnError !== undefined) throw toolProblem(where, 'APPLY_COMMAND_NOT_FOUND', `could not start ${full[0]} (${r.spawnError})`)
  if (r.exitCode === undefined) throw toolProblem(where, 'APPLY_REJECTED', `${argv[0]} did not finish: ${firstLine(r.stderr) || 'killed'}`)
  return { ...r, exitCode: r.exitCode }
}

/** A non-zero exit of a listing or helper command (not a restore): the tool's own words, one line. */
export function failed(ctx: Context, argv: readonly string[], r: RunResult): Error {
  return toolProblem(targetLabel(ctx.target), 'APPLY_REJECTED', `${argv.join(' ')} failed (exit ${r.exitCode ?? '?'}): ${firstLine(r.stderr) || 'no message'}`)
}

export function firstLine(text: string): string {
  return (
    text
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l !== '') ?? ''
  )
}
