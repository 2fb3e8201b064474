// kube-proxy's nftables packet-flow cases, traced through the nft text svcc renders for each setup.
import { describe, expect, it } from 'vitest'
import { compile } from '../src/compile.ts'
import { renderNft } from '../src/render/nft/render.ts'
import { HARNESS_LOCAL_IPS } from './helpers/kube-proxy-harness.ts'
import { flowSettings, loadFlowTable, type FlowCase } from './helpers/kube-proxy-flows.ts'
import { parseNft, traceNft, type NftRuleset } from './helpers/nft-trace.ts'

const table = loadFlowTable('nftables')
const cases = table.cases

/** Case executions per test function (research/kube-proxy-nftables-tests.md, summary table). */
const EXECUTIONS: Record<string, number> = {
  TestNoEndpointsReject: 6,
  TestClusterIPGeneral: 10,
  TestLoadBalancer: 13,
  TestNodePorts: 16,
  TestExternalTrafficPolicyLocal: 7,
  TestExternalTrafficPolicyCluster: 7,
  TestInternalTrafficPolicy: 8,
  TestTerminatingEndpointsTrafficPolicyLocal: 16,
  TestTerminatingEndpointsTrafficPolicyCluster: 16,
  TestInternalExternalMasquerade: 108,
}

/** Compiled and rendered once per case, on first use, so a compile failure fails that case's flows. */
function ruleset(c: FlowCase): () => NftRuleset {
  let parsed: NftRuleset | undefined
  return () => {
    if (parsed) return parsed
    const path = `fixtures/kube-proxy/nftables/flows/${c.setup}`
    const result = compile([{ path, text: table.setup(c) }], { format: 'nft', settings: flowSettings('nftables', c.settings, 'nft') })
    if (!result.ok) throw new Error(`${path} does not compile:\n${result.diagnostics.map((d) => `${d.code}: ${d.message}`).join('\n')}`)
    const family = c.settings.family === 'IPv4' ? 'ipv4' : 'ipv6'
    if (!result.plan.families.some((f) => f.family === family)) throw new Error(`${path}: the plan has no ${family} family`)
    parsed = parseNft(renderNft(result.plan).text)
    return parsed
  }
}

describe('the transcription', () => {
  it('has all 207 case executions of the 10 flow-test functions', () => {
    const perTest: Record<string, number> = {}
    for (const c of cases) perTest[c.test] = (perTest[c.test] ?? 0) + c.flows.length
    expect(perTest).toEqual(EXECUTIONS)
    expect(cases.flatMap((c) => c.flows)).toHaveLength(207)
    expect(cases).toHaveLength(37)
  })

  it('gives each TestInternalExternalMasquerade variant exactly its listed overrides of the base flows', () => {
    const variants = cases.filter((c) => c.test === 'TestInternalExternalMasquerade')
    const base = variants.find((c) => c.subtest === 'base')!
    expect(variants.map((c) => c.subtest)).toEqual(['base', 'no LocalTrafficDetector', 'masqueradeAll', 'masqueradeAll, no LocalTrafficDetector'])
    for (const v of variants) {
      expect(v.flows.map((f) => [f.name, f.sourceIP, f.destIP, f.destPort])).toEqual(base.flows.map((f) => [f.name, f.sourceIP, f.destIP, f.destPort]))
      // kube-proxy's test insists that an override really differs from the base expectation.
      const changed = v.flows.filter((f, i) => f.output !== base.flows[i]!.output || f.masq !== base.flows[i]!.masq).map((f) => f.name)
      expect(changed).toEqual(v.overridesFromBase ?? [])
    }
  })
})

for (const c of cases) {
  const trace = ruleset(c)
  describe(`${c.test}${c.subtest ? ` / ${c.subtest}` : ''}`, () => {
    for (const flow of c.flows) {
      const proto = (flow.protocol ?? 'TCP').toLowerCase()
      it(`${flow.name} (${proto} ${flow.sourceIP} → ${flow.destIP}:${flow.destPort})`, () => {
        const result = traceNft(trace(), { sourceIP: flow.sourceIP, destIP: flow.destIP, destPort: flow.destPort, protocol: proto }, HARNESS_LOCAL_IPS)
        expect({ output: result.output, masq: result.masq }, `rules that acted:\n${result.matched.join('\n')}`).toEqual({ output: flow.output, masq: flow.masq })
      })
    }
  })
}
