// v1 Node: only its name, zone label and addresses matter to svcc.
import { z } from 'zod'
import { parseIp } from '../../model/ip.ts'
import { dnsSubdomain, labels, svccIssue } from './common.ts'

const nodeAddress = z
  .object({ type: z.string(), address: z.string() })
  .superRefine((a, ctx) => {
    // Hostname and DNS addresses are names; only the IP types must parse.
    if ((a.type === 'InternalIP' || a.type === 'ExternalIP') && !parseIp(a.address))
      ctx.addIssue({ ...svccIssue('INVALID_IP', `${JSON.stringify(a.address)} is not a valid IP address`), path: ['address'] })
  })

export const nodeSchema = z.object({
  apiVersion: z.literal('v1'),
  kind: z.literal('Node'),
  metadata: z.object({ name: dnsSubdomain, labels: labels.nullish() }),
  status: z
    .object({ addresses: z.array(nodeAddress).nullish() })
    .nullish(),
})

export type NodeManifest = z.infer<typeof nodeSchema>
