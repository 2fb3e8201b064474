// What both nft shapes (kube-proxy's and the fast profile's) write alike: words, base chains, jump rules, static rules.
import type { Ip } from '../../model/ip.ts'
import type { FamilyPlan, LocalDetector, ServicePortPlan } from '../../plan/types.ts'

/** Family-dependent words of the rule text. */
export interface Words {
  readonly ip: 'ip' | 'ip6'
  readonly addr: 'ipv4_addr' | 'ipv6_addr'
  readonly loopback: string
  readonly mark: string
  /** The statement that asks nat-postrouting to masquerade. */
  readonly masquerade: string
}

export function wordsFor(plan: FamilyPlan): Words {
  return {
    ip: plan.family === 'ipv4' ? 'ip' : 'ip6',
    addr: plan.family === 'ipv4' ? 'ipv4_addr' : 'ipv6_addr',
    loopback: plan.family === 'ipv4' ? '127.0.0.0/8' : '::1',
    mark: plan.masqueradeMark,
    masquerade: `mark set mark or ${plan.masqueradeMark}`,
  }
}

/** Base chains: name, type, hook, priority (knftables writes dstnat-10 as -110). */
export const BASE_CHAINS: readonly (readonly [string, 'filter' | 'nat', string, number])[] = [
  // Source ranges are checked before DNAT so they see the original destination (the LB IP).
  ['filter-prerouting-pre-dnat', 'filter', 'prerouting', -110],
  ['filter-output-pre-dnat', 'filter', 'output', -110],
  // No-endpoint checks run after DNAT: a load-balanced packet no longer matches a service IP.
  ['filter-forward', 'filter', 'forward', 0],
  ['filter-input', 'filter', 'input', 0],
  ['filter-output', 'filter', 'output', 0],
  ['nat-prerouting', 'nat', 'prerouting', -100],
  ['nat-output', 'nat', 'output', -100],
  ['nat-postrouting', 'nat', 'postrouting', 100],
]

export const HELPER_CHAINS = ['nodeport-endpoints-check', 'service-endpoints-check', 'firewall-check', 'services', 'masquerading', 'cluster-ips-check'] as const

export const REJECT_CHAIN_SPEC = 'comment "helper for @no-endpoint-services / @no-endpoint-nodeports" ;'

/**
 * The jumps from the base chains, in kube-proxy's order. Reject is not allowed in prerouting on
 * kernels before 5.9, so the no-endpoint checks hook input, forward and output.
 */
export const JUMP_RULES: readonly (readonly [string, string])[] = [
  ['filter-input', 'ct state new jump nodeport-endpoints-check'],
  ['filter-input', 'ct state new jump service-endpoints-check'],
  ['filter-forward', 'ct state new jump service-endpoints-check'],
  ['filter-forward', 'ct state new jump cluster-ips-check'],
  ['filter-output', 'ct state new jump service-endpoints-check'],
  ['filter-output', 'ct state new jump cluster-ips-check'],
  ['filter-prerouting-pre-dnat', 'ct state new jump firewall-check'],
  ['filter-output-pre-dnat', 'ct state new jump firewall-check'],
  ['nat-output', 'jump services'],
  ['nat-prerouting', 'jump services'],
  ['nat-postrouting', 'jump masquerading'],
]

/** Declarations of the sets and maps both shapes have, by name. */
export function staticSpecs(v: Words) {
  return {
    clusterIps: `type ${v.addr} ; comment "Active ClusterIPs" ;`,
    hairpin: `type ${v.addr} . ${v.addr} . inet_proto . inet_service ; comment "service hairpin connections" ;`,
    nodePortIps: `type ${v.addr} ; comment "IPs that accept NodePort traffic" ;`,
    noEndpointServices: `type ${v.addr} . inet_proto . inet_service : verdict ; comment "vmap to drop or reject packets to services with no endpoints" ;`,
    noEndpointNodePorts: `type inet_proto . inet_service : verdict ; comment "vmap to drop or reject packets to service nodeports with no endpoints" ;`,
    serviceIps: `type ${v.addr} . inet_proto . inet_service : verdict ; comment "ClusterIP, ExternalIP and LoadBalancer IP traffic" ;`,
    serviceNodePorts: `type inet_proto . inet_service : verdict ; comment "NodePort traffic" ;`,
  } as const
}

/** Static rules of the helper chains that do not depend on the shape, chain by chain. */
export function staticRules(plan: FamilyPlan, v: Words): [string, string][] {
  const rules: [string, string][] = [
    ['masquerading', `mark and ${v.mark} != 0 mark set mark xor ${v.mark} masquerade fully-random`],
    ['masquerading', `ct status dnat ${v.ip} saddr . ${v.ip} daddr . meta l4proto . th dport @hairpin-connections masquerade fully-random`],
    ['cluster-ips-check', `${v.ip} daddr @cluster-ips reject comment "Reject traffic to invalid ports of ClusterIPs"`],
  ]
  if (plan.serviceCIDRs.length > 0)
    rules.push(['cluster-ips-check', `${v.ip} daddr { ${plan.serviceCIDRs.map((c) => c.text).join(',')} } drop comment "Drop traffic to unallocated ClusterIPs"`])
  rules.push(
    ['reject-chain', 'reject'],
    ['service-endpoints-check', `${v.ip} daddr . meta l4proto . th dport vmap @no-endpoint-services`],
    ['nodeport-endpoints-check', `${nodePortDaddr(plan, v)} meta l4proto . th dport vmap @no-endpoint-nodeports`],
  )
  return rules
}

/** The rules of the services chain: ClusterIP masquerade, then dispatch by service IP and by node port. */
export function servicesRules(plan: FamilyPlan, v: Words): string[] {
  const rules: string[] = []
  if (plan.masqueradeAll) rules.push(`${v.ip} daddr @cluster-ips ${v.masquerade} comment "masquerade all clusterIP traffic"`)
  else if (plan.localDetector)
    rules.push(`${v.ip} daddr @cluster-ips ${detector(plan.localDetector, v, false)} ${v.masquerade} comment "masquerade clusterIP traffic from outside cluster"`)
  rules.push(`${v.ip} daddr . meta l4proto . th dport vmap @service-ips`)
  rules.push(`${plan.nodePorts.matchAll ? 'fib daddr type local ' : ''}${nodePortDaddr(plan, v)} meta l4proto . th dport vmap @service-nodeports`)
  return rules
}

/**
 * The rules of a service port's external chain (NodePort, external and LB IP traffic).
 * externalTrafficPolicy Cluster masquerades everything; Local lets pods and the node itself use
 * every endpoint (the cluster chain) and keeps only external clients on this node's endpoints.
 * The last rule sends the rest to the policy's chain, when that chain has endpoints.
 */
export function externalChainRules(plan: FamilyPlan, sp: ServicePortPlan, v: Words, clusterChain: string, policyChain: string): string[] {
  const rules: string[] = []
  if (!sp.externalPolicyLocal) {
    rules.push(`${v.masquerade} comment "masquerade"`)
  } else {
    if (plan.localDetector) rules.push(`${detector(plan.localDetector, v, true)} goto ${clusterChain} comment "short-circuit pod traffic"`)
    rules.push(`fib saddr type local ${v.masquerade} comment "masquerade local traffic"`)
    rules.push(`fib saddr type local goto ${clusterChain} comment "short-circuit local traffic"`)
  }
  if (sp.hasExternal) rules.push(`goto ${policyChain}`)
  return rules
}

/** Which destinations are NodePort addresses; with every local address accepted, kube-proxy deletes the nodeport-ips set. */
export function nodePortDaddr(plan: FamilyPlan, v: Words): string {
  return plan.nodePorts.matchAll ? `${v.ip} daddr != ${v.loopback}` : `${v.ip} daddr @nodeport-ips`
}

/** The nodeport-ips elements: nftables mode never serves NodePorts on loopback. */
export function nodePortIps(plan: FamilyPlan): Ip[] {
  return plan.nodePorts.matchAll ? [] : plan.nodePorts.addresses.filter((a) => !isLoopback(a))
}

/** kube-proxy's LocalTrafficDetector as nft words: pod traffic (local) or all other traffic. */
export function detector(d: LocalDetector, v: Words, local: boolean): string {
  const op = local ? '' : '!= '
  switch (d.kind) {
    case 'cidr':
      return `${v.ip} saddr ${op}${d.cidr.text}`
    case 'bridge':
      return `iif ${op}${d.interface}`
    case 'prefix':
      return `iif ${op}${d.prefix}*`
  }
}

function isLoopback(ip: Ip): boolean {
  return ip.family === 'ipv4' ? ip.bytes[0] === 127 : ip.text === '::1'
}
