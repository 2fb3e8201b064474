// Names what the ruleset text cannot tell apart, from the plan it was rendered from: labels only, never the packet's way.
import { compareIps, parseIp, type Ip } from '../model/ip.ts'
import type { Plan } from '../plan/types.ts'
import { serviceRef } from './rendered.ts'
import type { Frontend, TraceResult } from './types.ts'

/**
 * nft sends external IPs and load-balancer IPs to the same external chain, and iptables'
 * no-endpoint rules for both look alike: the plan says which one the destination is. A trace
 * whose text named no service port gets it from the plan when exactly one port has that
 * address, port and protocol.
 */
export function annotateWithPlan(result: TraceResult, plan: Plan): TraceResult {
  const family = plan.families.find((f) => f.family === result.packet.family)
  const dst = parseIp(result.packet.destination)
  if (!family || !dst || result.frontend === undefined) return result
  const same = (list: readonly Ip[]) => list.some((ip) => compareIps(ip, dst) === 0)
  const candidates = family.servicePorts.filter(
    (sp) => sp.protocol === result.packet.protocol && sp.port === result.packet.port && (result.service === undefined || sp.spn === result.service.spn),
  )
  let frontend: Frontend = result.frontend
  if (frontend === 'externalOrLoadBalancerIP') {
    if (candidates.some((sp) => same(sp.loadBalancerIPs))) frontend = 'loadBalancerIP'
    else if (candidates.some((sp) => same(sp.externalIPs))) frontend = 'externalIP'
  }
  const service =
    result.service ??
    (() => {
      const hits = candidates.filter((sp) => same([sp.clusterIP, ...sp.externalIPs, ...sp.loadBalancerIPs]))
      return hits.length === 1 ? serviceRef(hits[0]!.spn) : undefined
    })()
  return { ...result, frontend, service }
}
