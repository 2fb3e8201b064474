// Parses iptables-restore text back into rules and runs a packet through them the way kube-proxy's test tracer does.
import { cidrContains, compareIps, parseCidr, parseIp, type Cidr, type Ip } from '../../src/model/ip.ts'

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
}

/** table → chain → rules in order. Lookups only: never iterate it to produce output. */
export interface IptablesRuleset {
  readonly tables: ReadonlyMap<string, ReadonlyMap<string, readonly IptablesRule[]>>
}

/** Targets built into iptables (everything else must be a chain declared in the same table). */
const BUILTIN_TARGETS = new Set(['ACCEPT', 'DROP', 'REJECT', 'RETURN', 'DNAT', 'SNAT', 'MASQUERADE', 'MARK'])
/** Options that do not decide whether a fresh packet matches; the number is how many values follow. */
const IGNORED_OPTIONS = new Map([
  ['-m', 1], ['--comment', 1], ['--nfacct-name', 1], ['--mode', 1], ['--name', 1], ['--seconds', 1],
  ['--mask', 1], ['--or-mark', 1], ['--xor-mark', 1], ['--reject-with', 1],
  ['--set', 0], ['--reap', 0], ['--rsource', 0], ['--random-fully', 0],
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
      matches.push({ kind: 'history', option })
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
  return { table, chain, line, text, matches, jump, probability, toDestination }
}

/** A bare address is a /32 (/128) match, as in iptables. */
function parseAddress(text: string, fail: (why: string) => never): Cidr {
  if (text.includes('/')) return parseCidr(text) ?? fail(`${text} is not a CIDR`)
  const ip = parseIp(text) ?? fail(`${text} is not an IP address`)
  return parseCidr(`${text}/${ip.family === 'ipv4' ? 32 : 128}`)!
}

export interface Packet {
  readonly source: string
  readonly destination: string
  readonly destinationPort: number
  /** Lower-case protocol name; "tcp" when not given, as in kube-proxy's flow tests. */
  readonly protocol?: string
  /** When given, "-i" matches are checked; otherwise they count as matching, as kube-proxy's tracer does. */
  readonly inInterface?: string
}

export interface TraceOptions {
  /** Addresses that "-m addrtype --src-type/--dst-type LOCAL" treat as the node's own. */
  readonly localIps: readonly string[]
}

export type Verdict = 'ACCEPT' | 'REJECT' | 'DROP'

export interface TraceResult {
  /** Every rule whose matches held and that had a target, in the order the tracer met them. */
  readonly matched: readonly IptablesRule[]
  /** DNAT targets ("ip:port", "[ip]:port") and verdicts, in the order they were reached. */
  readonly outputs: readonly string[]
  /** The DNAT targets alone: every endpoint a load-balanced packet could reach, in rule order. */
  readonly endpoints: readonly string[]
  /** The first verdict reached, if any. */
  readonly verdict: Verdict | undefined
  /** A KUBE-MARK-MASQ jump was taken. */
  readonly masq: boolean
  /** `outputs` joined with ", " ("" when nothing matched): kube-proxy's tracePacket string. */
  readonly output: string
}

/**
 * kube-proxy's filter chains, run directly (not through INPUT/FORWARD/OUTPUT), in its tracer's
 * order; their built-in jumps all need conntrack state NEW, which a tracer cannot decide.
 */
const FILTER_CHAINS = ['KUBE-SERVICES', 'KUBE-EXTERNAL-SERVICES', 'KUBE-NODEPORTS', 'KUBE-PROXY-FIREWALL'] as const
/** iptables itself caps nesting; this only turns a jump loop into an error instead of a hang. */
const MAX_DEPTH = 64

/**
 * Traces one packet as kube-proxy's tracePacket does: nat KUBE-SERVICES (the built-in jump of
 * PREROUTING), then, with the destination rewritten to the first DNAT target, the filter chains.
 * A --probability jump never ends its chain, so every endpoint is collected. Two deliberate
 * differences, neither reachable by a kube-proxy ruleset: RETURN returns (kube-proxy's tracer
 * ignores it), and jumps to undeclared chains are rejected when parsing.
 */
export function traceIptables(ruleset: IptablesRuleset, packet: Packet, options: TraceOptions): TraceResult {
  const localIps = options.localIps.map((text) => parseIp(text) ?? traceError(`local IP ${text}`))
  const isLocal = (ip: Ip) => localIps.some((local) => compareIps(local, ip) === 0)
  const state = { matched: [] as IptablesRule[], outputs: [] as string[], endpoints: [] as string[], verdicts: [] as Verdict[], masq: false }

  const run = (table: string, chain: string, pkt: TracedPacket, depth: number): boolean => {
    if (depth > MAX_DEPTH) traceError(`jumps nest deeper than ${MAX_DEPTH} at ${table} ${chain}`)
    for (const rule of ruleset.tables.get(table)?.get(chain) ?? []) {
      if (rule.jump === undefined || !rule.matches.every((m) => matchHolds(m, pkt, isLocal))) continue
      state.matched.push(rule)
      switch (rule.jump) {
        case 'KUBE-MARK-MASQ':
          // By name, as kube-proxy's tracer: the chain only sets the mark KUBE-POSTROUTING masquerades.
          state.masq = true
          continue
        case 'ACCEPT':
        case 'REJECT':
        case 'DROP':
          state.outputs.push(rule.jump)
          state.verdicts.push(rule.jump)
          return true
        case 'DNAT':
          state.outputs.push(rule.toDestination!)
          state.endpoints.push(rule.toDestination!)
          return true
        case 'RETURN':
          return false
        case 'MARK':
        case 'SNAT':
        case 'MASQUERADE':
          continue
        default:
          if (run(table, rule.jump, pkt, depth + 1) && rule.probability === undefined) return true
      }
    }
    return false
  }

  const pkt: TracedPacket = {
    source: parseIp(packet.source) ?? traceError(`source ${packet.source}`),
    destination: parseIp(packet.destination) ?? traceError(`destination ${packet.destination}`),
    port: packet.destinationPort,
    protocol: (packet.protocol ?? 'tcp').toLowerCase(),
    inInterface: packet.inInterface,
  }
  run('nat', 'KUBE-SERVICES', pkt, 0)
  const dnat = state.endpoints[0]
  const filtered = dnat === undefined ? pkt : { ...pkt, destination: parseIp(hostOf(dnat)) ?? traceError(`DNAT target ${dnat}`) }
  for (const chain of FILTER_CHAINS) run('filter', chain, filtered, 0)

  return {
    matched: state.matched,
    outputs: state.outputs,
    endpoints: state.endpoints,
    verdict: state.verdicts[0],
    masq: state.masq,
    output: state.outputs.join(', '),
  }
}

interface TracedPacket {
  readonly source: Ip
  readonly destination: Ip
  readonly port: number
  readonly protocol: string
  readonly inInterface: string | undefined
}

function matchHolds(m: RuleMatch, pkt: TracedPacket, isLocal: (ip: Ip) => boolean): boolean {
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
function hostOf(target: string): string {
  const bracketed = /^\[([^\]]+)\](?::[0-9]+)?$/.exec(target)
  if (bracketed) return bracketed[1]!
  const colon = target.indexOf(':')
  return colon >= 0 && target.indexOf(':', colon + 1) < 0 ? target.slice(0, colon) : target
}

function traceError(what: string): never {
  throw new Error(`iptables trace: cannot use ${what}`)
}
