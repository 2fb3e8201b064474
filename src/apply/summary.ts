// The one line `svcc apply` / `svcc delete` print on success: what went where, and how long it took.
import type { IpFamily } from '../model/ip.ts'
import type { NftReport } from './apply-nft.ts'
import { familyName } from './ruleset.ts'

export interface IptablesReport {
  readonly family: IpFamily
  readonly tables: readonly string[]
  readonly stale: readonly string[]
  readonly jumpsInserted: number
  readonly countersCreated: readonly string[]
  readonly foreign: readonly string[]
}

export function formatMs(ms: number): string {
  return `${Math.max(0, Math.round(ms))} ms`
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`

export function nftSummary(where: string, reports: readonly NftReport[], check: boolean, ms: number): string {
  const tables = reports.flatMap((r) => r.tables.map((t) => `table ${t}`)).join(', ')
  const stale = reports.flatMap((r) => r.staleTables.map((t) => `table ${t}`))
  const foreign = reports.flatMap((r) => r.foreign)
  if (check) return `checked nft ruleset against ${where} with nft --check: ${tables} accepted; nothing changed (${formatMs(ms)})`
  const extras = [
    ...(stale.length > 0 ? [`deleted stale ${stale.join(', ')}`] : []),
    ...(foreign.length > 0 ? [`took over ${foreign.join(', ')} (--force)`] : []),
  ]
  return `applied nft ruleset to ${where}: replaced ${tables}${extras.map((e) => `, ${e}`).join('')} in one transaction (${formatMs(ms)})`
}

function iptablesPart(r: IptablesReport, check: boolean): string {
  const parts = [`${familyName(r.family)} ${r.tables.join('+')} ${check ? 'accepted' : 'restored'}`]
  if (!check) {
    if (r.stale.length > 0) parts.push(`${plural(r.stale.length, 'stale chain')} removed`)
    parts.push(`${plural(r.jumpsInserted, 'jump rule')} inserted`)
    if (r.countersCreated.length > 0) parts.push(`nfacct ${r.countersCreated.join(', ')} created`)
    if (r.foreign.length > 0) parts.push(`took over ${plural(r.foreign.length, 'foreign chain')} (--force)`)
  }
  return parts.join(', ')
}

export function iptablesSummary(where: string, reports: readonly IptablesReport[], check: { readonly throwaway: string } | undefined, ms: number): string {
  const body = reports.map((r) => iptablesPart(r, check !== undefined)).join('; ')
  if (check === undefined) return `applied iptables ruleset to ${where}: ${body} (${formatMs(ms)})`
  const stale = reports.reduce((n, r) => n + r.stale.length, 0)
  const notRehearsed = stale > 0 ? `; the removal of its ${plural(stale, 'stale chain')} was not rehearsed` : ''
  return `checked iptables ruleset by loading it into throwaway netns ${check.throwaway}: ${body}; ${where} unchanged${notRehearsed} (${formatMs(ms)})`
}
