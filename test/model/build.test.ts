// What kube-proxy silently ignores becomes a warning; what the API defaults becomes a notice.
import { describe, expect, it } from 'vitest'
import { compileText, problems, SERVICE, SLICE, shape } from '../manifest/helpers.ts'

const both = (sl: string) => `${SERVICE}---\n${sl}`

describe('ignored objects are warnings, and the input still compiles', () => {
  it('warns about FQDN slices', () => {
    const text = both(SLICE.replace('addressType: IPv4', 'addressType: FQDN').replace('[10.244.1.5]', '[db.example.com]'))
    expect(problems(text)).toEqual([expect.objectContaining({ code: 'SLICE_IGNORED', severity: 'warning', line: 20, column: 14, path: 'addressType' })])
    expect(compileText(text).ok).toBe(true)
  })

  it('warns about headless-labelled slices and Services with the service-proxy-name label', () => {
    const headless = both(SLICE.replace('    kubernetes.io/service-name: web', '    kubernetes.io/service-name: web\n    service.kubernetes.io/headless: ""'))
    expect(problems(headless)).toEqual([expect.objectContaining({ code: 'SLICE_IGNORED', line: 20, path: 'metadata.labels["service.kubernetes.io/headless"]' })])
    const proxied = `${SERVICE.replace('  name: web', '  name: web\n  labels:\n    service.kubernetes.io/service-proxy-name: mesh')}---\n${SLICE}`
    expect(problems(proxied)).toEqual([expect.objectContaining({ code: 'SERVICE_IGNORED', line: 7, column: 47, path: 'metadata.labels["service.kubernetes.io/service-proxy-name"]' })])
  })

  it('warns about slices without the service-name label and unnamed slice ports', () => {
    expect(problems(both(SLICE.replace('    kubernetes.io/service-name: web\n', '    app: web\n')))).toEqual([expect.objectContaining({ code: 'SLICE_IGNORED', path: 'metadata.labels' })])
    expect(problems(both(SLICE.replace('- name: http\n  port', '- port')))).toEqual([expect.objectContaining({ code: 'SLICE_IGNORED', line: 22, column: 3, path: 'ports[0]' })])
  })
})

describe('endpoints without conditions', () => {
  it('get one notice per slice saying they count as ready', () => {
    const text = both(SLICE.replace('  conditions: {ready: true}\n', '').replace('  nodeName: node-a\n', '  nodeName: node-a\n- addresses: [10.244.1.6]\n'))
    const notices = compileText(text).diagnostics.filter((d) => d.code === 'ENDPOINT_CONDITIONS_DEFAULTED').map(shape)
    expect(notices).toEqual([expect.objectContaining({ severity: 'notice', line: 26, column: 3, path: 'endpoints[0]' })])
  })

  it('get none when every endpoint says whether it is ready', () => {
    expect(compileText(both(SLICE)).diagnostics.filter((d) => d.code === 'ENDPOINT_CONDITIONS_DEFAULTED')).toEqual([])
  })
})

describe('Services without a cluster IP', () => {
  it('warn when clusterIP is missing, but not for headless or ExternalName Services', () => {
    expect(problems(SERVICE.replace('  clusterIP: 10.96.0.10\n', ''))).toEqual([expect.objectContaining({ code: 'SERVICE_IGNORED', severity: 'warning', line: 7, column: 3, path: 'spec' })])
    expect(problems(SERVICE.replace('10.96.0.10', 'None'))).toEqual([])
    expect(problems(SERVICE.replace('  clusterIP: 10.96.0.10\n', '  type: ExternalName\n  externalName: db.example.com\n'))).toEqual([])
  })
})

describe('cluster IPs', () => {
  const dual = (clusterIP: string, list: string, families = '[IPv4, IPv6]') => SERVICE.replace('  clusterIP: 10.96.0.10\n', `  clusterIP: ${clusterIP}\n  clusterIPs: ${list}\n  ipFamilies: ${families}\n`)
  it('reports a clusterIP that differs from clusterIPs[0], once', () => {
    expect(problems(dual('10.96.0.11', '[10.96.0.10, "fd00::10"]'))).toEqual([expect.objectContaining({ code: 'INVALID_FIELD', line: 7, column: 14, path: 'spec.clusterIP' })])
    expect(problems(dual('nope', '[10.96.0.10, "fd00::10"]'))).toEqual([expect.objectContaining({ code: 'INVALID_IP', line: 7, column: 14, path: 'spec.clusterIP' })])
  })
  it('reports a cluster IP of the wrong family for spec.ipFamilies', () => {
    expect(problems(dual('10.96.0.10', '[10.96.0.10, "fd00::10"]', '[IPv4, IPv4]'))).toEqual([expect.objectContaining({ code: 'INVALID_FIELD', line: 8, column: 28, path: 'spec.clusterIPs[1]' })])
  })
  it('accepts a dual-stack Service', () => {
    expect(problems(dual('10.96.0.10', '[10.96.0.10, "fd00::10"]'))).toEqual([])
  })
})

describe('one endpoint in several slices', () => {
  // kube-proxy keeps the later copy unless it is terminating; svcc's "later" is the slice-name order.
  const slice = (name: string, ip: string, terminating: boolean, node: string) =>
    SLICE.replace('name: web-abc', `name: ${name}`)
      .replace('[10.244.1.5]', `[${ip}]`)
      .replace('{ready: true}', `{ready: ${!terminating}, serving: true, terminating: ${terminating}}`)
      .replace('nodeName: node-a', `nodeName: ${node}`)
  const endpointsOf = (docs: string[]) => {
    const result = compileText([SERVICE, ...docs].join('---\n'))
    if (!result.ok) throw new Error('fixture does not compile')
    return [...result.model.endpoints.values()][0]!.map((e) => `${e.endpoint} ${e.nodeName} ${e.terminating ? 'terminating' : 'ready'}`)
  }

  it('keeps the copy of the later slice unless that copy is terminating, in any input order', () => {
    const a = slice('web-a', '10.244.1.5', false, 'node-a')
    const b = slice('web-b', '10.244.1.5', false, 'node-b')
    const bTerminating = slice('web-b', '10.244.1.5', true, 'node-b')
    const other = slice('web-c', '10.244.1.4', false, 'node-c')
    expect(endpointsOf([a, b, other])).toEqual(['10.244.1.4:8080 node-c ready', '10.244.1.5:8080 node-b ready'])
    expect(endpointsOf([other, b, a])).toEqual(['10.244.1.4:8080 node-c ready', '10.244.1.5:8080 node-b ready'])
    expect(endpointsOf([bTerminating, a, other])).toEqual(['10.244.1.4:8080 node-c ready', '10.244.1.5:8080 node-a ready'])
    expect(endpointsOf([a, other, bTerminating])).toEqual(['10.244.1.4:8080 node-c ready', '10.244.1.5:8080 node-a ready'])
  })
})
