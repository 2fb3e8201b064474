// Plan → `nft -f` text in svcc's fast profile: kube-proxy's packet behaviour in a shape the kernel loads in linear time.
//
// Why a second shape: with kube-proxy's exact text, loading 10k Services × 10 endpoints into a
// fresh namespace takes 50-120 s of kernel time (kernel 6.18, nft 1.0.6), growing with the
// square of the size; this shape loads in about 3 s. `perf record` on `nft -f` shows where (bench/README.md has the numbers):
//
//  1. Every anonymous set or map (`numgen random mod N map { … }`, `ip saddr != { … }`) makes
//     the kernel walk the whole transaction so far when the set is bound to its rule
//     (__nft_set_trans_bind), and scan every set of the table to pick its `__setN` name
//     (nf_tables_set_alloc_name). One per Service means O(Services × transaction).
//  2. Sets are looked up by name in a plain list (nft_set_lookup_global, one strlen + compare
//     per set), once per `add element` command and once per rule that names the set.
//  3. A map that rules in many chains read is walked element by element each time it is bound
//     from a new chain (nf_tables_bind_set), and each element added to it loops over all its
//     bindings (nft_add_set_elem): O(chains × elements) whichever comes first.
//
// What this renderer changes, and only this (the same Plan, so the same decisions):
//  - Multi-endpoint DNAT reads a shared named map instead of an anonymous one:
//      kube-proxy: `dnat ip addr . port to numgen random mod 3 map { 0 : A , 1 : B , 2 : C }`
//      fast:       `dnat ip addr . port to numgen random mod 3 offset 57 map @dnat-targets-4`
//    with elements `57 : A`, `58 : B`, `59 : C` in dnat-targets-4. `numgen … offset K` draws
//    uniformly from K..K+N-1, so the choice among endpoints is the same uniform one. A map is
//    shared by at most RULES_PER_MAP rules, which bounds cost 3 (chains × elements per map).
//  - Session affinity's `numgen random mod N vmap { i : goto endpoint-… }` becomes
//    `numgen random mod N offset K vmap @affinity-targets-G` in the same way. kube-proxy's
//    per-endpoint sets `affinity-<endpoint>` of client IPs become one set per service port,
//    `affinity-<hash>`, of `client . endpoint number` (renderAffinityEndpoints says why the
//    number is written as numgen): the same endpoints are tried in the same order, remembered
//    under the same timeout, shared between the cluster and local chain as before. One
//    difference: a dynamic set holds at most 65535 entries (the kernel default, as in
//    kube-proxy), which is now per service port instead of per endpoint; past that, new
//    clients are still load-balanced, just not remembered. Endpoint chains keep their names
//    and their DNAT.
//  - LoadBalancerSourceRanges: instead of the firewall-ips vmap → per-Service firewall chain
//    with `ip saddr != { ranges } drop`, one rule in firewall-check:
//    `ip daddr . meta l4proto . th dport @firewall-ips ip daddr . meta l4proto . th dport . ip saddr != @firewall-allow drop`
//    where firewall-allow (a concatenated interval set) holds frontend . allowed-range. Same
//    verdict: a packet to a firewalled frontend from outside its ranges is dropped before DNAT.
//    Ranges inside another range of the same frontend are left out (interval sets refuse
//    overlaps; the union is the same).
//  - Every set's elements go in one `add element` command (FastTable), not one per element.
// Everything else (base chains, jump rules, masquerading, hairpin set, cluster-ips, no-endpoint
// maps, service-ips / service-nodeports vmaps, service-/local-/external- chains, their names and
// rules) is kube-proxy's, as in render.ts. The table is still `ip kube-proxy`/`ip6 kube-proxy`
// and the file still replaces it atomically, so either profile can replace the other.
import type { Cidr, Ip } from '../../model/ip.ts'
import type { Origin } from '../../model/types.ts'
import { hashPrefix, nftEndpointBase, nftNames as names, nftServiceBase } from '../../plan/names.ts'
import type { FamilyPlan, NoEndpointVerdict, Plan, PlannedEndpoint, ServicePortPlan } from '../../plan/types.ts'
import { renderedLines, type Rendered } from '../line-writer.ts'
import { BASE_CHAINS, externalChainRules, HELPER_CHAINS, JUMP_RULES, nodePortIps, REJECT_CHAIN_SPEC, servicesRules, staticRules, staticSpecs, wordsFor, type Words } from './common.ts'
import { FastTable } from './fast-table.ts'
import { quote, truncateComment } from './table.ts'

/**
 * Rules in different chains that may share one DNAT (or affinity) map. Binding a map from a
 * new chain walks all its elements, so the kernel work per map is about rules × elements:
 * 64 × 64·endpoints stays small, and 10k Services need only ~170 maps (each map is one more
 * entry in the table's set list that every by-name lookup walks).
 */
export const RULES_PER_MAP = 64

/** Same packet behaviour as renderNft(plan), in a shape that loads in about linear time. */
export function renderNftFast(plan: Plan): Rendered {
  const lines: string[] = []
  const origins: (Origin | undefined)[] = []
  for (const family of plan.families) renderFamily(family).write(lines, origins)
  return renderedLines(lines, origins)
}

/** Hands out `offset K` slots in shared maps, opening a new map every RULES_PER_MAP rules. */
class SharedMaps {
  #map = -1
  #rules = RULES_PER_MAP
  #next = 0

  readonly #t: FastTable
  readonly #prefix: string
  readonly #spec: string

  constructor(t: FastTable, prefix: string, spec: string) {
    this.#t = t
    this.#prefix = prefix
    this.#spec = spec
  }

  /** Returns the map name and the first of `n` consecutive keys reserved for one rule. */
  take(n: number): { map: string; offset: number } {
    if (this.#rules === RULES_PER_MAP) {
      this.#map++
      this.#rules = 0
      this.#next = 0
      this.#t.set('map', this.#name(), this.#spec)
    }
    this.#rules++
    const offset = this.#next
    this.#next += n
    return { map: this.#name(), offset }
  }

  #name(): string {
    return `${this.#prefix}-${this.#map}`
  }
}

interface Context {
  readonly plan: FamilyPlan
  readonly t: FastTable
  readonly v: Words
  readonly dnat: SharedMaps
  readonly affinity: SharedMaps
}

function renderFamily(plan: FamilyPlan): FastTable {
  const v = wordsFor(plan)
  const ip = v.ip
  const t = new FastTable(ip)
  renderStatic(plan, t, v)
  // typeof, because `type mark : …` does not accept numgen's plain integer as the key.
  const dnat = new SharedMaps(t, 'dnat-targets', `typeof numgen random mod 1 : ${ip} daddr . th dport ; comment "endpoints of multi-endpoint service chains, by numgen offset" ;`)
  const affinity = new SharedMaps(t, 'affinity-targets', `typeof numgen random mod 1 : verdict ; comment "endpoint chains of session-affinity service chains, by numgen offset" ;`)
  const c: Context = { plan, t, v, dnat, affinity }
  for (const sp of plan.servicePorts) renderServicePort(c, sp)
  return t
}

function renderStatic(plan: FamilyPlan, t: FastTable, v: Words): void {
  for (const [name, type, hook, priority] of BASE_CHAINS) t.chain(name, `type ${type} hook ${hook} priority ${priority} ;`)
  for (const name of HELPER_CHAINS) t.chain(name)
  t.chain('reject-chain', REJECT_CHAIN_SPEC)

  // The sets every packet path uses come first: the kernel finds sets by walking a list.
  const specs = staticSpecs(v)
  t.set('set', 'cluster-ips', specs.clusterIps)
  t.set('set', 'hairpin-connections', specs.hairpin)
  if (!plan.nodePorts.matchAll) t.set('set', 'nodeport-ips', specs.nodePortIps)
  t.set('set', 'firewall-ips', `type ${v.addr} . inet_proto . inet_service ; comment "destinations that are subject to LoadBalancerSourceRanges" ;`)
  t.set('set', 'firewall-allow', `type ${v.addr} . inet_proto . inet_service . ${v.addr} ; flags interval ; comment "destination . allowed source range, for @firewall-ips" ;`)
  t.set('map', 'no-endpoint-services', specs.noEndpointServices)
  t.set('map', 'no-endpoint-nodeports', specs.noEndpointNodePorts)
  t.set('map', 'service-ips', specs.serviceIps)
  t.set('map', 'service-nodeports', specs.serviceNodePorts)

  for (const [chain, rule] of JUMP_RULES) t.rule(undefined, chain, rule)
  for (const [chain, rule] of staticRules(plan, v)) t.rule(undefined, chain, rule)
  for (const addr of nodePortIps(plan)) t.element(undefined, 'nodeport-ips', addr.text)
  // One rule instead of a chain per Service: drop what comes to a firewalled destination from outside its ranges.
  const frontend = `${v.ip} daddr . meta l4proto . th dport`
  t.rule(undefined, 'firewall-check', `${frontend} @firewall-ips ${frontend} . ${v.ip} saddr != @firewall-allow drop`)
  for (const rule of servicesRules(plan, v)) t.rule(undefined, 'services', rule)
}

function renderServicePort(c: Context, sp: ServicePortPlan): void {
  const { plan, t, v } = c
  const o: Origin = sp.origin
  const base = nftServiceBase(sp.namespace, sp.name, sp.protocol, sp.portName)
  const clusterChain = names.service(base)
  const localChain = names.local(base)
  const externalChain = names.external(base)
  const chainOf = (kind: 'cluster' | 'local') => (kind === 'local' ? localChain : clusterChain)
  const comment = quote(truncateComment(sp.spn))
  const verdict = (x: NoEndpointVerdict | undefined) => (x === 'reject' ? 'goto reject-chain' : 'drop')
  const frontend = (ip: Ip) => `${ip.text} . ${sp.protocol} . ${sp.port}`
  const nodePort = `${sp.protocol} . ${sp.nodePort}`
  const usesFirewall = sp.loadBalancerIPs.length > 0 && sp.sourceRanges.length > 0

  if (sp.usesClusterChain) t.chain(clusterChain)
  if (sp.usesLocalChain) t.chain(localChain)
  if (sp.usesExternalChain) t.chain(externalChain)

  const cluster = frontend(sp.clusterIP)
  t.element(o, 'cluster-ips', sp.clusterIP.text)
  if (sp.hasInternal) t.element(o, 'service-ips', cluster, `${cluster} : goto ${chainOf(sp.internalChain)}`)
  else t.element(o, 'no-endpoint-services', cluster, `${cluster} comment ${comment} : ${verdict(sp.internalVerdict)}`)

  for (const ip of sp.externalIPs) {
    const f = frontend(ip)
    if (sp.hasEndpoints) t.element(o, 'service-ips', f, `${f} : goto ${externalChain}`)
    if (!sp.hasExternal) t.element(o, 'no-endpoint-services', f, `${f} comment ${comment} : ${verdict(sp.externalVerdict)}`)
  }
  const allowed = usesFirewall ? allowedSources(sp) : []
  for (const ip of sp.loadBalancerIPs) {
    const f = frontend(ip)
    if (sp.hasEndpoints) t.element(o, 'service-ips', f, `${f} : goto ${externalChain}`)
    if (usesFirewall) {
      t.element(o, 'firewall-ips', f)
      for (const source of allowed) t.element(o, 'firewall-allow', `${f} . ${source}`)
    }
    if (!sp.hasExternal) t.element(o, 'no-endpoint-services', f, `${f} comment ${comment} : ${verdict(sp.externalVerdict)}`)
  }
  if (sp.nodePort !== 0) {
    if (sp.hasEndpoints) t.element(o, 'service-nodeports', nodePort, `${nodePort} : goto ${externalChain}`)
    if (!sp.hasExternal) t.element(o, 'no-endpoint-nodeports', nodePort, `${nodePort} comment ${comment} : ${verdict(sp.externalVerdict)}`)
  }

  if (sp.usesExternalChain) for (const rule of externalChainRules(plan, sp, v, clusterChain, chainOf(sp.externalChain))) t.rule(o, externalChain, rule)

  if (sp.usesClusterChain) renderDispatch(c, sp, clusterChain, sp.clusterEndpoints)
  if (sp.usesLocalChain) renderDispatch(c, sp, localChain, sp.localEndpoints)

  for (const ep of sp.reachableEndpoints) {
    if (ep.isLocal) {
      const key = `${ep.ip.text} . ${ep.ip.text} . ${sp.protocol} . ${ep.port}`
      t.element(ep.origin, 'hairpin-connections', key)
    }
  }
  if (sp.affinityTimeout !== undefined && sp.reachableEndpoints.length > 0) renderAffinityEndpoints(c, sp)
}

/**
 * kube-proxy keeps one dynamic set of client IPs per endpoint ("affinity-…", 65535 entries
 * each, ~50 KiB of kernel memory each, and one more set in the list every by-name lookup
 * walks). Here one set per service port holds `client . endpoint number`, where the endpoint
 * number is the endpoint's index in reachableEndpoints, the same in the cluster and the local
 * chain, so stickiness is shared between them exactly as kube-proxy's per-endpoint sets are,
 * and a client remembered for several endpoints is matched in the same order.
 * nft cannot type a constant on the left of a set lookup (`ip saddr . 3 @set` fails to parse),
 * so the number is written `numgen random mod 1 offset 3`, which is always 3; the update and
 * the lookup use the same expression, so the key bytes agree.
 */
function renderAffinityEndpoints(c: Context, sp: ServicePortPlan): void {
  const { t, v } = c
  const set = affinitySet(sp)
  t.set('set', set, `typeof ${v.ip} saddr . numgen random mod 1 ; flags dynamic,timeout ; timeout ${sp.affinityTimeout}s ;`, true)
  sp.reachableEndpoints.forEach((ep, i) => {
    const chain = names.endpoint(nftEndpointBase(sp.namespace, sp.name, sp.protocol, sp.portName, ep.ip.text, ep.port))
    t.chain(chain)
    t.rule(ep.origin, chain, `update @${set} { ${v.ip} saddr . numgen random mod 1 offset ${i} }`)
    t.rule(ep.origin, chain, `meta l4proto ${sp.protocol} dnat to ${ep.endpoint}`)
  })
}


function renderDispatch(c: Context, sp: ServicePortPlan, chain: string, endpoints: readonly PlannedEndpoint[]): void {
  const { t, v } = c
  const o = sp.origin
  const n = endpoints.length
  if (sp.affinityTimeout !== undefined) {
    const bases = endpoints.map((ep) => nftEndpointBase(sp.namespace, sp.name, sp.protocol, sp.portName, ep.ip.text, ep.port))
    const set = affinitySet(sp)
    const number = new Map(sp.reachableEndpoints.map((ep, i) => [ep.endpoint, i]))
    endpoints.forEach((ep, i) => t.rule(o, chain, `${v.ip} saddr . numgen random mod 1 offset ${number.get(ep.endpoint)!} @${set} goto ${names.endpoint(bases[i]!)}`))
    const { map, offset } = c.affinity.take(n)
    bases.forEach((b, i) => t.element(o, map, String(offset + i), `${offset + i} : goto ${names.endpoint(b)}`))
    t.rule(o, chain, `numgen random mod ${n} offset ${offset} vmap @${map}`)
    return
  }
  if (n === 1) {
    t.rule(o, chain, `meta l4proto ${sp.protocol} dnat to ${endpoints[0]!.endpoint}`)
    return
  }
  const { map, offset } = c.dnat.take(n)
  endpoints.forEach((ep, i) => t.element(ep.origin, map, String(offset + i), `${offset + i} : ${ep.ip.text} . ${ep.port}`))
  t.rule(o, chain, `meta l4proto ${sp.protocol} dnat ${v.ip} addr . port to numgen random mod ${n} offset ${offset} map @${map}`)
}

/**
 * "affinity-" and 16 base32 characters (80 bits) of the hash of "ns/name/proto/port": short,
 * because the kernel compares set names with strlen + memcmp on every by-name lookup.
 */
function affinitySet(sp: ServicePortPlan): string {
  return `affinity-${hashPrefix(`${sp.namespace}/${sp.name}/${sp.protocol}/${sp.portName}`, 16)}`
}

/** The firewall's allowed sources (ranges, plus the LB IPs when the node is in a range), minus those inside another. */
function allowedSources(sp: ServicePortPlan): string[] {
  const all: Cidr[] = [...sp.sourceRanges, ...(sp.allowFromNode ? sp.loadBalancerIPs.map(hostCidr) : [])]
  const kept = all.filter((a, i) => !all.some((b, j) => j !== i && contains(b, a) && (!contains(a, b) || j < i)))
  return kept.map((c) => (c.prefix === c.network.bytes.length * 8 ? c.network.text : c.text))
}

function hostCidr(ip: Ip): Cidr {
  return { family: ip.family, network: ip, prefix: ip.bytes.length * 8, text: `${ip.text}/${ip.bytes.length * 8}` }
}

/** Whether `outer` holds every address of `inner`. */
function contains(outer: Cidr, inner: Cidr): boolean {
  if (outer.family !== inner.family || outer.prefix > inner.prefix) return false
  for (let bit = 0; bit < outer.prefix; bit++) {
    const byte = bit >> 3
    const mask = 0x80 >> (bit & 7)
    if ((outer.network.bytes[byte]! & mask) !== (inner.network.bytes[byte]! & mask)) return false
  }
  return true
}
