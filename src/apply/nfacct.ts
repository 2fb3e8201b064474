// The nfacct counters an iptables payload counts into (kube-proxy's metrics), created when missing.
import { failed, firstLine, invoke, type Context } from './invoke.ts'
import { targetLabel } from './netns.ts'
import { toolProblem } from './problem.ts'

/** Counter names after "--nfacct-name", sorted and unique. */
export function nfacctCounters(payload: string): string[] {
  return [...new Set([...payload.matchAll(/--nfacct-name\s+(\S+)/g)].map((m) => m[1]!))].sort()
}

/** `nfacct list` prints one "{ pkts = …, bytes = … } = NAME;" per counter. */
export function parseNfacctList(stdout: string): Set<string> {
  return new Set([...stdout.matchAll(/=\s*(\S+);\s*$/gm)].map((m) => m[1]!))
}

/**
 * Decision: create missing counters, as kube-proxy does at start-up (nfacct Ensure), rather than
 * fail. iptables-restore cannot load "-m nfacct" without the counter ("No such file or directory").
 * A counter is inert until a rule uses it, so creating it before the atomic restore changes no
 * traffic even when the restore then fails; counters are never removed (kube-proxy keeps them too).
 * Returns the names created.
 */
export async function ensureCounters(ctx: Context, names: readonly string[]): Promise<string[]> {
  if (names.length === 0) return []
  const listArgv = ['nfacct', 'list'] as const
  const listed = await invoke(ctx, listArgv)
  if (listed.exitCode !== 0) throw failed(ctx, listArgv, listed)
  const existing = parseNfacctList(listed.stdout)
  const created: string[] = []
  for (const name of names) {
    if (existing.has(name)) continue
    const r = await invoke(ctx, ['nfacct', 'add', name])
    if (r.exitCode !== 0)
      throw toolProblem(
        targetLabel(ctx.target),
        'APPLY_REJECTED',
        `nfacct add ${name} failed (${firstLine(r.stderr) || `exit ${r.exitCode}`}); the ruleset counts packets with nfacct: compile with --no-nfacct where nfacct is not available`,
      )
    created.push(name)
  }
  return created
}
