// Entry point of the applier: checks the target, then loads nft or iptables rulesets into it (or only checks them).
import { performance } from 'node:perf_hooks'
import { foreignIptablesObjects, loadIptables, planIptables, readIptablesState, sectionsOf, staleChains, toolsFor, type IptablesState } from './apply-iptables.ts'
import { applyNft, type NftReport } from './apply-nft.ts'
import { EMPTY_TABLE } from './iptables-save.ts'
import type { Context } from './invoke.ts'
import { describeTarget, targetLabel, type Target } from './netns.ts'
import { notOwnedMessage } from './ownership.ts'
import { renderedLines } from './payload.ts'
import { Abort, catchAbort, usage, type Outcome } from './problem.ts'
import { rulesetLabel, type ApplyRuleset } from './ruleset.ts'
import { iptablesSummary, nftSummary, type IptablesReport } from './summary.ts'
import type { Runner } from './runner.ts'
import { checkTargetExists } from './target-check.ts'
import { throwawayName, withThrowawayNetns } from './throwaway.ts'

export interface ApplyOptions {
  readonly runner: Runner
  readonly target: Target
  /** Validate with the kernel, commit nothing: `nft -c` in the target; iptables in a throwaway namespace. */
  readonly check?: boolean
  /** Replace kube-proxy objects svcc did not write. */
  readonly force?: boolean
  /** Millisecond clock for the summary (tests pin it). */
  readonly now?: () => number
  /** Name of --check's throwaway namespace (tests pin it). */
  readonly throwawayName?: () => string
}

/**
 * Loads the rulesets (all of one format; iptables: one per family) and returns the summary line,
 * or the problems. Never throws for a failing tool. A failure leaves the previous rules in place:
 * nft loads one transaction, iptables one atomic restore per table (see loadIptables).
 */
export async function applyRulesets(rulesets: readonly ApplyRuleset[], options: ApplyOptions): Promise<Outcome<string>> {
  const now = options.now ?? (() => performance.now())
  const start = now()
  const ctx: Context = { runner: options.runner, target: options.target }
  return catchAbort(async () => {
    const format = rulesets[0]?.format
    if (format === undefined) throw usage('nothing to apply')
    if (rulesets.some((r) => r.format !== format)) throw usage('cannot apply nft and iptables rulesets together')
    await checkTargetExists(ctx)
    const where = describeTarget(options.target)
    const check = options.check ?? false
    const force = options.force ?? false
    if (format === 'nft') {
      const reports: NftReport[] = []
      for (const r of rulesets) reports.push(await applyNft(ctx, r, { force, check }))
      return nftSummary(where, reports, check, now() - start)
    }
    if (!check) {
      const reports: IptablesReport[] = []
      for (const r of rulesets) reports.push(await applyIptables(ctx, r, force))
      return iptablesSummary(where, reports, undefined, now() - start)
    }
    const name = (options.throwawayName ?? throwawayName)()
    const reports = await checkIptables(ctx, rulesets, force, name)
    return iptablesSummary(where, reports, { throwaway: name }, now() - start)
  })
}

async function applyIptables(ctx: Context, ruleset: ApplyRuleset, force: boolean): Promise<IptablesReport> {
  const family = ruleset.family ?? 'ipv4'
  const tools = toolsFor(family)
  const state = await readIptablesState(ctx, tools)
  const foreign = refuseForeign(ctx, foreignIptablesObjects(tools, state), force, 'apply')
  const plan = await planIptables(ctx, tools, ruleset, state)
  const countersCreated = await loadIptables(ctx, tools, ruleset, plan.payload)
  return { family, tables: plan.tables, stale: plan.stale, jumpsInserted: plan.jumpsInserted, countersCreated, foreign }
}

/**
 * `iptables-restore --test` only parses (it misses undefined jump targets and missing nfacct
 * counters), so --check loads the whole payload, jump rules included, into a fresh throwaway
 * namespace: a faithful kernel check of the ruleset itself. The target is only read (ownership,
 * stale chains); removing its stale chains is the one step not rehearsed.
 */
async function checkIptables(ctx: Context, rulesets: readonly ApplyRuleset[], force: boolean, name: string): Promise<IptablesReport[]> {
  const before = new Map<ApplyRuleset, { state: IptablesState; foreign: string[] }>()
  for (const r of rulesets) {
    const tools = toolsFor(r.family ?? 'ipv4')
    const state = await readIptablesState(ctx, tools)
    before.set(r, { state, foreign: refuseForeign(ctx, foreignIptablesObjects(tools, state), force, 'check') })
  }
  return withThrowawayNetns(ctx.runner, name, async (target) => {
    const scratch: Context = { runner: ctx.runner, target }
    const reports: IptablesReport[] = []
    for (const r of rulesets) {
      const family = r.family ?? 'ipv4'
      const tools = toolsFor(family)
      const plan = await planIptables(scratch, tools, r, new Map())
      const countersCreated = await loadIptables(scratch, tools, r, plan.payload)
      const { state, foreign } = before.get(r)!
      const stale = sectionsOf(renderedLines(r.rendered), rulesetLabel(r)).flatMap((s) => staleChains(s, state.get(s.table) ?? EMPTY_TABLE))
      reports.push({ family, tables: plan.tables, stale, jumpsInserted: plan.jumpsInserted, countersCreated, foreign })
    }
    return reports
  })
}

function refuseForeign(ctx: Context, foreign: string[], force: boolean, verb: 'apply' | 'check'): string[] {
  if (foreign.length > 0 && !force) throw new Abort({ kind: 'not-owned', message: notOwnedMessage(targetLabel(ctx.target), foreign, verb), objects: foreign })
  return foreign
}
