// v1 Service: the fields kube-proxy reads.
import { z } from 'zod'
import { cidrString, ipString, objectMeta, optionalPortNumber, portName, portNumber, protocol, svccIssue } from './common.ts'

export const servicePortSchema = z.object({
  name: portName.nullish(),
  protocol: protocol.nullish(),
  port: portNumber,
  targetPort: z.union([z.number().int(), z.string()]).nullish(),
  nodePort: optionalPortNumber.nullish(),
})

const trafficPolicy = z.enum(['Cluster', 'Local', ''], { error: 'traffic policy must be Cluster or Local' })

export const serviceSchema = z.object({
  apiVersion: z.literal('v1'),
  kind: z.literal('Service'),
  metadata: objectMeta,
  spec: z
    .object({
      type: z.enum(['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName', ''], {
        error: 'type must be ClusterIP, NodePort, LoadBalancer or ExternalName',
      }).nullish(),
      clusterIP: z.string().nullish(),
      clusterIPs: z.array(z.string()).nullish(),
      ipFamilies: z.array(z.enum(['IPv4', 'IPv6'], { error: 'ipFamilies entries must be IPv4 or IPv6' })).nullish(),
      ports: z.array(servicePortSchema).nullish(),
      externalIPs: z.array(ipString).nullish(),
      loadBalancerSourceRanges: z.array(cidrString).nullish(),
      externalTrafficPolicy: trafficPolicy.nullish(),
      internalTrafficPolicy: trafficPolicy.nullish(),
      healthCheckNodePort: optionalPortNumber.nullish(),
      sessionAffinity: z.enum(['None', 'ClientIP', ''], { error: 'sessionAffinity must be None or ClientIP' }).nullish(),
      sessionAffinityConfig: z
        .object({
          clientIP: z
            .object({
              timeoutSeconds: z
                .number()
                .int()
                .superRefine((value, ctx) => {
                  if (value < 1 || value > 86400)
                    ctx.addIssue(svccIssue('INVALID_FIELD', `timeoutSeconds ${value} is outside 1-86400`))
                })
                .nullish(),
            })
            .nullish(),
        })
        .nullish(),
    })
    .superRefine((spec, ctx) => {
      const ports = spec.ports ?? []
      if (ports.length > 1)
        ports.forEach((p, i) => {
          if (!p.name) ctx.addIssue({ ...svccIssue('MISSING_FIELD', 'every port of a multi-port Service needs a name'), path: ['ports', i] })
        })
      const seen = new Map<string, number>()
      ports.forEach((p, i) => {
        const key = `${p.name ?? ''}`
        const first = seen.get(key)
        if (first !== undefined)
          ctx.addIssue({ ...svccIssue('INVALID_FIELD', `port name ${JSON.stringify(key)} is used twice (first at ports[${first}])`), path: ['ports', i, 'name'] })
        else seen.set(key, i)
      })
    }),
  status: z
    .object({
      loadBalancer: z
        .object({
          ingress: z
            .array(
              z.object({
                ip: ipString.nullish(),
                hostname: z.string().nullish(),
                ipMode: z.string().nullish(),
              }),
            )
            .nullish(),
        })
        .nullish(),
    })
    .nullish(),
})

export type ServiceManifest = z.infer<typeof serviceSchema>
