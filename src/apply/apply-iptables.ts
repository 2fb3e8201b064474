// Loads one family's iptables-restore payload: per table one atomic --noflush restore that also holds the jump rules and stale-chain removals.
import type { IpFamily } from '../model/ip.ts'
import { failed, invoke, type Context } from './invoke.ts'
import { checkArgv, JUMP_RULES, restoreLine, type IptablesTable, type JumpRule } from './iptables-jumps.ts'
import { EMPTY_TABLE, parseIptablesSave, type SavedTable } from './iptables-save.ts'
import { targetLabel } from './netns.ts'
import { ensureCounters, nfacctCounters } from './nfacct.ts'
import { foreignChains, IPTABLES_MARK, SERVICE_CHAIN } from './ownership.ts'
import { addedLine, payloadText, renderedLines, type PayloadLine } from './payload.ts'
import { Abort, usage } from './problem.ts'
import { parseIptablesRestoreError, pinMissingChain, rejection, sourceOf } from './restore-error.ts'
import { rulesetLabel, type ApplyRuleset } from './ruleset.ts'

export interface IptablesTools {
  readonly restore: string
  readonly save: string
  readonly iptables: string
}

export function toolsFor(family: IpFamily): IptablesTools {
  return family === 'ipv4'
    ? { restore: 'iptables-restore', save: 'iptables-save', iptables: 'iptables' }
    : { restore: 'ip6tables-restore', save: 'ip6tables-save', iptables: 'ip6tables' }
}

export const TABLES: readonly IptablesTable[] = ['filter', 'nat']

export type IptablesState = ReadonlyMap<IptablesTable, SavedTable>

/** One `iptables-save` (every table at once); tables it does not print are empty. */
export async function readIptablesState(ctx: Context, tools: IptablesTools): Promise<IptablesState> {
  const argv = [tools.save] as const
  const r = await invoke(ctx, argv)
  if (r.exitCode !== 0) throw failed(ctx, argv, r)
  return new Map(TABLES.map((t) => [t, parseIptablesSave(r.stdout, t)]))
}

/** "iptables filter KUBE-SERVICES": how refusals and summaries name a chain. */
export function foreignIptablesObjects(tools: IptablesTools, state: IptablesState): string[] {
  return [...state].flatMap(([table, saved]) => foreignChains(table, saved).map((c) => `${tools.iptables} ${table} ${c}`))
}

export interface Section {
  readonly table: IptablesTable
  readonly declared: ReadonlySet<string>
  /** Index of the COMMIT line in the payload. */
  readonly commit: number
}

/** The *table … COMMIT sections; only filter and nat, the tables kube-proxy writes, are accepted. */
export function sectionsOf(lines: readonly PayloadLine[], label: string): Section[] {
  const sections: Section[] = []
  let current: { table: IptablesTable; declared: Set<string> } | undefined
  lines.forEach((l, i) => {
    const text = l.text.trim()
    if (text.startsWith('*')) {
      const table = text.slice(1)
      if (table !== 'filter' && table !== 'nat') throw usage(`${label}: line ${i + 1}: svcc applies only the filter and nat tables, not ${table}`)
      current = { table, declared: new Set() }
    } else if (text === 'COMMIT' && current) {
      sections.push({ ...current, commit: i })
      current = undefined
    } else if (text.startsWith(':') && current) current.declared.add(text.slice(1).split(' ')[0] ?? '')
  })
  if (sections.length === 0) throw usage(`${label}: not an iptables-restore payload (no *filter or *nat … COMMIT section)`)
  return sections
}

export interface IptablesPlan {
  readonly payload: PayloadLine[]
  readonly tables: readonly IptablesTable[]
  readonly stale: readonly string[]
  readonly jumpsInserted: number
}

/**
 * Adds to each table's section, before its COMMIT: the ownership mark; kube-proxy's jump targets
 * that nothing declares yet (its `iptables -N`); ":CHAIN" + "-X CHAIN" for per-service chains the
 * payload no longer declares; and "-I" for each jump rule `iptables -C` does not find. Inside the
 * restore, the jump rules are atomic with the chains they point to: a failing restore inserts none.
 */
export async function planIptables(ctx: Context, tools: IptablesTools, ruleset: ApplyRuleset, state: IptablesState): Promise<IptablesPlan> {
  const lines = renderedLines(ruleset.rendered)
  const sections = sectionsOf(lines, rulesetLabel(ruleset))
  const stale: string[] = []
  let jumpsInserted = 0
  const extras = new Map<number, PayloadLine[]>()
  for (const section of sections) {
    const saved = state.get(section.table) ?? EMPTY_TABLE
    const added: PayloadLine[] = [addedLine(`:${IPTABLES_MARK} - [0:0]`, 'ownership mark')]
    const rules = JUMP_RULES.filter((r) => r.table === section.table)
    for (const target of new Set(rules.map((r) => r.target)))
      if (!section.declared.has(target) && !saved.chains.has(target)) added.push(addedLine(`:${target} - [0:0]`, 'jump target, created as kube-proxy does with iptables -N'))
    const staleHere = staleChains(section, saved)
    for (const c of staleHere) added.push(addedLine(`:${c} - [0:0]`, 'stale chain, flushed before removal'))
    for (const c of staleHere) added.push(addedLine(`-X ${c}`, 'stale chain removal'))
    stale.push(...staleHere)
    for (const rule of rules) {
      if (await jumpExists(ctx, tools, rule, saved)) continue
      added.push(addedLine(restoreLine('-I', rule), `kube-proxy jump rule from ${rule.chain}`))
      jumpsInserted++
    }
    extras.set(section.commit, added)
  }
  const payload = lines.flatMap((l, i) => [...(extras.get(i) ?? []), l])
  return { payload, tables: sections.map((s) => s.table), stale, jumpsInserted }
}

/** Per-service chains (kube-proxy's cleanup prefixes, nat only) that exist but the payload no longer declares. */
export function staleChains(section: Section, saved: SavedTable): string[] {
  return section.table === 'nat' ? [...saved.chains.keys()].filter((c) => SERVICE_CHAIN.test(c) && !section.declared.has(c)).sort() : []
}

/**
 * kube-proxy's EnsureRule check, with two shortcuts that spare a process per rule: a rule cannot
 * exist while its target chain does not, and one that iptables-save printed in exactly our
 * spelling exists. Only a rule missing from the listing is confirmed with `iptables -C`, which
 * compares rules the way the kernel tool does, whatever the spelling.
 */
async function jumpExists(ctx: Context, tools: IptablesTools, rule: JumpRule, saved: SavedTable): Promise<boolean> {
  if (!saved.chains.has(rule.target)) return false
  const spelled = restoreLine('-A', rule).slice(`-A ${rule.chain} `.length)
  if (saved.rules.some((r) => r.chain === rule.chain && r.spec === spelled)) return true
  const argv = checkArgv(tools.iptables, rule)
  const r = await invoke(ctx, argv)
  if (r.exitCode === 0) return true
  if (r.exitCode === 1) return false
  throw failed(ctx, argv, r)
}

/**
 * `--test` first: it parses every table without committing any, so a syntax error in nat cannot
 * leave a new filter table behind (each COMMIT is atomic on its own, not the payload). Then the
 * nfacct counters, then the restore. Returns the counters created.
 */
export async function loadIptables(ctx: Context, tools: IptablesTools, ruleset: ApplyRuleset, payload: readonly PayloadLine[]): Promise<string[]> {
  const text = payloadText(payload)
  await restore(ctx, tools, ruleset, payload, [tools.restore, '--noflush', '--test'], text)
  const created = await ensureCounters(ctx, nfacctCounters(text))
  await restore(ctx, tools, ruleset, payload, [tools.restore, '--noflush'], text)
  return created
}

async function restore(ctx: Context, tools: IptablesTools, ruleset: ApplyRuleset, payload: readonly PayloadLine[], argv: [string, ...string[]], text: string): Promise<void> {
  const r = await invoke(ctx, argv, text)
  if (r.exitCode === 0) return
  throw new Abort(rejection(tools.restore, sourceOf(ruleset), payload, pinMissingChain(payload, parseIptablesRestoreError(r.stderr)), targetLabel(ctx.target)))
}
