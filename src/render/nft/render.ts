// Plan → `nft -f` text: kube-proxy's newest nftables design (hairpin set, DNAT maps), one table per family.
import type { Ip } from '../../model/ip.ts'
import type { Origin } from '../../model/types.ts'
import { nftEndpointBase, nftNames as names, nftServiceBase } from '../../plan/names.ts'
import type { FamilyPlan, NoEndpointVerdict, Plan, PlannedEndpoint, ServicePortPlan } from '../../plan/types.ts'
import { LineWriter, type Rendered } from '../line-writer.ts'
import { BASE_CHAINS, externalChainRules, HELPER_CHAINS, JUMP_RULES, nodePortIps, REJECT_CHAIN_SPEC, servicesRules, staticRules, staticSpecs, wordsFor, type Words } from './common.ts'
import { NftTable, quote, truncateComment } from './table.ts'

/** Feature-gated kube-proxy extras; all off by default, as the gates are. */
export interface NftOptions {
  /** Unused for now: kube-proxy's KubeProxyNFTablesLocalhostNodePorts reject map. */
  readonly localhostNodePortReject?: boolean
}

/**
 * Renders every family of the plan into one file. Loading it with `nft -f` is one atomic
 * transaction that replaces svcc's tables (ip/ip6 kube-proxy) and touches nothing else.
 */
export function renderNft(plan: Plan, _options: NftOptions = {}): Rendered {
  const w = new LineWriter()
  for (const family of plan.families) renderFamily(family).write(w)
  return w.finish()
}

export function renderFamily(plan: FamilyPlan): NftTable {
  const v = wordsFor(plan)
  const t = new NftTable(v.ip)
  renderStatic(plan, t, v)
  for (const sp of plan.servicePorts) renderServicePort(plan, sp, t, v)
  return t
}

function renderStatic(plan: FamilyPlan, t: NftTable, v: Words): void {
  for (const [name, type, hook, priority] of BASE_CHAINS) t.chain(name, `type ${type} hook ${hook} priority ${priority} ;`)
  for (const name of HELPER_CHAINS) t.chain(name)
  t.chain('reject-chain', REJECT_CHAIN_SPEC)
  for (const [chain, rule] of JUMP_RULES) t.rule(undefined, chain, rule)

  const specs = staticSpecs(v)
  t.set('cluster-ips', specs.clusterIps)
  t.set('hairpin-connections', specs.hairpin)
  if (!plan.nodePorts.matchAll) {
    t.set('nodeport-ips', specs.nodePortIps)
    for (const addr of nodePortIps(plan)) t.element(undefined, 'nodeport-ips', addr.text, addr.text, ipKey(addr))
  }
  t.map('no-endpoint-services', specs.noEndpointServices)
  t.map('no-endpoint-nodeports', specs.noEndpointNodePorts)
  t.map('firewall-ips', `type ${v.addr} . inet_proto . inet_service : verdict ; comment "destinations that are subject to LoadBalancerSourceRanges" ;`)
  t.map('service-ips', specs.serviceIps)
  t.map('service-nodeports', specs.serviceNodePorts)
  for (const [chain, rule] of staticRules(plan, v)) t.rule(undefined, chain, rule)
  t.rule(undefined, 'firewall-check', `${v.ip} daddr . meta l4proto . th dport vmap @firewall-ips`)
  for (const rule of servicesRules(plan, v)) t.rule(undefined, 'services', rule)
}

function renderServicePort(plan: FamilyPlan, sp: ServicePortPlan, t: NftTable, v: Words): void {
  const o: Origin = sp.origin
  const base = nftServiceBase(sp.namespace, sp.name, sp.protocol, sp.portName)
  const clusterChain = names.service(base)
  const localChain = names.local(base)
  const externalChain = names.external(base)
  const firewallChain = names.firewall(base)
  const chainOf = (kind: 'cluster' | 'local') => (kind === 'local' ? localChain : clusterChain)
  const comment = quote(truncateComment(sp.spn))
  const verdict = (v: NoEndpointVerdict | undefined) => (v === 'reject' ? 'goto reject-chain' : 'drop')
  const frontend = (ip: Ip) => ({ key: `${ip.text} . ${sp.protocol} . ${sp.port}`, sort: `${ipKey(ip)} ${sp.protocol} ${pad(sp.port)}` })
  const nodePort = { key: `${sp.protocol} . ${sp.nodePort}`, sort: `${sp.protocol} ${pad(sp.nodePort)}` }
  // The firewall does not depend on endpoints: with none, traffic from outside the ranges is dropped, not rejected.
  const usesFirewall = sp.loadBalancerIPs.length > 0 && sp.sourceRanges.length > 0

  if (sp.usesClusterChain) t.chain(clusterChain)
  if (sp.usesLocalChain) t.chain(localChain)
  if (sp.usesExternalChain) t.chain(externalChain)
  if (usesFirewall) t.chain(firewallChain)

  const c = frontend(sp.clusterIP)
  t.element(o, 'cluster-ips', sp.clusterIP.text, sp.clusterIP.text, ipKey(sp.clusterIP))
  if (sp.hasInternal) t.element(o, 'service-ips', c.key, `${c.key} : goto ${chainOf(sp.internalChain)}`, c.sort)
  else t.element(o, 'no-endpoint-services', c.key, `${c.key} comment ${comment} : ${verdict(sp.internalVerdict)}`, c.sort)

  for (const ip of sp.externalIPs) {
    const f = frontend(ip)
    if (sp.hasEndpoints) t.element(o, 'service-ips', f.key, `${f.key} : goto ${externalChain}`, f.sort)
    if (!sp.hasExternal) t.element(o, 'no-endpoint-services', f.key, `${f.key} comment ${comment} : ${verdict(sp.externalVerdict)}`, f.sort)
  }
  for (const ip of sp.loadBalancerIPs) {
    const f = frontend(ip)
    if (sp.hasEndpoints) t.element(o, 'service-ips', f.key, `${f.key} : goto ${externalChain}`, f.sort)
    if (usesFirewall) t.element(o, 'firewall-ips', f.key, `${f.key} : goto ${firewallChain}`, f.sort)
    if (!sp.hasExternal) t.element(o, 'no-endpoint-services', f.key, `${f.key} comment ${comment} : ${verdict(sp.externalVerdict)}`, f.sort)
  }
  if (sp.nodePort !== 0) {
    if (sp.hasEndpoints) t.element(o, 'service-nodeports', nodePort.key, `${nodePort.key} : goto ${externalChain}`, nodePort.sort)
    if (!sp.hasExternal) t.element(o, 'no-endpoint-nodeports', nodePort.key, `${nodePort.key} comment ${comment} : ${verdict(sp.externalVerdict)}`, nodePort.sort)
  }

  if (sp.usesExternalChain) for (const rule of externalChainRules(plan, sp, v, clusterChain, chainOf(sp.externalChain))) t.rule(o, externalChain, rule)

  if (usesFirewall) {
    const allowed = [...sp.sourceRanges.map((r) => r.text), ...(sp.allowFromNode ? sp.loadBalancerIPs.map((ip) => ip.text) : [])]
    t.rule(o, firewallChain, `${v.ip} saddr != { ${allowed.join(' , ')} } drop`)
  }

  if (sp.usesClusterChain) renderDispatch(sp, clusterChain, sp.clusterEndpoints, t, v)
  if (sp.usesLocalChain) renderDispatch(sp, localChain, sp.localEndpoints, t, v)

  for (const ep of sp.reachableEndpoints) {
    // Replies from a pod that reached itself through its Service need masquerading (hairpin);
    // only endpoints on this node can do that, so only they go in the set.
    if (ep.isLocal) {
      const key = `${ep.ip.text} . ${ep.ip.text} . ${sp.protocol} . ${ep.port}`
      t.element(ep.origin, 'hairpin-connections', key, key, `${ipKey(ep.ip)} ${sp.protocol} ${pad(ep.port)}`)
    }
    if (sp.affinityTimeout === undefined) continue
    const epBase = nftEndpointBase(sp.namespace, sp.name, sp.protocol, sp.portName, ep.ip.text, ep.port)
    const chain = names.endpoint(epBase)
    const set = names.affinity(epBase)
    // "dynamic" always: some kernels add it silently, and re-adding the set without it then fails.
    t.set(set, `type ${v.addr} ; flags dynamic,timeout ; timeout ${sp.affinityTimeout}s ;`)
    t.chain(chain)
    t.rule(ep.origin, chain, `update @${set} { ${v.ip} saddr }`)
    t.rule(ep.origin, chain, `meta l4proto ${sp.protocol} dnat to ${ep.endpoint}`)
  }
}

function renderDispatch(sp: ServicePortPlan, chain: string, endpoints: readonly PlannedEndpoint[], t: NftTable, v: Words): void {
  const o = sp.origin
  const n = endpoints.length
  if (sp.affinityTimeout !== undefined) {
    const bases = endpoints.map((ep) => nftEndpointBase(sp.namespace, sp.name, sp.protocol, sp.portName, ep.ip.text, ep.port))
    for (const b of bases) t.rule(o, chain, `${v.ip} saddr @${names.affinity(b)} goto ${names.endpoint(b)}`)
    t.rule(o, chain, `numgen random mod ${n} vmap { ${bases.map((b, i) => `${i} : goto ${names.endpoint(b)}`).join(' , ')} }`)
    return
  }
  // One endpoint: a plain DNAT, because nft scans every map when rules are added (kubernetes#140723).
  if (n === 1) {
    t.rule(o, chain, `meta l4proto ${sp.protocol} dnat to ${endpoints[0]!.endpoint}`)
    return
  }
  const entries = endpoints.map((ep, i) => `${i} : ${ep.ip.text} . ${ep.port}`).join(' , ')
  t.rule(o, chain, `meta l4proto ${sp.protocol} dnat ${v.ip} addr . port to numgen random mod ${n} map { ${entries} }`)
}

function ipKey(ip: Ip): string {
  return ip.bytes.map((b) => b.toString(16).padStart(2, '0')).join('')
}

function pad(port: number): string {
  return String(port).padStart(5, '0')
}
