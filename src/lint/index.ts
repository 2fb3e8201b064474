// Checks on the finished plan that depend on the output format: kernel limits users hit. Pure.
import { sortDiagnostics, type Diagnostic, type Severity } from '../diagnostics/diagnostic.ts'
import type { Format } from '../model/settings.ts'
import type { FamilyPlan } from '../plan/types.ts'
import { affinityCapacityRule } from './affinity-capacity.ts'
import { commentsDroppedRule } from './comments-dropped.ts'

/** nft's two shapes of the same behaviour: kube-proxy's text, or svcc's fast-loading one. */
export type Profile = 'kube-proxy' | 'fast'

/**
 * `shows` says which severities will be printed: a rule skips work whose diagnostics nobody sees
 * (locating 485 affinity notices in a 48 MB input cost 0.3 s of a --quiet compile).
 */
export type LintRule = (families: readonly FamilyPlan[], format: Format, profile: Profile, shows: (severity: Severity) => boolean) => Diagnostic[]

export const lintRules: readonly LintRule[] = [affinityCapacityRule, commentsDroppedRule]

/**
 * `families` are the ones being printed (iptables prints one family per run, nft all of them).
 * Returns sorted diagnostics; an error means the ruleset must not be used. (Chain and set names need
 * no check here: test/plan/names.test.ts shows they fit the kernel's limits for any valid input.)
 */
export function lintRuleset(
  families: readonly FamilyPlan[],
  format: Format,
  profile: Profile = 'kube-proxy',
  shows: (severity: Severity) => boolean = () => true,
  rules: readonly LintRule[] = lintRules,
): Diagnostic[] {
  return sortDiagnostics(rules.flatMap((rule) => rule(families, format, profile, shows)))
}
