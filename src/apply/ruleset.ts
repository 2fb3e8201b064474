// What the applier loads: rendered text with its origins, its format and (iptables) family; or a --rules file.
import { isIPv4, isIPv6 } from 'node:net'
import type { IpFamily } from '../model/ip.ts'
import type { Format } from '../model/settings.ts'
import type { Rendered } from '../render/line-writer.ts'

/** Structurally the CLI's compiled Ruleset (src/cli/ruleset.ts), so it can be passed straight in. */
export interface ApplyRuleset {
  readonly format: Format
  /** iptables only: ipv6 means ip6tables-restore. */
  readonly family: IpFamily | undefined
  readonly rendered: Rendered
  /** Names the text in diagnostics for lines without a manifest origin: the --rules path, else "<iptables IPv4 ruleset>"… */
  readonly label?: string
}

export function rulesetLabel(r: ApplyRuleset): string {
  if (r.label !== undefined) return r.label
  return r.format === 'nft' ? '<nft ruleset>' : `<iptables ${familyName(r.family ?? 'ipv4')} ruleset>`
}

export function familyName(family: IpFamily): string {
  return family === 'ipv4' ? 'IPv4' : 'IPv6'
}

export interface RulesFileHints {
  readonly format?: Format | undefined
  readonly family?: IpFamily | undefined
}

export type RulesFileResult = { readonly ok: true; readonly ruleset: ApplyRuleset } | { readonly ok: false; readonly message: string }

/**
 * An already compiled file (`--rules FILE`). The format comes from the content ("*filter" starts an
 * iptables-restore payload; nft commands start with a verb or "table"); --format must agree with it.
 * An iptables payload's family comes from --ip-family, else from the addresses in it; a payload
 * without any address is taken as IPv4. Lines have no manifest origins, so errors point into the file.
 */
export function rulesetFromFile(path: string, text: string, hints: RulesFileHints = {}): RulesFileResult {
  const detected = detectFormat(text)
  if (detected === undefined && hints.format === undefined)
    return { ok: false, message: `${path}: cannot tell whether this is an nft or an iptables-restore ruleset; pass --format` }
  if (detected !== undefined && hints.format !== undefined && detected !== hints.format)
    return { ok: false, message: `${path}: looks like an ${detected === 'nft' ? 'nft' : 'iptables-restore'} ruleset, not --format ${hints.format}` }
  const format = hints.format ?? detected!
  const origins = new Array<undefined>(text.split('\n').length).fill(undefined)
  const rendered: Rendered = { text: text.endsWith('\n') || text === '' ? text : `${text}\n`, origins }
  if (format === 'nft') return { ok: true, ruleset: { format, family: undefined, rendered, label: path } }
  const seen = detectFamilies(text)
  if (hints.family !== undefined) {
    if (seen.length > 0 && !seen.includes(hints.family))
      return { ok: false, message: `${path}: holds ${seen.map(familyName).join(' and ')} addresses, not --ip-family ${hints.family}` }
    return { ok: true, ruleset: { format, family: hints.family, rendered, label: path } }
  }
  if (seen.length > 1) return { ok: false, message: `${path}: holds both IPv4 and IPv6 addresses; one iptables-restore payload is for one family` }
  return { ok: true, ruleset: { format, family: seen[0] ?? 'ipv4', rendered, label: path } }
}

const NFT_VERBS = /^(add|create|insert|replace|delete|destroy|flush|define|include|table|list)\b/

export function detectFormat(text: string): Format | undefined {
  const first = text
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l !== '' && !l.startsWith('#'))
  if (first === undefined) return undefined
  if (first.startsWith('*')) return 'iptables'
  return NFT_VERBS.test(first) ? 'nft' : undefined
}

/** The families of the addresses after -s, -d and --to-destination (in [v6]:port or v4:port form). */
export function detectFamilies(text: string): IpFamily[] {
  const found = new Set<IpFamily>()
  const words = text.split(/\s+/)
  words.forEach((w, i) => {
    const prev = words[i - 1]
    if (prev !== '-s' && prev !== '-d' && prev !== '--source' && prev !== '--destination' && prev !== '--to-destination') return
    const bare = w.replace(/^\[(.*)\](:\d+)?$/, '$1').replace(/\/\d+$/, '')
    const host = prev === '--to-destination' && !w.startsWith('[') ? bare.replace(/:\d+$/, '') : bare
    if (isIPv4(host)) found.add('ipv4')
    else if (isIPv6(host)) found.add('ipv6')
  })
  return (['ipv4', 'ipv6'] as const).filter((f) => found.has(f))
}
