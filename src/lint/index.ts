// Checks on the finished plan that depend on the output format: kernel limits users hit. Pure.
import { sortDiagnostics, type Diagnostic } from '../diagnostics/diagnostic.ts'
import type { Format } from '../model/settings.ts'
import type { FamilyPlan } from '../plan/types.ts'
import { affinityCapacityRule } from './affinity-capacity.ts'
import { chainNamesRule } from './chain-names.ts'
import { commentsDroppedRule } from './comments-dropped.ts'

/** nft's two shapes of the same behaviour: kube-proxy's text, or svcc's fast-loading one. */
export type Profile = 'kube-proxy' | 'fast'

export type LintRule = (families: readonly FamilyPlan[], format: Format, profile: Profile) => Diagnostic[]

export const lintRules: readonly LintRule[] = [affinityCapacityRule, chainNamesRule, commentsDroppedRule]

/**
 * `families` are the ones being printed (iptables prints one family per run, nft all of them).
 * Returns sorted diagnostics; an error (a name the kernel refuses) means the ruleset must not be used.
 */
export function lintRuleset(families: readonly FamilyPlan[], format: Format, profile: Profile = 'kube-proxy', rules: readonly LintRule[] = lintRules): Diagnostic[] {
  return sortDiagnostics(rules.flatMap((rule) => rule(families, format, profile)))
}
