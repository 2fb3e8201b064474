// What the kernel did with a probe's connections (its attempts, and the node's conntrack table), and whether `svcc trace` says the same (pure).
import type { TraceResult } from '../../src/trace/types.ts'
import { endpointString } from './expect.ts'
import type { TrackedConnection } from './conntrack.ts'
import type { Attempt } from './lab.ts'
import { canonical, isNodeAddress } from './topology.ts'

/**
 * The kernel's outcome in the tracer's terms. It is read from what happened, never from the
 * probe's expectation: DNAT is who answered, masquerade is whether the server saw a node
 * address, and "no rule" is the node answering untranslated. When nothing answers, the node's
 * conntrack table tells the rest, as the entry of a rejected or dropped packet is never
 * confirmed: no entry is REJECT (connection refused) or DROP (silence); an entry without NAT is
 * "no rule" (the packet went on to its destination); a translated entry is DNAT (and
 * masquerade) whose answer never came back (a hairpin without masquerade looks like this).
 */
export type Observation =
  | {
      readonly kind: 'endpoints'
      /** Per endpoint reached: how many connections landed there and whether they were masqueraded. */
      readonly hits: ReadonlyMap<string, { readonly n: number; readonly masqueraded: boolean }>
      readonly connections: number
      /** Read from conntrack: the connections were translated, but no answer came back. */
      readonly unanswered: boolean
    }
  | { readonly kind: 'reject' }
  | { readonly kind: 'drop' }
  | { readonly kind: 'none'; readonly how: 'the node answered untranslated' | 'conntrack shows it passed on untranslated'; readonly masqueraded: boolean }
  /** The attempts do not tell one story (a flaky run, a foreign source): nothing to compare. */
  | { readonly kind: 'unclear'; readonly why: string }

export interface Observed {
  readonly from: string
  readonly to: string
  readonly port: number
  readonly protocol?: 'TCP' | 'UDP'
  readonly attempts: readonly Attempt[]
  /** The node's conntrack entries after the probe (any; the probe's own are picked by their original tuple). */
  readonly connections: readonly TrackedConnection[]
}

const SILENT = new Set(['TIMEOUT', 'EHOSTUNREACH', 'ENETUNREACH'])

export function observe(o: Observed): Observation {
  const { attempts } = o
  if (attempts.length === 0) return { kind: 'unclear', why: 'no attempt was made' }
  const from = canonical(o.from)
  const to = canonical(o.to)
  const answered = attempts.filter((a) => a.ok)
  if (answered.length === attempts.length) {
    if (answered.every((a) => a.name === 'node' && a.ep === endpointString(to, o.port) && a.src === from)) return { kind: 'none', how: 'the node answered untranslated', masqueraded: false }
    return endpoints(answered.map((a) => ({ ep: a.ep, src: a.src })), from, false)
  }
  const errors = new Set(attempts.map((a) => (a.ok ? 'answered' : a.error)))
  const refused = errors.size === 1 && errors.has('ECONNREFUSED')
  if (!refused && ![...errors].every((e) => SILENT.has(e))) return { kind: 'unclear', why: `mixed or unexpected results: ${[...errors].join(', ')}` }

  const protocol = o.protocol === 'UDP' ? 'udp' : 'tcp'
  const mine = o.connections.filter((c) => c.protocol === protocol && c.original.src === from && c.original.dst === to && c.original.dport === o.port)
  // A rejected or dropped packet's entry is never confirmed; a refusal with an entry came from whoever the packet reached.
  if (mine.length === 0) return { kind: refused ? 'reject' : 'drop' }
  const passed = mine.filter((c) => c.reply.src === to && c.reply.sport === o.port)
  if (passed.length === mine.length) return { kind: 'none', how: 'conntrack shows it passed on untranslated', masqueraded: mine.some((c) => c.reply.dst !== from) }
  if (passed.length > 0) return { kind: 'unclear', why: 'conntrack shows some connections translated and some not' }
  // The reply tuple is what the endpoint sends back: its own address and port, to the (masqueraded) source.
  return endpoints(mine.map((c) => ({ ep: endpointString(c.reply.src, c.reply.sport), src: c.reply.dst })), from, true)
}

function endpoints(reached: readonly { ep: string; src: string }[], from: string, unanswered: boolean): Observation {
  const hits = new Map<string, { n: number; masqueraded: boolean }>()
  for (const { ep, src } of reached) {
    const masqueraded = src !== from
    if (masqueraded && !isNodeAddress(src)) return { kind: 'unclear', why: `${ep} saw source ${src}, neither the client nor a node address` }
    const hit = hits.get(ep)
    if (hit && hit.masqueraded !== masqueraded) return { kind: 'unclear', why: `${ep} saw the client's source on some connections and a node address on others` }
    hits.set(ep, { n: (hit?.n ?? 0) + 1, masqueraded })
  }
  return { kind: 'endpoints', hits, connections: reached.length, unanswered }
}

/** A missed endpoint counts against the trace only when the kernel would have missed it with odds below this. */
export const MISS_ODDS = 1e-4
/** From this many independent connections on, each endpoint's share is held against trace's probability. */
export const SHARE_DRAWS = 100

export interface TraceComparison {
  readonly problems: readonly string[]
  /** Endpoint probes only: the kernel reached every endpoint trace gives (else its set was a sample, checked as a subset). */
  readonly fullSet?: boolean
}

/**
 * Compares one probe's trace with what the kernel did. For DNAT the kernel's endpoints must be
 * among trace's (probability > 0), each with trace's masquerade decision; an endpoint trace
 * gives but the kernel never chose is a disagreement once missing it was unlikely ((1 − p)^n <
 * MISS_ODDS over n independent connections; with session affinity only the first connection
 * draws), and from SHARE_DRAWS connections on each share must be within 5σ (+1 %) of p.
 */
export function compareTrace(observation: Observation, trace: TraceResult): TraceComparison {
  const reachable = trace.endpoints.filter((e) => e.probability > 0)
  const said = describeTrace(trace)
  const verdict = trace.verdict.kind
  const problems: string[] = []
  switch (observation.kind) {
    case 'unclear':
      return { problems: [`the kernel's outcome is unclear (${observation.why}); trace says ${said}`] }
    case 'reject':
    case 'drop':
      if (verdict !== observation.kind || reachable.length > 0) problems.push(`the kernel did ${observation.kind.toUpperCase()}, trace says ${said}`)
      return { problems }
    case 'none': {
      // A node address answered untranslated is also what an ACCEPT (the health-check port) looks like.
      const fits = verdict === 'none' || (verdict === 'accept' && observation.how === 'the node answered untranslated')
      if (!fits || reachable.length > 0) problems.push(`no rule caught it in the kernel (${observation.how}), trace says ${said}`)
      else if (trace.masquerade.masqueraded !== observation.masqueraded) problems.push(`the kernel ${observation.masqueraded ? 'masqueraded' : 'did not masquerade'} it (${observation.how}), trace's masquerade flag is ${trace.masquerade.masqueraded}`)
      return { problems }
    }
    case 'endpoints': {
      if (verdict !== 'dnat') return { problems: [`the kernel ${observation.unanswered ? 'translated the connections (conntrack) to' : 'reached'} ${describeHits(observation)}, trace says ${said}`] }
      const byEndpoint = new Map(reachable.map((e) => [e.endpoint, e]))
      for (const [ep, hit] of observation.hits) {
        const traced = byEndpoint.get(ep)
        if (!traced) problems.push(`the kernel reached ${ep}, which trace does not give (trace says ${said})`)
        else if (traced.masqueraded !== hit.masqueraded) problems.push(`${ep}: the kernel ${hit.masqueraded ? 'masqueraded' : 'kept the client source'}, trace says ${traced.masqueraded ? 'masqueraded' : 'not masqueraded'}`)
      }
      const draws = trace.affinity.length > 0 ? 1 : observation.connections
      for (const e of reachable) {
        const n = observation.hits.get(e.endpoint)?.n ?? 0
        if (n === 0 && (1 - e.probability) ** draws < MISS_ODDS)
          problems.push(`trace gives ${e.endpoint} ${percent(e.probability)}, the kernel never chose it in ${draws} connections`)
        if (draws >= SHARE_DRAWS) {
          const share = n / draws
          const tolerance = 5 * Math.sqrt((e.probability * (1 - e.probability)) / draws) + 0.01
          if (Math.abs(share - e.probability) > tolerance)
            problems.push(`${e.endpoint}: the kernel chose it ${percent(share)} of ${draws} connections, trace gives ${percent(e.probability)} (± ${percent(tolerance)})`)
        }
      }
      const fullSet = reachable.every((e) => observation.hits.has(e.endpoint))
      const kernelMasq = [...observation.hits.values()].some((h) => h.masqueraded)
      if (fullSet && kernelMasq !== trace.masquerade.masqueraded) problems.push(`the kernel ${kernelMasq ? 'masqueraded' : 'masqueraded nothing'}, trace's masquerade flag is ${trace.masquerade.masqueraded}`)
      return { problems, fullSet }
    }
  }
}

export function describeTrace(t: TraceResult): string {
  const v = t.verdict.kind
  if (v !== 'dnat') return v === 'none' ? 'no rule matched' : v.toUpperCase()
  const eps = t.endpoints.filter((e) => e.probability > 0).map((e) => `${e.endpoint} ${percent(e.probability)}${e.masqueraded ? ' masqueraded' : ''}`)
  return `DNAT to ${eps.join(', ')}`
}

function describeHits(o: Extract<Observation, { kind: 'endpoints' }>): string {
  return [...o.hits].map(([ep, h]) => `${ep} ×${h.n}${h.masqueraded ? ' masqueraded' : ''}`).join(', ')
}

function percent(x: number): string {
  return `${Number((x * 100).toFixed(2))} %`
}
