// Reading the kernel's outcome and holding svcc trace against it (pure, runs without root): a wrong comparison would pass anything.
import { describe, expect, it } from 'vitest'
import type { TraceResult } from '../../src/trace/types.ts'
import { parseConntrack, type TrackedConnection } from './conntrack.ts'
import type { Attempt } from './lab.ts'
import { compareTrace, observe, type Observation } from './observe.ts'

const from = '10.0.0.2'
const probe = { from, to: '10.96.0.10', port: 80 }
const answer = (ep: string, src = from, name = ep.split(':')[0]!): Attempt => ({ ok: true, name, ep, src, ms: 2 })
const failure = (error: string): Attempt => ({ ok: false, error, ms: 500 })
const times = (n: number, a: Attempt) => Array.from({ length: n }, () => a)
const tracked = (reply: { src: string; sport: number; dst?: string }, original = { src: from, dst: '10.96.0.10', dport: 80 }): TrackedConnection => ({
  protocol: 'tcp',
  original: { ...original, sport: 40000 },
  reply: { src: reply.src, dst: reply.dst ?? from, sport: reply.sport, dport: 40000 },
})

/** The fields compareTrace reads; the rest of a TraceResult does not matter here. */
function traced(verdict: TraceResult['verdict']['kind'], endpoints: [string, number, boolean][] = [], more: { affinity?: boolean } = {}): TraceResult {
  return {
    verdict: { kind: verdict, reason: undefined, line: undefined },
    endpoints: endpoints.map(([endpoint, probability, masqueraded]) => ({ endpoint, probability, masqueraded })),
    masquerade: { masqueraded: endpoints.some((e) => e[2]), rules: [] },
    affinity: more.affinity ? [{ kind: 'set', name: 'affinity', endpoint: undefined, timeoutSeconds: 10800, checkLine: 1 }] : [],
  } as unknown as TraceResult
}

const hits = (o: Observation) => (o.kind === 'endpoints' ? Object.fromEntries([...o.hits].map(([ep, h]) => [ep, h])) : o.kind)

describe('observe', () => {
  it('reads endpoints and masquerade from who answered and the source they saw', () => {
    const o = observe({ ...probe, attempts: [answer('10.244.1.1:8080'), answer('10.244.1.1:8080'), answer('10.244.2.1:8080', '169.254.1.1')], connections: [] })
    expect(hits(o)).toEqual({ '10.244.1.1:8080': { n: 2, masqueraded: false }, '10.244.2.1:8080': { n: 1, masqueraded: true } })
    expect(observe({ ...probe, attempts: [answer('10.244.1.1:8080', '203.0.113.9')], connections: [] }).kind).toBe('unclear')
    expect(observe({ ...probe, attempts: [answer('10.244.1.1:8080'), answer('10.244.1.1:8080', '169.254.1.1')], connections: [] }).kind).toBe('unclear')
  })

  it('takes the node answering on the untranslated address as no rule', () => {
    expect(observe({ ...probe, attempts: [answer('10.96.0.10:80', from, 'node')], connections: [] })).toEqual({ kind: 'none', how: 'the node answered untranslated', masqueraded: false })
  })

  it('tells REJECT, DROP, passed-on and unanswered DNAT apart by conntrack', () => {
    const refused = times(3, failure('ECONNREFUSED'))
    const silent = times(2, failure('TIMEOUT'))
    expect(observe({ ...probe, attempts: refused, connections: [] }).kind).toBe('reject')
    expect(observe({ ...probe, attempts: silent, connections: [] }).kind).toBe('drop')
    // Somebody else's entry is not this probe's.
    expect(observe({ ...probe, attempts: silent, connections: [tracked({ src: '10.96.0.10', sport: 80 }, { src: '10.0.0.3', dst: '10.96.0.10', dport: 80 })] }).kind).toBe('drop')
    expect(observe({ ...probe, attempts: silent, connections: [tracked({ src: '10.96.0.10', sport: 80 })] })).toMatchObject({ kind: 'none', masqueraded: false })
    // A hairpin without masquerade: translated, never answered.
    const hairpin = observe({ ...probe, attempts: silent, connections: [tracked({ src: from, sport: 8080 }), tracked({ src: from, sport: 8080 })] })
    expect(hairpin).toMatchObject({ kind: 'endpoints', unanswered: true, connections: 2 })
    expect(hits(hairpin)).toEqual({ '10.0.0.2:8080': { n: 2, masqueraded: false } })
    // Refused by the endpoint it reached, not by a rule.
    expect(observe({ ...probe, attempts: refused, connections: [tracked({ src: '10.244.1.1', sport: 8080, dst: '169.254.1.1' })] })).toMatchObject({ kind: 'endpoints', unanswered: true })
    expect(observe({ ...probe, attempts: [answer('10.244.1.1:8080'), failure('TIMEOUT')], connections: [] }).kind).toBe('unclear')
  })
})

describe('compareTrace', () => {
  const two: [string, number, boolean][] = [
    ['10.244.1.1:8080', 0.5, false],
    ['10.244.2.1:8080', 0.5, false],
  ]
  const seen = (counts: Record<string, number>, masqueraded = false): Observation => ({
    kind: 'endpoints',
    hits: new Map(Object.entries(counts).map(([ep, n]) => [ep, { n, masqueraded }])),
    connections: Object.values(counts).reduce((a, b) => a + b, 0),
    unanswered: false,
  })

  it('accepts a few connections as a sample of trace endpoints, and wants them all once missing one is unlikely', () => {
    expect(compareTrace(seen({ '10.244.1.1:8080': 3 }), traced('dnat', two))).toEqual({ problems: [], fullSet: false })
    expect(compareTrace(seen({ '10.244.1.1:8080': 20 }), traced('dnat', two)).problems).toEqual(['trace gives 10.244.2.1:8080 50 %, the kernel never chose it in 20 connections'])
    expect(compareTrace(seen({ '10.244.1.1:8080': 3, '10.244.2.1:8080': 2 }), traced('dnat', two))).toEqual({ problems: [], fullSet: true })
  })

  it('lets session affinity count as one draw', () => {
    expect(compareTrace(seen({ '10.244.1.1:8080': 20 }), traced('dnat', two, { affinity: true })).problems).toEqual([])
  })

  it('holds the shares of many connections against trace probabilities', () => {
    expect(compareTrace(seen({ '10.244.1.1:8080': 150, '10.244.2.1:8080': 150 }), traced('dnat', two)).problems).toEqual([])
    expect(compareTrace(seen({ '10.244.1.1:8080': 270, '10.244.2.1:8080': 30 }), traced('dnat', two)).problems).toHaveLength(2)
  })

  it('wants only trace endpoints, each with trace masquerade decision', () => {
    expect(compareTrace(seen({ '10.244.9.9:8080': 1 }), traced('dnat', two)).problems[0]).toContain('which trace does not give')
    expect(compareTrace(seen({ '10.244.1.1:8080': 1, '10.244.2.1:8080': 1 }, true), traced('dnat', two)).problems).toHaveLength(3)
    // An endpoint trace gives with probability 0 is not one it can reach.
    expect(compareTrace(seen({ '10.244.2.1:8080': 1 }), traced('dnat', [['10.244.1.1:8080', 1, false], ['10.244.2.1:8080', 0, false]])).problems).toHaveLength(2)
  })

  it('matches REJECT, DROP and no rule to the verdict', () => {
    expect(compareTrace({ kind: 'reject' }, traced('reject')).problems).toEqual([])
    expect(compareTrace({ kind: 'drop' }, traced('drop')).problems).toEqual([])
    expect(compareTrace({ kind: 'drop' }, traced('reject')).problems).toEqual(['the kernel did DROP, trace says REJECT'])
    expect(compareTrace({ kind: 'reject' }, traced('dnat', two)).problems).toHaveLength(1)
    expect(compareTrace(seen({ '10.244.1.1:8080': 1 }), traced('none')).problems).toHaveLength(1)
    const nodeAnswered: Observation = { kind: 'none', how: 'the node answered untranslated', masqueraded: false }
    const passedOn: Observation = { kind: 'none', how: 'conntrack shows it passed on untranslated', masqueraded: false }
    expect(compareTrace(nodeAnswered, traced('none')).problems).toEqual([])
    // The health-check port's ACCEPT looks like no rule when the node answers, not when the packet went elsewhere.
    expect(compareTrace(nodeAnswered, traced('accept')).problems).toEqual([])
    expect(compareTrace(passedOn, traced('accept')).problems).toHaveLength(1)
    expect(compareTrace(passedOn, traced('drop')).problems).toHaveLength(1)
    expect(compareTrace({ kind: 'unclear', why: 'flaky' }, traced('none')).problems).toHaveLength(1)
  })
})

describe('parseConntrack', () => {
  it('reads both directions of both families (IPv6 as /proc writes it, or compressed) and skips other protocols', () => {
    const text = [
      'ipv4     2 tcp      6 119 SYN_SENT src=10.244.1.3 dst=10.96.0.11 sport=40312 dport=80 [UNREPLIED] src=10.244.1.3 dst=10.244.1.3 sport=8080 dport=40312 mark=0 zone=0 use=2',
      'ipv6     10 udp      17 29 src=fd00:0010:0000:0000:0000:0000:0000:0002 dst=fd00:96:0:0::10 sport=5000 dport=53 src=fd00:10::a1 dst=fd00:10::2 sport=5353 dport=5000 mark=0 zone=0 use=2',
      'ipv4     2 icmp     1 29 src=10.0.0.2 dst=10.0.0.1 type=8 code=0 id=1 src=10.0.0.1 dst=10.0.0.2 type=0 code=0 id=1 mark=0 use=1',
    ].join('\n')
    expect(parseConntrack(text)).toEqual([
      { protocol: 'tcp', original: { src: '10.244.1.3', dst: '10.96.0.11', sport: 40312, dport: 80 }, reply: { src: '10.244.1.3', dst: '10.244.1.3', sport: 8080, dport: 40312 } },
      { protocol: 'udp', original: { src: 'fd00:10::2', dst: 'fd00:96::10', sport: 5000, dport: 53 }, reply: { src: 'fd00:10::a1', dst: 'fd00:10::2', sport: 5353, dport: 5000 } },
    ])
  })
})
