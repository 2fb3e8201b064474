// Removing lab namespaces: leftovers of a killed run by their owner pid, and any process still inside one.
import { run } from './exec.ts'

/** Every namespace the lab creates starts with this; the sweep only ever touches `PREFIX<tag>-`. */
export const PREFIX = 'svcc-e2e-'

/**
 * Deletes leftovers of an earlier run of the same test file (killed before its afterAll ran).
 * The owner's pid is part of each name: a lab whose owner still runs belongs to a concurrent
 * run of the same file (another `npm test`) and is left alone.
 */
export async function sweep(tag: string): Promise<void> {
  const mine = new RegExp(`^${PREFIX}${tag}-([0-9]+)-[0-9a-f]+-[a-z0-9]+$`)
  const leftovers = (await listNamespaces()).filter((ns) => {
    const owner = mine.exec(ns)?.[1]
    return owner !== undefined && !isAlive(Number(owner))
  })
  await deleteNamespaces(leftovers)
}

export async function listNamespaces(): Promise<string[]> {
  return (await run(['ip', 'netns', 'list'])).stdout
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter((n) => n !== '')
}

/** Kills what still runs inside (by pid), then deletes the namespaces (their veths go with them). */
export async function deleteNamespaces(namespaces: readonly string[]): Promise<void> {
  if (namespaces.length === 0) return
  await Promise.all(namespaces.map(killInside))
  await run(['ip', '-batch', '-'], { input: namespaces.map((ns) => `netns del ${ns}\n`).join(''), allowFailure: true })
}

async function killInside(ns: string): Promise<void> {
  const pids = (await run(['ip', 'netns', 'pids', ns], { allowFailure: true })).stdout.split(/\s+/).filter((p) => /^[0-9]+$/.test(p))
  for (const pid of pids) {
    try {
      process.kill(Number(pid), 'SIGKILL')
    } catch {
      // already gone
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'
  }
}
