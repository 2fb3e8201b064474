// Manifests are read as the API server would store them: an unset Service type is ClusterIP.
import { describe, expect, it } from 'vitest'
import { compile } from '../../src/compile.ts'

const manifest = (type: string) => `apiVersion: v1
kind: Service
metadata: { namespace: shop, name: web }
spec:
  ${type}
  clusterIP: 10.96.0.10
  externalIPs: [192.168.0.200]
  externalTrafficPolicy: Local
  ports: [{ name: http, port: 80 }]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: { namespace: shop, name: web-1, labels: { kubernetes.io/service-name: web } }
addressType: IPv4
ports: [{ name: http, port: 8080, protocol: TCP }]
endpoints:
- { addresses: [10.244.1.5], nodeName: node-a, conditions: { ready: true } }
- { addresses: [10.244.2.5], nodeName: node-b, conditions: { ready: true } }
`

function externalPolicyLocal(type: string): boolean {
  const result = compile([{ path: 'web.yaml', text: manifest(type) }], { format: 'nft', settings: { nodeName: 'node-a', clusterCIDRs: ['10.244.0.0/16'] } })
  if (!result.ok) throw new Error(JSON.stringify(result.diagnostics))
  return result.plan.families[0]!.servicePorts[0]!.externalPolicyLocal
}

describe('Service type defaulting', () => {
  it('treats an unset type like ClusterIP, so externalTrafficPolicy Local applies to its external IPs', () => {
    expect(externalPolicyLocal('type: ClusterIP')).toBe(true)
    expect(externalPolicyLocal('')).toBe(true)
  })
})
