// `svcc explain` as a function: text for people, JSON for tools, exit codes.
import { describe, expect, it } from 'vitest'
import { explainCommand, type ExplainFlags } from '../../src/cli/commands/explain.ts'
import type { Explanation } from '../../src/explain/types.ts'
import { captureIo } from '../helpers/memory-io.ts'

const NODE_A: Partial<ExplainFlags> = { nodeName: 'node-a', nodeIp: ['192.168.0.10'], clusterCidr: ['10.244.0.0/16'], quiet: true }

function run(fixture: string, ref: string, flags: Partial<ExplainFlags> = {}) {
  const io = captureIo()
  const code = explainCommand([`fixtures/cases/${fixture}`], ref, { format: 'nft', ...NODE_A, ...flags }, io)
  return { code, out: io.out(), err: io.err() }
}

describe('svcc explain', () => {
  it('prints each port, its traffic policies and every endpoint with why it is used or not', () => {
    const { code, out, err } = run('terminating-fallback', 'shop/api')
    expect({ code, err }).toEqual({ code: 0, err: '' })
    expect(out).toMatch(/^Service shop\/api on node node-a; ruleset lines of the nft format\n\nPort http 80\/TCP, IPv4 \(shop\/api:http\)\n/)
    expect(out).toContain('  external traffic:   externalTrafficPolicy Local, spread over this node\'s endpoints (1, terminating ones as a fallback)\n')
    expect(out).toContain('    10.244.2.20:8080  node node-b, ready\n      cluster IP: used, 1 of 1 (100%)\n      external:   not used: on node-b, not this node, and the policy is Local\n')
    expect(out).toContain('      cluster IP: not used: terminating (still serving), and ready endpoints exist\n')
  })

  it('names the iptables chains with --format iptables', () => {
    const { code, out } = run('session-affinity', 'shop/cart', { format: 'iptables' })
    expect(code).toBe(0)
    expect(out).toMatch(/^ {6}line \d+ +nat: -A KUBE-SEP-[A-Z2-7]{16} .*--to-destination 10\.244\.1\.30:3000$/m)
    expect(out).toMatch(/^ {4}line \d+ +nat: -A KUBE-SERVICES .*"shop\/cart:http cluster IP"/m)
  })

  it('prints the Explanation as JSON with -o json', () => {
    const { out } = run('itp-local', 'infra/metrics', { output: 'json' })
    const x = JSON.parse(out) as Explanation
    // Unknown values (here the zone) are left out of the JSON.
    expect(Object.keys(x)).toEqual(['namespace', 'name', 'format', 'node', 'ports'])
    expect(x.ports.map((p) => [p.spn, p.family, p.internalTrafficPolicy, p.externalTrafficPolicy])).toEqual([['infra/metrics:http', 'ipv4', 'Local', 'Cluster']])
  })

  it('keeps one family with --ip-family', () => {
    const both = JSON.parse(run('dual-stack', 'shop/web', { output: 'json', nodeIp: ['192.168.0.10', '2001:db8::10'] }).out) as Explanation
    const v6 = JSON.parse(run('dual-stack', 'shop/web', { output: 'json', nodeIp: ['192.168.0.10', '2001:db8::10'], ipFamily: 'ipv6' }).out) as Explanation
    expect(both.ports.map((p) => p.family)).toEqual(['ipv4', 'ipv6'])
    expect(v6.ports.map((p) => p.family)).toEqual(['ipv6'])
  })

  it('reads a bare name as a Service of the default namespace', () => {
    const { code, err } = run('itp-local', 'metrics')
    expect(code).toBe(2)
    expect(err).toContain('no Service default/metrics in the input (it has infra/agent, infra/cache, infra/metrics;')
  })

  it.each([
    ['a reference with too many parts', 'a/b/c'],
    ['a reference that is no name', 'Infra/Metrics'],
  ])('is a usage error for %s', (_, ref) => {
    const { code, out, err } = run('itp-local', ref)
    expect({ code, out }).toEqual({ code: 2, out: '' })
    expect(err).toContain('is not a Service reference')
  })

  it('is a usage error with --profile fast, whose text it cannot point into', () => {
    const { code, out, err } = run('session-affinity', 'shop/cart', { profile: 'fast' })
    expect({ code, out }).toEqual({ code: 2, out: '' })
    expect(err).toContain('svcc explain points at lines of the kube-proxy profile')
  })

  it('is a usage error without inputs', () => {
    const io = captureIo()
    expect(explainCommand([], 'infra/metrics', { format: 'nft' }, io)).toBe(2)
    expect(io.err()).toContain('give the inputs, then the Service')
  })

  it('takes its inputs from -f too, so the Service may be the only argument', () => {
    const io = captureIo()
    expect(explainCommand([], 'infra/metrics', { format: 'nft', ...NODE_A, filename: ['fixtures/cases/itp-local'] }, io)).toBe(0)
    expect(io.out()).toContain('Port http 9100/TCP, IPv4 (infra/metrics:http)')
  })

  it('exits 1 on invalid input', () => {
    const { code, out } = run('error-invalid-ip', 'shop/web')
    expect({ code, out }).toEqual({ code: 1, out: '' })
  })
})
