// Nothing in a manifest can change the structure of the rules: names that reach the output must be
// DNS labels (else INVALID_NAME), and everything else (annotations, labels, node names, hints) never
// reaches the output, so a hostile value gives the same bytes as a benign one. Both formats.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { run } from '../src/cli/main.ts'
import { virtualIo } from './cli/virtual-io.ts'

const FORMATS = ['nft', 'iptables'] as const
const ARGS = ['--node-name', 'node-a', '--node-ip', '192.168.0.2', '--cluster-cidr', '10.244.0.0/16', '--quiet']

/** Strings that would end a quoted comment, a statement, a rule or a chain in one of the two formats. */
const HOSTILE = [
  'a"b',
  "a'b",
  'web\n-A KUBE-SERVICES -j ACCEPT',
  'web\r\nCOMMIT',
  'web -j ACCEPT',
  'web ; flush ruleset',
  'web } ; add chain ip kube-proxy x { ; }',
  'web"; comment "x',
  'a\\b',
  'web # comment',
  '$(reboot)',
  'web\u2028x',
  'web\u0000x',
  'WEB',
  'web.example',
  'web/x',
  'x'.repeat(300),
]

interface Parts {
  name: string
  namespace: string
  portName: string
  annotation: string
  label: string
  nodeName: string
  zoneHint: string
  nodeHint: string
  hostname: string
  appProtocol: string
  targetPort: string
}

const BENIGN: Parts = {
  name: 'web',
  namespace: 'shop',
  portName: 'http',
  annotation: 'benign',
  label: 'web',
  nodeName: 'node-b',
  zoneHint: 'zone-x',
  nodeHint: 'node-x',
  hostname: 'lb.example.com',
  appProtocol: 'http',
  targetPort: 'http',
}

/** YAML double-quoted scalar: any string, escaped (JSON strings are valid YAML). */
const q = (s: string) => JSON.stringify(s)

function manifests(p: Parts): string {
  return `apiVersion: v1
kind: Service
metadata:
  namespace: ${q(p.namespace)}
  name: ${q(p.name)}
  labels: {app: ${q(p.label)}}
  annotations:
    ${q(p.annotation)}: ${q(p.annotation)}
    kubectl.kubernetes.io/last-applied-configuration: ${q(p.annotation)}
spec:
  type: LoadBalancer
  clusterIP: 10.96.0.10
  selector: {app: ${q(p.label)}}
  sessionAffinity: ClientIP
  ports:
  - name: ${q(p.portName)}
    port: 80
    nodePort: 30080
    targetPort: ${q(p.targetPort)}
    appProtocol: ${q(p.appProtocol)}
status:
  loadBalancer:
    ingress:
    - ip: 203.0.113.7
      hostname: ${q(p.hostname)}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  namespace: ${q(p.namespace)}
  name: web-abc
  labels:
    kubernetes.io/service-name: ${q(p.name)}
    app: ${q(p.label)}
  annotations: {${q(p.annotation)}: ${q(p.annotation)}}
addressType: IPv4
ports:
- name: ${q(p.portName)}
  port: 8080
  appProtocol: ${q(p.appProtocol)}
endpoints:
- addresses: [10.244.1.5]
  conditions: {ready: true}
  nodeName: node-a
- addresses: [10.244.2.5]
  conditions: {ready: true}
  nodeName: ${q(p.nodeName)}
  hints:
    forZones: [{name: ${q(p.zoneHint)}}]
    forNodes: [{name: ${q(p.nodeHint)}}]
  targetRef: {kind: Pod, name: ${q(p.annotation)}}
`
}

async function compileWith(parts: Parts, format: (typeof FORMATS)[number], extra: string[] = []) {
  const io = virtualIo({ 'in.yaml': manifests(parts) })
  const code = await run(['compile', 'in.yaml', '--format', format, ...ARGS, ...extra], io)
  return { code, out: io.out(), err: io.err() }
}

/** No raw control character reaches the terminal from a diagnostic. */
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029]/

describe.each(FORMATS)('%s', (format) => {
  it('compiles the benign input', async () => {
    const benign = await compileWith(BENIGN, format)
    expect(benign.code).toBe(0)
    expect(benign.out).toContain(format === 'nft' ? 'shop/web' : 'shop/web:http')
  })

  it.each(['name', 'namespace', 'portName'] as const)('refuses a %s that would reach the output unless it is a DNS label', async (field) => {
    for (const hostile of HOSTILE) {
      const r = await compileWith({ ...BENIGN, [field]: hostile }, format)
      expect(r.code, JSON.stringify(hostile)).toBe(1)
      expect(r.out).toBe('')
      expect(r.err).toContain('[INVALID_NAME]')
      expect(r.err).not.toMatch(RAW_CONTROL)
    }
  })

  it.each(['annotation', 'label', 'nodeName', 'zoneHint', 'nodeHint', 'hostname', 'appProtocol', 'targetPort'] as const)(
    'gives the same bytes whatever the %s holds',
    async (field) => {
      const benign = await compileWith(BENIGN, format)
      for (const hostile of HOSTILE) {
        const r = await compileWith({ ...BENIGN, [field]: hostile }, format)
        expect(r.code, JSON.stringify(hostile)).toBe(0)
        expect(r.out, JSON.stringify(hostile)).toBe(benign.out)
      }
    },
  )

  it('gives the same bytes whatever --zone and a non-matching --node-name hold', async () => {
    const benign = await compileWith(BENIGN, format, ['--zone', 'zone-y'])
    for (const hostile of HOSTILE) {
      const r = await compileWith(BENIGN, format, ['--zone', hostile])
      expect(r.out, JSON.stringify(hostile)).toBe(benign.out)
    }
    const other = await compileWith(BENIGN, format, ['--node-name', 'node-z'])
    for (const hostile of HOSTILE) expect((await compileWith(BENIGN, format, ['--node-name', hostile])).out).toBe(other.out)
  })

  it('refuses a detect-local interface name from a KubeProxyConfiguration that is not a plain name', async () => {
    for (const hostile of ['br0 accept', 'br0"', 'br0\n', 'br0;', 'br0}', 'a'.repeat(16)]) {
      const config = `apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\ndetectLocalMode: BridgeInterface\ndetectLocal:\n  bridgeInterface: ${q(hostile)}\n`
      const io = virtualIo({ 'in.yaml': manifests(BENIGN), 'kp.yaml': config })
      expect(await run(['compile', 'in.yaml', '--config', 'kp.yaml', '--format', format, '--quiet'], io), JSON.stringify(hostile)).toBe(1)
      expect(io.out()).toBe('')
      expect(io.err()).toContain('[INVALID_NAME]')
    }
  })

  it('property: arbitrary annotation, label and hint strings never change the output', async () => {
    const benign = await compileWith(BENIGN, format)
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 40 }), fc.constantFrom<keyof Parts>('annotation', 'label', 'zoneHint', 'nodeHint', 'hostname', 'targetPort'), async (text, field) => {
        const r = await compileWith({ ...BENIGN, [field]: text }, format)
        expect(r.out).toBe(benign.out)
      }),
      { seed: 5, numRuns: 150 },
    )
  })

  it('property: an arbitrary Service, namespace or port name either fails with INVALID_NAME or is a DNS label', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: fc.constantFrom(...'ab-1."\'\n;{} \\/#-jA'.split('')), minLength: 1, maxLength: 12 }), fc.constantFrom('name', 'namespace', 'portName'), async (text, field) => {
        const r = await compileWith({ ...BENIGN, [field]: text }, format)
        if (r.code === 0) expect(text).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/)
        else {
          expect(r.out).toBe('')
          expect(r.err).toMatch(/\[(INVALID_NAME|DUPLICATE_FRONTEND)\]/)
        }
      }),
      { seed: 7, numRuns: 150 },
    )
  })
})
