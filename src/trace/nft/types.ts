// The parsed form of an `nft -f` ruleset: tables, chains, rules as match/statement items, sets and maps.
import type { Ip } from '../../model/ip.ts'

export type TableFamily = 'ip' | 'ip6'
export type Field = 'saddr' | 'daddr' | 'l4proto' | 'dport'
/** `integer` is numgen's type, which the fast profile declares with `typeof numgen random mod 1`. */
export type DataType = 'ipv4_addr' | 'ipv6_addr' | 'inet_proto' | 'inet_service' | 'integer'

/**
 * One part of a lookup key: a packet field, or `numgen random mod 1 offset K`, which is always
 * K (the fast profile's way of writing a constant on the left of a set lookup, see fast.ts).
 */
export type Selector = Field | { readonly constant: number }

/** What a map's elements map to: a verdict, or (the fast profile's DNAT maps) a typed concatenation. */
export type MapData = 'verdict' | readonly DataType[]

export const PROTOCOLS: ReadonlySet<string> = new Set(['tcp', 'udp', 'sctp'])

export type Verdict =
  | { readonly kind: 'accept' | 'drop' | 'reject' | 'return' }
  | { readonly kind: 'jump' | 'goto'; readonly chain: string }

export interface NftElement {
  readonly key: readonly string[]
  /** Verdict map elements only: the verdict. */
  readonly verdict: Verdict | undefined
  /** Elements of a map of typed data only (`57 : 10.244.1.5 . 8080`): the value's parts. */
  readonly value?: readonly string[]
  /** The `add element` line; undefined inside a rule's anonymous set. */
  readonly line: number | undefined
  readonly comment: string | undefined
}

export interface NftContainer {
  readonly name: string
  readonly kind: 'set' | 'map'
  readonly key: readonly DataType[]
  /** Maps only. */
  readonly data: MapData | undefined
  readonly flags: readonly string[]
  /** `timeout 10800s`, in seconds. */
  readonly timeout: number | undefined
  readonly elements: NftElement[]
}

export interface NftChain {
  readonly name: string
  readonly base: { readonly type: string; readonly hook: string; readonly priority: number; readonly policy: string } | undefined
  readonly rules: NftRule[]
}

export interface NftRule {
  readonly chain: string
  /** The rule as written after the chain name, for messages. */
  readonly text: string
  /** 1-based line of the `add rule` in the text. */
  readonly line: number
  readonly items: readonly Item[]
}

export interface NftTable {
  readonly family: TableFamily
  readonly name: string
  readonly chains: Map<string, NftChain>
  readonly containers: Map<string, NftContainer>
}

export interface NftRuleset {
  readonly tables: readonly NftTable[]
}

export interface DnatTarget {
  readonly ip: Ip
  readonly port: number
}

/** `numgen random mod N offset K map @name`: the map, and its elements K..K+N-1 in pick order. */
export interface NumgenMap {
  readonly map: string
  readonly elements: readonly NftElement[]
}

export type SetRef = { readonly named: string } | { readonly anonymous: readonly NftElement[] }

export type Item =
  | { readonly kind: 'lookup'; readonly fields: readonly Selector[]; readonly negate: boolean; readonly set: SetRef }
  | { readonly kind: 'vmap'; readonly fields: readonly Field[]; readonly map: SetRef }
  | { readonly kind: 'ctStateNew' }
  | { readonly kind: 'ctStatusDnat' }
  | { readonly kind: 'fibLocal'; readonly field: 'saddr' | 'daddr' }
  | { readonly kind: 'iif'; readonly negate: boolean; readonly name: string }
  | { readonly kind: 'markTest'; readonly mask: number; readonly equal: boolean; readonly value: number }
  | { readonly kind: 'markSet'; readonly op: 'or' | 'xor'; readonly value: number }
  | { readonly kind: 'verdict'; readonly verdict: Verdict }
  | { readonly kind: 'masquerade' }
  /** `from`: the named map the targets were read from (the fast profile), one element per target. */
  | { readonly kind: 'dnat'; readonly targets: readonly DnatTarget[]; readonly from?: NumgenMap }
  /** Entries in pick order; `map` names the map they are elements of (the fast profile), absent for an anonymous vmap. */
  | { readonly kind: 'numgen'; readonly entries: readonly NftElement[]; readonly map?: string }
  | { readonly kind: 'update'; readonly set: string }
