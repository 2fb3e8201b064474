// Reads the packet a user describes on the command line: --src 10.0.0.5 --dst 172.30.0.10:80/tcp or [fd00::1]:80/udp.
import { parseIp, type Ip } from '../model/ip.ts'
import type { Protocol } from '../model/types.ts'

export interface Destination {
  readonly ip: Ip
  readonly port: number
  readonly protocol: Protocol
}

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly message: string }

const PROTOCOLS: readonly Protocol[] = ['tcp', 'udp', 'sctp']

/** "ip:port[/protocol]", IPv6 in brackets; the protocol is tcp when left out, any case. */
export function parseDestination(text: string): Parsed<Destination> {
  const fail = (why: string): Parsed<Destination> => ({ ok: false, message: `--dst ${JSON.stringify(text)}: ${why}` })
  const slash = text.lastIndexOf('/')
  const hostPort = slash < 0 ? text : text.slice(0, slash)
  const protocol = slash < 0 ? 'tcp' : text.slice(slash + 1).toLowerCase()
  if (!PROTOCOLS.includes(protocol as Protocol)) return fail(`the protocol must be tcp, udp or sctp, not ${JSON.stringify(text.slice(slash + 1))}`)
  const m = /^(?:\[([^\]]*)\]|([^:[\]]*)):([0-9]{1,5})$/.exec(hostPort)
  if (!m) {
    if (hostPort.split(':').length > 2 && !hostPort.startsWith('[')) return fail('write an IPv6 address in brackets, as in [fd00::1]:80')
    return fail('expected ADDRESS:PORT[/PROTOCOL], as in 172.30.0.10:80/tcp or [fd00::1]:80/udp')
  }
  const ip = parseIp(m[1] ?? m[2]!)
  if (!ip) return fail(`${m[1] ?? m[2]} is not an IP address`)
  if (m[1] !== undefined && ip.family !== 'ipv6') return fail('brackets are for IPv6 addresses only')
  const port = Number.parseInt(m[3]!, 10)
  if (port < 1 || port > 65535) return fail(`port ${port} is not between 1 and 65535`)
  return { ok: true, value: { ip, port, protocol: protocol as Protocol } }
}

export function parseSource(text: string): Parsed<Ip> {
  const ip = parseIp(text)
  return ip ? { ok: true, value: ip } : { ok: false, message: `--src ${JSON.stringify(text)}: not an IP address` }
}
