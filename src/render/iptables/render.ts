// Plan → iptables-restore text (*filter then *nat), kube-proxy's iptables proxier rule for rule.
import { iptablesNames as names } from '../../plan/names.ts'
import { formatProbability } from '../../plan/probability.ts'
import type { FamilyPlan, PlannedEndpoint, ServicePortPlan } from '../../plan/types.ts'
import type { Origin } from '../../model/types.ts'
import { LineWriter, type Rendered } from '../line-writer.ts'
import { IptablesTable } from './table.ts'
import { address, comment, detectorWords, proto } from './words.ts'

const NODEPORTS_COMMENT = 'kubernetes service nodeports; NOTE: this must be the last rule in this chain'

/**
 * Renders one family's plan as an iptables-restore (ip6tables-restore for IPv6) payload.
 * The text is kube-proxy's full-sync payload in its tests' canonical order; it has no
 * "-X" lines because a compiler has no earlier state.
 */
export function renderIptables(plan: FamilyPlan): Rendered {
  const filter = new IptablesTable('filter', [
    'KUBE-SERVICES',
    'KUBE-EXTERNAL-SERVICES',
    'KUBE-FORWARD',
    'KUBE-NODEPORTS',
    'KUBE-PROXY-FIREWALL',
  ])
  const nat = new IptablesTable('nat', ['KUBE-SERVICES', 'KUBE-NODEPORTS', 'KUBE-POSTROUTING', 'KUBE-MARK-MASQ'])
  const mark = plan.masqueradeMark

  if (plan.localhostNodePorts) {
    filter.declare('KUBE-FIREWALL')
    filter.rule(undefined, 'KUBE-FIREWALL', comment('block incoming localnet connections'), '-d', '127.0.0.0/8', '!', '-s', '127.0.0.0/8', '-m', 'conntrack', '!', '--ctstate', 'RELATED,ESTABLISHED,DNAT', '-j', 'DROP')
  }
  nat.rule(undefined, 'KUBE-POSTROUTING', '-m', 'mark', '!', '--mark', `${mark}/${mark}`, '-j', 'RETURN')
  nat.rule(undefined, 'KUBE-POSTROUTING', '-j', 'MARK', '--xor-mark', mark)
  nat.rule(undefined, 'KUBE-POSTROUTING', comment('kubernetes service traffic requiring SNAT'), '-j', 'MASQUERADE', plan.randomFully ? '--random-fully' : '')
  nat.rule(undefined, 'KUBE-MARK-MASQ', '-j', 'MARK', '--or-mark', mark)

  for (const sp of plan.servicePorts) renderServicePort(plan, sp, filter, nat)

  if (!plan.tcpBeLiberal)
    filter.rule(undefined, 'KUBE-FORWARD', '-m', 'conntrack', '--ctstate', 'INVALID', plan.nfacct ? ['-m', 'nfacct', '--nfacct-name', 'ct_state_invalid_dropped_pkts'] : [], '-j', 'DROP')
  filter.rule(undefined, 'KUBE-FORWARD', comment('kubernetes forwarding rules'), '-m', 'mark', '--mark', `${mark}/${mark}`, '-j', 'ACCEPT')
  filter.rule(undefined, 'KUBE-FORWARD', comment('kubernetes forwarding conntrack rule'), '-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED', '-j', 'ACCEPT')

  // The NodePort dispatch must stay the last rule of KUBE-SERVICES.
  if (plan.nodePorts.matchAll) {
    const notLoopback = plan.family === 'ipv6' ? ['!', '-d', '::1/128'] : plan.localhostNodePorts ? [] : ['!', '-d', '127.0.0.0/8']
    nat.rule(undefined, 'KUBE-SERVICES', comment(NODEPORTS_COMMENT), '-m', 'addrtype', '--dst-type', 'LOCAL', notLoopback, '-j', 'KUBE-NODEPORTS')
  } else {
    for (const ip of plan.nodePorts.addresses) {
      const loopback = ip.family === 'ipv4' ? ip.bytes[0] === 127 : ip.text === '::1'
      if (loopback && !plan.localhostNodePorts) continue
      nat.rule(undefined, 'KUBE-SERVICES', comment(NODEPORTS_COMMENT), '-d', address(ip), '-j', 'KUBE-NODEPORTS')
    }
  }

  const w = new LineWriter()
  filter.write(w)
  nat.write(w)
  return w.finish()
}

function renderServicePort(plan: FamilyPlan, sp: ServicePortPlan, filter: IptablesTable, nat: IptablesTable): void {
  const o: Origin = sp.origin
  const spn = sp.spn
  const p = proto(sp.protocol)
  const chains = names.serviceChains(spn, sp.protocol)
  const clusterChain = chains.service
  const localChain = chains.local
  const externalChain = chains.external
  const firewallChain = chains.firewall
  const internalChain = sp.internalChain === 'local' ? localChain : clusterChain
  const externalPolicyChain = sp.externalChain === 'local' ? localChain : clusterChain
  // iptables jumps to KUBE-FW only from the nat LB rule, which exists only with endpoints.
  const usesFirewall = sp.hasEndpoints && sp.loadBalancerIPs.length > 0 && sp.sourceRanges.length > 0
  const lbChain = usesFirewall ? firewallChain : externalChain
  const noEndpointsComment = sp.hasEndpoints ? `${spn} has no local endpoints` : `${spn} has no endpoints`
  const verdict = (v: 'reject' | 'drop' | undefined) => (v === 'reject' ? 'REJECT' : 'DROP')

  // (a) cluster IP
  if (sp.hasInternal) nat.rule(o, 'KUBE-SERVICES', comment(`${spn} cluster IP`), p, '-d', address(sp.clusterIP), '--dport', String(sp.port), '-j', internalChain)
  else filter.rule(o, 'KUBE-SERVICES', comment(noEndpointsComment), p, '-d', address(sp.clusterIP), '--dport', String(sp.port), '-j', verdict(sp.internalVerdict))

  // (b) external IPs: eTP Local without local endpoints keeps the nat jump (pod and node short-circuits) and drops the rest.
  for (const ip of sp.externalIPs) {
    if (sp.hasEndpoints) nat.rule(o, 'KUBE-SERVICES', comment(`${spn} external IP`), p, '-d', address(ip), '--dport', String(sp.port), '-j', externalChain)
    if (!sp.hasExternal) filter.rule(o, 'KUBE-EXTERNAL-SERVICES', comment(noEndpointsComment), p, '-d', address(ip), '--dport', String(sp.port), '-j', verdict(sp.externalVerdict))
  }

  // (c) load-balancer IPs
  for (const ip of sp.loadBalancerIPs) {
    if (sp.hasEndpoints) nat.rule(o, 'KUBE-SERVICES', comment(`${spn} loadbalancer IP`), p, '-d', address(ip), '--dport', String(sp.port), '-j', lbChain)
    if (usesFirewall) filter.rule(o, 'KUBE-PROXY-FIREWALL', comment(`${spn} traffic not accepted by ${firewallChain}`), p, '-d', address(ip), '--dport', String(sp.port), '-j', 'DROP')
  }
  if (!sp.hasExternal)
    for (const ip of sp.loadBalancerIPs)
      filter.rule(o, 'KUBE-EXTERNAL-SERVICES', comment(noEndpointsComment), p, '-d', address(ip), '--dport', String(sp.port), '-j', verdict(sp.externalVerdict))

  // (d) node port
  if (sp.nodePort !== 0) {
    if (sp.hasEndpoints) {
      if (plan.localhostNodePorts && plan.nfacct)
        nat.rule(o, 'KUBE-NODEPORTS', comment(spn), p, '-d', '127.0.0.0/8', '--dport', String(sp.nodePort), '-m', 'nfacct', '--nfacct-name', 'localhost_nps_accepted_pkts', '-j', externalChain)
      nat.rule(o, 'KUBE-NODEPORTS', comment(spn), p, '--dport', String(sp.nodePort), '-j', externalChain)
    }
    if (!sp.hasExternal)
      filter.rule(o, 'KUBE-EXTERNAL-SERVICES', comment(noEndpointsComment), '-m', 'addrtype', '--dst-type', 'LOCAL', p, '--dport', String(sp.nodePort), '-j', verdict(sp.externalVerdict))
  }

  // (e) health-check node port: kube-proxy serves it itself, with or without endpoints.
  if (sp.healthCheckNodePort !== 0)
    filter.rule(o, 'KUBE-NODEPORTS', comment(`${spn} health check node port`), '-m', 'tcp', '-p', 'tcp', '--dport', String(sp.healthCheckNodePort), '-j', 'ACCEPT')

  // Declarations before rules: nothing below jumps to a chain that is not declared.
  if (sp.usesExternalChain) nat.declare(externalChain)
  if (usesFirewall) nat.declare(firewallChain)
  if (sp.usesClusterChain) nat.declare(clusterChain)
  if (sp.usesLocalChain) nat.declare(localChain)
  // Each KUBE-SEP name is a SHA-256; it is needed up to three times per endpoint, so hash once.
  const seps = new Map(sp.reachableEndpoints.map((ep) => [ep.endpoint, names.endpoint(spn, sp.protocol, ep.endpoint)]))
  const sepOf = (ep: PlannedEndpoint) => seps.get(ep.endpoint) ?? names.endpoint(spn, sp.protocol, ep.endpoint)
  for (const ep of sp.reachableEndpoints) nat.declare(sepOf(ep))

  // (f) masquerade ClusterIP traffic that does not come from a pod (or all of it with masqueradeAll).
  if (sp.hasInternal) {
    const masq = (extra: string[]) =>
      nat.rule(o, internalChain, comment(`${spn} cluster IP`), p, '-d', address(sp.clusterIP), '--dport', String(sp.port), extra, '-j', 'KUBE-MARK-MASQ')
    if (plan.masqueradeAll) masq([])
    else if (plan.localDetector) masq(detectorWords(plan.localDetector, false))
  }

  // (g) external traffic
  if (sp.usesExternalChain) {
    if (!sp.externalPolicyLocal) {
      nat.rule(o, externalChain, comment(`masquerade traffic for ${spn} external destinations`), '-j', 'KUBE-MARK-MASQ')
    } else {
      // Pods and the node itself may reach any endpoint; only external clients are kept local.
      if (plan.localDetector) nat.rule(o, externalChain, comment(`pod traffic for ${spn} external destinations`), detectorWords(plan.localDetector, true), '-j', clusterChain)
      nat.rule(o, externalChain, comment(`masquerade LOCAL traffic for ${spn} external destinations`), '-m', 'addrtype', '--src-type', 'LOCAL', '-j', 'KUBE-MARK-MASQ')
      nat.rule(o, externalChain, comment(`route LOCAL traffic for ${spn} external destinations`), '-m', 'addrtype', '--src-type', 'LOCAL', '-j', clusterChain)
    }
    if (sp.hasExternal) nat.rule(o, externalChain, '-j', externalPolicyChain)
  }

  // (h) loadBalancerSourceRanges
  if (usesFirewall) {
    for (const range of sp.sourceRanges) nat.rule(o, firewallChain, comment(`${spn} loadbalancer IP`), '-s', range.text, '-j', externalChain)
    // Traffic from the node may come from an LB VIP after the cloud's SNAT; let it through.
    if (sp.allowFromNode) for (const ip of sp.loadBalancerIPs) nat.rule(o, firewallChain, comment(`${spn} loadbalancer IP`), '-s', address(ip), '-j', externalChain)
    nat.rule(o, firewallChain, comment(`other traffic to ${spn} will be dropped by KUBE-PROXY-FIREWALL`))
  }

  // (i, j) spreading over endpoints
  if (sp.usesClusterChain) renderDispatch(plan, sp, clusterChain, sp.clusterEndpoints)
  if (sp.usesLocalChain) renderDispatch(plan, sp, localChain, sp.localEndpoints)

  // (k) one chain per endpoint: hairpin masquerade, then DNAT
  for (const ep of sp.reachableEndpoints) {
    const sep = sepOf(ep)
    const c = plan.largeCluster ? [] : comment(spn)
    nat.rule(ep.origin, sep, c, '-s', address(ep.ip), '-j', 'KUBE-MARK-MASQ')
    const recent = sp.affinityTimeout !== undefined ? ['-m', 'recent', '--name', sep, '--set'] : []
    nat.rule(ep.origin, sep, c, recent, p, '-j', 'DNAT', '--to-destination', ep.endpoint)
  }

  function renderDispatch(plan: FamilyPlan, sp: ServicePortPlan, chain: string, endpoints: readonly PlannedEndpoint[]): void {
    const epComment = (ep: PlannedEndpoint) => (plan.largeCluster ? [] : comment(`${sp.spn} -> ${ep.endpoint}`))
    if (sp.affinityTimeout !== undefined)
      for (const ep of endpoints) {
        const sep = sepOf(ep)
        nat.rule(ep.origin, chain, epComment(ep), '-m', 'recent', '--name', sep, '--rcheck', '--seconds', String(sp.affinityTimeout), '--reap', '-j', sep)
      }
    const n = endpoints.length
    endpoints.forEach((ep, i) => {
      const sep = sepOf(ep)
      // Rule i takes 1/(n-i) of what is left, so every endpoint gets 1/n overall.
      const probability = i < n - 1 ? ['-m', 'statistic', '--mode', 'random', '--probability', formatProbability(n - i)] : []
      nat.rule(ep.origin, chain, epComment(ep), probability, '-j', sep)
    })
  }
}
