// kubeproxy.config.k8s.io/v1alpha1 KubeProxyConfiguration: the fields that change generated rules.
import { z } from 'zod'
import { parseCidr } from '../../model/ip.ts'
import { interfaceName, ipString, svccIssue } from './common.ts'

/** kube-proxy's clusterCIDR: one CIDR or a comma-separated pair (dual-stack). */
const cidrList = z.string().superRefine((value, ctx) => {
  for (const part of value.split(','))
    if (part.trim() !== '' && !parseCidr(part.trim())) ctx.addIssue(svccIssue('INVALID_CIDR', `${JSON.stringify(part.trim())} is not a valid CIDR`))
})

/** nodePortAddresses entries: CIDRs, or the keyword "primary" (the node's primary IPs). */
const nodePortAddress = z.string().superRefine((value, ctx) => {
  if (value !== 'primary' && !parseCidr(value.trim()))
    ctx.addIssue(svccIssue('INVALID_CIDR', `${JSON.stringify(value)} is neither a CIDR nor "primary"`))
})

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
  bindAddress: ipString.nullish(),
  clusterCIDR: cidrList.nullish(),
  mode: z.string().nullish(),
  detectLocalMode: z.enum(['', 'ClusterCIDR', 'NodeCIDR', 'BridgeInterface', 'InterfaceNamePrefix']).nullish(),
  detectLocal: z.object({ bridgeInterface: interfaceName.nullish(), interfaceNamePrefix: interfaceName.nullish() }).nullish(),
  nodePortAddresses: z.array(nodePortAddress).nullish(),
  iptables: masquerade,
  nftables: masquerade,
  conntrack: z.object({ tcpBeLiberal: z.boolean().nullish() }).nullish(),
  featureGates: z.record(z.string(), z.boolean()).nullish(),
})

export type KubeProxyConfigManifest = z.infer<typeof kubeProxyConfigSchema>
