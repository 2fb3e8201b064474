// Confirms a named namespace exists before anything runs in it, so a typo is a usage error, not a tool failure.
import { failed, invoke, type Context } from './invoke.ts'
import { parseNetnsList } from './netns.ts'
import { usage } from './problem.ts'

export const NETNS_LIST_ARGV = ['ip', 'netns', 'list'] as const

/** Aborts with a usage error when the target is a namespace that `ip netns list` does not show. */
export async function checkTargetExists(ctx: Context): Promise<void> {
  if (ctx.target.kind !== 'netns') return
  const name = ctx.target.name
  // `ip netns list` itself runs in the current namespace.
  const r = await invoke({ runner: ctx.runner, target: { kind: 'host' } }, NETNS_LIST_ARGV)
  if (r.exitCode !== 0) throw failed(ctx, NETNS_LIST_ARGV, r)
  if (!parseNetnsList(r.stdout).includes(name)) throw usage(`no network namespace named ${JSON.stringify(name)} (see ip netns list; create one with ip netns add ${name})`)
}
