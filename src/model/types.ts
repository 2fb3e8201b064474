// The normalised, backend-neutral view of the cluster: no Kubernetes spellings past this point.
import type { ObjectOrigin } from '../manifest/validate.ts'
import type { PathSegment } from '../diagnostics/diagnostic.ts'
import type { Cidr, Ip, IpFamily } from './ip.ts'

export type Protocol = 'tcp' | 'udp' | 'sctp'

/** Which manifest field produced something, so errors can point back at it. */
export interface Origin {
  readonly object: ObjectOrigin
  readonly path: readonly PathSegment[]
}

export interface ServicePortModel {
  /** "" for the single unnamed port. */
  readonly name: string
  readonly protocol: Protocol
  readonly port: number
  /** 0 when there is none. */
  readonly nodePort: number
  readonly origin: Origin
}

export interface ServiceModel {
  readonly namespace: string
  readonly name: string
  readonly origin: ObjectOrigin
  /** The cluster IP per family; a family without one gets no rules. */
  readonly clusterIPs: Partial<Record<IpFamily, Ip>>
  readonly externalIPs: readonly Ip[]
  readonly loadBalancerIPs: readonly Ip[]
  readonly sourceRanges: readonly Cidr[]
  /** externalTrafficPolicy Local on an externally accessible type (apiservice.ExternalPolicyLocal). */
  readonly externalPolicyLocal: boolean
  readonly internalPolicyLocal: boolean
  /** 0 unless type LoadBalancer with externalPolicyLocal. */
  readonly healthCheckNodePort: number
  /** ClientIP affinity timeout in seconds, or undefined without affinity. */
  readonly affinityTimeout: number | undefined
  readonly ports: readonly ServicePortModel[]
}

export interface EndpointModel {
  readonly ip: Ip
  readonly port: number
  /** "ip:port" or "[ip]:port", kube-proxy's endpoint string and sort key. */
  readonly endpoint: string
  readonly ready: boolean
  readonly serving: boolean
  readonly terminating: boolean
  readonly nodeName: string | undefined
  readonly zoneHints: readonly string[]
  readonly nodeHints: readonly string[]
  readonly origin: Origin
}

export interface NodeModel {
  readonly name: string
  readonly internalIPs: readonly Ip[]
  readonly zone: string | undefined
}

export interface Model {
  /** Sorted by "namespace/name". */
  readonly services: readonly ServiceModel[]
  /**
   * Endpoints per service port, keyed by endpointsKey(): deduplicated by endpoint string
   * and sorted by it (kube-proxy's order, which decides the probabilities).
   */
  readonly endpoints: ReadonlyMap<string, readonly EndpointModel[]>
  readonly nodes: readonly NodeModel[]
}

export function serviceKey(namespace: string, name: string): string {
  return `${namespace}/${name}`
}

export function endpointsKey(namespace: string, name: string, portName: string, protocol: Protocol, family: IpFamily): string {
  return `${namespace}/${name}\u0000${portName}\u0000${protocol}\u0000${family}`
}
