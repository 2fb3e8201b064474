// Reads iptables-restore text back into tables, chains and rules (with their line numbers) for the tracer.
import { parseCidr, parseIp, type Cidr } from '../../model/ip.ts'

/** One condition of a rule; `negated` means the option had a leading "!". */
export type RuleMatch =
  | { readonly kind: 'source' | 'destination'; readonly negated: boolean; readonly cidr: Cidr }
  | { readonly kind: 'srcType' | 'dstType'; readonly negated: boolean; readonly type: string }
  | { readonly kind: 'protocol'; readonly negated: boolean; readonly protocol: string }
  | { readonly kind: 'dport'; readonly negated: boolean; readonly port: number }
  | { readonly kind: 'inInterface'; readonly negated: boolean; readonly name: string }
  /** Connection history (--rcheck, --mark, --ctstate): a first packet never has any, so it never matches. */
  | { readonly kind: 'history'; readonly option: string }

export interface IptablesRule {
  readonly table: string
  readonly chain: string
  /** 1-based line in the restore text, so a trace can be mapped back to a render's origins. */
  readonly line: number
  readonly text: string
  readonly matches: readonly RuleMatch[]
  /** The -j target; undefined for a rule that only counts (kube-proxy's KUBE-FW "other traffic" rule). */
  readonly jump: string | undefined
  /** The --probability text, kept as written. */
  readonly probability: string | undefined
  readonly toDestination: string | undefined
  /** The --comment text, unquoted. */
  readonly comment: string | undefined
  /** `-m recent`: session affinity's client list (--rcheck to test it, --set to record the client). */
  readonly recent: RecentMatch | undefined
}

export interface RecentMatch {
  readonly name: string
  readonly mode: 'rcheck' | 'set'
  readonly seconds: number | undefined
}

/** table → chain → rules in order. Lookups only: never iterate it to produce output. */
export interface IptablesRuleset {
  readonly tables: ReadonlyMap<string, ReadonlyMap<string, readonly IptablesRule[]>>
}

/** Targets built into iptables (everything else must be a chain declared in the same table). */
const BUILTIN_TARGETS = new Set(['ACCEPT', 'DROP', 'REJECT', 'RETURN', 'DNAT', 'SNAT', 'MASQUERADE', 'MARK'])
/** Options that do not decide whether a fresh packet matches; the number is how many values follow. */
const IGNORED_OPTIONS = new Map([
  ['-m', 1], ['--nfacct-name', 1], ['--mode', 1],
  ['--mask', 1], ['--or-mark', 1], ['--xor-mark', 1], ['--reject-with', 1],
  ['--reap', 0], ['--rsource', 0], ['--random-fully', 0],
])
const HISTORY_OPTIONS = new Map([['--rcheck', 0], ['--mark', 1], ['--ctstate', 1]])

/**
 * Parses an iptables-restore payload (`*table`, `:CHAIN`, `-A`, `-X`, `COMMIT`; `#` lines skipped).
 * Throws, naming the line, on anything it does not understand, so an unexpected rendering fails a
 * test instead of being silently treated as matching.
 */
export function parseIptablesRestore(text: string): IptablesRuleset {
  const tables = new Map<string, Map<string, IptablesRule[]>>()
  let table: { name: string; chains: Map<string, IptablesRule[]> } | undefined
  text.split('\n').forEach((raw, index) => {
    const line = index + 1
    const trimmed = raw.trim()
    const fail = (why: string): never => {
      throw new Error(`iptables-restore line ${line}: ${why}: ${JSON.stringify(trimmed)}`)
    }
    if (trimmed === '' || trimmed.startsWith('#')) return
    if (trimmed.startsWith('*')) {
      if (table) fail('table started before COMMIT')
      const name = trimmed.slice(1)
      if (tables.has(name)) fail('table given twice')
      table = { name, chains: new Map() }
      tables.set(name, table.chains)
      return
    }
    if (!table) return fail('outside a table')
    if (trimmed === 'COMMIT') {
      table = undefined
      return
    }
    const words = splitWords(trimmed, fail)
    if (trimmed.startsWith(':')) {
      const name = words[0]!.slice(1)
      if (name === '') fail('chain without a name')
      table.chains.set(name, [])
    } else if (words[0] === '-X' && words.length === 2) {
      if ((table.chains.get(words[1]!)?.length ?? 0) > 0) fail('deleting a chain that has rules')
      table.chains.delete(words[1]!)
    } else if (words[0] === '-A' && words.length >= 2) {
      const rules = table.chains.get(words[1]!) ?? fail('rule for an undeclared chain')
      rules.push(parseRule(table.name, words[1]!, line, trimmed, words.slice(2), fail))
    } else {
      fail('not a restore command')
    }
  })
  if (table) throw new Error(`iptables-restore: table ${table.name} has no COMMIT`)
  for (const [name, chains] of tables)
    for (const rules of chains.values())
      for (const rule of rules)
        if (rule.jump !== undefined && !BUILTIN_TARGETS.has(rule.jump) && !chains.has(rule.jump))
          throw new Error(`iptables-restore line ${rule.line}: jump to ${rule.jump}, which table ${name} does not declare`)
  return { tables }
}

/** Splits on blanks; double quotes group words (iptables-restore's rule), "\" escapes inside them. */
function splitWords(line: string, fail: (why: string) => never): string[] {
  const words: string[] = []
  let word = ''
  let inWord = false
  let quoted = false
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!
    if (quoted) {
      if (c === '\\' && i + 1 < line.length) word += line[++i]!
      else if (c === '"') quoted = false
      else word += c
    } else if (c === '"') {
      quoted = true
      inWord = true
    } else if (c === ' ' || c === '\t') {
      if (inWord) words.push(word)
      word = ''
      inWord = false
    } else {
      word += c
      inWord = true
    }
  }
  if (quoted) fail('unterminated quote')
  if (inWord) words.push(word)
  return words
}

function parseRule(table: string, chain: string, line: number, text: string, words: readonly string[], fail: (why: string) => never): IptablesRule {
  const matches: RuleMatch[] = []
  let jump: string | undefined
  let probability: string | undefined
  let toDestination: string | undefined
  let comment: string | undefined
  const recent: { name?: string; mode?: 'rcheck' | 'set'; seconds?: number } = {}
  let negated = false
  for (let i = 0; i < words.length; i++) {
    const option = words[i]!
    if (option === '!') {
      negated = true
      continue
    }
    const value = (): string => words[++i] ?? fail(`${option} without a value`)
    if (option === '-s' || option === '-d') {
      matches.push({ kind: option === '-s' ? 'source' : 'destination', negated, cidr: parseAddress(value(), fail) })
    } else if (option === '--src-type' || option === '--dst-type') {
      matches.push({ kind: option === '--src-type' ? 'srcType' : 'dstType', negated, type: value() })
    } else if (option === '-p') {
      matches.push({ kind: 'protocol', negated, protocol: value().toLowerCase() })
    } else if (option === '--dport') {
      const port = value()
      if (!/^[0-9]{1,5}$/.test(port)) fail(`--dport ${port} is not a single port`)
      matches.push({ kind: 'dport', negated, port: Number.parseInt(port, 10) })
    } else if (option === '-i') {
      matches.push({ kind: 'inInterface', negated, name: value() })
    } else if (HISTORY_OPTIONS.has(option)) {
      if (HISTORY_OPTIONS.get(option) === 1) value()
      if (option === '--rcheck') recent.mode = 'rcheck'
      matches.push({ kind: 'history', option })
    } else if (option === '--comment') {
      comment = value()
    } else if (option === '--name') {
      recent.name = value()
    } else if (option === '--seconds') {
      const seconds = value()
      if (!/^[0-9]+$/.test(seconds)) fail(`--seconds ${seconds} is not a whole number`)
      recent.seconds = Number.parseInt(seconds, 10)
    } else if (option === '--set') {
      recent.mode = 'set'
    } else if (option === '-j') {
      jump = value()
    } else if (option === '--probability') {
      probability = value()
    } else if (option === '--to-destination') {
      toDestination = value()
    } else if (IGNORED_OPTIONS.has(option)) {
      if (IGNORED_OPTIONS.get(option) === 1) value()
    } else {
      fail(`unknown option ${option}`)
    }
    if (negated && !['-s', '-d', '--src-type', '--dst-type', '-p', '--dport', '-i', '--mark', '--ctstate'].includes(option))
      fail(`"!" before ${option}`)
    negated = false
  }
  if (negated) fail('"!" at the end of the rule')
  if (jump === 'DNAT' && toDestination === undefined) fail('DNAT without --to-destination')
  if (probability !== undefined && !(Number(probability) >= 0 && Number(probability) <= 1)) fail(`--probability ${probability} is not between 0 and 1`)
  const recentMatch = recent.name !== undefined && recent.mode !== undefined ? { name: recent.name, mode: recent.mode, seconds: recent.seconds } : undefined
  return { table, chain, line, text, matches, jump, probability, toDestination, comment, recent: recentMatch }
}

/** A bare address is a /32 (/128) match, as in iptables. */
function parseAddress(text: string, fail: (why: string) => never): Cidr {
  if (text.includes('/')) return parseCidr(text) ?? fail(`${text} is not a CIDR`)
  const ip = parseIp(text) ?? fail(`${text} is not an IP address`)
  return parseCidr(`${text}/${ip.family === 'ipv4' ? 32 : 128}`)!
}
