// `svcc trace` as a function: output for people and for tools, and its exit codes.
import { describe, expect, it } from 'vitest'
import { traceCommand, type TraceFlags } from '../../src/cli/commands/trace.ts'
import { run as runCli } from '../../src/cli/main.ts'
import type { TraceResult } from '../../src/trace/index.ts'
import { captureIo } from '../helpers/memory-io.ts'

const CASES = 'fixtures/cases'
const NODE_A: Partial<TraceFlags> = { nodeName: 'node-a', nodeIp: ['192.168.0.10'], clusterCidr: ['10.244.0.0/16'], quiet: true }

function run(fixture: string, flags: Partial<TraceFlags>, format: 'nft' | 'iptables' = 'nft') {
  const io = captureIo()
  const code = traceCommand([`${CASES}/${fixture}`], { format, ...NODE_A, ...flags }, io)
  return { code, out: io.out(), err: io.err() }
}

describe('svcc trace', () => {
  it('prints the verdict, the service, the endpoints and the path with map elements (nft)', () => {
    const { code, out, err } = run('loadbalancer-source-ranges', { src: '203.0.113.5', dst: '198.51.100.1:443' })
    expect({ code, err }).toEqual({ code: 0, err: '' })
    expect(out).toContain('Packet      tcp 203.0.113.5 → 198.51.100.1:443 (IPv4, nft ruleset)\n')
    expect(out).toContain('Service     shop/web:https, at a load-balancer IP\n')
    expect(out).toContain('Verdict     DNAT to 10.244.2.5:8443, masqueraded\n')
    expect(out).toMatch(/^Masquerade {2}yes: external traffic to a service with externalTrafficPolicy Cluster \(line \d+, external-[A-Z2-7]{8}-shop\/web\/tcp\/https\)$/m)
    expect(out).toMatch(/matched @firewall-ips element \{ 198\.51\.100\.1 \. tcp \. 443 \} at line \d+/)
    expect(out).toMatch(/matched @service-ips element \{ 198\.51\.100\.1 \. tcp \. 443 \} at line \d+/)
  })

  it('succeeds with a DROP, and says why (iptables: the chains and their line numbers)', () => {
    const { code, out } = run('loadbalancer-source-ranges', { src: '198.18.0.1', dst: '198.51.100.1:443' }, 'iptables')
    expect(code).toBe(0)
    expect(out).toMatch(/^Verdict {5}DROP: the source is not in the loadBalancerSourceRanges \(line \d+\)$/m)
    expect(out).toMatch(/^ {2}line \d+ +nat KUBE-SERVICES: jump KUBE-FW-[A-Z2-7]{16} \(no rule there matched\)$/m)
    expect(out).toMatch(/^ {2}line \d+ +filter KUBE-PROXY-FIREWALL: DROP$/m)
  })

  it('lists each endpoint with its absolute probability', () => {
    const { out } = run('nodeport-etp-local', { src: '10.244.9.9', dst: '10.96.0.10:80' }, 'iptables')
    expect(out).toMatch(/^Endpoints {3}10\.244\.1\.5:8080 +33\.3333%$/m)
    expect(out).toMatch(/^ {12}10\.244\.2\.5:8080 +33\.3333%$/m)
    expect(out).toContain('Branch 2 of 3: 33.3333%, DNAT to 10.244.1.6:8080\n')
  })

  it('treats a node IP as the node: a NodePort, and a local source with --src-local', () => {
    const external = JSON.parse(run('nodeport-etp-local', { src: '203.0.113.5', dst: '192.168.0.10:30080', output: 'json' }).out) as TraceResult
    expect({ frontend: external.frontend, endpoints: external.endpoints.map((e) => e.endpoint), masq: external.masquerade.masqueraded }).toEqual({
      frontend: 'nodePort',
      endpoints: ['10.244.1.5:8080', '10.244.1.6:8080'],
      masq: false,
    })
    const fromNode = JSON.parse(run('nodeport-etp-local', { src: '10.1.1.1', dst: '192.168.0.10:30080', srcLocal: true, output: 'json' }).out) as TraceResult
    expect(fromNode.masquerade.rules.map((r) => r.reason)).toEqual(['localSource'])
    expect(fromNode.endpoints).toHaveLength(3)
    expect(fromNode.localIps).toEqual(['192.168.0.10', '127.0.0.1', '::1', '10.1.1.1'])
  })

  it('prints the TraceResult as JSON with -o json', () => {
    const { code, out } = run('nodeport-etp-local', { src: '10.244.9.9', dst: '10.96.0.10:80', output: 'json' })
    expect(code).toBe(0)
    const result = JSON.parse(out) as TraceResult
    expect(Object.keys(result)).toEqual(['format', 'packet', 'localIps', 'service', 'frontend', 'verdict', 'endpoints', 'masquerade', 'affinity', 'branches', 'kubeProxy'])
    expect(result.packet).toEqual({ source: '10.244.9.9', destination: '10.96.0.10', port: 80, protocol: 'tcp', family: 'ipv4' })
    expect(result.kubeProxy).toEqual({ output: '10.244.1.5:8080, 10.244.1.6:8080, 10.244.2.5:8080', masq: false })
  })

  it('traces IPv6 in the ip6 table, or the ip6tables payload', () => {
    for (const format of ['nft', 'iptables'] as const) {
      const { code, out } = run('ipv6', { src: 'fd00:10:244::9', dst: '[fd00:10:96::10]:80/tcp', nodeIp: ['2001:db8::10'], clusterCidr: ['fd00:10:244::/56'], output: 'json' }, format)
      expect(code).toBe(0)
      const result = JSON.parse(out) as TraceResult
      expect(result.packet.family).toBe('ipv6')
      expect(result.endpoints.length).toBeGreaterThan(0)
      expect(result.endpoints.every((e) => e.endpoint.startsWith('[fd00:10:244:'))).toBe(true)
    }
  })

  it.each<[string, Partial<TraceFlags>, string]>([
    ['no --dst', { src: '10.0.0.1' }, 'give the packet'],
    ['a --dst without a port', { src: '10.0.0.1', dst: '10.96.0.10' }, 'expected ADDRESS:PORT'],
    ['an unknown protocol', { src: '10.0.0.1', dst: '10.96.0.10:80/icmp' }, 'tcp, udp or sctp'],
    ['a --src that is no address', { src: 'pod-a', dst: '10.96.0.10:80' }, '--src "pod-a"'],
    ['two families', { src: '10.0.0.1', dst: '[fd00::1]:80' }, 'different IP families'],
    ['a bad --local-ip', { src: '10.0.0.1', dst: '10.96.0.10:80', localIp: ['node'] }, '--local-ip "node"'],
    ['a family the input lacks', { src: 'fd00::1', dst: '[fd00::2]:80' }, 'no IPv6 Services or node IPs'],
  ])('is a usage error (exit 2) with %s', (_, flags, message) => {
    const { code, out, err } = run('nodeport-etp-local', flags)
    expect({ code, out }).toEqual({ code: 2, out: '' })
    expect(err).toContain(message)
  })

  it('is a usage error when --ip-family contradicts the packet (iptables)', () => {
    const { code, err } = run('nodeport-etp-local', { src: '10.0.0.1', dst: '10.96.0.10:80', ipFamily: 'ipv6' }, 'iptables')
    expect(code).toBe(2)
    expect(err).toContain('--ip-family ipv6 does not fit the IPv4 packet')
  })

  it('reads its inputs from -f too, and checks the compile flags first', () => {
    const io = captureIo()
    expect(traceCommand([], { format: 'nft', ...NODE_A, filename: [`${CASES}/nodeport-etp-local`], src: '10.244.9.9', dst: '10.96.0.10:80' }, io)).toBe(0)
    expect(io.out()).toContain('Service     shop/web:http, at a cluster IP\n')
    expect(run('nodeport-etp-local', { src: '10.244.9.9', dst: '10.96.0.10:80', nodeIp: ['node-a'] }).code).toBe(2)
  })

  it('exits 1 on invalid input, with the diagnostics on stderr', () => {
    const { code, out, err } = run('error-invalid-ip', { src: '10.0.0.1', dst: '10.96.0.10:80' })
    expect({ code, out }).toEqual({ code: 1, out: '' })
    expect(err).toContain('error')
  })
})

describe('svcc trace --profile fast', () => {
  it("traces the fast profile's text: the same endpoints, shown through its shared maps", async () => {
    const root = new URL('../../', import.meta.url).pathname
    const io = captureIo({ cwd: root })
    const args = ['--node-name', 'node-a', '--node-ip', '192.168.0.10', '--cluster-cidr', '10.244.0.0/16', '--quiet']
    const code = await runCli(['trace', 'fixtures/cases/session-affinity', ...args, '--src', '10.244.9.9', '--dst', '10.96.0.30:80', '--profile', 'fast'], io)
    expect({ code, err: io.err() }).toEqual({ code: 0, err: '' })
    const out = io.out()
    expect(out).toContain('Verdict     DNAT to one of 2 endpoints\n')
    expect(out).toMatch(/^Endpoints {3}10\.244\.1\.30:3000 +50%$/m)
    expect(out).toMatch(/^ {14}set @affinity-[A-Z2-7]{16} → 10\.244\.2\.30:3000, 600s \(checked at line \d+\)$/m)
    expect(out).toMatch(/numgen random mod 2 offset 0 vmap @affinity-targets-0\n {13}matched @affinity-targets-0 element \{ 1 \} at line \d+\n/)
    expect(out).toMatch(/update @affinity-[A-Z2-7]{16} \{ ip saddr \. numgen random mod 1 offset 1 \}/)
  })

  it('says which allowed range let a client through to a load-balancer IP', () => {
    const { code, out } = run('loadbalancer-source-ranges', { src: '203.0.113.5', dst: '198.51.100.1:443', profile: 'fast' })
    expect(code).toBe(0)
    expect(out).toContain('Service     shop/web:https, at a load-balancer IP\n')
    expect(out).toContain('Verdict     DNAT to 10.244.2.5:8443, masqueraded\n')
    expect(out).toMatch(/firewall-check: no match: @firewall-allow holds the packet\n.*\n {13}matched @firewall-allow element \{ 198\.51\.100\.1 \. tcp \. 443 \. 203\.0\.113\.0\/25 \} at line \d+/)
  })
})
