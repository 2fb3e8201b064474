// The backend-neutral rule plan: every decision both renderers need, made once.
import type { Cidr, Ip, IpFamily } from '../model/ip.ts'
import type { NodeSettings } from '../model/settings.ts'
import type { Origin, Protocol } from '../model/types.ts'

export interface Plan {
  readonly settings: NodeSettings
  /**
   * One per IP family the node runs (IPv4 first): a family of any cluster IP or node IP, as
   * kube-proxy runs one proxier per family of a dual-stack node, even when one has no Services.
   */
  readonly families: readonly FamilyPlan[]
}

/** How pod traffic is told from other traffic (kube-proxy's LocalTrafficDetector). */
export type LocalDetector =
  | { readonly kind: 'cidr'; readonly cidr: Cidr }
  | { readonly kind: 'bridge'; readonly interface: string }
  | { readonly kind: 'prefix'; readonly prefix: string }

export interface NodePortAddresses {
  /** True when NodePorts answer on every local address (no nodePortAddresses of this family, or a /0). */
  readonly matchAll: boolean
  /** Otherwise: the node's addresses (loopback included) inside nodePortAddresses, sorted. */
  readonly addresses: readonly Ip[]
}

export interface FamilyPlan {
  readonly family: IpFamily
  /** The node's primary IP of this family, if known. */
  readonly nodeIP: Ip | undefined
  readonly localDetector: LocalDetector | undefined
  readonly masqueradeAll: boolean
  /** "0x00004000" for the default bit 14. */
  readonly masqueradeMark: string
  readonly nodePorts: NodePortAddresses
  /** IPv4 only, and only when nodePortAddresses includes loopback (kube-proxy's rule). */
  readonly localhostNodePorts: boolean
  readonly serviceCIDRs: readonly Cidr[]
  readonly nfacct: boolean
  readonly randomFully: boolean
  readonly tcpBeLiberal: boolean
  /** More than 1000 endpoints in all: kube-proxy's iptables mode drops per-endpoint comments. */
  readonly largeCluster: boolean
  /** Sorted by "namespace/name", then port name, then protocol. */
  readonly servicePorts: readonly ServicePortPlan[]
}

export interface PlannedEndpoint {
  readonly ip: Ip
  readonly port: number
  /** "ip:port" / "[ip]:port": kube-proxy's endpoint string and sort key. */
  readonly endpoint: string
  readonly isLocal: boolean
  readonly ready: boolean
  readonly serving: boolean
  readonly terminating: boolean
  /** Topology hints (sorted), which categorizing reads. */
  readonly zoneHints: readonly string[]
  readonly nodeHints: readonly string[]
  readonly origin: Origin
}

export type ChainKind = 'cluster' | 'local'
export type NoEndpointVerdict = 'reject' | 'drop'

export interface ServicePortPlan {
  readonly namespace: string
  readonly name: string
  /** "" for an unnamed port. */
  readonly portName: string
  readonly protocol: Protocol
  readonly port: number
  /** kube-proxy's ServicePortName: "ns/name:port" or "ns/name". */
  readonly spn: string
  readonly clusterIP: Ip
  readonly externalIPs: readonly Ip[]
  readonly loadBalancerIPs: readonly Ip[]
  readonly sourceRanges: readonly Cidr[]
  /** Some source range holds the node's primary IP: LB VIPs are then allowed as sources too. */
  readonly allowFromNode: boolean
  /** 0 when none. */
  readonly nodePort: number
  /** 0 when none. */
  readonly healthCheckNodePort: number
  readonly affinityTimeout: number | undefined
  readonly externalPolicyLocal: boolean
  readonly internalPolicyLocal: boolean
  /** Port-level: a node port, an LB VIP or an external IP. */
  readonly externallyAccessible: boolean

  /** All endpoints of this port (any condition), sorted: the input to the decisions below. */
  readonly allEndpoints: readonly PlannedEndpoint[]
  readonly clusterEndpoints: readonly PlannedEndpoint[]
  readonly localEndpoints: readonly PlannedEndpoint[]
  /** Union of the two lists that are in use, sorted by endpoint string. */
  readonly reachableEndpoints: readonly PlannedEndpoint[]
  readonly topology: 'PreferSameNode' | 'PreferSameZone' | undefined
  readonly usedTerminatingFallback: { readonly cluster: boolean; readonly local: boolean }

  readonly hasEndpoints: boolean
  readonly usesClusterChain: boolean
  readonly usesLocalChain: boolean
  /** ClusterIP traffic is load-balanced (else it gets internalVerdict). */
  readonly hasInternal: boolean
  /** External traffic is load-balanced (else it gets externalVerdict). */
  readonly hasExternal: boolean
  readonly internalChain: ChainKind
  readonly externalChain: ChainKind
  readonly usesExternalChain: boolean
  readonly internalVerdict: NoEndpointVerdict | undefined
  readonly externalVerdict: NoEndpointVerdict | undefined
  readonly origin: Origin
}
