// When one iptables rule condition holds for a first packet: addresses, address types, protocol, port, interface.
import { cidrContains, type Ip } from '../../model/ip.ts'
import type { RuleMatch } from './parse.ts'

export interface TracedPacket {
  readonly source: Ip
  readonly destination: Ip
  readonly port: number
  readonly protocol: string
  readonly inInterface: string | undefined
}

export function matchHolds(m: RuleMatch, pkt: TracedPacket, isLocal: (ip: Ip) => boolean): boolean {
  switch (m.kind) {
    case 'source':
      return cidrContains(m.cidr, pkt.source) !== m.negated
    case 'destination':
      return cidrContains(m.cidr, pkt.destination) !== m.negated
    // Only the LOCAL address type is modelled: any other type never matches an address.
    case 'srcType':
      return (m.type === 'LOCAL' && isLocal(pkt.source)) !== m.negated
    case 'dstType':
      return (m.type === 'LOCAL' && isLocal(pkt.destination)) !== m.negated
    case 'protocol':
      return (m.protocol === pkt.protocol) !== m.negated
    case 'dport':
      return (m.port === pkt.port) !== m.negated
    case 'inInterface':
      return pkt.inInterface === undefined || interfaceMatches(m.name, pkt.inInterface) !== m.negated
    case 'history':
      return false
  }
}

/** iptables' "-i eth+" is a prefix match. */
function interfaceMatches(pattern: string, name: string): boolean {
  return pattern.endsWith('+') ? name.startsWith(pattern.slice(0, -1)) : name === pattern
}

/** The address part of a --to-destination value: "ip", "ip:port" or "[ip]:port". */
export function hostOf(target: string): string {
  const bracketed = /^\[([^\]]+)\](?::[0-9]+)?$/.exec(target)
  if (bracketed) return bracketed[1]!
  const colon = target.indexOf(':')
  return colon >= 0 && target.indexOf(':', colon + 1) < 0 ? target.slice(0, colon) : target
}
