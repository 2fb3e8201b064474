// Names what a kube-proxy iptables rule is for, from its chain, matches and comment: why it masquerades or stops a packet.
import type { Frontend, MasqueradeReason, VerdictReason } from '../types.ts'
import type { IptablesRule } from './parse.ts'

/** A KUBE-MARK-MASQ jump, by where kube-proxy writes it (kube-proxy-iptables.md §10). */
export function masqueradeReason(rule: IptablesRule): MasqueradeReason {
  if (rule.chain.startsWith('KUBE-SEP-')) return 'hairpin'
  if (rule.matches.some((m) => m.kind === 'srcType' && m.type === 'LOCAL' && !m.negated)) return 'localSource'
  if (rule.chain.startsWith('KUBE-EXT-')) return 'externalTraffic'
  if (rule.chain.startsWith('KUBE-SVC-') || rule.chain.startsWith('KUBE-SVL-') || rule.chain === 'KUBE-SERVICES')
    return rule.matches.some((m) => (m.kind === 'source' || m.kind === 'inInterface') && m.negated) ? 'notFromCluster' : 'masqueradeAll'
  return 'other'
}

/** A filter-table verdict: kube-proxy's comments say "has no endpoints" or "has no local endpoints". */
export function verdictReason(rule: IptablesRule): VerdictReason | undefined {
  if (rule.chain === 'KUBE-PROXY-FIREWALL' && rule.jump === 'DROP') return 'sourceNotAllowed'
  if (rule.chain === 'KUBE-NODEPORTS' && rule.jump === 'ACCEPT') return 'healthCheckNodePort'
  if (rule.chain === 'KUBE-SERVICES' || rule.chain === 'KUBE-EXTERNAL-SERVICES') {
    if (rule.comment?.endsWith(' has no local endpoints')) return 'noLocalEndpoints'
    if (rule.comment?.endsWith(' has no endpoints')) return 'noEndpoints'
    if (rule.jump === 'REJECT') return 'noEndpoints'
    if (rule.jump === 'DROP') return 'noLocalEndpoints'
  }
  return undefined
}

/** The kind of address a rule sends its packets from: the comment of a KUBE-SERVICES rule, or its chain. */
export function frontendOf(rule: IptablesRule): Frontend | undefined {
  // The jump to KUBE-NODEPORTS takes every packet to a local address: only a rule in there means a node port.
  if (rule.table === 'nat' && rule.chain === 'KUBE-NODEPORTS') return 'nodePort'
  if (rule.table === 'nat' && rule.chain === 'KUBE-SERVICES') {
    if (rule.comment?.endsWith(' cluster IP')) return 'clusterIP'
    if (rule.comment?.endsWith(' external IP')) return 'externalIP'
    if (rule.comment?.endsWith(' loadbalancer IP')) return 'loadBalancerIP'
    return undefined
  }
  if (rule.table !== 'filter') return undefined
  if (rule.chain === 'KUBE-SERVICES') return 'clusterIP'
  if (rule.chain === 'KUBE-PROXY-FIREWALL') return 'loadBalancerIP'
  if (rule.chain === 'KUBE-EXTERNAL-SERVICES') return rule.matches.some((m) => m.kind === 'dstType') ? 'nodePort' : 'externalOrLoadBalancerIP'
  return undefined
}

/** kube-proxy's ServicePortName at the start of a comment: "ns/name:port …" (or "… for ns/name:port …"). */
export function spnOf(rule: IptablesRule): string | undefined {
  return rule.comment?.split(' ').find((word) => SPN.test(word))
}

const SPN = /^[a-z0-9][-a-z0-9]*\/[a-z0-9][-a-z0-9.]*(:[-a-z0-9]+)?$/
