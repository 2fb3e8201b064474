// Reads `nft -f` text back into tables and traces a packet through them as kube-proxy's nftables tests do.
import { cidrContains, joinHostPort, parseCidr, parseIp, type Ip } from '../../src/model/ip.ts'

/*
 * Only the rule shapes kube-proxy writes are understood (both its classic and its hairpin
 * design). Anything else throws while parsing, so a rule the tracer cannot read can never be
 * skipped silently and make a flow pass by accident.
 */

type TableFamily = 'ip' | 'ip6'
type Field = 'saddr' | 'daddr' | 'l4proto' | 'dport'
type DataType = 'ipv4_addr' | 'ipv6_addr' | 'inet_proto' | 'inet_service'

export type Verdict =
  | { readonly kind: 'accept' | 'drop' | 'reject' | 'return' }
  | { readonly kind: 'jump' | 'goto'; readonly chain: string }

export interface NftElement {
  readonly key: readonly string[]
  /** Map elements only: the verdict. */
  readonly verdict: Verdict | undefined
}

export interface NftContainer {
  readonly name: string
  readonly kind: 'set' | 'map'
  readonly key: readonly DataType[]
  readonly flags: readonly string[]
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

interface DnatTarget {
  readonly ip: Ip
  readonly port: number
}

type SetRef = { readonly named: string } | { readonly anonymous: readonly NftElement[] }

type Item =
  | { readonly kind: 'lookup'; readonly fields: readonly Field[]; readonly negate: boolean; readonly set: SetRef }
  | { readonly kind: 'vmap'; readonly fields: readonly Field[]; readonly map: SetRef }
  | { readonly kind: 'ctStateNew' }
  | { readonly kind: 'ctStatusDnat' }
  | { readonly kind: 'fibLocal'; readonly field: 'saddr' | 'daddr' }
  | { readonly kind: 'markTest'; readonly mask: number; readonly equal: boolean; readonly value: number }
  | { readonly kind: 'markSet'; readonly op: 'or' | 'xor'; readonly value: number }
  | { readonly kind: 'verdict'; readonly verdict: Verdict }
  | { readonly kind: 'masquerade' }
  | { readonly kind: 'dnat'; readonly targets: readonly DnatTarget[] }
  | { readonly kind: 'numgen'; readonly verdicts: readonly Verdict[] }
  | { readonly kind: 'update' }

const PROTOCOLS = new Set(['tcp', 'udp', 'sctp'])
const TOKEN = /"(?:[^"\\]|\\.)*"|[{},;]|[^\s{},;"]+/y

// ---------------------------------------------------------------------------------------------
// Parsing

/**
 * Parses every `add table|chain|set|map|rule|element` line. Order does not matter (kube-proxy's
 * reference files group lines by service, not in load order): declarations are read first,
 * then rules and elements. `delete table` and `flush …` lines are skipped, as are blank and
 * `#` lines. Throws on any line or rule shape it does not know, and on references to chains
 * or sets that are not declared.
 */
export function parseNft(text: string): NftRuleset {
  const tables = new Map<string, NftTable>()
  const lines = text.split('\n').map((line, i) => ({ n: i + 1, tokens: tokenize(line, i + 1), raw: line }))
  const later: typeof lines = []
  for (const line of lines) {
    const [verb, object] = line.tokens
    if (verb === undefined || verb.startsWith('#')) continue
    const where = `line ${line.n}: ${line.raw}`
    if (verb === 'flush' || (verb === 'delete' && object === 'table')) continue
    if (verb !== 'add') throw new Error(`nft-trace: unsupported command at ${where}`)
    const c = new Cursor(line.tokens.slice(2), where)
    switch (object) {
      case 'table': {
        const family = tableFamily(c)
        const name = c.next()
        if (!c.done()) braces(c)
        c.end()
        if (!tables.has(`${family} ${name}`)) tables.set(`${family} ${name}`, { family, name, chains: new Map(), containers: new Map() })
        break
      }
      case 'chain': {
        const table = lookupTable(tables, c)
        const name = c.next()
        const base = c.done() ? undefined : chainSpec(braces(c), where)
        c.end()
        if (!table.chains.has(name)) table.chains.set(name, { name, base, rules: [] })
        break
      }
      case 'set':
      case 'map': {
        const table = lookupTable(tables, c)
        const name = c.next()
        const spec = containerSpec(braces(c), object, table.family, where)
        c.end()
        if (!table.containers.has(name)) table.containers.set(name, { name, kind: object, ...spec, elements: [] })
        break
      }
      case 'rule':
      case 'element':
        later.push(line)
        break
      default:
        throw new Error(`nft-trace: unsupported object at ${where}`)
    }
  }
  for (const line of later) {
    const where = `line ${line.n}: ${line.raw}`
    const c = new Cursor(line.tokens.slice(2), where)
    const table = lookupTable(tables, c)
    const name = c.next()
    if (line.tokens[1] === 'rule') {
      const chain = table.chains.get(name)
      if (!chain) throw new Error(`nft-trace: rule for undeclared chain at ${where}`)
      const text = line.tokens.slice(5).join(' ')
      chain.rules.push({ chain: name, text, items: parseRule(c, table) })
    } else {
      const container = table.containers.get(name)
      if (!container) throw new Error(`nft-trace: element for undeclared set or map at ${where}`)
      for (const element of elementList(c, container.key, container.kind === 'map', table, where)) addElement(container, element, where)
      c.end()
    }
  }
  return { tables: [...tables.values()] }
}

function tokenize(line: string, n: number): string[] {
  const tokens: string[] = []
  let i = 0
  for (;;) {
    while (i < line.length && /\s/.test(line[i]!)) i++
    if (i >= line.length || (tokens.length === 0 && line[i] === '#')) {
      if (i < line.length) tokens.push(line.slice(i))
      return tokens
    }
    TOKEN.lastIndex = i
    const m = TOKEN.exec(line)
    if (!m) throw new Error(`nft-trace: cannot read line ${n} at column ${i + 1}: ${line}`)
    tokens.push(m[0])
    i = TOKEN.lastIndex
  }
}

class Cursor {
  readonly #tokens: readonly string[]
  readonly where: string
  #i = 0

  constructor(tokens: readonly string[], where: string) {
    this.#tokens = tokens
    this.where = where
  }

  peek(ahead = 0): string | undefined {
    return this.#tokens[this.#i + ahead]
  }

  next(): string {
    const t = this.#tokens[this.#i++]
    if (t === undefined) throw new Error(`nft-trace: unexpected end of line at ${this.where}`)
    return t
  }

  expect(...choices: string[]): string {
    const t = this.next()
    if (!choices.includes(t)) throw new Error(`nft-trace: expected ${choices.join(' or ')} but found ${JSON.stringify(t)} at ${this.where}`)
    return t
  }

  rest(): string {
    return this.#tokens.slice(this.#i).join(' ')
  }

  done(): boolean {
    return this.#i >= this.#tokens.length
  }

  end(): void {
    if (!this.done()) throw new Error(`nft-trace: unexpected ${JSON.stringify(this.rest())} at ${this.where}`)
  }
}

function tableFamily(c: Cursor): TableFamily {
  return c.expect('ip', 'ip6') as TableFamily
}

function lookupTable(tables: Map<string, NftTable>, c: Cursor): NftTable {
  const key = `${tableFamily(c)} ${c.next()}`
  const table = tables.get(key)
  if (!table) throw new Error(`nft-trace: table ${key} is not declared, at ${c.where}`)
  return table
}

/** The tokens between `{` and its `}` (no nesting is needed for declarations). */
function braces(c: Cursor): string[] {
  c.expect('{')
  const inner: string[] = []
  for (let t = c.next(); t !== '}'; t = c.next()) inner.push(t)
  return inner
}

/** `name value ;` clauses of a declaration, e.g. type, hook, flags, comment. */
function clauses(tokens: readonly string[]): Map<string, string[]> {
  const out = new Map<string, string[]>()
  let current: string[] = []
  for (const t of tokens) {
    if (t === ';') {
      const [name, ...value] = current
      if (name !== undefined) out.set(name, value)
      current = []
    } else current.push(t)
  }
  if (current.length > 0) out.set(current[0]!, current.slice(1))
  return out
}

function chainSpec(tokens: readonly string[], where: string): NftChain['base'] {
  const spec = clauses(tokens)
  const type = spec.get('type')
  if (!type) return undefined
  // "type filter hook input priority 0" is one clause.
  const [kind, hookWord, hook, priorityWord, priority] = type
  if (hookWord !== 'hook' || priorityWord !== 'priority' || !hook || kind === undefined || !/^-?[0-9]+$/.test(priority ?? ''))
    throw new Error(`nft-trace: unsupported base chain spec at ${where}`)
  return { type: kind, hook, priority: Number(priority), policy: spec.get('policy')?.[0] ?? 'accept' }
}

function containerSpec(tokens: readonly string[], kind: 'set' | 'map', family: TableFamily, where: string): Pick<NftContainer, 'key' | 'flags'> {
  const spec = clauses(tokens)
  const type = spec.get('type')
  if (!type) throw new Error(`nft-trace: set or map without a type at ${where}`)
  const colon = type.indexOf(':')
  if ((kind === 'map') !== (colon >= 0)) throw new Error(`nft-trace: ${kind} type ${type.join(' ')} at ${where}`)
  if (kind === 'map' && (type.slice(colon + 1).join(' ') !== 'verdict'))
    throw new Error(`nft-trace: only verdict maps are supported, at ${where}`)
  const key = splitDots(colon >= 0 ? type.slice(0, colon) : type, where).map((t) => dataType(t, family, where))
  return { key, flags: (spec.get('flags') ?? []).filter((f) => f !== ',') }
}

function dataType(text: string, family: TableFamily, where: string): DataType {
  if (text === 'inet_proto' || text === 'inet_service') return text
  if (text === (family === 'ip' ? 'ipv4_addr' : 'ipv6_addr')) return text
  throw new Error(`nft-trace: unsupported data type ${text} in an ${family} table at ${where}`)
}

/** "a . b . c" as tokens → [a, b, c]. */
function splitDots(tokens: readonly string[], where: string): string[] {
  const out: string[] = []
  tokens.forEach((t, i) => {
    if ((i % 2 === 1) !== (t === '.')) throw new Error(`nft-trace: malformed concatenation ${tokens.join(' ')} at ${where}`)
    if (i % 2 === 0) out.push(t)
  })
  if (tokens.length % 2 === 0) throw new Error(`nft-trace: malformed concatenation ${tokens.join(' ')} at ${where}`)
  return out
}

/** `{ k1 . k2 [comment "…"] [: value] , … }`, checked against the key types. */
function elementList(c: Cursor, key: readonly DataType[], isMap: boolean, table: NftTable, where: string): NftElement[] {
  c.expect('{')
  const elements: NftElement[] = []
  for (;;) {
    const keyTokens: string[] = []
    while (![',', '}', ':', 'comment'].includes(c.peek() ?? '}')) keyTokens.push(c.next())
    if (c.peek() === 'comment') {
      c.next()
      quoted(c)
    }
    const parts = splitDots(keyTokens, where)
    if (parts.length !== key.length) throw new Error(`nft-trace: element ${keyTokens.join(' ')} does not fit type ${key.join(' . ')} at ${where}`)
    parts.forEach((p, i) => checkValue(p, key[i]!, where))
    let verdict: Verdict | undefined
    if (c.peek() === ':') {
      if (!isMap) throw new Error(`nft-trace: set element with a value at ${where}`)
      c.next()
      verdict = parseVerdict(c, table)
    } else if (isMap) throw new Error(`nft-trace: map element without a value at ${where}`)
    elements.push({ key: parts, verdict })
    if (c.expect(',', '}') === '}') return elements
  }
}

function addElement(container: NftContainer, element: NftElement, where: string): void {
  const same = container.elements.find((e) => e.key.join(' . ') === element.key.join(' . '))
  if (!same) container.elements.push(element)
  else if (JSON.stringify(same.verdict) !== JSON.stringify(element.verdict))
    throw new Error(`nft-trace: element ${element.key.join(' . ')} of ${container.name} added twice with different values at ${where}`)
}

function quoted(c: Cursor): string {
  const t = c.next()
  if (!t.startsWith('"')) throw new Error(`nft-trace: expected a quoted string at ${c.where}`)
  return t
}

function checkValue(text: string, type: DataType, where: string): void {
  const ok =
    type === 'inet_proto'
      ? PROTOCOLS.has(text)
      : type === 'inet_service'
        ? /^[0-9]{1,5}$/.test(text) && Number(text) <= 65535
        : (text.includes('/') ? parseCidr(text)?.family : parseIp(text)?.family) === (type === 'ipv4_addr' ? 'ipv4' : 'ipv6')
  if (!ok) throw new Error(`nft-trace: ${JSON.stringify(text)} is not a valid ${type} at ${where}`)
}

function parseVerdict(c: Cursor, table: NftTable): Verdict {
  const word = c.expect('accept', 'drop', 'reject', 'return', 'jump', 'goto')
  if (word === 'jump' || word === 'goto') {
    const chain = c.next()
    if (!table.chains.has(chain)) throw new Error(`nft-trace: ${word} to undeclared chain ${chain} at ${c.where}`)
    return { kind: word, chain }
  }
  return { kind: word as 'accept' | 'drop' | 'reject' | 'return' }
}

function fieldType(field: Field, family: TableFamily): DataType {
  if (field === 'l4proto') return 'inet_proto'
  if (field === 'dport') return 'inet_service'
  return family === 'ip' ? 'ipv4_addr' : 'ipv6_addr'
}

/** `ip saddr`, `ip6 daddr`, `meta l4proto`, `th dport`, joined by `.`. */
function parseFields(c: Cursor, family: TableFamily): Field[] {
  const fields: Field[] = []
  for (;;) {
    const head = c.next()
    if (head === 'ip' || head === 'ip6') {
      if (head !== family) throw new Error(`nft-trace: ${head} match in an ${family} table at ${c.where}`)
      fields.push(c.expect('saddr', 'daddr') as Field)
    } else if (head === 'meta') fields.push(c.expect('l4proto') as Field)
    else if (head === 'th') fields.push(c.expect('dport') as Field)
    else throw new Error(`nft-trace: unsupported selector ${JSON.stringify(head)} at ${c.where}`)
    if (c.peek() !== '.') return fields
    c.next()
  }
}

function setRef(c: Cursor, fields: readonly Field[], table: NftTable, kind: 'set' | 'map'): SetRef {
  const types = fields.map((f) => fieldType(f, table.family))
  const t = c.peek()
  if (t?.startsWith('@')) {
    c.next()
    const name = t.slice(1)
    const container = table.containers.get(name)
    if (!container || container.kind !== kind) throw new Error(`nft-trace: @${name} is not a declared ${kind} at ${c.where}`)
    if (container.key.join(' . ') !== types.join(' . '))
      throw new Error(`nft-trace: @${name} holds ${container.key.join(' . ')} but the rule looks up ${types.join(' . ')} at ${c.where}`)
    return { named: name }
  }
  if (t === '{') return { anonymous: elementList(c, types, kind === 'map', table, c.where) }
  if (kind === 'map' || fields.length !== 1) throw new Error(`nft-trace: unsupported lookup at ${c.where}`)
  const value = c.next()
  checkValue(value, types[0]!, c.where)
  return { anonymous: [{ key: [value], verdict: undefined }] }
}

function parseNumber(c: Cursor): number {
  const t = c.next()
  if (!/^(0x[0-9a-f]+|[0-9]+)$/i.test(t)) throw new Error(`nft-trace: expected a number but found ${JSON.stringify(t)} at ${c.where}`)
  return Number(t)
}

function parseRule(c: Cursor, table: NftTable): Item[] {
  const items: Item[] = []
  let terminal = false
  while (!c.done()) {
    const t = c.peek()!
    if (t === 'comment') {
      c.next()
      quoted(c)
      continue
    }
    if (terminal) throw new Error(`nft-trace: ${JSON.stringify(c.rest())} after a terminal statement at ${c.where}`)
    const item = parseItem(c, table)
    items.push(item)
    terminal = ['vmap', 'verdict', 'masquerade', 'dnat', 'numgen'].includes(item.kind)
  }
  if (items.length === 0) throw new Error(`nft-trace: empty rule at ${c.where}`)
  return items
}

function parseItem(c: Cursor, table: NftTable): Item {
  const t = c.peek()!
  switch (t) {
    case 'ct': {
      c.next()
      const what = `${c.next()} ${c.next()}`
      if (what === 'state new') return { kind: 'ctStateNew' }
      if (what === 'status dnat') return { kind: 'ctStatusDnat' }
      throw new Error(`nft-trace: unsupported ct match "ct ${what}" at ${c.where}`)
    }
    case 'fib': {
      c.next()
      const field = c.expect('saddr', 'daddr') as 'saddr' | 'daddr'
      c.expect('type')
      c.expect('local')
      return { kind: 'fibLocal', field }
    }
    case 'mark': {
      c.next()
      if (c.expect('and', 'set') === 'and') {
        const mask = parseNumber(c)
        const equal = c.expect('==', '!=') === '=='
        return { kind: 'markTest', mask, equal, value: parseNumber(c) }
      }
      c.expect('mark')
      const op = c.expect('or', 'xor') as 'or' | 'xor'
      return { kind: 'markSet', op, value: parseNumber(c) }
    }
    case 'ip':
    case 'ip6':
    case 'meta':
    case 'th': {
      const fields = parseFields(c, table.family)
      if (c.peek() === 'vmap') {
        c.next()
        return { kind: 'vmap', fields, map: setRef(c, fields, table, 'map') }
      }
      const negate = c.peek() === '!='
      if (negate || c.peek() === '==') c.next()
      return { kind: 'lookup', fields, negate, set: setRef(c, fields, table, 'set') }
    }
    case 'numgen': {
      c.next()
      c.expect('random')
      c.expect('mod')
      const n = parseNumber(c)
      c.expect('vmap')
      const entries = elementList(c, ['inet_service'], true, table, c.where)
      return { kind: 'numgen', verdicts: byIndex(entries, n, c.where).map((e) => e.verdict!) }
    }
    case 'dnat':
      c.next()
      return { kind: 'dnat', targets: parseDnat(c, table) }
    case 'masquerade':
      c.next()
      if (c.peek() === 'fully-random') c.next()
      return { kind: 'masquerade' }
    case 'update': {
      c.next()
      const name = c.next().replace(/^@/, '')
      const set = table.containers.get(name)
      if (!set || set.kind !== 'set' || !set.flags.includes('dynamic')) throw new Error(`nft-trace: update of ${name}, which is not a dynamic set, at ${c.where}`)
      c.expect('{')
      const fields = parseFields(c, table.family)
      c.expect('}')
      if (fields.map((f) => fieldType(f, table.family)).join(' . ') !== set.key.join(' . ')) throw new Error(`nft-trace: update key does not fit @${name} at ${c.where}`)
      // A dynamic set is filled at run time; the trace of a single new connection never sees it.
      return { kind: 'update' }
    }
    case 'accept':
    case 'drop':
    case 'reject':
    case 'return':
    case 'jump':
    case 'goto':
      return { kind: 'verdict', verdict: parseVerdict(c, table) }
    default:
      throw new Error(`nft-trace: unrecognised rule shape at ${JSON.stringify(c.rest())} in ${c.where}`)
  }
}

/** Numgen entries must be exactly 0..n-1: anything else would leave some picks unmapped. */
function byIndex(entries: readonly NftElement[], n: number, where: string): NftElement[] {
  const sorted = [...entries].sort((a, b) => Number(a.key[0]) - Number(b.key[0]))
  if (sorted.length !== n || sorted.some((e, i) => Number(e.key[0]) !== i)) throw new Error(`nft-trace: numgen mod ${n} with indices ${entries.map((e) => e.key[0]).join(',')} at ${where}`)
  return sorted
}

/** `to 10.0.0.1:80`, `to [fd00::1]:80`, or `ip addr . port to numgen random mod N map { i : ip . port , … }`. */
function parseDnat(c: Cursor, table: NftTable): DnatTarget[] {
  const ipType = table.family === 'ip' ? 'ipv4' : 'ipv6'
  if (c.peek() === 'to') {
    c.next()
    const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):([0-9]+)$/.exec(c.next())
    const ip = parseIp(m?.[1] ?? m?.[2] ?? '')
    if (!m || !ip || ip.family !== ipType || (ipType === 'ipv6') !== (m[1] !== undefined)) throw new Error(`nft-trace: unsupported dnat target at ${c.where}`)
    return [{ ip, port: Number(m[3]) }]
  }
  c.expect(table.family)
  for (const w of ['addr', '.', 'port', 'to', 'numgen', 'random', 'mod']) c.expect(w)
  const n = parseNumber(c)
  c.expect('map')
  c.expect('{')
  const entries: { index: number; target: DnatTarget }[] = []
  for (;;) {
    const index = parseNumber(c)
    c.expect(':')
    const ip = parseIp(c.next())
    c.expect('.')
    const port = parseNumber(c)
    if (!ip || ip.family !== ipType || port > 65535) throw new Error(`nft-trace: bad dnat map entry at ${c.where}`)
    entries.push({ index, target: { ip, port } })
    if (c.expect(',', '}') === '}') break
  }
  const asElements = entries.map((e) => ({ key: [String(e.index)], verdict: undefined }))
  byIndex(asElements, n, c.where)
  return [...entries].sort((a, b) => a.index - b.index).map((e) => e.target)
}

// ---------------------------------------------------------------------------------------------
// Tracing

export interface NftPacket {
  readonly sourceIP: string
  readonly destIP: string
  readonly destPort: number
  /** tcp (default), udp or sctp; any case. */
  readonly protocol?: string
}

export interface NftTraceResult {
  /** DNAT targets joined with ", " (every numgen entry, in index order), or DROP / REJECT, or "". */
  readonly output: string
  readonly masq: boolean
  /** "chain: rule" for every rule that acted, in order: for failure messages. */
  readonly matched: readonly string[]
}

interface Packet {
  readonly src: Ip
  readonly dst: Ip
  readonly proto: string
  readonly dport: number
}

type Outcome = 'next' | 'accept' | 'drop' | 'reject'
type RuleOutcome = 'continue' | 'return' | 'accept' | 'drop' | 'reject'

interface Run {
  readonly table: NftTable
  readonly localIPs: readonly Ip[]
  mark: number
  markedForMasquerade: boolean
  masqueraded: boolean
  dnatDone: boolean
  readonly targets: DnatTarget[]
  readonly matched: string[]
}

const HOOKS: readonly [string, string, string][] = [
  ['filter-prerouting-pre-dnat', 'filter', 'prerouting'],
  ['nat-prerouting', 'nat', 'prerouting'],
  ['filter-forward', 'filter', 'forward'],
  ['filter-input', 'filter', 'input'],
  ['nat-postrouting', 'nat', 'postrouting'],
]

/**
 * kube-proxy's nftables test tracer: filter-prerouting-pre-dnat, then nat-prerouting (a numgen
 * DNAT is followed into every entry), then — with the destination replaced by the first DNAT
 * target — filter-forward and filter-input, stopping at drop or reject. `masq` is true when a
 * rule set a mark (kube-proxy marks only for masquerading), or when nat-postrouting would
 * masquerade the connection to one of the DNAT targets (the hairpin set matches the
 * translated destination). `fib … type local` is true for `localIPs`; dynamic affinity sets
 * are empty. The table is the one of the packet's family (`ip` or `ip6`).
 */
export function traceNft(ruleset: NftRuleset, packet: NftPacket, localIPs: readonly string[]): NftTraceResult {
  const src = mustIp(packet.sourceIP)
  const dst = mustIp(packet.destIP)
  if (src.family !== dst.family) throw new Error(`nft-trace: ${packet.sourceIP} → ${packet.destIP} mixes IP families`)
  const proto = (packet.protocol ?? 'tcp').toLowerCase()
  if (!PROTOCOLS.has(proto)) throw new Error(`nft-trace: unsupported protocol ${proto}`)
  const family: TableFamily = src.family === 'ipv4' ? 'ip' : 'ip6'
  const tables = ruleset.tables.filter((t) => t.family === family)
  if (tables.length !== 1) throw new Error(`nft-trace: expected one ${family} table, found ${tables.length}`)
  const table = tables[0]!
  checkHooks(table)

  const run: Run = { table, localIPs: localIPs.map(mustIp), mark: 0, markedForMasquerade: false, masqueraded: false, dnatDone: false, targets: [], matched: [] }
  const result = (verdict?: 'drop' | 'reject'): NftTraceResult => {
    const outputs = run.targets.map((t) => joinHostPort(t.ip, t.port))
    if (verdict) outputs.push(verdict.toUpperCase())
    return { output: outputs.join(', '), masq: run.markedForMasquerade || run.masqueraded, matched: run.matched }
  }

  let pkt: Packet = { src, dst, proto, dport: packet.destPort }
  const stops = (chain: string): 'drop' | 'reject' | undefined => {
    const outcome = runBaseChain(run, chain, pkt)
    return outcome === 'drop' || outcome === 'reject' ? outcome : undefined
  }
  let stop = stops('filter-prerouting-pre-dnat') ?? stops('nat-prerouting')
  if (stop) return result(stop)
  const first = run.targets[0]
  if (first) pkt = { ...pkt, dst: first.ip, dport: first.port }
  stop = stops('filter-forward') ?? stops('filter-input')
  if (stop) return result(stop)

  // nat-postrouting sees the translated destination; one run per endpoint the trace reached.
  const markBefore = run.mark
  for (const target of run.targets.length > 0 ? run.targets : [undefined]) {
    run.mark = markBefore
    runBaseChain(run, 'nat-postrouting', target ? { ...pkt, dst: target.ip, dport: target.port } : pkt)
  }
  return result()
}

function mustIp(text: string): Ip {
  const ip = parseIp(text)
  if (!ip || ip.text !== text) throw new Error(`nft-trace: ${JSON.stringify(text)} is not a canonical IP address`)
  return ip
}

/** The chains the tracer starts from must exist and hook where kube-proxy hooks them. */
function checkHooks(table: NftTable): void {
  for (const [name, type, hook] of HOOKS) {
    const base = table.chains.get(name)?.base
    if (!base || base.type !== type || base.hook !== hook) throw new Error(`nft-trace: ${table.family} ${table.name} has no base chain ${name} (type ${type} hook ${hook})`)
  }
  // The source-range firewall must see the destination before DNAT rewrites it.
  if (table.chains.get('filter-prerouting-pre-dnat')!.base!.priority >= table.chains.get('nat-prerouting')!.base!.priority)
    throw new Error('nft-trace: filter-prerouting-pre-dnat does not run before nat-prerouting')
}

function runBaseChain(run: Run, name: string, pkt: Packet): Outcome {
  const outcome = runChain(run, name, pkt, 0)
  if (outcome !== 'next') return outcome
  const policy = run.table.chains.get(name)!.base!.policy
  if (policy === 'accept') return 'accept'
  if (policy === 'drop') return 'drop'
  throw new Error(`nft-trace: unsupported policy ${policy} on ${name}`)
}

function runChain(run: Run, name: string, pkt: Packet, depth: number): Outcome {
  if (depth > 32) throw new Error(`nft-trace: chain nesting deeper than 32 at ${name} (a loop?)`)
  const chain = run.table.chains.get(name)
  if (!chain) throw new Error(`nft-trace: no chain ${name}`)
  for (const rule of chain.rules) {
    const outcome = runRule(run, rule, pkt, depth)
    if (outcome === 'continue') continue
    return outcome === 'return' ? 'next' : outcome
  }
  return 'next'
}

function runRule(run: Run, rule: NftRule, pkt: Packet, depth: number): RuleOutcome {
  const acted = () => run.matched.push(`${rule.chain}: ${rule.text}`)
  for (const item of rule.items) {
    switch (item.kind) {
      case 'lookup':
        if ((lookup(run.table, item.set, item.fields, pkt) !== undefined) === item.negate) return 'continue'
        break
      case 'ctStateNew':
        break
      case 'ctStatusDnat':
        if (!run.dnatDone) return 'continue'
        break
      case 'fibLocal': {
        const ip = item.field === 'saddr' ? pkt.src : pkt.dst
        if (!run.localIPs.some((l) => sameIp(l, ip))) return 'continue'
        break
      }
      case 'markTest':
        if ((((run.mark & item.mask) >>> 0) === item.value) !== item.equal) return 'continue'
        break
      case 'markSet':
        if (item.op === 'or') {
          run.mark = (run.mark | item.value) >>> 0
          run.markedForMasquerade = true
        } else run.mark = (run.mark ^ item.value) >>> 0
        break
      case 'update':
        break
      case 'vmap': {
        const element = lookup(run.table, item.map, item.fields, pkt)
        if (!element) return 'continue'
        acted()
        return runVerdict(run, element.verdict!, pkt, depth)
      }
      case 'verdict':
        acted()
        return runVerdict(run, item.verdict, pkt, depth)
      case 'masquerade':
        acted()
        run.masqueraded = true
        return 'accept'
      case 'dnat':
        acted()
        run.targets.push(...item.targets)
        run.dnatDone = true
        return 'accept'
      case 'numgen': {
        acted()
        // Follow every pick, in index order, so the output lists every endpoint.
        const outcomes = new Set(item.verdicts.map((v) => runVerdict(run, v, pkt, depth)))
        if (outcomes.size !== 1) throw new Error(`nft-trace: numgen entries of ${rule.chain} end differently (${[...outcomes].join(', ')})`)
        return [...outcomes][0]!
      }
    }
  }
  acted()
  return 'continue'
}

function runVerdict(run: Run, verdict: Verdict, pkt: Packet, depth: number): RuleOutcome {
  switch (verdict.kind) {
    case 'accept':
    case 'drop':
    case 'reject':
    case 'return':
      return verdict.kind
    case 'jump': {
      const outcome = runChain(run, verdict.chain, pkt, depth + 1)
      return outcome === 'next' ? 'continue' : outcome
    }
    case 'goto': {
      // goto does not come back: when the target chain ends, so does this one.
      const outcome = runChain(run, verdict.chain, pkt, depth + 1)
      return outcome === 'next' ? 'return' : outcome
    }
  }
}

function lookup(table: NftTable, ref: SetRef, fields: readonly Field[], pkt: Packet): NftElement | undefined {
  const elements = 'named' in ref ? table.containers.get(ref.named)!.elements : ref.anonymous
  return elements.find((e) => e.key.every((part, i) => fieldMatches(fields[i]!, part, pkt)))
}

function fieldMatches(field: Field, part: string, pkt: Packet): boolean {
  switch (field) {
    case 'l4proto':
      return part === pkt.proto
    case 'dport':
      return Number(part) === pkt.dport
    case 'saddr':
    case 'daddr': {
      const ip = field === 'saddr' ? pkt.src : pkt.dst
      if (part.includes('/')) return cidrContains(parseCidr(part)!, ip)
      return sameIp(parseIp(part)!, ip)
    }
  }
}

function sameIp(a: Ip, b: Ip): boolean {
  return a.family === b.family && a.bytes.every((x, i) => x === b.bytes[i])
}
