// ClientIP affinity remembers clients in kernel lists of bounded size; past the bound, clients silently lose stickiness.
import type { Diagnostic, Severity } from '../diagnostics/diagnostic.ts'
import { diagnosticAt } from '../manifest/validate.ts'
import type { Format } from '../model/settings.ts'
import type { FamilyPlan } from '../plan/types.ts'
import type { Profile } from './index.ts'

/** xt_recent's ip_list_tot default: addresses kept per list (one list per endpoint in kube-proxy's rules). */
export const RECENT_LIST_MAX = 100
/** nft_dynset caps a set that is filled from the packet path and has no size (kernel commit 99a0efbe). */
export const DYNAMIC_SET_MAX = 65535

/**
 * One diagnostic per Service with ClientIP affinity and endpoints, in the terms of the chosen format.
 * iptables: a warning, because `-m recent` lists hold 100 addresses unless xt_recent is loaded with
 * a larger ip_list_tot, and 100 clients per endpoint is easily reached. nft: a notice, because the
 * affinity sets (no size, like kube-proxy's) hold 65535, far above what one endpoint usually sees;
 * a warning on every such Service would teach users to ignore warnings. The fast nft profile keeps
 * one set per service port instead of one per endpoint, so the bound is per port: a warning.
 */
export function affinityCapacityRule(families: readonly FamilyPlan[], format: Format, profile: Profile, shows: (severity: Severity) => boolean): Diagnostic[] {
  const fast = format === 'nft' && profile === 'fast'
  const severity = format === 'iptables' || fast ? 'warning' : 'notice'
  if (!shows(severity)) return []
  const seen = new Set<string>()
  const diagnostics: Diagnostic[] = []
  for (const family of families) {
    for (const sp of family.servicePorts) {
      if (sp.affinityTimeout === undefined || sp.reachableEndpoints.length === 0) continue
      const service = `${sp.namespace}/${sp.name}`
      if (seen.has(service)) continue
      seen.add(service)
      const message =
        format === 'iptables'
          ? `ClientIP affinity in iptables keeps at most ${RECENT_LIST_MAX} client addresses per endpoint (xt_recent ip_list_tot): past ${RECENT_LIST_MAX} clients per endpoint on this node, the oldest lose stickiness unless xt_recent is loaded with a larger ip_list_tot`
          : `ClientIP affinity in nft keeps at most ${DYNAMIC_SET_MAX} client addresses per ${fast ? 'service port (the fast profile has one set per port)' : 'endpoint'} (a dynamic set without a size): past that, new clients get no stickiness`
      diagnostics.push(diagnosticAt(sp.origin.object.source, ['spec', 'sessionAffinity'], 'KERNEL_LIMIT', message, { object: sp.origin.object.object, severity }))
    }
  }
  return diagnostics
}
