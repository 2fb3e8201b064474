// The shapes a packet trace is reported in, the same for both formats: the JSON of `svcc trace -o json`.
import type { IpFamily } from '../model/ip.ts'
import type { Protocol } from '../model/types.ts'

export type TraceFormat = 'nft' | 'iptables'

/** A new connection's first packet, as the user wrote it. */
export interface TracePacket {
  readonly source: string
  readonly destination: string
  readonly port: number
  /** tcp when not given, as in kube-proxy's tracers. */
  readonly protocol?: Protocol
  /**
   * The interface the packet came in on, for the interface-based local-traffic detectors
   * (`-i`, `iif`). When not given those matches hold either way, as in kube-proxy's tracers.
   */
  readonly inInterface?: string
}

export interface TraceOptions {
  /**
   * The node's own addresses: what `-m addrtype --src-type/--dst-type LOCAL` and
   * `fib saddr/daddr type local` match. Everything else is "not local".
   */
  readonly localIps: readonly string[]
}

/** Why a rule asked for the packet to be masqueraded (source NAT to the node's address). */
export type MasqueradeReason =
  /** ClusterIP traffic whose source is not a pod (outside the cluster CIDR, or not from the pod bridge). */
  | 'notFromCluster'
  /** masqueradeAll: every ClusterIP packet. */
  | 'masqueradeAll'
  /** A node port, external IP or LB IP of an externalTrafficPolicy Cluster service. */
  | 'externalTraffic'
  /** externalTrafficPolicy Local, but the client is the node itself: it may use any endpoint, masqueraded. */
  | 'localSource'
  /** The endpoint reached itself through its service: replies must come back through the node. */
  | 'hairpin'
  | 'other'

/** Why a packet was dropped, rejected, accepted, or left alone. */
export type VerdictReason =
  | 'noEndpoints'
  /** Endpoints exist, but none on this node, and the traffic's policy is Local. */
  | 'noLocalEndpoints'
  /** A load-balancer IP with loadBalancerSourceRanges that do not hold the source. */
  | 'sourceNotAllowed'
  /** nft: a cluster IP, but no service port of it has this port and protocol. */
  | 'invalidClusterIPPort'
  /** nft: an address inside the service CIDRs that is no service's cluster IP. */
  | 'unallocatedClusterIP'
  /** iptables: kube-proxy answers a health-check node port itself. */
  | 'healthCheckNodePort'
  /** No rule of the ruleset is about this packet: it goes on as if kube-proxy did not exist. */
  | 'notAServiceAddress'
  | 'other'

/** The kind of service address the packet was sent to. */
export type Frontend = 'clusterIP' | 'externalIP' | 'loadBalancerIP' | 'nodePort' | 'externalOrLoadBalancerIP'

export interface TraceStep {
  /** iptables: "nat" or "filter"; nft: "ip kube-proxy" or "ip6 kube-proxy". */
  readonly table: string
  readonly chain: string
  /** 1-based line of the rule in the rendered text. */
  readonly line: number
  /** The rule as written: iptables the whole "-A …" line, nft the text after the chain name. */
  readonly rule: string
  /** What the rule did: "jump KUBE-SVC-…", "goto service-…", "dnat to 10.0.0.1:80", "mark", "drop"… */
  readonly action: string
  /** nft: the set or map element that matched and decided the rule. */
  readonly element?: TraceElement
  /** A random pick: which branch this is, and how likely, as the rule writes it (not absolute). */
  readonly pick?: TracePick
  /** The rule marks the packet for masquerading, and why. */
  readonly masquerade?: MasqueradeReason
  /** The rule ends the packet's trip (or accepts it), and why. */
  readonly reason?: VerdictReason
}

export interface TraceElement {
  /** "@service-ips"; "{…}" for an anonymous set. */
  readonly set: string
  /** The element's key as written ("172.30.0.10 . tcp . 80"). */
  readonly key: string
  /** Where the element was added; absent for anonymous sets, which live in their rule. */
  readonly line?: number
  readonly comment?: string
}

export interface TracePick {
  /** iptables: the rule's --probability for the jump, 1 − that for falling through; nft: 1/N. */
  readonly probability: number
  /** iptables: whether this branch took the jump. */
  readonly taken?: boolean
  /** nft numgen: which of `of` entries. */
  readonly index?: number
  readonly of?: number
}

export type BranchOutcome = 'dnat' | 'accept' | 'reject' | 'drop' | 'none'

/** One way the packet can go; the branches of a trace are disjoint and their probabilities sum to 1. */
export interface TraceBranch {
  /** Absolute: the product of the picks on the way. */
  readonly probability: number
  readonly outcome: BranchOutcome
  /** "ip:port" or "[ip]:port", for outcome "dnat". */
  readonly endpoint?: string
  readonly masqueraded: boolean
  readonly steps: readonly TraceStep[]
}

/** A session-affinity record on the packet's way: who would pin the client to which endpoint. */
export interface AffinityEntry {
  /** iptables: an `-m recent` list (named after the KUBE-SEP chain); nft: a dynamic set. */
  readonly kind: 'recent' | 'set'
  readonly name: string
  readonly endpoint: string | undefined
  readonly timeoutSeconds: number | undefined
  /** The line that checks the record (a returning client skips the random pick). */
  readonly checkLine: number
}

export interface TracedEndpoint {
  readonly endpoint: string
  /** Absolute probability that a new connection lands here. */
  readonly probability: number
  readonly masqueraded: boolean
}

export interface ServiceRef {
  readonly namespace: string
  readonly name: string
  /** "" for an unnamed port. */
  readonly portName: string
  /** kube-proxy's "ns/name:port" (or "ns/name"). */
  readonly spn: string
}

export interface TraceResult {
  readonly format: TraceFormat
  readonly packet: { readonly source: string; readonly destination: string; readonly port: number; readonly protocol: Protocol; readonly family: IpFamily }
  /** The addresses treated as the node's own (canonical, each once). */
  readonly localIps: readonly string[]
  /** The service port the packet hit, as the ruleset names it (comments, chain names). */
  readonly service: ServiceRef | undefined
  readonly frontend: Frontend | undefined
  /**
   * "dnat" when some branch reaches an endpoint; otherwise the first branch's outcome (a
   * kube-proxy ruleset never mixes them). `reason` is absent for "dnat"; `line` is the DNAT
   * rule, or the rule that decided (for nft no-endpoint verdicts, the vmap rule).
   */
  readonly verdict: { readonly kind: BranchOutcome; readonly reason: VerdictReason | undefined; readonly line: number | undefined }
  /** Every endpoint a new connection can reach, in rule order. */
  readonly endpoints: readonly TracedEndpoint[]
  readonly masquerade: {
    /** Some branch that gets through is masqueraded (see each endpoint's own flag; kubeProxy.masq is the tracer's view). */
    readonly masqueraded: boolean
    /** Each rule that asked for it, once, in trace order. */
    readonly rules: readonly { readonly reason: MasqueradeReason; readonly line: number; readonly chain: string }[]
  }
  readonly affinity: readonly AffinityEntry[]
  readonly branches: readonly TraceBranch[]
  /** What kube-proxy's own test tracer would print: its output string and masq flag. */
  readonly kubeProxy: { readonly output: string; readonly masq: boolean }
}
