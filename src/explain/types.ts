// The shapes `svcc explain` reports a Service in: per port and family, every endpoint and why it is used or not.
import type { IpFamily } from '../model/ip.ts'
import type { Protocol } from '../model/types.ts'
import type { TraceFormat } from '../trace/types.ts'

/** Why an endpoint is, or is not, in the list a kind of traffic is spread over. */
export type EndpointReason =
  /** Used: ready. */
  | 'ready'
  /** Used: terminating but still serving, because no endpoint of that list is ready (kube-proxy's fallback). */
  | 'terminatingFallback'
  /** Not used: not ready (and not a terminating endpoint that still serves). */
  | 'notReady'
  /** Not used: terminating and still serving, but ready endpoints exist, so the fallback is not needed. */
  | 'terminatingNotNeeded'
  /** Not used: terminating and no longer serving. */
  | 'notServing'
  /** Not used: the traffic policy is Local and the endpoint is on another node (or names none). */
  | 'otherNode'
  /** Not used: topology hints send it to other zones or nodes (trafficDistribution / topology-aware routing). */
  | 'hintedElsewhere'

export interface EndpointUse {
  readonly used: boolean
  readonly reason: EndpointReason
  /** Used endpoints: 0-based place in the list, its length, and the chance a new connection picks it (1/of). */
  readonly index?: number
  readonly of?: number
  readonly probability?: number
}

/** A line of the rendered ruleset: a rule, a chain, or a set or map element. */
export interface RulesetLine {
  readonly line: number
  /** The chain the rule is in, or "@set" for an element. */
  readonly object: string
  readonly text: string
}

/** How one kind of traffic (to the cluster IP, or external: node port, external and LB IPs) is handled. */
export interface TrafficHandling {
  /** The endpoint list it is spread over: every usable endpoint, or only this node's. */
  readonly list: 'cluster' | 'local'
  /** How many endpoints are in that list. */
  readonly endpoints: number
  /** Without endpoints: kube-proxy rejects (none at all) or drops (none on this node under a Local policy). */
  readonly verdict: 'reject' | 'drop' | undefined
  /** The list is made of terminating endpoints, since none is ready. */
  readonly terminatingFallback: boolean
}

export interface EndpointExplanation {
  readonly endpoint: string
  readonly node: string | undefined
  /** On the node svcc compiles for. */
  readonly local: boolean
  readonly ready: boolean
  readonly serving: boolean
  readonly terminating: boolean
  readonly zoneHints: readonly string[]
  readonly nodeHints: readonly string[]
  /** For traffic to the cluster IP. */
  readonly clusterIP: EndpointUse
  /** For external traffic; absent when the port has no node port, external IP or LB IP. */
  readonly external?: EndpointUse
  /** Where the rendered ruleset holds it. */
  readonly ruleset: readonly RulesetLine[]
}

export interface PortExplanation {
  readonly family: IpFamily
  /** kube-proxy's "ns/name:port" (or "ns/name"). */
  readonly spn: string
  readonly portName: string
  readonly protocol: Protocol
  readonly port: number
  readonly clusterIP: string
  readonly externalIPs: readonly string[]
  readonly loadBalancerIPs: readonly string[]
  readonly loadBalancerSourceRanges: readonly string[]
  /** 0 when none. */
  readonly nodePort: number
  readonly healthCheckNodePort: number
  readonly internalTrafficPolicy: 'Cluster' | 'Local'
  /** Absent when the port is not externally accessible. */
  readonly externalTrafficPolicy?: 'Cluster' | 'Local'
  readonly sessionAffinityTimeoutSeconds: number | undefined
  /** Set when topology hints narrowed the cluster list. */
  readonly topology: 'PreferSameNode' | 'PreferSameZone' | undefined
  readonly clusterIPTraffic: TrafficHandling
  readonly externalTraffic?: TrafficHandling
  readonly endpoints: readonly EndpointExplanation[]
  /** The port's own lines: its chains, the rules that lead to them, its map elements. */
  readonly ruleset: readonly RulesetLine[]
}

export interface Explanation {
  readonly namespace: string
  readonly name: string
  readonly format: TraceFormat
  /** The node svcc compiled for: "local" and "this node" refer to it. */
  readonly node: string
  readonly zone: string | undefined
  readonly ports: readonly PortExplanation[]
}
