// Puts rendered rules into the lab's node the way users do: through svcc's applier (src/apply).
import { applyRulesets } from '../../src/apply/apply.ts'
import type { ApplyProblem, Outcome } from '../../src/apply/problem.ts'
import type { ApplyRuleset } from '../../src/apply/ruleset.ts'
import type { Runner } from '../../src/apply/runner.ts'
import type { Rendered } from '../../src/render/line-writer.ts'
import type { Lab } from './lab.ts'

export type Format = 'nft' | 'iptables'

/**
 * What the lab loads: a format, and for nft which renderer's shape. `nft` is kube-proxy's exact
 * text (renderNft); `nft-fast` is svcc's fast profile (renderNftFast): the same packet behaviour
 * in a shape built for load speed, the same `ip`/`ip6 kube-proxy` tables, so nft's expectations.
 */
export type Variant = 'nft' | 'nft-fast' | 'iptables'

export function formatOf(variant: Variant): Format {
  return variant === 'iptables' ? 'iptables' : 'nft'
}

export type RenderedRules =
  | { readonly format: 'nft'; readonly variant: 'nft' | 'nft-fast'; readonly rendered: Rendered }
  | { readonly format: 'iptables'; readonly variant: 'iptables'; readonly families: readonly { readonly family: 'ipv4' | 'ipv6'; readonly rendered: Rendered }[] }

export function applyRulesetsOf(rules: RenderedRules): ApplyRuleset[] {
  if (rules.format === 'nft') return [{ format: 'nft', family: undefined, rendered: rules.rendered }]
  return rules.families.map((f) => ({ format: 'iptables', family: f.family, rendered: f.rendered }))
}

/**
 * `svcc apply --netns <node>`, minus the CLI: the applier's own result, never thrown. The runner
 * is execa's (as the CLI runs it) or the lab's agent-backed one (lab.runner), which is faster.
 */
export function applyToNode(lab: Lab, rules: RenderedRules, runner: Runner): Promise<Outcome<string>> {
  return applyRulesets(applyRulesetsOf(rules), { runner, target: { kind: 'netns', name: lab.node } })
}

export function describeProblems(problems: readonly ApplyProblem[]): string {
  return problems.map((p) => (p.kind === 'diagnostic' ? `${p.diagnostic.code}: ${p.diagnostic.message}\n${p.excerpt.join('\n')}` : `${p.kind}: ${p.message}`)).join('\n')
}

const lastFormat = new WeakMap<Lab, Format>()

/**
 * The suites' loader. Within one format it applies on top of the previous case, so the applier's
 * update path (stale chains, replaced tables) carries every case after the first, and the first
 * nft-fast case replaces an nft one (either profile's file replaces the other's tables); when the
 * format changes it starts from an empty node, as kube-proxy's own mode switch needs a cleanup.
 * Conntrack is always flushed: old entries would keep a 5-tuple on an earlier case's DNAT target.
 * Returns what it loaded.
 */
export async function applierLoader(lab: Lab, rules: RenderedRules): Promise<RenderedRules> {
  const switching = lastFormat.get(lab) !== rules.format
  lastFormat.delete(lab)
  // No traffic flows while loading, so the conntrack flush may overlap the apply.
  const [outcome] = await Promise.all([
    (switching ? lab.resetNetfilter() : Promise.resolve()).then(() => applyToNode(lab, rules, lab.runner)),
    switching ? Promise.resolve() : lab.flushConntrack(),
  ])
  if (!outcome.ok) throw new Error(`svcc's applier refused the rules:\n${describeProblems(outcome.problems)}`)
  lastFormat.set(lab, rules.format)
  return rules
}
