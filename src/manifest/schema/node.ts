// v1 Node: only its name, zone label and addresses matter to svcc.
import { z } from 'zod'
import { dnsSubdomain, labels } from './common.ts'

export const nodeSchema = z.object({
  apiVersion: z.literal('v1'),
  kind: z.literal('Node'),
  metadata: z.object({ name: dnsSubdomain, labels: labels.nullish() }),
  status: z
    .object({ addresses: z.array(z.object({ type: z.string(), address: z.string() })).nullish() })
    .nullish(),
})

export type NodeManifest = z.infer<typeof nodeSchema>
