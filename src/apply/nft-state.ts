// Reads which nft tables exist in the target and which chains they hold (`nft list chains`), and what a ruleset writes.
import { failed, invoke, type Context } from './invoke.ts'
import { NFT_MARK, NFT_TABLES } from './ownership.ts'

/** "ip kube-proxy" → its chain names. */
export type NftState = ReadonlyMap<string, ReadonlySet<string>>

const unquote = (s: string) => s.replace(/^"(.*)"$/, '$1')

/** `nft list chains` prints "table FAMILY NAME {" and, indented under it, "chain NAME {" per chain. */
export function parseNftChains(stdout: string): NftState {
  const tables = new Map<string, Set<string>>()
  let current: Set<string> | undefined
  for (const line of stdout.split('\n')) {
    const table = /^table\s+(\S+)\s+(\S+)\s*\{/.exec(line)
    if (table) {
      current = new Set()
      tables.set(`${table[1]} ${unquote(table[2]!)}`, current)
      continue
    }
    const chain = /^\s+chain\s+(\S+)\s*\{/.exec(line)
    if (chain && current) current.add(unquote(chain[1]!))
  }
  return tables
}

export const NFT_LIST_CHAINS = ['nft', 'list', 'chains'] as const

export async function readNftState(ctx: Context): Promise<NftState> {
  const r = await invoke(ctx, NFT_LIST_CHAINS)
  if (r.exitCode !== 0) throw failed(ctx, NFT_LIST_CHAINS, r)
  return parseNftChains(r.stdout)
}

/** kube-proxy tables present without svcc's mark, as "table ip kube-proxy". */
export function foreignNftTables(state: NftState): string[] {
  return NFT_TABLES.filter((t) => state.has(t) && !state.get(t)!.has(NFT_MARK)).map((t) => `table ${t}`)
}

/** kube-proxy tables carrying svcc's mark. */
export function ownedNftTables(state: NftState): string[] {
  return NFT_TABLES.filter((t) => state.get(t)?.has(NFT_MARK) === true)
}

/** The kube-proxy tables a ruleset creates ("ip kube-proxy"), in file order. */
export function tablesWritten(text: string): string[] {
  const found = [...text.matchAll(/^\s*(?:(?:add|create)\s+)?table\s+(ip|ip6)\s+kube-proxy\b/gm)].map((m) => `${m[1]} kube-proxy`)
  return [...new Set(found)]
}

const VERB = /^(add|create|insert|replace|delete|destroy|flush|reset)\s+(\S+)\s*(.*)$/
const FAMILIES = new Set(['ip', 'ip6', 'inet', 'arp', 'bridge', 'netdev'])
/** Objects addressed as "OBJECT [FAMILY] TABLE …"; "ct helper"-style objects take one more word first. */
const TABLE_OBJECTS = new Set(['table', 'chain', 'rule', 'set', 'map', 'element', 'counter', 'quota', 'limit', 'flowtable', 'secmark', 'synproxy'])

/**
 * The 1-based lines of an nft file that address anything but the ip/ip6 kube-proxy tables (another
 * table, the whole ruleset, an include). svcc's own output never does; a --rules file might.
 */
export function foreignNftLines(text: string): number[] {
  const bad: number[] = []
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) return
    if (/^include\b/.test(line)) bad.push(i + 1)
    const block = /^table\s+(\S+)(?:\s+(\S+))?\s*\{/.exec(line)
    if (block) {
      if (!isKubeProxyTable(block[2] === undefined ? [block[1]!] : [block[1]!, block[2]])) bad.push(i + 1)
      return
    }
    const m = VERB.exec(line)
    if (!m) return
    const object = m[2]!
    if (object === 'ruleset') bad.push(i + 1)
    else if (object === 'ct') {
      if (!isKubeProxyTable(m[3]!.split(/\s+/).slice(1))) bad.push(i + 1)
    } else if (TABLE_OBJECTS.has(object) && !isKubeProxyTable(m[3]!.split(/\s+/))) bad.push(i + 1)
  })
  return bad
}

/** Words after the object keyword: [FAMILY] TABLE …; nft's default family is ip. */
function isKubeProxyTable(words: readonly string[]): boolean {
  const [first, second] = words
  if (first === undefined) return false
  const [family, table] = FAMILIES.has(first) ? [first, second] : ['ip', first]
  return (family === 'ip' || family === 'ip6') && table !== undefined && unquote(table.replace(/[{;]$/, '')) === 'kube-proxy'
}
