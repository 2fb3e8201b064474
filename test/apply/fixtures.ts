// Small compiled rulesets for the applier's tests: real compiler output, so origins point into real manifests.
import { compile } from '../../src/compile.ts'
import type { ApplyRuleset } from '../../src/apply/ruleset.ts'
import type { SettingsInput } from '../../src/model/settings.ts'
import { renderIptables } from '../../src/render/iptables/render.ts'
import { renderNft } from '../../src/render/nft/render.ts'

export const SETTINGS: SettingsInput = { nodeName: 'node-a', nodeIPs: ['192.168.0.2'], clusterCIDRs: ['10.0.0.0/8'] }

/** One Service with one port and one ready endpoint; `svc` and the IPs vary so two versions differ in chains. */
export function serviceYaml(svc = 'web', clusterIP = '172.30.0.10', endpointIP = '10.0.1.5'): string {
  return `apiVersion: v1
kind: Service
metadata:
  namespace: shop
  name: ${svc}
spec:
  clusterIP: ${clusterIP}
  ports:
  - name: http
    port: 80
    protocol: TCP
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  namespace: shop
  name: ${svc}-1
  labels:
    kubernetes.io/service-name: ${svc}
addressType: IPv4
endpoints:
- addresses:
  - ${endpointIP}
ports:
- name: http
  port: 8080
  protocol: TCP
`
}

export const MANIFEST_PATH = 'shop.yaml'

export function compiled(format: 'nft' | 'iptables', yaml = serviceYaml(), settings: SettingsInput = SETTINGS): ApplyRuleset[] {
  const result = compile([{ path: MANIFEST_PATH, text: yaml }], { format, settings })
  if (!result.ok) throw new Error(`fixture does not compile: ${JSON.stringify(result.diagnostics)}`)
  if (format === 'nft') return [{ format, family: undefined, rendered: renderNft(result.plan) }]
  return result.plan.families.map((f) => ({ format, family: f.family, rendered: renderIptables(f) }))
}
