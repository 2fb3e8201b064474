// `svcc delete`: removes what svcc wrote in a namespace (marked tables and their jump rules) and nothing else.
import { performance } from 'node:perf_hooks'
import type { IpFamily } from '../model/ip.ts'
import type { Format } from '../model/settings.ts'
import { foreignIptablesObjects, readIptablesState, TABLES, toolsFor, type IptablesState } from './apply-iptables.ts'
import { invoke, type Context } from './invoke.ts'
import { describeTarget, targetLabel, type Target } from './netns.ts'
import { foreignNftTables, ownedNftTables, readNftState } from './nft-state.ts'
import { ownedChains } from './ownership.ts'
import { addedLine, payloadText, type PayloadLine } from './payload.ts'
import { Abort, catchAbort, type Outcome } from './problem.ts'
import { parseIptablesRestoreError, parseNftErrors, rejection, type LineSource } from './restore-error.ts'
import { familyName } from './ruleset.ts'
import type { Runner } from './runner.ts'
import { formatMs } from './summary.ts'
import { checkTargetExists } from './target-check.ts'

export interface DeleteOptions {
  readonly runner: Runner
  readonly target: Target
  /** Only these formats; then a missing tool is an error. Default: both, skipping a format whose tool is not installed. */
  readonly formats?: readonly Format[]
  readonly now?: () => number
}

interface Findings {
  readonly removed: string[]
  readonly leftAlone: string[]
  readonly skipped: string[]
}

const DELETE_SOURCE: LineSource = { label: '<svcc delete>', origins: [] }

export async function deleteOwned(options: DeleteOptions): Promise<Outcome<string>> {
  const now = options.now ?? (() => performance.now())
  const start = now()
  const ctx: Context = { runner: options.runner, target: options.target }
  return catchAbort(async () => {
    await checkTargetExists(ctx)
    const found: Findings = { removed: [], leftAlone: [], skipped: [] }
    const formats = options.formats ?? ['nft', 'iptables']
    const tolerant = options.formats === undefined
    if (formats.includes('nft')) await skippable(found, tolerant, 'nft', () => deleteNft(ctx, found))
    if (formats.includes('iptables'))
      for (const family of ['ipv4', 'ipv6'] as const) await skippable(found, tolerant, toolsFor(family).save, () => deleteIptables(ctx, family, found))
    const where = describeTarget(options.target)
    const head = found.removed.length > 0 ? `deleted svcc's rules from ${where}: ${found.removed.join('; ')}` : `nothing of svcc's to delete in ${where}`
    const left = found.leftAlone.length > 0 ? `; left alone (not written by svcc): ${found.leftAlone.join(', ')}` : ''
    const skipped = found.skipped.length > 0 ? `; skipped (not installed): ${found.skipped.join(', ')}` : ''
    return `${head}${left}${skipped} (${formatMs(now() - start)})`
  })
}

/** Without --format, a format whose tool is missing cannot have been applied by svcc here: note it and go on. */
async function skippable(found: Findings, tolerant: boolean, tool: string, work: () => Promise<void>): Promise<void> {
  try {
    await work()
  } catch (e) {
    const p = e instanceof Abort ? e.problems[0] : undefined
    if (tolerant && p?.kind === 'diagnostic' && p.diagnostic.code === 'APPLY_COMMAND_NOT_FOUND' && p.diagnostic.message.startsWith(`${tool} not found`)) {
      found.skipped.push(tool)
      return
    }
    throw e
  }
}

async function deleteNft(ctx: Context, found: Findings): Promise<void> {
  const state = await readNftState(ctx)
  found.leftAlone.push(...foreignNftTables(state))
  const owned = ownedNftTables(state)
  if (owned.length === 0) return
  // One transaction: both tables go, or neither.
  const payload = owned.map((t) => addedLine(`delete table ${t}`, 'svcc delete'))
  const r = await invoke(ctx, ['nft', '-f', '-'], payloadText(payload))
  if (r.exitCode !== 0) {
    const [first, ...rest] = parseNftErrors(r.stderr).map((e) => rejection('nft', DELETE_SOURCE, payload, e, targetLabel(ctx.target)))
    throw new Abort(first!, ...rest)
  }
  found.removed.push(...owned.map((t) => `table ${t}`))
}

async function deleteIptables(ctx: Context, family: IpFamily, found: Findings): Promise<void> {
  const tools = toolsFor(family)
  const state = await readIptablesState(ctx, tools)
  const { payload, summary } = deletePayload(state)
  found.leftAlone.push(...foreignIptablesObjects(tools, state))
  if (payload.length === 0) return
  const r = await invoke(ctx, [tools.restore, '--noflush'], payloadText(payload))
  if (r.exitCode !== 0) throw new Abort(rejection(tools.restore, DELETE_SOURCE, payload, parseIptablesRestoreError(r.stderr), targetLabel(ctx.target)))
  found.removed.push(`iptables ${familyName(family)} ${summary.join(', ')}`)
}

/**
 * Per marked table, one atomic section: "-D" every rule that jumps to a chain being removed (the
 * built-in chains' jump rules, duplicates included, in their saved spelling), then flush and "-X"
 * each owned chain. A foreign chain that still jumps into svcc's makes the -X fail, and the table
 * stays as it was.
 */
export function deletePayload(state: IptablesState): { payload: PayloadLine[]; summary: string[] } {
  const payload: PayloadLine[] = []
  const summary: string[] = []
  for (const table of TABLES) {
    const saved = state.get(table)
    if (!saved) continue
    const owned = ownedChains(table, saved)
    if (owned.length === 0) continue
    const gone = new Set(owned)
    const jumps = saved.rules.filter((r) => saved.chains.get(r.chain) === true && r.target !== undefined && gone.has(r.target))
    payload.push(addedLine(`*${table}`, 'svcc delete'))
    for (const j of jumps) payload.push(addedLine(`-D ${j.chain} ${j.spec}`, 'jump rule removal'))
    for (const c of owned) payload.push(addedLine(`:${c} - [0:0]`, 'flush before removal'))
    for (const c of owned) payload.push(addedLine(`-X ${c}`, 'chain removal'))
    payload.push(addedLine('COMMIT', 'svcc delete'))
    summary.push(`${table} (${owned.length - 1} chains, ${jumps.length} jump rules)`)
  }
  return { payload, summary }
}
