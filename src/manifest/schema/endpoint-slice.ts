// discovery.k8s.io/v1 EndpointSlice: the fields kube-proxy reads.
import { z } from 'zod'
import { isRecord } from '../load.ts'
import { dnsLabel, dnsSubdomain, labels, optionalPortNumber, portName, protocol } from './common.ts'

const hintList = z.array(z.object({ name: z.string() })).nullish()

export const endpointSchema = z.object({
  addresses: z.array(z.string()).nullish(),
  conditions: z
    .object({ ready: z.boolean().nullish(), serving: z.boolean().nullish(), terminating: z.boolean().nullish() })
    .nullish(),
  nodeName: z.string().nullish(),
  zone: z.string().nullish(),
  hints: z.object({ forZones: hintList, forNodes: hintList }).nullish(),
})

export const endpointSliceSchema = z.object({
  apiVersion: z.literal('discovery.k8s.io/v1'),
  kind: z.literal('EndpointSlice'),
  metadata: z.object({ name: dnsSubdomain, namespace: dnsLabel.nullish(), labels: labels.nullish() }),
  addressType: z.enum(['IPv4', 'IPv6', 'FQDN'], { error: 'addressType must be IPv4, IPv6 or FQDN' }),
  endpoints: z.array(endpointSchema).nullish(),
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

const isNullish = (x: unknown) => x === undefined || x === null
const isOptional = (x: unknown, type: 'string' | 'boolean') => isNullish(x) || typeof x === type

/**
 * True only for an endpoint endpointSchema accepts as it is (no hints; unknown keys, which zod
 * would strip, are left in place and never read). Why: zod copies every endpoint field by field;
 * at 10k Services (100k endpoints) that was 0.15 s and 150 MB of garbage. Anything else, hints
 * included, gets zod's full check and messages (validate.ts). test/manifest/validate-endpoints.test.ts
 * checks that nothing this accepts is refused by zod.
 */
export function isPlainEndpoint(value: unknown): boolean {
  if (!isRecord(value)) return false
  const { addresses, conditions } = value
  if (!isNullish(addresses) && !(Array.isArray(addresses) && addresses.every((a) => typeof a === 'string'))) return false
  if (!isNullish(conditions)) {
    if (!isRecord(conditions)) return false
    if (!isOptional(conditions.ready, 'boolean') || !isOptional(conditions.serving, 'boolean') || !isOptional(conditions.terminating, 'boolean')) return false
  }
  return isOptional(value.nodeName, 'string') && isOptional(value.zone, 'string') && isNullish(value.hints)
}
