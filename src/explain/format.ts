// An explanation as text for people: per port, the traffic policies, then every endpoint with why it is used or not.
import { percent } from '../trace/format.ts'
import type { EndpointExplanation, EndpointUse, Explanation, PortExplanation, RulesetLine, TrafficHandling } from './types.ts'

export function formatExplanation(x: Explanation): string {
  const out: string[] = [`Service ${x.namespace}/${x.name} on node ${x.node}${x.zone ? ` (zone ${x.zone})` : ''}; ruleset lines of the ${x.format} format`]
  for (const p of x.ports) out.push('', ...portLines(x, p))
  return `${out.join('\n')}\n`
}

function portLines(x: Explanation, p: PortExplanation): string[] {
  const out = [`Port ${p.portName === '' ? '(unnamed)' : p.portName} ${p.port}/${p.protocol.toUpperCase()}, ${p.family === 'ipv4' ? 'IPv4' : 'IPv6'} (${p.spn})`]
  const addresses = [`cluster IP ${p.clusterIP}`]
  if (p.nodePort !== 0) addresses.push(`node port ${p.nodePort}`)
  if (p.externalIPs.length > 0) addresses.push(`external IPs ${p.externalIPs.join(', ')}`)
  if (p.loadBalancerIPs.length > 0) addresses.push(`load-balancer IPs ${p.loadBalancerIPs.join(', ')}`)
  if (p.loadBalancerSourceRanges.length > 0) addresses.push(`source ranges ${p.loadBalancerSourceRanges.join(', ')}`)
  if (p.healthCheckNodePort !== 0) addresses.push(`health-check node port ${p.healthCheckNodePort}`)
  out.push(`  ${addresses.join('; ')}`)
  out.push(`  cluster IP traffic: internalTrafficPolicy ${p.internalTrafficPolicy}, ${handling(p.clusterIPTraffic)}`)
  if (p.externalTraffic && p.externalTrafficPolicy) {
    out.push(`  external traffic:   externalTrafficPolicy ${p.externalTrafficPolicy}, ${handling(p.externalTraffic)}`)
    if (p.externalTrafficPolicy === 'Local') out.push('                      (pods and the node itself may still use every endpoint, as for the cluster IP)')
  }
  if (p.sessionAffinityTimeoutSeconds !== undefined) out.push(`  session affinity: ClientIP, ${p.sessionAffinityTimeoutSeconds}s`)
  if (p.topology) out.push(`  topology: ${p.topology} (hints narrow the cluster list to this ${p.topology === 'PreferSameNode' ? `node, ${x.node}` : `zone, ${x.zone ?? '?'}`})`)
  out.push('  Endpoints')
  if (p.endpoints.length === 0) out.push('    (none)')
  for (const e of p.endpoints) out.push(...endpointLines(x, p, e))
  if (p.ruleset.length > 0) out.push(`  Ruleset (${x.format}, this port)`, ...p.ruleset.map((l) => rulesetLine(l, '    ')))
  return out
}

function handling(h: TrafficHandling): string {
  const list = h.list === 'local' ? "this node's endpoints" : 'every usable endpoint'
  const fallback = h.terminatingFallback ? ', terminating ones as a fallback' : ''
  if (h.endpoints > 0) return `spread over ${list} (${h.endpoints}${fallback})`
  return `${list}: none, so ${h.verdict === 'drop' ? 'dropped' : 'rejected'}`
}

function endpointLines(x: Explanation, p: PortExplanation, e: EndpointExplanation): string[] {
  const where = e.local ? `${e.node ?? x.node} (this node)` : e.node ? `node ${e.node}` : 'no node'
  const conditions = e.ready ? 'ready' : [e.serving ? 'serving' : 'not serving', e.terminating ? 'terminating' : 'not ready'].join(', ')
  const hints = [...(e.zoneHints.length ? [`zones ${e.zoneHints.join(',')}`] : []), ...(e.nodeHints.length ? [`nodes ${e.nodeHints.join(',')}`] : [])]
  const out = [`    ${e.endpoint}  ${where}, ${conditions}${hints.length ? `; hints: ${hints.join('; ')}` : ''}`]
  out.push(`      cluster IP: ${use(x, p, e, e.clusterIP, p.internalTrafficPolicy)}`)
  if (e.external && p.externalTrafficPolicy) out.push(`      external:   ${use(x, p, e, e.external, p.externalTrafficPolicy)}`)
  out.push(...e.ruleset.map((l) => rulesetLine(l, '      ')))
  return out
}

function use(x: Explanation, p: PortExplanation, e: EndpointExplanation, u: EndpointUse, policy: 'Cluster' | 'Local'): string {
  if (u.used) return `used, ${u.index! + 1} of ${u.of} (${percent(u.probability!)})${u.reason === 'terminatingFallback' ? ': terminating but serving, a fallback since no endpoint is ready' : ''}`
  switch (u.reason) {
    case 'otherNode':
      return `not used: ${e.node ? `on ${e.node}` : 'on no node'}, not this node, and the policy is ${policy}`
    case 'notReady':
      return 'not used: not ready'
    case 'notServing':
      return 'not used: terminating and no longer serving'
    case 'terminatingNotNeeded':
      return 'not used: terminating (still serving), and ready endpoints exist'
    case 'hintedElsewhere':
      return p.topology === 'PreferSameNode'
        ? `not used: hinted to nodes ${e.nodeHints.join(', ') || '(none)'}, not ${x.node}`
        : `not used: hinted to zones ${e.zoneHints.join(', ') || '(none)'}, not ${x.zone ?? '(no zone)'}`
    default:
      return `not used (${u.reason})`
  }
}

function rulesetLine(l: RulesetLine, indent: string): string {
  // An iptables rule names its chain itself ("-A KUBE-SVC-…"): only the table is left to say.
  const object = l.text.startsWith('-A ') ? l.object.split(' ')[0] : l.object
  return `${indent}line ${String(l.line).padEnd(5)} ${object}: ${l.text}`
}
