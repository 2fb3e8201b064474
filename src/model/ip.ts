// The only place IP address and CIDR strings are parsed, compared and printed.
import type ipaddr from 'ipaddr.js'
import { ipaddrLibrary } from '../packages.ts'

export type IpFamily = 'ipv4' | 'ipv6'

export interface Ip {
  readonly family: IpFamily
  readonly bytes: readonly number[]
  /** Canonical text: dotted quad, or RFC 5952 (Go's net.IP String()) for IPv6. */
  readonly text: string
}

export interface Cidr {
  readonly family: IpFamily
  /** Network address with host bits cleared. */
  readonly network: Ip
  readonly prefix: number
  /** Canonical "network/prefix". */
  readonly text: string
}

/**
 * Four '.'-separated parts of 1-3 decimal digits each (leading zeros allowed), each at most 255.
 * A character loop: split + regex + parseInt cost ~10× more, and every endpoint address is parsed.
 */
function parseIpv4Bytes(text: string): number[] | undefined {
  const bytes: number[] = []
  let value = 0
  let digits = 0
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 0x2e // the end closes the last part as a '.' would
    if (c >= 0x30 && c <= 0x39) {
      if (++digits > 3) return undefined
      value = value * 10 + (c - 0x30)
    } else if (c === 0x2e) {
      if (digits === 0 || value > 255 || bytes.length === 4) return undefined
      bytes.push(value)
      value = 0
      digits = 0
    } else return undefined
  }
  return bytes.length === 4 ? bytes : undefined
}

/**
 * Parses an IP the way kube-proxy does (Go's ParseIPSloppy): IPv4 octets may have leading
 * zeros and are read as decimal ("172.30.0.041" is 172.30.0.41). IPv4-mapped IPv6 addresses
 * count as IPv4, as Go's To4() does. Returns undefined for anything else.
 */
export function parseIp(text: string): Ip | undefined {
  if (text.includes('.') && !text.includes(':')) {
    const bytes = parseIpv4Bytes(text)
    if (!bytes) return undefined
    // Leading zeros are the only way the text can differ from its canonical form, and they make it longer.
    const canonicalLength = 3 + bytes.reduce((n, b) => n + (b >= 100 ? 3 : b >= 10 ? 2 : 1), 0)
    return { family: 'ipv4', bytes, text: text.length === canonicalLength ? text : `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}` }
  }
  if (!text.includes(':') || text.includes('%')) return undefined
  const { IPv6 } = ipaddrLibrary()
  if (!IPv6.isValid(text)) return undefined
  const v6 = IPv6.parse(text)
  if (v6.isIPv4MappedAddress()) return parseIp(v6.toIPv4Address().toString())
  return { family: 'ipv6', bytes: v6.toByteArray(), text: v6.toRFC5952String() }
}

/** Parses "a.b.c.d/n" or "x::/n" sloppily (leading zeros allowed) and clears host bits. */
export function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf('/')
  if (slash < 0) return undefined
  const ip = parseIp(text.slice(0, slash))
  const prefixText = text.slice(slash + 1)
  if (!ip || !/^[0-9]{1,3}$/.test(prefixText)) return undefined
  const prefix = Number.parseInt(prefixText, 10)
  const bits = ip.family === 'ipv4' ? 32 : 128
  if (prefix > bits) return undefined
  const network = ipFromBytes(maskBytes(ip.bytes, prefix))
  return { family: ip.family, network, prefix, text: `${network.text}/${prefix}` }
}

export function ipFromBytes(bytes: readonly number[]): Ip {
  if (bytes.length === 4) return { family: 'ipv4', bytes: [...bytes], text: bytes.join('.') }
  const v6 = ipaddrLibrary().fromByteArray([...bytes]) as ipaddr.IPv6
  return { family: 'ipv6', bytes: [...bytes], text: v6.toRFC5952String() }
}

function maskBytes(bytes: readonly number[], prefix: number): number[] {
  return bytes.map((b, i) => {
    const bitsHere = Math.max(0, Math.min(8, prefix - i * 8))
    return b & ((0xff << (8 - bitsHere)) & 0xff)
  })
}

export function cidrContains(cidr: Cidr, ip: Ip): boolean {
  if (cidr.family !== ip.family) return false
  const masked = maskBytes(ip.bytes, cidr.prefix)
  return masked.every((b, i) => b === cidr.network.bytes[i])
}

/** A CIDR that matches every address of its family (0.0.0.0/0, ::/0). */
export function isZeroCidr(cidr: Cidr): boolean {
  return cidr.prefix === 0
}

export function isLoopback(ip: Ip): boolean {
  return ip.family === 'ipv4' ? ip.bytes[0] === 127 : ip.bytes.every((b, i) => b === (i === 15 ? 1 : 0))
}

export function isLinkLocal(ip: Ip): boolean {
  return ip.family === 'ipv4'
    ? ip.bytes[0] === 169 && ip.bytes[1] === 254
    : ip.bytes[0] === 0xfe && (ip.bytes[1]! & 0xc0) === 0x80
}

/** IPv4 before IPv6, then by bytes. */
export function compareIps(a: Ip, b: Ip): number {
  if (a.bytes.length !== b.bytes.length) return a.bytes.length - b.bytes.length
  for (let i = 0; i < a.bytes.length; i++) if (a.bytes[i] !== b.bytes[i]) return a.bytes[i]! - b.bytes[i]!
  return 0
}

/** "ip:port", or "[ip]:port" for IPv6 (Go's net.JoinHostPort). */
export function joinHostPort(ip: Ip, port: number): string {
  return ip.family === 'ipv6' ? `[${ip.text}]:${port}` : `${ip.text}:${port}`
}

export function familyOfApi(name: 'IPv4' | 'IPv6'): IpFamily {
  return name === 'IPv4' ? 'ipv4' : 'ipv6'
}

export const LOOPBACK: Readonly<Record<IpFamily, Ip>> = {
  ipv4: parseIp('127.0.0.1')!,
  ipv6: parseIp('::1')!,
}
