// Past 1000 endpoints kube-proxy's iptables mode leaves out per-endpoint comments, and so does svcc.
import type { Diagnostic } from '../diagnostics/diagnostic.ts'
import type { Format } from '../model/settings.ts'
import { LARGE_CLUSTER_ENDPOINTS } from '../plan/build.ts'
import type { FamilyPlan } from '../plan/types.ts'

/** Says so, because anyone grepping the ruleset for a Service name then finds fewer lines. */
export function commentsDroppedRule(families: readonly FamilyPlan[], format: Format): Diagnostic[] {
  if (format !== 'iptables') return []
  return families
    .filter((f) => f.largeCluster)
    .map((f) => {
      const total = f.servicePorts.reduce((n, sp) => n + sp.allEndpoints.length, 0)
      return {
        severity: 'warning',
        code: 'COMMENTS_DROPPED',
        message: `${total} ${f.family === 'ipv4' ? 'IPv4' : 'IPv6'} endpoints, more than ${LARGE_CLUSTER_ENDPOINTS}: as kube-proxy does, the iptables ruleset leaves out the per-endpoint comments`,
        file: '<ruleset>',
      } satisfies Diagnostic
    })
}
