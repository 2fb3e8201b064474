// A namespace that exists only for the duration of one check: created, used, deleted even when the check fails.
import { randomBytes } from 'node:crypto'
import { failed, invoke } from './invoke.ts'
import type { Target } from './netns.ts'
import type { Runner } from './runner.ts'

export const THROWAWAY_PREFIX = 'svcc-check-'

export function throwawayName(): string {
  return `${THROWAWAY_PREFIX}${randomBytes(4).toString('hex')}`
}

export async function withThrowawayNetns<T>(runner: Runner, name: string, work: (target: Target) => Promise<T>): Promise<T> {
  const host = { runner, target: { kind: 'host' } as const }
  const add = ['ip', 'netns', 'add', name] as const
  const r = await invoke(host, add)
  if (r.exitCode !== 0) throw failed(host, add, r)
  try {
    return await work({ kind: 'netns', name })
  } finally {
    // Its rules go with it: deleting a namespace frees its netfilter tables and nfacct objects.
    await runner.run(['ip', 'netns', 'delete', name], '')
  }
}
