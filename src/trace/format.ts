// A trace as text for people: the verdict first, then endpoints, masquerade, affinity, and the path line by line.
import type { BranchOutcome, Frontend, MasqueradeReason, TraceBranch, TraceResult, TraceStep, VerdictReason } from './types.ts'

const FRONTENDS: Record<Frontend, string> = {
  clusterIP: 'a cluster IP',
  externalIP: 'an external IP',
  loadBalancerIP: 'a load-balancer IP',
  nodePort: 'a node port',
  externalOrLoadBalancerIP: 'an external or load-balancer IP',
}

export const MASQUERADE_REASONS: Record<MasqueradeReason, string> = {
  notFromCluster: 'ClusterIP traffic that does not come from a pod (outside the cluster CIDR)',
  masqueradeAll: 'masqueradeAll: all ClusterIP traffic is masqueraded',
  externalTraffic: 'external traffic to a service with externalTrafficPolicy Cluster',
  localSource: 'the node itself is the client (externalTrafficPolicy Local lets it use any endpoint, masqueraded)',
  hairpin: 'hairpin: the endpoint reaches itself through its service',
  other: 'a rule marks it for masquerading',
}

export const VERDICT_REASONS: Record<VerdictReason, string> = {
  noEndpoints: 'the service port has no usable endpoints',
  noLocalEndpoints: 'the traffic policy is Local and no usable endpoint is on this node',
  sourceNotAllowed: 'the source is not in the loadBalancerSourceRanges',
  invalidClusterIPPort: 'a cluster IP, but none of its service ports has this port and protocol',
  unallocatedClusterIP: 'the address is in a service CIDR but is no service\'s cluster IP',
  healthCheckNodePort: 'a health-check node port: kube-proxy answers it itself',
  notAServiceAddress: 'no rule is about this packet: it goes on untouched',
  other: 'a rule of the ruleset says so',
}

const OUTCOMES: Record<BranchOutcome, string> = { dnat: 'DNAT', accept: 'ACCEPT', reject: 'REJECT', drop: 'DROP', none: 'no match' }

export function formatTrace(t: TraceResult): string {
  const p = t.packet
  const out: string[] = []
  const field = (name: string, value: string) => out.push(`${name.padEnd(12)}${value}`)
  const dst = p.family === 'ipv6' ? `[${p.destination}]:${p.port}` : `${p.destination}:${p.port}`
  field('Packet', `${p.protocol} ${p.source} → ${dst} (${p.family === 'ipv4' ? 'IPv4' : 'IPv6'}, ${t.format} ruleset)`)
  if (t.service || t.frontend) field('Service', [t.service?.spn ?? '(no service port has this port and protocol)', t.frontend ? `at ${FRONTENDS[t.frontend]}` : ''].filter(Boolean).join(', '))
  field('Verdict', verdictLine(t))

  if (t.endpoints.length > 0) {
    const width = Math.max(...t.endpoints.map((e) => e.endpoint.length))
    t.endpoints.forEach((e, i) => field(i === 0 ? 'Endpoints' : '', `${e.endpoint.padEnd(width)}  ${percent(e.probability).padStart(9)}${e.masqueraded ? '  masqueraded' : ''}`))
  }
  const masq = t.masquerade
  if (masq.rules.length === 0) field('Masquerade', masq.masqueraded ? 'yes' : 'no')
  else masq.rules.forEach((r, i) => field(i === 0 ? 'Masquerade' : '', `${i === 0 ? (masq.masqueraded ? 'yes: ' : 'no (the packet does not get through): ') : ''}${MASQUERADE_REASONS[r.reason]} (line ${r.line}, ${r.chain})`))
  if (t.affinity.length === 0) field('Affinity', 'none')
  else {
    field('Affinity', 'ClientIP: a returning client goes back to its endpoint, skipping the random pick; records:')
    for (const a of t.affinity)
      field('', `  ${a.kind === 'set' ? `set @${a.name}` : `recent list ${a.name}`}${a.endpoint ? ` → ${a.endpoint}` : ''}${a.timeoutSeconds !== undefined ? `, ${a.timeoutSeconds}s` : ''} (checked at line ${a.checkLine})`)
  }

  const shared = sharedPrefix(t.branches)
  out.push('', t.branches.length > 1 ? 'Path (shared by every branch)' : 'Path')
  if (shared === 0 && t.branches.every((b) => b.steps.length === 0)) out.push('  (no rule matched)')
  const first = t.branches[0]?.steps ?? []
  first.slice(0, shared).forEach((s, i) => out.push(...stepLines(s, first[i + 1])))
  if (t.branches.length > 1)
    t.branches.forEach((b, i) => {
      out.push(`Branch ${i + 1} of ${t.branches.length}: ${percent(b.probability)}, ${branchEnd(b)}`)
      b.steps.forEach((s, j) => j >= shared && out.push(...stepLines(s, b.steps[j + 1])))
    })
  return `${out.join('\n')}\n`
}

function verdictLine(t: TraceResult): string {
  const v = t.verdict
  if (v.kind === 'dnat') {
    const n = t.endpoints.length
    const masqueraded = t.endpoints.filter((e) => e.masqueraded).length
    const masq = masqueraded === 0 ? '' : masqueraded === n ? ', masqueraded' : `, masqueraded towards ${masqueraded} of them`
    return `DNAT to ${n === 1 ? t.endpoints[0]!.endpoint : `one of ${n} endpoints`}${masq}`
  }
  const why = v.reason ? `: ${VERDICT_REASONS[v.reason]}` : ''
  return `${OUTCOMES[v.kind]}${why}${v.line !== undefined && v.reason !== 'notAServiceAddress' ? ` (line ${v.line})` : ''}`
}

function branchEnd(b: TraceBranch): string {
  return b.outcome === 'dnat' ? `DNAT to ${b.endpoint}${b.masqueraded ? ', masqueraded' : ''}` : OUTCOMES[b.outcome]
}

/** The step, the rule it stands for (unless the action says it all), and what it matched. */
function stepLines(s: TraceStep, next: TraceStep | undefined): string[] {
  const pick = s.pick ? ` [${s.pick.index !== undefined ? `pick ${s.pick.index} of ${s.pick.of}, ` : s.pick.taken ? 'jump taken, ' : 'not taken, '}p=${round(s.pick.probability)}]` : ''
  // A jump whose chain had no rule for the packet comes straight back.
  const target = /^jump (\S+)$/.exec(s.action)?.[1]
  const empty = target !== undefined && s.pick === undefined && next?.chain !== target ? ' (no rule there matched)' : ''
  const lines = [`  line ${String(s.line).padEnd(5)} ${s.table} ${s.chain}: ${s.action}${pick}${empty}`]
  if (s.rule !== s.action) lines.push(`             ${s.rule}`)
  if (s.element) lines.push(`             matched ${s.element.set} element { ${s.element.key} }${s.element.line !== undefined ? ` at line ${s.element.line}` : ''}`)
  if (s.masquerade) lines.push(`             masquerade: ${MASQUERADE_REASONS[s.masquerade]}`)
  if (s.reason) lines.push(`             why: ${VERDICT_REASONS[s.reason]}`)
  return lines
}

/** Steps every branch shares (the same objects: a fork copies the path so far). */
function sharedPrefix(branches: readonly TraceBranch[]): number {
  const first = branches[0]?.steps ?? []
  let n = 0
  while (n < first.length && branches.every((b) => b.steps[n] === first[n])) n++
  return n
}

export function percent(p: number): string {
  return `${round(p * 100)}%`
}

function round(x: number): string {
  return String(Number(x.toFixed(4)))
}
