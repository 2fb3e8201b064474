// traceRendered on a small cluster, in both formats: probabilities, masquerade and verdict reasons, affinity, names, lines.
import { describe, expect, it } from 'vitest'
import { compile } from '../../src/compile.ts'
import type { SettingsInput } from '../../src/model/settings.ts'
import type { Plan } from '../../src/plan/types.ts'
import { renderIptables } from '../../src/render/iptables/render.ts'
import { renderNft } from '../../src/render/nft/render.ts'
import { annotateWithPlan } from '../../src/trace/annotate.ts'
import { traceRendered, type TraceFormat, type TracePacket, type TraceResult } from '../../src/trace/index.ts'

const slice = (service: string, eps: readonly [string, string][], family = 'IPv4', port = 8080) => `
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {namespace: shop, name: ${service}-x, labels: {kubernetes.io/service-name: ${service}}}
addressType: ${family}
ports: [{name: http, port: ${port}, protocol: TCP}]
endpoints:
${eps.map(([ip, node]) => `- {addresses: ["${ip}"], nodeName: ${node}}`).join('\n')}
`

const MANIFESTS = `
apiVersion: v1
kind: Service
metadata: {namespace: shop, name: web}
spec:
  type: LoadBalancer
  clusterIP: 10.96.0.10
  externalIPs: [192.0.2.10]
  loadBalancerSourceRanges: [203.0.113.0/24]
  ports: [{name: http, port: 80, targetPort: 8080, nodePort: 30080, protocol: TCP}]
status: {loadBalancer: {ingress: [{ip: 198.51.100.1}]}}
---
apiVersion: v1
kind: Service
metadata: {namespace: shop, name: local}
spec:
  type: LoadBalancer
  clusterIP: 10.96.0.11
  externalTrafficPolicy: Local
  healthCheckNodePort: 32000
  ports: [{name: http, port: 80, targetPort: 8080, nodePort: 30081, protocol: TCP}]
---
apiVersion: v1
kind: Service
metadata: {namespace: shop, name: empty}
spec:
  clusterIP: 10.96.0.12
  ports: [{name: http, port: 80, targetPort: 8080, protocol: TCP}]
---
apiVersion: v1
kind: Service
metadata: {namespace: shop, name: sticky}
spec:
  clusterIP: 10.96.0.13
  sessionAffinity: ClientIP
  ports: [{name: http, port: 80, targetPort: 8080, protocol: TCP}]
---
apiVersion: v1
kind: Service
metadata: {namespace: shop, name: six}
spec:
  clusterIP: fd00:96::10
  clusterIPs: [fd00:96::10]
  ipFamilies: [IPv6]
  ports: [{name: http, port: 80, targetPort: 8080, protocol: TCP}]
---
${slice('web', [['10.244.1.5', 'node-a'], ['10.244.2.5', 'node-b'], ['10.244.3.5', 'node-c']])}
---
${slice('local', [['10.244.2.6', 'node-b']])}
---
${slice('sticky', [['10.244.1.7', 'node-a'], ['10.244.2.7', 'node-b']])}
---
${slice('six', [['fd00:244::5', 'node-b']], 'IPv6')}
`

const NODE: SettingsInput = { nodeName: 'node-a', nodeIPs: ['192.168.0.10', '2001:db8::10'], clusterCIDRs: ['10.244.0.0/16', 'fd00:244::/64'], serviceCIDRs: ['10.96.0.0/16'] }
const LOCAL_IPS = ['192.168.0.10', '2001:db8::10', '127.0.0.1', '::1']
const FORMATS = ['iptables', 'nft'] as const

function build(format: TraceFormat, settings: SettingsInput = NODE): { plan: Plan; text: (family: 'ipv4' | 'ipv6') => string } {
  const result = compile([{ path: 'test.yaml', text: MANIFESTS }], { format, settings })
  if (!result.ok) throw new Error(result.diagnostics.map((d) => d.message).join('\n'))
  const plan = result.plan
  return { plan, text: (family) => (format === 'nft' ? renderNft(plan).text : renderIptables(plan.families.find((f) => f.family === family)!).text) }
}

function trace(format: TraceFormat, source: string, destination: string, port: number, extra: Partial<TracePacket> = {}, settings?: SettingsInput): TraceResult {
  const { plan, text } = build(format, settings)
  const family = destination.includes(':') ? 'ipv6' : 'ipv4'
  return annotateWithPlan(traceRendered(format, text(family), { source, destination, port, ...extra }, { localIps: LOCAL_IPS }), plan)
}

describe.each(FORMATS)('traceRendered through the %s format', (format) => {
  it('gives each of three endpoints an absolute probability of 1/3', () => {
    const t = trace(format, '10.244.9.9', '10.96.0.10', 80)
    expect(t.verdict.kind).toBe('dnat')
    expect(t.endpoints.map((e) => e.endpoint)).toEqual(['10.244.1.5:8080', '10.244.2.5:8080', '10.244.3.5:8080'])
    for (const e of t.endpoints) expect(e.probability).toBeCloseTo(1 / 3, 9)
    expect(t.branches.reduce((sum, b) => sum + b.probability, 0)).toBeCloseTo(1, 12)
  })

  it('names the service port and the kind of address, for each kind', () => {
    const kinds = [
      ['10.96.0.10', 80, 'clusterIP'],
      ['192.0.2.10', 80, 'externalIP'],
      ['198.51.100.1', 80, 'loadBalancerIP'],
      ['192.168.0.10', 30080, 'nodePort'],
    ] as const
    for (const [destination, port, frontend] of kinds) {
      const t = trace(format, '203.0.113.5', destination, port)
      expect({ destination, frontend: t.frontend, service: t.service }).toEqual({
        destination,
        frontend,
        service: { namespace: 'shop', name: 'web', portName: 'http', spn: 'shop/web:http' },
      })
    }
  })

  it.each([
    ['an outside client to a cluster IP', '203.0.113.5', '10.96.0.10', 80, 'notFromCluster'],
    ['a pod to a node port of an eTP Cluster service', '10.244.9.9', '192.168.0.10', 30080, 'externalTraffic'],
    ['the node to an eTP Local node port', '192.168.0.10', '192.168.0.10', 30081, 'localSource'],
  ] as const)('says why %s is masqueraded', (_, source, destination, port, reason) => {
    const t = trace(format, source, destination, port)
    expect(t.masquerade.masqueraded).toBe(true)
    expect(t.masquerade.rules.map((r) => r.reason)).toEqual([reason])
    expect(t.endpoints.every((e) => e.masqueraded)).toBe(true)
  })

  it('masquerades a hairpin connection only on the branch back to the client itself', () => {
    const t = trace(format, '10.244.1.5', '10.96.0.10', 80)
    expect(t.endpoints.map((e) => [e.endpoint, e.masqueraded])).toEqual([
      ['10.244.1.5:8080', true],
      ['10.244.2.5:8080', false],
      ['10.244.3.5:8080', false],
    ])
    expect(t.masquerade.rules.map((r) => r.reason)).toEqual(['hairpin'])
    expect(t.kubeProxy.masq).toBe(true)
  })

  it('says masqueradeAll when that setting marks a pod', () => {
    const t = trace(format, '10.244.9.9', '10.96.0.10', 80, {}, { ...NODE, masqueradeAll: true })
    expect(t.masquerade.rules.map((r) => r.reason)).toEqual(['masqueradeAll'])
  })

  it('tells pod traffic by the input interface for the bridge detector', () => {
    const bridge = { ...NODE, detectLocalMode: 'BridgeInterface' as const, bridgeInterface: 'cbr0' }
    expect(trace(format, '10.244.9.9', '10.96.0.10', 80, { inInterface: 'cbr0' }, bridge).masquerade.masqueraded).toBe(false)
    expect(trace(format, '10.244.9.9', '10.96.0.10', 80, { inInterface: 'eth0' }, bridge).masquerade.rules.map((r) => r.reason)).toEqual(['notFromCluster'])
  })

  it.each([
    ['a service without endpoints', '10.244.9.9', '10.96.0.12', 80, 'reject', 'noEndpoints'],
    ['an outside client at an eTP Local node port without local endpoints', '203.0.113.5', '192.168.0.10', 30081, 'drop', 'noLocalEndpoints'],
    ['a source outside loadBalancerSourceRanges', '198.18.0.1', '198.51.100.1', 80, 'drop', 'sourceNotAllowed'],
    ['an address no rule is about', '10.244.9.9', '10.1.2.3', 80, 'none', 'notAServiceAddress'],
  ] as const)('says why it stops %s', (_, source, destination, port, kind, reason) => {
    const t = trace(format, source, destination, port)
    expect(t.verdict).toMatchObject({ kind, reason })
    expect(t.endpoints).toEqual([])
  })

  it('does not take other traffic to the node (ssh) for a node port', () => {
    const t = trace(format, '203.0.113.5', '192.168.0.10', 22)
    expect({ frontend: t.frontend, service: t.service, verdict: t.verdict.kind, reason: t.verdict.reason }).toEqual({
      frontend: undefined,
      service: undefined,
      verdict: 'none',
      reason: 'notAServiceAddress',
    })
  })

  it('records the affinity checks a returning client would match', () => {
    const t = trace(format, '10.244.9.9', '10.96.0.13', 80)
    expect(t.affinity.map((a) => [a.kind, a.endpoint, a.timeoutSeconds])).toEqual([
      [format === 'nft' ? 'set' : 'recent', '10.244.1.7:8080', 10800],
      [format === 'nft' ? 'set' : 'recent', '10.244.2.7:8080', 10800],
    ])
    expect(t.affinity.map((a) => a.name)).toEqual(format === 'nft' ? [expect.stringMatching(/^affinity-.*__10\.244\.1\.7\/8080$/), expect.stringMatching(/^affinity-.*__10\.244\.2\.7\/8080$/)] : [expect.stringMatching(/^KUBE-SEP-/), expect.stringMatching(/^KUBE-SEP-/)])
  })

  it('points every step at the line of the rule it stands for', () => {
    const { text } = build(format)
    const lines = text('ipv4').split('\n')
    const t = trace(format, '10.244.1.5', '10.96.0.10', 80)
    const steps = t.branches.flatMap((b) => b.steps)
    expect(steps.length).toBeGreaterThan(3)
    for (const s of steps) expect(lines[s.line - 1]).toContain(s.rule)
    for (const s of steps) if (s.element?.line !== undefined) expect(lines[s.element.line - 1]).toContain(s.element.key)
  })

  it('traces IPv6 in its own ruleset', () => {
    const t = trace(format, 'fd00:244::9', 'fd00:96::10', 80)
    expect(t.packet.family).toBe('ipv6')
    expect(t.endpoints.map((e) => e.endpoint)).toEqual(['[fd00:244::5]:8080'])
  })
})

describe('where the formats differ', () => {
  it('nft rejects an invalid port of a cluster IP; iptables lets the packet pass', () => {
    expect(trace('nft', '10.244.9.9', '10.96.0.10', 81)).toMatchObject({ frontend: 'clusterIP', service: undefined, verdict: { kind: 'reject', reason: 'invalidClusterIPPort' } })
    expect(trace('iptables', '10.244.9.9', '10.96.0.10', 81).verdict).toMatchObject({ kind: 'none', reason: 'notAServiceAddress' })
  })

  it('nft drops an unallocated address of the service CIDR', () => {
    expect(trace('nft', '10.244.9.9', '10.96.0.99', 80)).toMatchObject({ frontend: undefined, verdict: { kind: 'drop', reason: 'unallocatedClusterIP' } })
  })

  it('iptables accepts a health-check node port', () => {
    expect(trace('iptables', '203.0.113.5', '192.168.0.10', 32000).verdict).toMatchObject({ kind: 'accept', reason: 'healthCheckNodePort' })
  })

  it('iptables writes conditional probabilities, 1/3 then 1/2 of the rest; nft picks 1 of 3', () => {
    const picks = (format: TraceFormat) => trace(format, '10.244.9.9', '10.96.0.10', 80).branches.map((b) => b.steps.flatMap((s) => (s.pick ? [s.pick] : [])))
    expect(picks('iptables')).toEqual([
      [{ probability: 0.3333333333, taken: true }],
      [{ probability: 1 - 0.3333333333, taken: false }, { probability: 0.5, taken: true }],
      [{ probability: 1 - 0.3333333333, taken: false }, { probability: 0.5, taken: false }],
    ])
    expect(picks('nft')).toEqual([0, 1, 2].map((index) => [{ probability: 1 / 3, index, of: 3 }]))
  })

  it('nft cannot tell an external IP from a load-balancer IP in its text; the plan names it', () => {
    const { text } = build('nft')
    const bare = traceRendered('nft', text('ipv4'), { source: '203.0.113.5', destination: '192.0.2.10', port: 80 }, { localIps: LOCAL_IPS })
    expect(bare.frontend).toBe('externalOrLoadBalancerIP')
  })
})

describe('traceRendered refuses', () => {
  it('a packet whose addresses are of two families', () => {
    expect(() => traceRendered('nft', build('nft').text('ipv4'), { source: '10.0.0.1', destination: 'fd00::1', port: 80 }, { localIps: [] })).toThrow(/different IP families/)
  })

  it('an address that is not one', () => {
    expect(() => traceRendered('iptables', build('iptables').text('ipv4'), { source: '10.0.0', destination: '10.0.0.1', port: 80 }, { localIps: [] })).toThrow(/not an IP address/)
  })

  it('nothing when the nft text has no table of the family: kube-proxy does not handle it', () => {
    const v4only = renderNft({ ...build('nft').plan, families: build('nft').plan.families.filter((f) => f.family === 'ipv4') }).text
    const t = traceRendered('nft', v4only, { source: 'fd00::1', destination: 'fd00:96::10', port: 80 }, { localIps: [] })
    expect(t.verdict).toEqual({ kind: 'none', reason: 'notAServiceAddress', line: undefined })
  })
})
