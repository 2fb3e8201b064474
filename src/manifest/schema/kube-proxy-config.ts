// kubeproxy.config.k8s.io/v1alpha1 KubeProxyConfiguration: the fields that change generated rules.
import { z } from 'zod'

const masquerade = z
  .object({
    masqueradeAll: z.boolean().nullish(),
    masqueradeBit: z.number().int().min(0).max(31).nullish(),
    localhostNodePorts: z.boolean().nullish(),
  })
  .nullish()

export const kubeProxyConfigSchema = z.object({
  apiVersion: z.literal('kubeproxy.config.k8s.io/v1alpha1'),
  kind: z.literal('KubeProxyConfiguration'),
  hostnameOverride: z.string().nullish(),
  bindAddress: z.string().nullish(),
  clusterCIDR: z.string().nullish(),
  mode: z.string().nullish(),
  detectLocalMode: z.enum(['', 'ClusterCIDR', 'NodeCIDR', 'BridgeInterface', 'InterfaceNamePrefix']).nullish(),
  detectLocal: z.object({ bridgeInterface: z.string().nullish(), interfaceNamePrefix: z.string().nullish() }).nullish(),
  nodePortAddresses: z.array(z.string()).nullish(),
  iptables: masquerade,
  nftables: masquerade,
  conntrack: z.object({ tcpBeLiberal: z.boolean().nullish() }).nullish(),
  featureGates: z.record(z.string(), z.boolean()).nullish(),
})

export type KubeProxyConfigManifest = z.infer<typeof kubeProxyConfigSchema>
