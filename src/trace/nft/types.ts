// The parsed form of an `nft -f` ruleset: tables, chains, rules as match/statement items, sets and maps.
import type { Ip } from '../../model/ip.ts'

export type TableFamily = 'ip' | 'ip6'
export type Field = 'saddr' | 'daddr' | 'l4proto' | 'dport'
export type DataType = 'ipv4_addr' | 'ipv6_addr' | 'inet_proto' | 'inet_service'

export const PROTOCOLS: ReadonlySet<string> = new Set(['tcp', 'udp', 'sctp'])

export type Verdict =
  | { readonly kind: 'accept' | 'drop' | 'reject' | 'return' }
  | { readonly kind: 'jump' | 'goto'; readonly chain: string }

export interface NftElement {
  readonly key: readonly string[]
  /** Map elements only: the verdict. */
  readonly verdict: Verdict | undefined
  /** The `add element` line; undefined inside a rule's anonymous set. */
  readonly line: number | undefined
  readonly comment: string | undefined
}

export interface NftContainer {
  readonly name: string
  readonly kind: 'set' | 'map'
  readonly key: readonly DataType[]
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

export type SetRef = { readonly named: string } | { readonly anonymous: readonly NftElement[] }

export type Item =
  | { readonly kind: 'lookup'; readonly fields: readonly Field[]; readonly negate: boolean; readonly set: SetRef }
  | { readonly kind: 'vmap'; readonly fields: readonly Field[]; readonly map: SetRef }
  | { readonly kind: 'ctStateNew' }
  | { readonly kind: 'ctStatusDnat' }
  | { readonly kind: 'fibLocal'; readonly field: 'saddr' | 'daddr' }
  | { readonly kind: 'iif'; readonly negate: boolean; readonly name: string }
  | { readonly kind: 'markTest'; readonly mask: number; readonly equal: boolean; readonly value: number }
  | { readonly kind: 'markSet'; readonly op: 'or' | 'xor'; readonly value: number }
  | { readonly kind: 'verdict'; readonly verdict: Verdict }
  | { readonly kind: 'masquerade' }
  | { readonly kind: 'dnat'; readonly targets: readonly DnatTarget[] }
  | { readonly kind: 'numgen'; readonly entries: readonly NftElement[] }
  | { readonly kind: 'update'; readonly set: string }
