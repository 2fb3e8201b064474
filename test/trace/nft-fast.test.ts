// The nft tracer on the fast profile's shapes (render/nft/fast.ts): typeof declarations, element blocks, offset maps, interval sets.
import { describe, expect, it } from 'vitest'
import { compile } from '../../src/compile.ts'
import { renderNftFast } from '../../src/render/nft/fast.ts'
import { renderNft } from '../../src/render/nft/render.ts'
import { annotateWithPlan, formatTrace, traceRendered, type TraceResult } from '../../src/trace/index.ts'
import { parseNft, runNft, type NftTable } from '../../src/trace/nft/index.ts'
import { nftSkeleton } from '../helpers/nft-skeleton.ts'

function table(body: readonly string[], family: 'ip' | 'ip6' = 'ip'): NftTable {
  return parseNft([...nftSkeleton(family), ...body].join('\n')).tables[0]!
}

function run(body: readonly string[], src: string, dst: string, port: number, family: 'ip' | 'ip6' = 'ip') {
  return runNft(parseNft([...nftSkeleton(family), ...body].join('\n')), { sourceIP: src, destIP: dst, destPort: port }, [])
}

/** Endpoint → probability, and the outcome of every branch. */
function summary(r: ReturnType<typeof run>) {
  return r.branches.map((b) => `${b.outcome}${b.endpoint ? ` ${b.endpoint}` : ''} ${b.probability}`)
}

describe('typeof declarations', () => {
  it('types a set by the selectors and numgen of its typeof expression', () => {
    const t = table(['add set ip t s { typeof ip saddr . numgen random mod 1 ; flags dynamic,timeout ; timeout 600s ; }'])
    expect(t.containers.get('s')).toMatchObject({ kind: 'set', key: ['ipv4_addr', 'integer'], data: undefined, flags: ['dynamic', 'timeout'], timeout: 600 })
  })

  it('types a map by its key and its data: a verdict, or an address and port', () => {
    const t = table(['add map ip6 t v { typeof numgen random mod 1 : verdict ; }', 'add map ip6 t d { typeof numgen random mod 1 : ip6 daddr . th dport ; comment "x" ; }'], 'ip6')
    expect(t.containers.get('v')).toMatchObject({ key: ['integer'], data: 'verdict' })
    expect(t.containers.get('d')).toMatchObject({ key: ['integer'], data: ['ipv6_addr', 'inet_service'] })
  })

  it.each([
    ['an ip selector in an ip6 table', 'add set ip6 t s { typeof ip saddr ; }', 'ip match in an ip6 table'],
    ['an unknown selector', 'add set ip t s { typeof tcp dport ; }', 'unsupported selector'],
    ['a map without data', 'add map ip t m { typeof numgen random mod 1 ; }', 'map type'],
  ])('refuses %s', (_name, line, message) => {
    const family = line.includes(' ip6 ') ? 'ip6' : 'ip'
    expect(() => table([line], family)).toThrow(message)
  })
})

describe('multi-line element blocks', () => {
  const body = [
    'add chain ip t svc',
    'add map ip t m { type ipv4_addr . inet_proto . inet_service : verdict ; }',
    'add rule ip t nat-prerouting ip daddr . meta l4proto . th dport vmap @m',
    'add rule ip t svc meta l4proto tcp dnat to 10.1.0.1:80',
    'add element ip t m {',
    '\t172.30.0.1 . tcp . 80 : goto svc,',
    '\t172.30.0.2 . tcp . 80 comment "ns/none:http" : drop,',
    '\t172.30.0.3 . tcp . 80 : accept',
    '}',
  ]

  it('reads one element per line and keeps each element line', () => {
    const m = table(body).containers.get('m')!
    expect(m.elements.map((e) => [e.key.join(' . '), e.line, e.comment])).toEqual([
      ['172.30.0.1 . tcp . 80', 12, undefined],
      ['172.30.0.2 . tcp . 80', 13, 'ns/none:http'],
      ['172.30.0.3 . tcp . 80', 14, undefined],
    ])
  })

  it('traces through them like one-line elements, pointing at the element line', () => {
    const r = run(body, '10.0.0.2', '172.30.0.1', 80)
    expect(summary(r)).toEqual(['dnat 10.1.0.1:80 1'])
    expect(r.branches[0]!.steps[0]!.element).toEqual({ set: '@m', key: '172.30.0.1 . tcp . 80', line: 12 })
    expect(run(body, '10.0.0.2', '172.30.0.2', 80).harness.output).toBe('DROP')
  })

  it.each([
    ['a block without its closing brace', ['add set ip t s { type ipv4_addr ; }', 'add element ip t s {', '\t10.0.0.1,'], 'without its closing }'],
    ['an element that does not fit', ['add set ip t s { type ipv4_addr ; }', 'add element ip t s {', '\t10.0.0.1 . tcp,', '}'], 'does not fit type'],
    ['two elements on one line', ['add set ip t s { type ipv4_addr ; }', 'add element ip t s {', '\t10.0.0.1, 10.0.0.2,', '}'], 'unexpected'],
    ['a range in a set without flags interval', ['add set ip t s { type ipv4_addr ; }', 'add element ip t s {', '\t10.0.0.0/8,', '}'], 'has no flags interval'],
  ])('refuses %s', (_name, lines, message) => {
    expect(() => table(lines)).toThrow(message)
  })
})

describe('numgen offset maps', () => {
  const eps = ['add chain ip t ep-a', 'add chain ip t ep-b', 'add chain ip t ep-c', 'add rule ip t ep-a meta l4proto tcp dnat to 10.1.0.1:80', 'add rule ip t ep-b meta l4proto tcp dnat to 10.1.0.2:80', 'add rule ip t ep-c meta l4proto tcp dnat to 10.1.0.3:80']
  const vmap = [
    ...eps,
    'add map ip t targets { typeof numgen random mod 1 : verdict ; }',
    'add rule ip t nat-prerouting ip daddr 172.30.0.1 numgen random mod 2 offset 1 vmap @targets',
    'add rule ip t nat-prerouting ip daddr 172.30.0.2 numgen random mod 1 offset 0 vmap @targets',
    'add element ip t targets {',
    '\t0 : goto ep-a,',
    '\t1 : goto ep-b,',
    '\t2 : goto ep-c,',
    '}',
  ]

  it('draws uniformly from offset to offset + mod - 1: the elements of this rule only', () => {
    const r = run(vmap, '10.0.0.2', '172.30.0.1', 80)
    expect(summary(r)).toEqual(['dnat 10.1.0.2:80 0.5', 'dnat 10.1.0.3:80 0.5'])
    expect(r.branches.map((b) => [b.steps[0]!.pick, b.steps[0]!.element?.key, b.steps[0]!.element?.line])).toEqual([
      [{ probability: 0.5, index: 0, of: 2 }, '1', 18],
      [{ probability: 0.5, index: 1, of: 2 }, '2', 19],
    ])
    expect(summary(run(vmap, '10.0.0.2', '172.30.0.2', 80))).toEqual(['dnat 10.1.0.1:80 1'])
  })

  it('reads DNAT targets from a map of address . port', () => {
    const dnat = [
      'add map ip t dnat-targets-0 { typeof numgen random mod 1 : ip daddr . th dport ; }',
      'add rule ip t nat-prerouting ip daddr 172.30.0.1 meta l4proto tcp dnat ip addr . port to numgen random mod 2 offset 57 map @dnat-targets-0',
      'add element ip t dnat-targets-0 {',
      '\t56 : 10.1.0.9 . 80,',
      '\t57 : 10.1.0.1 . 8080,',
      '\t58 : 10.1.0.2 . 8080,',
      '}',
    ]
    const r = run(dnat, '10.0.0.2', '172.30.0.1', 80)
    expect(summary(r)).toEqual(['dnat 10.1.0.1:8080 0.5', 'dnat 10.1.0.2:8080 0.5'])
    expect(r.branches.map((b) => b.steps[0]!.element)).toEqual([
      { set: '@dnat-targets-0', key: '57', line: 11 },
      { set: '@dnat-targets-0', key: '58', line: 12 },
    ])
    expect(r.harness.output).toBe('10.1.0.1:8080, 10.1.0.2:8080')
  })

  it('reads IPv6 DNAT targets', () => {
    const dnat = [
      'add map ip6 t d { typeof numgen random mod 1 : ip6 daddr . th dport ; }',
      'add rule ip6 t nat-prerouting ip6 daddr fd00:96::1 meta l4proto tcp dnat ip6 addr . port to numgen random mod 1 offset 0 map @d',
      'add element ip6 t d {',
      '\t0 : fd00:244::5 . 8080,',
      '}',
    ]
    expect(summary(run(dnat, 'fd00::2', 'fd00:96::1', 80, 'ip6'))).toEqual(['dnat [fd00:244::5]:8080 1'])
  })

  it.each([
    ['a pick without an element', [...eps, 'add map ip t m { typeof numgen random mod 1 : verdict ; }', 'add rule ip t nat-prerouting numgen random mod 2 offset 1 vmap @m', 'add element ip t m { 1 : goto ep-a }'], 'numgen mod 2 offset 1 with indices 1'],
    ['a DNAT map read as a vmap', ['add map ip t m { typeof numgen random mod 1 : ip daddr . th dport ; }', 'add rule ip t nat-prerouting numgen random mod 1 vmap @m'], 'not a declared map of numgen values to verdict'],
    ['a vmap read as a DNAT map', ['add map ip t m { typeof numgen random mod 1 : verdict ; }', 'add rule ip t nat-prerouting meta l4proto tcp dnat ip addr . port to numgen random mod 1 map @m'], 'not a declared map of numgen values to ipv4_addr . inet_service'],
  ])('refuses %s', (_name, lines, message) => {
    expect(() => table(lines)).toThrow(message)
  })
})

describe('per-port affinity sets keyed by client . endpoint number', () => {
  const body = [
    'add chain ip t svc',
    'add chain ip t ep-a',
    'add chain ip t ep-b',
    'add set ip t affinity-X { typeof ip saddr . numgen random mod 1 ; flags dynamic,timeout ; timeout 600s ; }',
    'add map ip t targets { typeof numgen random mod 1 : verdict ; }',
    'add rule ip t nat-prerouting ip daddr 172.30.0.1 goto svc',
    'add rule ip t svc ip saddr . numgen random mod 1 offset 0 @affinity-X goto ep-a',
    'add rule ip t svc ip saddr . numgen random mod 1 offset 1 @affinity-X goto ep-b',
    'add rule ip t svc numgen random mod 2 offset 0 vmap @targets',
    'add rule ip t ep-a update @affinity-X { ip saddr . numgen random mod 1 offset 0 }',
    'add rule ip t ep-a meta l4proto tcp dnat to 10.1.0.1:80',
    'add rule ip t ep-b update @affinity-X { ip saddr . numgen random mod 1 offset 1 }',
    'add rule ip t ep-b meta l4proto tcp dnat to 10.1.0.2:80',
    'add element ip t targets { 0 : goto ep-a , 1 : goto ep-b }',
  ]

  it('records one check per endpoint of the shared set, as kube-proxy records one per endpoint set', () => {
    const r = run(body, '10.0.0.2', '172.30.0.1', 80)
    expect(summary(r)).toEqual(['dnat 10.1.0.1:80 0.5', 'dnat 10.1.0.2:80 0.5'])
    expect(r.affinity).toEqual([
      { kind: 'set', name: 'affinity-X', endpoint: '10.1.0.1:80', timeoutSeconds: 600, checkLine: 13 },
      { kind: 'set', name: 'affinity-X', endpoint: '10.1.0.2:80', timeoutSeconds: 600, checkLine: 14 },
    ])
    expect(r.branches[0]!.steps.map((s) => s.action)).toContain('remember the client in @affinity-X')
  })

  it.each([
    ['a random key part', 'add rule ip t svc ip saddr . numgen random mod 2 @affinity-X goto ep-a', 'a random key part'],
    ['an update key that does not fit the set', 'add rule ip t ep-a update @affinity-X { ip saddr }', 'update key does not fit'],
  ])('refuses %s', (_name, line, message) => {
    expect(() => table([...body, line])).toThrow(message)
  })
})

describe('the firewall: frontends and a concatenated interval set of allowed ranges', () => {
  const firewall = (ip: 'ip' | 'ip6', addr: string, lb: string, ranges: readonly string[], other: string) => [
    `add chain ${ip} t firewall-check`,
    `add set ${ip} t firewall-ips { type ${addr} . inet_proto . inet_service ; }`,
    `add set ${ip} t firewall-allow { type ${addr} . inet_proto . inet_service . ${addr} ; flags interval ; }`,
    `add rule ${ip} t filter-prerouting-pre-dnat ct state new jump firewall-check`,
    `add rule ${ip} t firewall-check ${ip} daddr . meta l4proto . th dport @firewall-ips ${ip} daddr . meta l4proto . th dport . ${ip} saddr != @firewall-allow drop`,
    `add element ${ip} t firewall-ips {`,
    `\t${lb} . tcp . 443,`,
    `\t${other} . tcp . 443,`,
    '}',
    `add element ${ip} t firewall-allow {`,
    ...ranges.map((r) => `\t${lb} . tcp . 443 . ${r},`),
    `\t${other} . tcp . 443 . 0.0.0.0/0,`.replace('0.0.0.0/0', ip === 'ip' ? '0.0.0.0/0' : '::/0'),
    '}',
  ]
  const v4 = firewall('ip', 'ipv4_addr', '198.51.100.1', ['203.0.113.0/25', '192.0.2.7'], '198.51.100.2')
  const v6 = firewall('ip6', 'ipv6_addr', '2001:db8:100::10', ['2001:db8:ffff::/48'], '2001:db8:100::20')

  it.each([
    ['the first address of a range', '203.0.113.0', ''],
    ['the last address of a range', '203.0.113.127', ''],
    ['the first address past a range', '203.0.113.128', 'DROP'],
    ['a single allowed address', '192.0.2.7', ''],
    ['the address next to it', '192.0.2.8', 'DROP'],
  ])('IPv4: %s (%s)', (_name, src, output) => {
    expect(run(v4, src, '198.51.100.1', 443).harness.output).toBe(output)
  })

  it("matches the source against this frontend's ranges only, and lets other ports and destinations pass", () => {
    expect(run(v4, '10.9.9.9', '198.51.100.2', 443).harness.output).toBe('')
    expect(run(v4, '10.9.9.9', '198.51.100.1', 443).harness.output).toBe('DROP')
    expect(run(v4, '10.9.9.9', '198.51.100.1', 80).harness.output).toBe('')
  })

  it.each([
    ['the first address of a /48', '2001:db8:ffff::', ''],
    ['the last address of a /48', '2001:db8:ffff:ffff:ffff:ffff:ffff:ffff', ''],
    ['the first address past it', '2001:db8:1::', 'DROP'],
  ])('IPv6: %s', (_name, src, output) => {
    expect(run(v6, src, '2001:db8:100::10', 443, 'ip6').harness.output).toBe(output)
  })

  it('says which element let the packet through, and which frontend dropped it', () => {
    const allowed = run(v4, '203.0.113.5', '198.51.100.1', 443).branches[0]!.steps[1]!
    expect({ action: allowed.action, element: allowed.element }).toEqual({
      action: 'no match: @firewall-allow holds the packet',
      element: { set: '@firewall-allow', key: '198.51.100.1 . tcp . 443 . 203.0.113.0/25', line: 17 },
    })
    const dropped = run(v4, '203.0.113.200', '198.51.100.1', 443).branches[0]!
    expect(dropped.outcome).toBe('drop')
    expect(dropped.steps[1]).toMatchObject({ action: 'drop', element: { set: '@firewall-ips', key: '198.51.100.1 . tcp . 443' }, reason: 'sourceNotAllowed' })
  })
})

describe('traceRendered on renderNftFast text', () => {
  const MANIFESTS = `
apiVersion: v1
kind: Service
metadata: {namespace: shop, name: web}
spec:
  type: LoadBalancer
  clusterIP: 10.96.0.10
  loadBalancerSourceRanges: [203.0.113.0/24]
  sessionAffinity: ClientIP
  ports: [{name: http, port: 80, targetPort: 8080, nodePort: 30080, protocol: TCP}]
status: {loadBalancer: {ingress: [{ip: 198.51.100.1}]}}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {namespace: shop, name: web-x, labels: {kubernetes.io/service-name: web}}
addressType: IPv4
ports: [{name: http, port: 8080, protocol: TCP}]
endpoints:
- {addresses: ["10.244.1.5"], nodeName: node-a}
- {addresses: ["10.244.2.5"], nodeName: node-b}
`
  const result = compile([{ path: 'test.yaml', text: MANIFESTS }], { format: 'nft', settings: { nodeName: 'node-a', nodeIPs: ['192.168.0.10'], clusterCIDRs: ['10.244.0.0/16'] } })
  if (!result.ok) throw new Error(result.diagnostics.map((d) => d.message).join('\n'))
  const fast = renderNftFast(result.plan).text
  const reference = renderNft(result.plan).text
  // As `svcc trace` does: the fast firewall-check rule is shared by every service, so the plan names the one a drop was for.
  const trace = (text: string, source: string, destination: string, port: number): TraceResult =>
    annotateWithPlan(traceRendered('nft', text, { source, destination, port }, { localIps: ['192.168.0.10', '127.0.0.1'] }), result.plan)

  it.each([
    ['a pod to the cluster IP', '10.244.9.9', '10.96.0.10', 80],
    ['an allowed client to the LB IP', '203.0.113.5', '198.51.100.1', 80],
    ['a client outside the ranges to the LB IP', '198.18.0.1', '198.51.100.1', 80],
    ['a client to the node port', '198.18.0.1', '192.168.0.10', 30080],
  ] as const)('gives %s the same endpoints, masquerade, verdict, frontend and affinity checks as the kube-proxy profile', (_name, source, destination, port) => {
    const view = (t: TraceResult) => ({ endpoints: t.endpoints, masquerade: t.masquerade.masqueraded, verdict: [t.verdict.kind, t.verdict.reason], frontend: t.frontend, service: t.service, affinity: t.affinity.map((a) => [a.endpoint, a.timeoutSeconds]) })
    expect(view(trace(fast, source, destination, port))).toEqual(view(trace(reference, source, destination, port)))
  })

  it("records the fast profile's affinity set once per endpoint", () => {
    expect(trace(fast, '10.244.9.9', '10.96.0.10', 80).affinity.map((a) => [a.name, a.endpoint, a.timeoutSeconds])).toEqual([
      [expect.stringMatching(/^affinity-[A-Z2-7]{16}$/), '10.244.1.5:8080', 10800],
      [expect.stringMatching(/^affinity-[A-Z2-7]{16}$/), '10.244.2.5:8080', 10800],
    ])
  })

  it('points every step and element at its line of the fast text', () => {
    const lines = fast.split('\n')
    const steps = trace(fast, '203.0.113.5', '198.51.100.1', 80).branches.flatMap((b) => b.steps)
    expect(steps.map((s) => s.element?.set).filter(Boolean)).toEqual(expect.arrayContaining(['@firewall-allow', '@service-ips', expect.stringMatching(/^@affinity-targets-0$/)]))
    for (const s of steps) expect(lines[s.line - 1]).toContain(s.rule)
    for (const s of steps) if (s.element?.line !== undefined) expect(lines[s.element.line - 1]).toMatch(new RegExp(`^\\t${s.element.key.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}( |,)`))
  })

  it('prints the fast rules and map elements in the path', () => {
    const text = formatTrace(trace(fast, '10.244.9.9', '10.96.0.10', 80))
    expect(text).toMatch(/numgen random mod 2 offset 0 vmap @affinity-targets-0\n {13}matched @affinity-targets-0 element \{ 0 \} at line \d+\n/)
    expect(text).toMatch(/update @affinity-[A-Z2-7]{16} \{ ip saddr \. numgen random mod 1 offset 1 \}/)
  })
})
