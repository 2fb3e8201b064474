// Field validation: every class of bad value gets its code at the value's line, column and path.
import { describe, expect, it } from 'vitest'
import { problems, SERVICE, SLICE } from './helpers.ts'

/** The Service fixture with one line replaced (matched by its start). */
const service = (from: string, to: string) => {
  if (!SERVICE.includes(from)) throw new Error(`no ${from} in the fixture`)
  return SERVICE.replace(from, to)
}
const slice = (from: string, to: string) => {
  if (!SLICE.includes(from)) throw new Error(`no ${from} in the fixture`)
  return SLICE.replace(from, to)
}
const both = (svc: string, sl: string = SLICE) => `${svc}---\n${sl}`

describe('types and required fields', () => {
  it('reports a wrong type at the value', () => {
    expect(problems(service('    port: 80', '    port: "80"'))).toEqual([
      { code: 'INVALID_FIELD', severity: 'error', file: 'in.yaml', line: 10, column: 11, path: 'spec.ports[0].port', doc: 0, object: 'Service shop/web' },
    ])
    expect(problems(service('  ports:', '  ports: {}\n  x:'))).toEqual([expect.objectContaining({ code: 'INVALID_FIELD', line: 8, column: 10, path: 'spec.ports' })])
  })

  it('reports a missing required field at its parent', () => {
    expect(problems(service('    port: 80\n', ''))).toEqual([expect.objectContaining({ code: 'MISSING_FIELD', line: 9, column: 5, path: 'spec.ports[0].port' })])
    expect(problems('apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n')).toEqual([expect.objectContaining({ code: 'MISSING_FIELD', line: 1, column: 1, path: 'spec' })])
  })

  it('reports a missing kind or apiVersion', () => {
    expect(problems('apiVersion: v1\nmetadata: {}\n')).toEqual([expect.objectContaining({ code: 'MISSING_FIELD', path: 'kind' })])
    expect(problems('kind: Service\nmetadata: {}\n')).toEqual([expect.objectContaining({ code: 'MISSING_FIELD', path: 'apiVersion' })])
  })

  it('reports an unknown apiVersion for a known kind at the apiVersion', () => {
    expect(problems(service('apiVersion: v1', 'apiVersion: v2'))).toEqual([expect.objectContaining({ code: 'UNSUPPORTED_API_VERSION', line: 1, column: 13, path: 'apiVersion' })])
    expect(problems(slice('apiVersion: discovery.k8s.io/v1', 'apiVersion: discovery.k8s.io/v1beta1'))).toEqual([
      expect.objectContaining({ code: 'UNSUPPORTED_API_VERSION', line: 1, column: 13, path: 'apiVersion' }),
    ])
  })

  it('skips unknown kinds with one notice per kind, not an error', () => {
    expect(problems('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n')).toEqual([])
  })

  it('reports every error of the phase, not only the first', () => {
    const text = service('    port: 80', '    port: 0\n    nodePort: 70000\n    protocol: ICMP')
    expect(problems(text.replace('    protocol: TCP\n', '')).map((d) => d.code)).toEqual(['PORT_OUT_OF_RANGE', 'PORT_OUT_OF_RANGE', 'INVALID_FIELD'])
  })
})

describe('addresses', () => {
  it('reports a bad cluster IP, external IP, load-balancer IP and clusterIPs entry', () => {
    expect(problems(service('  clusterIP: 10.96.0.10', '  clusterIP: 10.96.0.300'))).toEqual([expect.objectContaining({ code: 'INVALID_IP', line: 7, column: 14, path: 'spec.clusterIP' })])
    expect(problems(service('  clusterIP: 10.96.0.10', '  clusterIP: 10.96.0.10\n  externalIPs: [1.2.3]'))).toEqual([
      expect.objectContaining({ code: 'INVALID_IP', line: 8, column: 17, path: 'spec.externalIPs[0]' }),
    ])
    expect(problems(`${SERVICE}status:\n  loadBalancer:\n    ingress:\n    - ip: 1.2.3.4.5\n`)).toEqual([
      expect.objectContaining({ code: 'INVALID_IP', line: 15, column: 11, path: 'status.loadBalancer.ingress[0].ip' }),
    ])
    expect(problems(service('  clusterIP: 10.96.0.10', '  clusterIP: 10.96.0.10\n  clusterIPs: [10.96.0.10, "fd00::1::2"]'))).toEqual([
      expect.objectContaining({ code: 'INVALID_IP', line: 8, column: 28, path: 'spec.clusterIPs[1]' }),
    ])
  })

  it('refuses IPv4 in legacy forms that ipaddr.js would accept', () => {
    for (const bad of ['0x0a.0.0.1', '167772161', '10.1', '10.0.0.1/32', ' 10.0.0.1'])
      expect(problems(service('  clusterIP: 10.96.0.10', `  clusterIP: "${bad}"`)).map((d) => d.code)).toEqual(['INVALID_IP'])
  })

  it('reports a bad CIDR in loadBalancerSourceRanges', () => {
    expect(problems(service('  clusterIP: 10.96.0.10', '  clusterIP: 10.96.0.10\n  loadBalancerSourceRanges: [10.0.0.0/33]'))).toEqual([
      expect.objectContaining({ code: 'INVALID_CIDR', line: 8, column: 30, path: 'spec.loadBalancerSourceRanges[0]' }),
    ])
  })

  it('reports loopback and link-local endpoint addresses', () => {
    expect(problems(both(SERVICE, slice('[10.244.1.5]', '[127.0.0.1]')))).toEqual([expect.objectContaining({ code: 'INVALID_IP', line: 26, column: 15, path: 'endpoints[0].addresses[0]' })])
    expect(problems(both(SERVICE, slice('[10.244.1.5]', '[169.254.169.254]')))).toEqual([expect.objectContaining({ code: 'INVALID_IP', path: 'endpoints[0].addresses[0]' })])
    expect(problems(both(SERVICE, slice('addressType: IPv4', 'addressType: IPv6').replace('[10.244.1.5]', '["fe80::1"]')))).toEqual([
      expect.objectContaining({ code: 'INVALID_IP', path: 'endpoints[0].addresses[0]' }),
    ])
  })

  it("reports addresses that do not match the slice's addressType, in any position", () => {
    expect(problems(both(SERVICE, slice('[10.244.1.5]', '[10.244.1.5, "fd00::5"]')))).toEqual([
      expect.objectContaining({ code: 'INVALID_FIELD', line: 26, column: 27, path: 'endpoints[0].addresses[1]' }),
    ])
    expect(problems(both(SERVICE, slice('addressType: IPv4', 'addressType: IPv6')))).toEqual([expect.objectContaining({ code: 'INVALID_FIELD', path: 'endpoints[0].addresses[0]' })])
  })

  it('reports a Node InternalIP that is not an IP, but not a Hostname', () => {
    const node = (type: string, address: string) => `apiVersion: v1\nkind: Node\nmetadata: {name: node-a}\nstatus:\n  addresses:\n  - type: ${type}\n    address: ${address}\n`
    expect(problems(node('InternalIP', 'node-a.local'))).toEqual([expect.objectContaining({ code: 'INVALID_IP', line: 7, column: 14, path: 'status.addresses[0].address' })])
    expect(problems(node('Hostname', 'node-a.local'))).toEqual([])
  })
})

describe('ports', () => {
  it('reports ports outside 1-65535', () => {
    for (const [value, code] of [['0', 'PORT_OUT_OF_RANGE'], ['65536', 'PORT_OUT_OF_RANGE'], ['-1', 'PORT_OUT_OF_RANGE'], ['1e400', 'INVALID_FIELD'], ['80.5', 'INVALID_FIELD']] as const)
      expect(problems(service('    port: 80', `    port: ${value}`))).toEqual([expect.objectContaining({ code, line: 10, column: 11, path: 'spec.ports[0].port' })])
    expect(problems(service('    port: 80', '    port: 80\n    nodePort: 99999'))).toEqual([expect.objectContaining({ code: 'PORT_OUT_OF_RANGE', line: 11, column: 15, path: 'spec.ports[0].nodePort' })])
    expect(problems(both(SERVICE, slice('  port: 8080', '  port: 123456')))).toEqual([expect.objectContaining({ code: 'PORT_OUT_OF_RANGE', line: 23, column: 9, path: 'ports[0].port' })])
  })

  it('reports unknown protocols', () => {
    expect(problems(service('    protocol: TCP', '    protocol: tcp'))).toEqual([expect.objectContaining({ code: 'INVALID_FIELD', line: 11, column: 15, path: 'spec.ports[0].protocol' })])
    expect(problems(both(SERVICE, slice('  protocol: TCP', '  protocol: ICMP')))).toEqual([expect.objectContaining({ code: 'INVALID_FIELD', line: 24, column: 13, path: 'ports[0].protocol' })])
  })

  it('reports unnamed ports of a multi-port Service, and names used twice', () => {
    const two = service('  - name: http\n', '  - port: 81\n  - name: http\n')
    expect(problems(two)).toEqual([expect.objectContaining({ code: 'MISSING_FIELD', line: 9, column: 5, path: 'spec.ports[0]' })])
    const dup = service('  - name: http\n', '  - name: http\n    port: 81\n  - name: http\n')
    expect(problems(dup)).toEqual([expect.objectContaining({ code: 'INVALID_FIELD', line: 11, column: 11, path: 'spec.ports[1].name' })])
  })

  it('reports a sessionAffinity timeout outside 1-86400', () => {
    for (const t of ['0', '86401', '-5'])
      expect(problems(service('  ports:', `  sessionAffinity: ClientIP\n  sessionAffinityConfig:\n    clientIP:\n      timeoutSeconds: ${t}\n  ports:`))).toEqual([
        expect.objectContaining({ code: 'INVALID_FIELD', line: 11, column: 23, path: 'spec.sessionAffinityConfig.clientIP.timeoutSeconds' }),
      ])
  })
})

describe('names', () => {
  it('reports Service names and namespaces that are not DNS labels', () => {
    expect(problems(service('  name: web', '  name: Web'))).toEqual([expect.objectContaining({ code: 'INVALID_NAME', line: 5, column: 9, path: 'metadata.name' })])
    expect(problems(service('  name: web', '  name: 1web'))).toEqual([expect.objectContaining({ code: 'INVALID_NAME', path: 'metadata.name' })])
    expect(problems(service('  name: web', `  name: ${'a'.repeat(64)}`))).toEqual([expect.objectContaining({ code: 'INVALID_NAME', path: 'metadata.name' })])
    expect(problems(service('  namespace: shop', '  namespace: shop.eu'))).toEqual([expect.objectContaining({ code: 'INVALID_NAME', line: 4, column: 14, path: 'metadata.namespace' })])
  })

  it('reports port names that are not DNS labels, in Services and slices', () => {
    expect(problems(service('  - name: http', '  - name: HTTP'))).toEqual([expect.objectContaining({ code: 'INVALID_NAME', line: 9, column: 11, path: 'spec.ports[0].name' })])
    expect(problems(both(SERVICE, slice('- name: http', '- name: http_2')))).toEqual([expect.objectContaining({ code: 'INVALID_NAME', line: 22, column: 9, path: 'ports[0].name' })])
  })

  it('reports EndpointSlice and Node names that are not DNS subdomains', () => {
    expect(problems(both(SERVICE, slice('  name: web-abc', '  name: web_abc')))).toEqual([expect.objectContaining({ code: 'INVALID_NAME', line: 17, column: 9, path: 'metadata.name' })])
    expect(problems('apiVersion: v1\nkind: Node\nmetadata: {name: "node a"}\n')).toEqual([expect.objectContaining({ code: 'INVALID_NAME', path: 'metadata.name' })])
  })
})

describe('KubeProxyConfiguration', () => {
  const config = (body: string) => `apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\n${body}`
  it('reports bad CIDRs, addresses and interface names where they are written', () => {
    expect(problems(config('clusterCIDR: 10.244.0.0/16,fd00::/129\n'))).toEqual([expect.objectContaining({ code: 'INVALID_CIDR', line: 3, column: 14, path: 'clusterCIDR' })])
    expect(problems(config('nodePortAddresses: [primary, 10.0.0.1]\n'))).toEqual([expect.objectContaining({ code: 'INVALID_CIDR', line: 3, column: 30, path: 'nodePortAddresses[1]' })])
    expect(problems(config('bindAddress: localhost\n'))).toEqual([expect.objectContaining({ code: 'INVALID_IP', line: 3, column: 14, path: 'bindAddress' })])
    expect(problems(config('detectLocal:\n  bridgeInterface: "br0 accept"\n'))).toEqual([expect.objectContaining({ code: 'INVALID_NAME', line: 4, column: 20, path: 'detectLocal.bridgeInterface' })])
    expect(problems(config('iptables:\n  masqueradeBit: 32\n'))).toEqual([expect.objectContaining({ code: 'INVALID_FIELD', line: 4, column: 18, path: 'iptables.masqueradeBit' })])
  })
})
