// The lab's fixed address plan: the node's own addresses, where each kind of client lives, and why.
import { cidrContains, parseCidr, parseIp, type Cidr, type Ip } from '../../src/model/ip.ts'

/**
 * The node's addresses, on its uplink. They are kube-proxy's unit-test node (NewFakeProxier's
 * eth0), so kube-proxy's packet-flow table runs unchanged; hand-written cases use them too.
 */
export const NODE_IPS = ['192.168.0.2', '192.168.1.2', '192.168.99.11', '2001:db8::1', '2001:db8:1::2'] as const
export const NODE_IP = '192.168.0.2'
export const NODE_IP6 = '2001:db8::1'

/**
 * The node's address on every pod-facing veth (the pods' gateway). It has global scope, so
 * MASQUERADE towards a pod picks it: a masqueraded packet shows up at the pod from this address,
 * never from the client's own, even when the client is the node itself (192.168.0.2).
 */
export const POD_GATEWAY = '169.254.1.1'
export const POD_GATEWAY6 = 'fd00:ffff::1'

/** The upstream router's address in the external namespace: the node's default route. */
export const UPSTREAM = '192.0.2.1'

/** A pod that is no endpoint (it lives in the "pod client" namespace); 10.0.0.0/8 is the cluster CIDR. */
export const POD_CLIENT = '10.0.0.2'
export const POD_CLIENT6 = 'fd00:10::2'
export const CLUSTER_CIDRS = ['10.0.0.0/8', 'fd00:10::/64'] as const
/** Sources here that are not endpoints are placed in the pod-client namespace (routed like pods). */
const POD_RANGES: readonly Cidr[] = ['10.0.0.0/8', 'fd00:10::/32'].map((c) => parseCidr(c)!)

export const EXTERNAL_CLIENT = '203.0.113.2'
export const EXTERNAL_CLIENT6 = '2600:5200::1'
/** Outside the hand-written cases' loadBalancerSourceRanges (203.0.113.0/25, 2600:5200::/64). */
export const BLOCKED_CLIENT = '198.51.100.7'
export const BLOCKED_CLIENT6 = '2600:5201::7'

/** Every address the node owns (uplink, pod gateways, loopback): what `fib daddr type local` and `--dst-type LOCAL` match there. */
export const NODE_LOCAL_IPS: readonly string[] = [...NODE_IPS, POD_GATEWAY, POD_GATEWAY6, '127.0.0.1', '::1']
const NODE_LOCAL = new Set<string>(NODE_LOCAL_IPS)

/** Addresses a packet may carry after masquerading on the node. */
export function isNodeAddress(address: string): boolean {
  return NODE_LOCAL.has(canonical(address))
}

export function isLoopback(address: string): boolean {
  const ip = parseIp(address)
  return ip !== undefined && (ip.family === 'ipv4' ? ip.bytes[0] === 127 : ip.text === '::1')
}

export type Placement = 'node' | 'pod' | 'pod-client' | 'external'

/** Which namespace a source address lives in; `podIPs` are the endpoint pods the lab has. */
export function placeSource(address: string, podIPs: ReadonlySet<string>): Placement {
  const text = canonical(address)
  if (NODE_LOCAL.has(text) || isLoopback(text)) return 'node'
  if (podIPs.has(text)) return 'pod'
  const ip = parseIp(text)
  if (ip && POD_RANGES.some((r) => cidrContains(r, ip))) return 'pod-client'
  return 'external'
}

export function canonical(address: string): string {
  const ip = parseIp(address)
  if (!ip) throw new Error(`lab: ${JSON.stringify(address)} is not an IP address`)
  return ip.text
}

export function parse(address: string): Ip {
  const ip = parseIp(address)
  if (!ip) throw new Error(`lab: ${JSON.stringify(address)} is not an IP address`)
  return ip
}
