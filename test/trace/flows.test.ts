// Every kube-proxy packet-flow case through traceRendered, in both formats and nft's fast profile: endpoints, masquerade and verdict as the reference says.
import { isDeepStrictEqual } from 'node:util'
import { describe, expect, it } from 'vitest'
import { compile } from '../../src/compile.ts'
import { renderIptables } from '../../src/render/iptables/render.ts'
import { renderNftFast } from '../../src/render/nft/fast.ts'
import { renderNft } from '../../src/render/nft/render.ts'
import { traceRendered, type BranchOutcome, type TraceFormat, type TraceResult } from '../../src/trace/index.ts'
import { HARNESS_LOCAL_IPS } from '../helpers/kube-proxy-harness.ts'
import { flowSettings, loadFlowTable, type Flow, type FlowCase, type FlowSuite as Suite } from '../helpers/kube-proxy-flows.ts'

/** The comparable part of a trace: the endpoint set, the masquerade flag and the verdict. */
interface Seen {
  readonly endpoints: readonly string[]
  readonly masq: boolean
  readonly verdict: BranchOutcome
}

const TABLES = { iptables: loadFlowTable('iptables'), nftables: loadFlowTable('nftables') } as const
const SUITES = { iptables: TABLES.iptables.cases, nftables: TABLES.nftables.cases } as const
/** proxier_test.go's totals for each backend. */
const TOTALS = { iptables: 239, nftables: 207 } as const

/** What kube-proxy's tracer output says, as a Seen. */
function expected(flow: Flow): Seen {
  const parts = flow.output === '' ? [] : flow.output.split(', ')
  const verdict = parts.find((p) => p === 'REJECT' || p === 'DROP' || p === 'ACCEPT')
  const endpoints = parts.filter((p) => p !== verdict).sort()
  return { endpoints, masq: flow.masq, verdict: verdict ? (verdict.toLowerCase() as BranchOutcome) : endpoints.length > 0 ? 'dnat' : 'none' }
}

function seen(t: TraceResult): Seen {
  return { endpoints: t.endpoints.map((e) => e.endpoint).sort(), masq: t.masquerade.masqueraded, verdict: t.verdict.kind }
}

const rendered = new Map<string, string>()

/** The formats, and nft's fast profile (render/nft/fast.ts), which the nft tracer reads too. */
type Way = TraceFormat | 'nft-fast'

function render(suite: Suite, c: FlowCase, way: Way): string {
  const key = `${suite} ${way} ${c.setup} ${JSON.stringify(c.settings)}`
  const cached = rendered.get(key)
  if (cached !== undefined) return cached
  const format = way === 'nft-fast' ? 'nft' : way
  const result = compile([{ path: c.setup, text: TABLES[suite].setup(c) }], { format, settings: flowSettings(suite, c.settings, format) })
  if (!result.ok) throw new Error(`${c.setup} does not compile: ${result.diagnostics.map((d) => d.message).join('; ')}`)
  const family = result.plan.families.find((f) => f.family === (c.settings.family === 'IPv4' ? 'ipv4' : 'ipv6'))
  if (!family) throw new Error(`${c.setup}: no ${c.settings.family} family in the plan`)
  const text = way === 'nft-fast' ? renderNftFast(result.plan).text : format === 'nft' ? renderNft(result.plan).text : renderIptables(family).text
  rendered.set(key, text)
  return text
}

function trace(suite: Suite, c: FlowCase, flow: Flow, way: Way): TraceResult {
  const protocol = (flow.protocol ?? 'TCP').toLowerCase() as 'tcp' | 'udp' | 'sctp'
  return traceRendered(way === 'nft-fast' ? 'nft' : way, render(suite, c, way), { source: flow.sourceIP, destination: flow.destIP, port: flow.destPort, protocol }, { localIps: HARNESS_LOCAL_IPS })
}

/**
 * Where the two designs differ on purpose, so a case of one backend's suite gives another
 * answer in the other format. Each entry says what that format does instead; the test checks
 * both that the listed cases really differ that way and that no other case differs.
 */
const BY_DESIGN: readonly { readonly why: string; readonly applies: (suite: Suite, format: TraceFormat, c: FlowCase, f: Flow) => boolean; readonly instead: Seen }[] = [
  {
    why: 'nft rejects a cluster IP on a port or protocol none of its service ports has (cluster-ips-check); iptables has no such rule and leaves the packet alone',
    applies: (suite, format, _c, f) => suite === 'iptables' && format === 'nft' && expected(f).verdict === 'none' && /^172\.30\.0\.4[0-9]$/.test(f.destIP),
    instead: { endpoints: [], masq: false, verdict: 'reject' },
  },
  {
    why: 'iptables leaves alone what nft rejects at an invalid cluster IP port (no cluster-ips-check)',
    applies: (suite, format, c, f) => suite === 'nftables' && format === 'iptables' && c.test === 'TestClusterIPGeneral' && f.output === 'REJECT',
    instead: { endpoints: [], masq: false, verdict: 'none' },
  },
  {
    why: 'iptables does not know the service CIDRs, so it does not drop traffic to unallocated cluster IPs as nft does',
    applies: (suite, format, _c, f) => suite === 'nftables' && format === 'iptables' && f.name === 'packet to unallocated cluster ip',
    instead: { endpoints: [], masq: false, verdict: 'none' },
  },
  {
    why: 'nft never serves NodePorts on 127.0.0.1 (iptables does, with route_localnet, when localhostNodePorts is on)',
    applies: (suite, format, _c, f) => suite === 'iptables' && format === 'nft' && f.destIP === '127.0.0.1' && f.output !== '',
    instead: { endpoints: [], masq: false, verdict: 'none' },
  },
  {
    why: "iptables accepts health-check node ports in its filter KUBE-NODEPORTS chain; nft writes no rule for them (its filter chains' default is accept)",
    applies: (suite, format, _c, f) => suite === 'iptables' && format === 'nft' && f.output === 'ACCEPT',
    instead: { endpoints: [], masq: false, verdict: 'none' },
  },
]

describe.each(['iptables', 'nftables'] as const)("kube-proxy's %s flow cases", (suite) => {
  const cases = SUITES[suite]

  it(`has all ${TOTALS[suite]} flow checks`, () => {
    expect(cases.flatMap((c) => c.flows)).toHaveLength(TOTALS[suite])
  })

  describe.each(['iptables', 'nft'] as const)('through the %s format', (format) => {
    const home = (suite === 'iptables') === (format === 'iptables')
    const checks = cases.flatMap((c) => c.flows.map((flow) => ({ title: `${c.test}${c.subtest ? `/${c.subtest}` : ''}: ${flow.name}`, c, flow })))

    it.each(checks)('$title', ({ c, flow }) => {
      const t = trace(suite, c, flow, format)
      const why = `branches:\n${t.branches.map((b) => `  ${b.outcome} ${b.endpoint ?? ''} p=${b.probability}\n${b.steps.map((s) => `    ${s.chain}:${s.line} ${s.action}`).join('\n')}`).join('\n')}`
      const differs = BY_DESIGN.find((d) => d.applies(suite, format, c, flow))
      expect(seen(t), why).toEqual(differs ? differs.instead : expected(flow))
      expect(t.branches.reduce((sum, b) => sum + b.probability, 0)).toBeCloseTo(1, 9)
      // In its own format, kube-proxy's tracer view is the reference string itself.
      if (home) expect(t.kubeProxy).toEqual({ output: flow.output, masq: flow.masq })
    })

    it('differs from the reference only where the designs differ', () => {
      const differing = checks.filter(({ c, flow }) => BY_DESIGN.some((d) => d.applies(suite, format, c, flow))).length
      expect(differing).toBe({ 'iptables iptables': 0, 'iptables nft': 16, 'nftables iptables': 3, 'nftables nft': 0 }[`${suite} ${format}`])
    })
  })
})

/** What must not change between nft's profiles: where a new connection can go, how likely, masqueraded or not, and why it stops. */
function outcome(t: TraceResult) {
  return {
    endpoints: t.endpoints.map((e) => ({ endpoint: e.endpoint, probability: e.probability, masqueraded: e.masqueraded })),
    masq: t.masquerade.masqueraded,
    verdict: t.verdict.kind,
    reason: t.verdict.reason,
    kubeProxy: t.kubeProxy,
  }
}

describe.each(['iptables', 'nftables'] as const)("kube-proxy's %s flow cases through nft's fast profile", (suite) => {
  const checks = SUITES[suite].flatMap((c) => c.flows.map((flow) => ({ title: `${c.test}${c.subtest ? `/${c.subtest}` : ''}: ${flow.name}`, c, flow })))

  it.each(checks)('$title', ({ c, flow }) => {
    const fast = trace(suite, c, flow, 'nft-fast')
    expect(outcome(fast)).toEqual(outcome(trace(suite, c, flow, 'nft')))
    expect(fast.branches.reduce((sum, b) => sum + b.probability, 0)).toBeCloseTo(1, 9)
  })

  it('agrees with the kube-proxy profile on every flow, and goes through its shared DNAT maps and firewall sets', () => {
    const traces = checks.map(({ c, flow }) => ({ fast: trace(suite, c, flow, 'nft-fast'), kubeProxy: trace(suite, c, flow, 'nft') }))
    expect(traces.filter((t) => isDeepStrictEqual(outcome(t.fast), outcome(t.kubeProxy)))).toHaveLength(TOTALS[suite])
    const sets = new Set(traces.flatMap(({ fast }) => fast.branches.flatMap((b) => b.steps.flatMap((s) => (s.element ? [s.element.set.replace(/-[0-9]+$/, '-G')] : [])))))
    const shapes = ['@dnat-targets-G', '@affinity-targets-G', '@firewall-ips', '@firewall-allow'].filter((s) => sets.has(s))
    // kube-proxy's flow cases have no ClientIP affinity (rendered.test.ts traces the fast profile's).
    expect(shapes).toEqual(['@dnat-targets-G', '@firewall-ips', '@firewall-allow'])
  })
})
