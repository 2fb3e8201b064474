// explainService on the fixture cases: why each endpoint is used or not, and where the rendered text holds it.
import { readdirSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { compile } from '../../src/compile.ts'
import { explainService } from '../../src/explain/explain.ts'
import type { EndpointExplanation, Explanation } from '../../src/explain/types.ts'
import type { SettingsInput } from '../../src/model/settings.ts'
import { renderIptables } from '../../src/render/iptables/render.ts'
import { renderNft } from '../../src/render/nft/render.ts'
import type { TraceFormat } from '../../src/trace/types.ts'

const NODE_A: SettingsInput = { nodeName: 'node-a', nodeIPs: ['192.168.0.10', '2001:db8::10'], clusterCIDRs: ['10.244.0.0/16', 'fd00:10:244::/56'] }

function sources(fixture: string) {
  const dir = new URL(`../../fixtures/cases/${fixture}/`, import.meta.url)
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => ({ path: `${fixture}/${f}`, text: readFileSync(new URL(f, dir), 'utf8') }))
}

function explain(fixture: string, ref: string, format: TraceFormat = 'nft', settings: SettingsInput = NODE_A): { x: Explanation | undefined; texts: Map<string, string> } {
  const result = compile(sources(fixture), { format, settings })
  if (!result.ok) throw new Error(result.diagnostics.map((d) => d.message).join('\n'))
  const [namespace, name] = ref.split('/') as [string, string]
  const texts = new Map(result.plan.families.map((f) => [f.family, format === 'nft' ? renderNft(result.plan).text : renderIptables(f).text]))
  const rendered = format === 'nft' ? { format, text: renderNft(result.plan).text } : { format, texts }
  return { x: explainService({ model: result.model, plan: result.plan, namespace, name, format, rendered }), texts }
}

/** endpoint → [cluster IP use, external use] as "used:reason" / "not:reason". */
const uses = (eps: readonly EndpointExplanation[]) =>
  Object.fromEntries(eps.map((e) => [e.endpoint, [e.clusterIP, e.external].filter((u) => u !== undefined).map((u) => `${u.used ? 'used' : 'not'}:${u.reason}`)]))

describe('explainService', () => {
  it('uses serving terminating endpoints as a fallback when none is ready, never those that stopped serving', () => {
    const port = explain('terminating-fallback', 'shop/web').x!.ports[0]!
    expect(port.clusterIPTraffic).toEqual({ list: 'cluster', endpoints: 2, verdict: undefined, terminatingFallback: true })
    expect(uses(port.endpoints)).toEqual({
      '10.244.1.5:8080': ['used:terminatingFallback'],
      '10.244.2.5:8080': ['used:terminatingFallback'],
      '10.244.2.7:8080': ['not:notServing'],
    })
  })

  it('keeps external traffic on this node under externalTrafficPolicy Local, with its own fallback', () => {
    const port = explain('terminating-fallback', 'shop/api').x!.ports[0]!
    expect(port.externalTrafficPolicy).toBe('Local')
    expect(port.externalTraffic).toEqual({ list: 'local', endpoints: 1, verdict: undefined, terminatingFallback: true })
    expect(uses(port.endpoints)).toEqual({
      '10.244.1.21:8080': ['not:terminatingNotNeeded', 'used:terminatingFallback'],
      '10.244.1.22:8080': ['not:notServing', 'not:notServing'],
      '10.244.2.20:8080': ['used:ready', 'not:otherNode'],
    })
    expect(port.endpoints.find((e) => e.endpoint === '10.244.2.20:8080')).toMatchObject({ node: 'node-b', local: false })
  })

  it('leaves out ready endpoints hinted to another zone, and says which zones', () => {
    const port = explain('topology-zone-hints', 'shop/web', 'nft', { nodeName: 'node-a', clusterCIDRs: ['10.244.0.0/16'] }).x!.ports[0]!
    expect(port.topology).toBe('PreferSameZone')
    expect(uses(port.endpoints)).toMatchObject({ '10.244.3.5:8080': ['not:hintedElsewhere', 'not:hintedElsewhere'], '10.244.3.6:8080': ['not:notReady', 'not:notReady'] })
    expect(port.endpoints.find((e) => e.endpoint === '10.244.3.5:8080')!.zoneHints).toEqual(['zone-b'])
  })

  it('drops ClusterIP traffic under internalTrafficPolicy Local when no endpoint is on this node', () => {
    const port = explain('itp-local', 'infra/agent').x!.ports[0]!
    expect(port.clusterIPTraffic).toEqual({ list: 'local', endpoints: 0, verdict: 'drop', terminatingFallback: false })
    expect(Object.values(uses(port.endpoints)).flat()).toEqual(['not:otherNode', 'not:otherNode'])
  })

  it('gives the chance of each used endpoint and its place in the list', () => {
    const port = explain('itp-local', 'infra/metrics').x!.ports[0]!
    expect(port.endpoints.map((e) => [e.clusterIP, e.external])).toEqual([
      [{ used: true, reason: 'ready', index: 0, of: 1, probability: 1 }, { used: true, reason: 'ready', index: 0, of: 2, probability: 0.5 }],
      [{ used: false, reason: 'otherNode' }, { used: true, reason: 'ready', index: 1, of: 2, probability: 0.5 }],
    ])
  })

  it('explains every family of a dual-stack Service', () => {
    const x = explain('dual-stack', 'shop/web').x!
    expect(new Set(x.ports.map((p) => p.family))).toEqual(new Set(['ipv4', 'ipv6']))
  })

  it('is undefined for a Service the input does not have', () => {
    expect(explain('itp-local', 'infra/nothing').x).toBeUndefined()
  })

  describe.each(['nft', 'iptables'] as const)('points at the %s text', (format) => {
    it('every line it names holds the text it shows', () => {
      for (const [fixture, ref] of [['session-affinity', 'shop/cart'], ['loadbalancer-source-ranges', 'shop/web'], ['itp-local', 'infra/metrics']] as const) {
        const { x, texts } = explain(fixture, ref, format)
        for (const port of x!.ports) {
          const lines = texts.get(port.family)!.split('\n')
          const all = [...port.ruleset, ...port.endpoints.flatMap((e) => e.ruleset)]
          expect(all.length).toBeGreaterThan(0)
          for (const l of all) expect(lines[l.line - 1], `${fixture} line ${l.line}`).toContain(l.text.replace(/^\{ | \}$/g, ''))
        }
      }
    })

    it("lists an endpoint's dispatch entry and chains under the endpoint, not the port", () => {
      const port = explain('session-affinity', 'shop/cart', format).x!.ports[0]!
      const ep = port.endpoints.find((e) => e.endpoint === '10.244.1.30:3000')!
      const objects = ep.ruleset.map((l) => l.object)
      if (format === 'nft') {
        expect(objects).toContain('@hairpin-connections')
        expect(objects.some((o) => /^endpoint-[A-Z2-7]{8}-shop\/cart\/tcp\/http__10\.244\.1\.30\/3000$/.test(o))).toBe(true)
        expect(ep.ruleset.some((l) => l.text.startsWith('numgen random mod 2 vmap'))).toBe(true)
      } else {
        expect(objects.filter((o) => o.startsWith('nat KUBE-SEP-'))).toHaveLength(2)
        expect(ep.ruleset.some((l) => l.text.includes('--probability 0.5000000000'))).toBe(true)
      }
      expect(port.ruleset.some((l) => l.text.includes('10.244.1.30'))).toBe(false)
    })
  })
})

