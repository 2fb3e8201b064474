// The lab's wiring as `ip -batch` lines: veths from the node to every pod and client, addresses, routes, sysctls.
import { NODE_IP, NODE_IPS, parse, POD_GATEWAY, POD_GATEWAY6, UPSTREAM } from './topology.ts'

export const NODE_SYSCTLS = [
  'net.ipv4.ip_forward=1',
  // Set before any interface exists, so every veth inherits rp_filter 0 (kube-proxy's nodes run loose or off).
  'net.ipv4.conf.all.rp_filter=0',
  'net.ipv4.conf.default.rp_filter=0',
  // kube-proxy sets this so that NodePorts answer on 127.0.0.1 (localhostNodePorts).
  'net.ipv4.conf.all.route_localnet=1',
  'net.ipv6.conf.all.forwarding=1',
  // REJECT answers with ICMP errors; the default rate limit (a burst of 6 per client) would turn
  // the lab's quick bursts of rejected connections into timeouts.
  'net.ipv4.icmp_ratemask=0',
  'net.ipv6.icmp.ratelimit=0',
]

/** New namespaces inherit IPv4 forwarding from the host; the upstream must not route anything back. */
export const UPSTREAM_SYSCTLS = ['net.ipv4.ip_forward=0', 'net.ipv6.conf.all.forwarding=0']

export interface Attachment {
  /** The veth's name on the node side. */
  readonly veth: string
  /** The namespace at its other end, where it is called eth0. */
  readonly ns: string
  readonly addresses: readonly string[]
}

/**
 * The node: its addresses on the uplink (up0) to the external namespace, which is also its
 * default route (the "upstream"), and one veth per pod or client with a /32 (/128) route each.
 */
export function nodeWiring(external: string, attachments: readonly Attachment[]): string[] {
  const lines = ['link set lo up', `link add up0 type veth peer name eth0 netns ${external}`]
  for (const a of attachments) lines.push(`link add ${a.veth} type veth peer name eth0 netns ${a.ns}`)
  // No automatic link-local addresses: fixed ones with nodad, so nothing waits for IPv6 DAD.
  for (const dev of ['up0', ...attachments.map((a) => a.veth)]) lines.push(`link set ${dev} addrgenmode none`, `link set ${dev} up`)
  for (const ip of NODE_IPS) lines.push(`addr add ${hostPrefix(ip)} dev up0${nodad(ip)}`)
  lines.push('addr add fe80::1/64 dev up0 nodad', `route add default via ${UPSTREAM} dev up0 onlink`, 'route add ::/0 via fe80::2 dev up0')
  for (const a of attachments) {
    lines.push(`addr add ${POD_GATEWAY}/32 dev ${a.veth}`, `addr add ${POD_GATEWAY6}/128 dev ${a.veth} nodad`, `addr add fe80::1/64 dev ${a.veth} nodad`)
    for (const ip of a.addresses) lines.push(`route add ${hostPrefix(ip)} dev ${a.veth}`)
  }
  return lines
}

/** A pod (or the pod client): its addresses on eth0 and a default route to the node, as CNI plugins set up. */
export function podWiring(addresses: readonly string[]): string[] {
  return [
    'link set lo up',
    'link set eth0 addrgenmode none',
    'link set eth0 up',
    ...addresses.map((ip) => `addr add ${hostPrefix(ip)} dev eth0${nodad(ip)}`),
    'addr add fe80::2/64 dev eth0 nodad',
    `route add ${POD_GATEWAY}/32 dev eth0 scope link`,
    `route add default via ${POD_GATEWAY} dev eth0`,
    'route add ::/0 via fe80::1 dev eth0',
  ]
}

/** The external namespace: the upstream router's address, and everything (LB IPs, external IPs) routed to the node. */
export function externalWiring(): string[] {
  return [
    'link set lo up',
    'link set eth0 addrgenmode none',
    'link set eth0 up',
    `addr add ${UPSTREAM}/32 dev eth0`,
    'addr add fe80::2/64 dev eth0 nodad',
    `route add ${NODE_IP}/32 dev eth0 scope link`,
    `route add default via ${NODE_IP} dev eth0`,
    'route add ::/0 via fe80::1 dev eth0',
  ]
}

/** `ip addr add/del` lines that change the external client's own addresses from `have` to `want`. */
export function externalAddressChanges(have: ReadonlySet<string>, want: ReadonlySet<string>): string[] {
  const lines: string[] = []
  for (const ip of have) if (!want.has(ip)) lines.push(`addr del ${hostPrefix(ip)} dev eth0`)
  for (const ip of want) if (!have.has(ip)) lines.push(`addr add ${hostPrefix(ip)} dev eth0${nodad(ip)}`)
  return lines
}

function hostPrefix(address: string): string {
  const ip = parse(address)
  return ip.family === 'ipv4' ? `${ip.text}/32` : `${ip.text}/128`
}

function nodad(address: string): string {
  return parse(address).family === 'ipv6' ? ' nodad' : ''
}
