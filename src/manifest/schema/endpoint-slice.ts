// discovery.k8s.io/v1 EndpointSlice: the fields kube-proxy reads.
import { z } from 'zod'
import { dnsLabel, dnsSubdomain, labels, optionalPortNumber, portName, protocol } from './common.ts'

const hintList = z.array(z.object({ name: z.string() })).nullish()

export const endpointSliceSchema = z.object({
  apiVersion: z.literal('discovery.k8s.io/v1'),
  kind: z.literal('EndpointSlice'),
  metadata: z.object({ name: dnsSubdomain, namespace: dnsLabel.nullish(), labels: labels.nullish() }),
  addressType: z.enum(['IPv4', 'IPv6', 'FQDN'], { error: 'addressType must be IPv4, IPv6 or FQDN' }),
  endpoints: z
    .array(
      z.object({
        addresses: z.array(z.string()).nullish(),
        conditions: z
          .object({ ready: z.boolean().nullish(), serving: z.boolean().nullish(), terminating: z.boolean().nullish() })
          .nullish(),
        nodeName: z.string().nullish(),
        zone: z.string().nullish(),
        hints: z.object({ forZones: hintList, forNodes: hintList }).nullish(),
      }),
    )
    .nullish(),
  ports: z
    .array(
      z.object({
        name: portName.nullish(),
        protocol: protocol.nullish(),
        port: optionalPortNumber.nullish(),
      }),
    )
    .nullish(),
})

export type EndpointSliceManifest = z.infer<typeof endpointSliceSchema>
