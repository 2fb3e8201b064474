// Which kube-proxy-named objects svcc wrote: an ownership mark per table, and svcc's chain vocabulary.
import type { IptablesTable } from './iptables-jumps.ts'
import type { SavedTable } from './iptables-save.ts'

/**
 * An empty chain in each iptables table svcc writes (filter, nat). Nothing jumps to it, so it changes
 * no traffic, and it is not KUBE-* so no kube-proxy tooling mistakes it for its own.
 */
export const IPTABLES_MARK = 'SVCC-OWNED'

/**
 * An empty regular chain added inside each nft table svcc writes, at apply time (the compiled text
 * stays kube-proxy's). It lives and dies with the table, so a table recreated by anyone else is not
 * mistaken for svcc's; no rule jumps to it and the name has no "/", so kube-proxy's stale-chain
 * cleanup would not treat it as a service chain.
 */
export const NFT_MARK = 'svcc-owned'

/** kube-proxy's nft tables: one per family (kube-proxy-nftables.md §1). */
export const NFT_TABLES = ['ip kube-proxy', 'ip6 kube-proxy'] as const

const FIXED_CHAINS: Record<IptablesTable, ReadonlySet<string>> = {
  filter: new Set(['KUBE-SERVICES', 'KUBE-EXTERNAL-SERVICES', 'KUBE-FORWARD', 'KUBE-NODEPORTS', 'KUBE-PROXY-FIREWALL', 'KUBE-FIREWALL']),
  nat: new Set(['KUBE-SERVICES', 'KUBE-NODEPORTS', 'KUBE-POSTROUTING', 'KUBE-MARK-MASQ']),
}

/** kube-proxy's per-service chains: the prefixes its stale-chain cleanup knows, with a 16-char base32 hash. */
export const SERVICE_CHAIN = /^KUBE-(SVC|SVL|EXT|FW|SEP)-[A-Z2-7]{16}$/

/** kubelet's canary: kube-proxy-named but neither written nor removed by svcc (or kube-proxy). */
const NOT_OURS_NOT_FOREIGN = new Set(['KUBE-KUBELET-CANARY'])

/** A chain svcc may write in this table: kube-proxy's fixed chains and, in nat, its per-service chains. */
export function isSvccChain(table: IptablesTable, chain: string): boolean {
  return FIXED_CHAINS[table].has(chain) || (table === 'nat' && SERVICE_CHAIN.test(chain))
}

/**
 * The KUBE-* chains of a table that svcc did not write: all of them in an unmarked table; in a
 * marked one, those outside svcc's vocabulary (KUBE-PROXY-CANARY betrays a live kube-proxy).
 */
export function foreignChains(table: IptablesTable, saved: SavedTable): string[] {
  const marked = saved.chains.has(IPTABLES_MARK)
  return [...saved.chains.keys()]
    .filter((c) => c.startsWith('KUBE-') && !NOT_OURS_NOT_FOREIGN.has(c))
    .filter((c) => !marked || !isSvccChain(table, c))
    .sort()
}

/** The chains `svcc delete` removes from a marked table (the mark included). */
export function ownedChains(table: IptablesTable, saved: SavedTable): string[] {
  if (!saved.chains.has(IPTABLES_MARK)) return []
  return [...saved.chains.keys()].filter((c) => c === IPTABLES_MARK || isSvccChain(table, c)).sort()
}

export function notOwnedMessage(where: string, objects: readonly string[], verb: 'apply' | 'check'): string {
  const shown = objects.length > 8 ? [...objects.slice(0, 8), `and ${objects.length - 8} more`] : objects
  return `${where} holds kube-proxy objects that svcc did not write (${shown.join(', ')}); ${verb === 'apply' ? 'refusing to replace them' : 'apply would refuse'}: pass --force to take the tables over`
}
