// Names what kube-proxy's nft objects a trace went through stand for: the address kind and the service port.
import { parseIp, type Ip } from '../../model/ip.ts'
import type { Frontend, TraceStep } from '../types.ts'
import type { NftTable } from './types.ts'
import { sameIp } from './walk.ts'

/** Per-service-port chains: "service-HASH-ns/name/proto/port", and "endpoint-HASH-…__ip/port". */
const SERVICE_CHAIN = /(?:^|\s)(?:service|local|external|firewall|endpoint)-[A-Z2-7]{8}-([^\s/]+)\/([^\s/]+)\/(?:tcp|udp|sctp)\/([^\s/_]*)(?:__\S*)?(?:\s|$)/

/** The map a service address is found in says which kind of address it is (kube-proxy-nftables.md §8). */
export function frontendOf(table: NftTable, steps: readonly TraceStep[], destination: Ip): Frontend | undefined {
  let found: Frontend | undefined
  for (const s of steps) {
    const set = s.element?.set
    // kube-proxy's firewall-ips vmap, or the fast profile's firewall-check rule (which may show only its allow element).
    if (set === '@firewall-ips' || set === '@firewall-allow') return 'loadBalancerIP'
    if (found) continue
    if (set === '@service-nodeports' || set === '@no-endpoint-nodeports') found = 'nodePort'
    else if (set === '@service-ips') found = /^goto (service|local)-/.test(s.action) ? 'clusterIP' : 'externalOrLoadBalancerIP'
    else if (set === '@no-endpoint-services') found = isClusterIP(table, destination) ? 'clusterIP' : 'externalOrLoadBalancerIP'
    else if (s.chain === 'cluster-ips-check' && s.reason === 'invalidClusterIPPort') found = 'clusterIP'
  }
  return found
}

/** "ns/name:port" from a per-service chain name on the step, or the no-endpoint element's comment (which is the name). */
export function spnOf(step: TraceStep): string | undefined {
  const m = SERVICE_CHAIN.exec(`${step.chain} ${step.action}`)
  if (m) return m[3] === '' ? `${m[1]}/${m[2]}` : `${m[1]}/${m[2]}:${m[3]}`
  const set = step.element?.set
  if ((set === '@no-endpoint-services' || set === '@no-endpoint-nodeports') && step.element?.comment) return step.element.comment
  return undefined
}

function isClusterIP(table: NftTable, ip: Ip): boolean {
  const set = table.containers.get('cluster-ips')
  return set?.elements.some((e) => e.key.length === 1 && sameIpText(e.key[0]!, ip)) ?? false
}

function sameIpText(text: string, ip: Ip): boolean {
  const parsed = parseIp(text)
  return parsed !== undefined && sameIp(parsed, ip)
}
