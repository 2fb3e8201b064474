// Two Services must not claim the same IP, port and protocol: kube-proxy would silently pick one.
import type { Diagnostic } from '../../diagnostics/diagnostic.ts'
import { diagnosticAt, locationOf } from '../../manifest/validate.ts'
import type { Ip } from '../ip.ts'
import type { Model, Origin } from '../types.ts'

export function uniqueFrontendsRule(model: Model): Diagnostic[] {
  const diagnostics: Diagnostic[] = []
  const claimed = new Map<string, { origin: Origin; what: string }>()
  for (const service of model.services) {
    const ips: { ip: Ip; what: string; path: (string | number)[] }[] = [
      ...Object.values(service.clusterIPs).map((ip) => ({ ip: ip!, what: 'cluster IP', path: ['spec', 'clusterIP'] })),
      ...service.externalIPs.map((ip, i) => ({ ip, what: 'external IP', path: ['spec', 'externalIPs', i] })),
      ...service.loadBalancerIPs.map((ip) => ({ ip, what: 'load-balancer IP', path: ['status', 'loadBalancer', 'ingress'] })),
    ]
    for (const port of service.ports) {
      for (const { ip, what, path } of ips) {
        const key = `${ip.text}/${port.port}/${port.protocol}`
        const first = claimed.get(key)
        const origin: Origin = { object: service.origin, path: what === 'cluster IP' ? port.origin.path : path }
        if (!first) {
          claimed.set(key, { origin, what })
          continue
        }
        if (first.origin.object === service.origin) continue // a Service may list an IP twice; kube-proxy dedups
        diagnostics.push(
          diagnosticAt(service.origin.source, origin.path, 'DUPLICATE_FRONTEND', `${what} ${ip.text} port ${port.port}/${port.protocol.toUpperCase()} is also claimed by ${first.origin.object.object} (as its ${first.what})`, {
            object: service.origin.object,
            related: [locationOf(first.origin.object.source, first.origin.path, first.origin.object.object)],
          }),
        )
      }
    }
  }
  return diagnostics
}
