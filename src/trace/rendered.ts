// traceRendered: a packet through the text svcc rendered (parsed back, not re-derived from the plan), summed up.
import { parseIp, type Ip } from '../model/ip.ts'
import type { Protocol } from '../model/types.ts'
import { parseIptablesRestore } from './iptables/parse.ts'
import { runIptables } from './iptables/trace.ts'
import { parseNft } from './nft/parse.ts'
import { runNft } from './nft/trace.ts'
import type { AffinityEntry, Frontend, ServiceRef, TraceBranch, TraceFormat, TraceOptions, TracePacket, TraceResult, TracedEndpoint } from './types.ts'

/** What both format tracers report; the summary below is shared. */
interface FormatRun {
  readonly branches: readonly TraceBranch[]
  readonly affinity: readonly AffinityEntry[]
  readonly frontend: Frontend | undefined
  readonly spn: string | undefined
  readonly harness: { readonly output: string; readonly masq: boolean }
}

/**
 * Parses `text` (an `nft -f` file, or one family's iptables-restore payload) and traces the
 * first packet of a new connection through it, with kube-proxy's tracer semantics: no
 * conntrack history (affinity records and marks from earlier packets never match), every
 * random pick followed. Throws when the text holds a rule shape the parser does not know, or
 * when the packet's addresses are not IP addresses of one family: both are bugs of the caller.
 */
export function traceRendered(format: TraceFormat, text: string, packet: TracePacket, options: TraceOptions): TraceResult {
  const source = mustIp(packet.source, 'source')
  const destination = mustIp(packet.destination, 'destination')
  if (source.family !== destination.family) throw new Error(`svcc trace: ${packet.source} and ${packet.destination} are of different IP families`)
  const protocol: Protocol = packet.protocol ?? 'tcp'
  const localIps = [...new Set(options.localIps.map((ip) => mustIp(ip, 'local IP').text))]
  const run = format === 'nft' ? traceNftText(text, source, destination, packet.port, protocol, localIps, packet.inInterface) : traceIptablesText(text, source, destination, packet.port, protocol, localIps, packet.inInterface)
  return summarize(format, { source: source.text, destination: destination.text, port: packet.port, protocol, family: source.family }, localIps, run)
}

function traceNftText(text: string, source: Ip, destination: Ip, port: number, protocol: Protocol, localIps: readonly string[], inInterface: string | undefined): FormatRun {
  const ruleset = parseNft(text)
  // A family svcc rendered no table for is traffic kube-proxy does not handle at all.
  if (!ruleset.tables.some((t) => t.family === (source.family === 'ipv4' ? 'ip' : 'ip6')))
    return { branches: [{ probability: 1, outcome: 'none', masqueraded: false, steps: [] }], affinity: [], frontend: undefined, spn: undefined, harness: { output: '', masq: false } }
  const packet = { sourceIP: source.text, destIP: destination.text, destPort: port, protocol, ...(inInterface === undefined ? {} : { inInterface }) }
  return runNft(ruleset, packet, localIps)
}

function traceIptablesText(text: string, source: Ip, destination: Ip, port: number, protocol: Protocol, localIps: readonly string[], inInterface: string | undefined): FormatRun {
  const packet = { source: source.text, destination: destination.text, destinationPort: port, protocol, ...(inInterface === undefined ? {} : { inInterface }) }
  return runIptables(parseIptablesRestore(text), packet, { localIps })
}

function summarize(format: TraceFormat, packet: TraceResult['packet'], localIps: readonly string[], run: FormatRun): TraceResult {
  const branches = run.branches.map((b) => ({ ...b, probability: tidy(b.probability) }))
  const endpoints: TracedEndpoint[] = []
  for (const b of branches) {
    if (b.outcome !== 'dnat' || b.endpoint === undefined) continue
    const i = endpoints.findIndex((e) => e.endpoint === b.endpoint)
    if (i < 0) endpoints.push({ endpoint: b.endpoint, probability: b.probability, masqueraded: b.masqueraded })
    else endpoints[i] = { ...endpoints[i]!, probability: tidy(endpoints[i]!.probability + b.probability), masqueraded: endpoints[i]!.masqueraded || b.masqueraded }
  }
  const decisive = branches.find((b) => b.outcome === 'dnat') ?? branches[0]
  const reasonStep = decisive ? [...decisive.steps].reverse().find((s) => s.reason !== undefined) : undefined
  const dnatStep = decisive ? [...decisive.steps].reverse().find((s) => /^dnat to /i.test(s.action)) : undefined
  const kind = decisive?.outcome ?? 'none'
  const reason = reasonStep?.reason ?? (kind === 'none' && run.frontend === undefined && run.spn === undefined ? 'notAServiceAddress' : kind === 'dnat' ? undefined : 'other')
  const seen = new Set<string>()
  const rules: { reason: NonNullable<TraceBranch['steps'][number]['masquerade']>; line: number; chain: string }[] = []
  for (const b of branches)
    for (const s of b.steps)
      if (s.masquerade && !seen.has(`${s.table} ${s.line}`)) {
        seen.add(`${s.table} ${s.line}`)
        rules.push({ reason: s.masquerade, line: s.line, chain: s.chain })
      }
  return {
    format,
    packet,
    localIps,
    service: serviceRef(run.spn),
    frontend: run.frontend,
    verdict: { kind, reason, line: (kind === 'dnat' ? dnatStep : reasonStep)?.line ?? decisive?.steps[decisive.steps.length - 1]?.line },
    endpoints,
    masquerade: { masqueraded: branches.some((b) => b.masqueraded), rules },
    affinity: run.affinity,
    branches,
    kubeProxy: { output: run.harness.output, masq: run.harness.masq },
  }
}

/** "ns/name:port" → its parts; "ns/name" is an unnamed port. */
export function serviceRef(spn: string | undefined): ServiceRef | undefined {
  if (spn === undefined) return undefined
  const slash = spn.indexOf('/')
  const colon = spn.indexOf(':', slash)
  if (slash <= 0) return undefined
  return { namespace: spn.slice(0, slash), name: spn.slice(slash + 1, colon < 0 ? undefined : colon), portName: colon < 0 ? '' : spn.slice(colon + 1), spn }
}

/** Products of rounded probabilities (0.3333333333 × …) carry float noise; 15 significant digits keep what matters and drop the noise. */
function tidy(p: number): number {
  return Number(p.toPrecision(15))
}

function mustIp(text: string, what: string): Ip {
  return parseIp(text) ?? fail(`${what} ${JSON.stringify(text)} is not an IP address`)
}

function fail(message: string): never {
  throw new Error(`svcc trace: ${message}`)
}
