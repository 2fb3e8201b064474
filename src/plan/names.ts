// Every chain, set and table name svcc writes, hashed exactly as kube-proxy hashes them.
import { hash } from 'node:crypto'

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'

/** RFC 4648 base32 (upper case) of the first `count` bytes; kube-proxy keeps only a prefix, so padding never matters. */
function base32(bytes: Uint8Array, count: number): string {
  let out = ''
  let buffer = 0
  let bits = 0
  for (let i = 0; i < count; i++) {
    buffer = (buffer << 8) | bytes[i]!
    bits += 8
    while (bits >= 5) {
      out += BASE32[(buffer >>> (bits - 5)) & 31]
      bits -= 5
    }
    buffer &= (1 << bits) - 1
  }
  if (bits > 0) out += BASE32[(buffer << (5 - bits)) & 31]
  return out
}

/**
 * The first `length` base32 characters of SHA-256(text). Only the bytes those characters need are
 * encoded, and the one-shot crypto.hash skips createHash's object: names are hashed once per
 * chain and endpoint, 200k times for 10k Services × 10 endpoints.
 */
export function hashPrefix(text: string, length: number): string {
  const digest = hash('sha256', text, 'buffer')
  return base32(digest, Math.min(digest.length, Math.ceil((length * 5) / 8) + 1)).slice(0, length)
}

/** "ns/name" or "ns/name:port": kube-proxy's ServicePortName string, used in comments. */
export function servicePortName(namespace: string, name: string, portName: string): string {
  return portName === '' ? `${namespace}/${name}` : `${namespace}/${name}:${portName}`
}

// iptables: 16 base32 characters keep KUBE-SVC-… within the 28-character chain-name limit.
export const IPTABLES_CHAIN_MAX = 28

export interface IptablesServiceChains {
  readonly service: string
  readonly local: string
  readonly external: string
  readonly firewall: string
}

export const iptablesNames = {
  /** KUBE-SVC-, KUBE-SVL-, KUBE-EXT- and KUBE-FW- share one hash of the service port, computed once. */
  serviceChains(spn: string, protocol: string): IptablesServiceChains {
    const hash = hashPrefix(spn + protocol, 16)
    return { service: `KUBE-SVC-${hash}`, local: `KUBE-SVL-${hash}`, external: `KUBE-EXT-${hash}`, firewall: `KUBE-FW-${hash}` }
  },
  endpoint: (spn: string, protocol: string, endpoint: string) => `KUBE-SEP-${hashPrefix(spn + protocol + endpoint, 16)}`,
}

// nftables: names may be 256 bytes; 16 are kept for the longest prefix ("endpoint-", "affinity-").
const NFT_BASE_MAX = 240

function nftBase(readable: string): string {
  const full = `${hashPrefix(readable, 8)}-${readable}`
  return full.length > NFT_BASE_MAX ? `${full.slice(0, NFT_BASE_MAX - 3)}...` : full
}

/** "HASH-ns/name/proto/port", the base of every per-service-port nft object. */
export function nftServiceBase(namespace: string, name: string, protocol: string, portName: string): string {
  return nftBase(`${namespace}/${name}/${protocol}/${portName}`)
}

/** "HASH-ns/name/proto/port__ip/port"; ':' in IPv6 addresses becomes '.'. */
export function nftEndpointBase(namespace: string, name: string, protocol: string, portName: string, ip: string, port: number): string {
  return nftBase(`${namespace}/${name}/${protocol}/${portName}__${ip.replaceAll(':', '.')}/${port}`)
}

export const nftNames = {
  table: 'kube-proxy',
  service: (base: string) => `service-${base}`,
  local: (base: string) => `local-${base}`,
  external: (base: string) => `external-${base}`,
  firewall: (base: string) => `firewall-${base}`,
  endpoint: (epBase: string) => `endpoint-${epBase}`,
  affinity: (epBase: string) => `affinity-${epBase}`,
}
