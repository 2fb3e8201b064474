// Reads `nft -f` text back into tables, chains, rules, sets and maps, keeping the line of every rule and element.
import { parseRule } from './rule.ts'
import { braces, clauses, Cursor, splitDots, tokenize } from './tokens.ts'
import { typeofTypes } from './selectors.ts'
import type { DataType, NftChain, NftContainer, NftElement, NftRuleset, NftTable, TableFamily } from './types.ts'
import { dataType, elementList, parseElement } from './values.ts'

/*
 * Only the rule shapes svcc writes are understood: kube-proxy's (both its classic and its
 * hairpin design) and the fast profile's (render/nft/fast.ts: typeof declarations, shared
 * offset maps, multi-line element blocks). Anything else throws while parsing, so a rule the
 * tracer cannot read can never be skipped silently and make a flow pass by accident.
 */

interface Line {
  readonly n: number
  readonly tokens: readonly string[]
  readonly raw: string
}

/** An `add element` command: its first line, and for a multi-line block the lines between `{` and `}`. */
interface ElementCommand {
  readonly head: Line
  readonly block: readonly Line[] | undefined
}

/**
 * Parses every `add table|chain|set|map|rule|element` line. Order does not matter (kube-proxy's
 * reference files group lines by service, not in load order): declarations are read first,
 * then elements, then rules (so a rule that reads a map's elements at offsets finds them).
 * `delete table` and `flush …` lines are skipped, as are blank and `#` lines. An `add element`
 * may be one line, or end in `{` with one element per line up to a line `}` (the fast profile's
 * FastTable); each element keeps its own line. Throws on any line or rule shape it does not
 * know, and on references to chains or sets that are not declared.
 */
export function parseNft(text: string): NftRuleset {
  const tables = new Map<string, NftTable>()
  const lines: Line[] = text.split('\n').map((line, i) => ({ n: i + 1, tokens: tokenize(line, i + 1), raw: line }))
  const rules: Line[] = []
  const elements: ElementCommand[] = []
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!
    const [verb, object] = line.tokens
    if (verb === undefined || verb.startsWith('#')) continue
    const where = whereOf(line)
    if (verb === 'flush' || (verb === 'delete' && object === 'table')) continue
    if (verb !== 'add') throw new Error(`nft-trace: unsupported command at ${where}`)
    const c = new Cursor(line.tokens.slice(2), where, line.n)
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
        const spec = containerSpec(braces(c), object, table.family, where, line.n)
        c.end()
        if (!table.containers.has(name)) table.containers.set(name, { name, kind: object, ...spec, elements: [] })
        break
      }
      case 'rule':
        rules.push(line)
        break
      case 'element': {
        if (line.tokens.length !== 6 || line.tokens[5] !== '{') {
          elements.push({ head: line, block: undefined })
          break
        }
        const block: Line[] = []
        for (i++; i < lines.length && lines[i]!.tokens.join(' ') !== '}'; i++) block.push(lines[i]!)
        if (i >= lines.length) throw new Error(`nft-trace: element block without its closing } at ${where}`)
        elements.push({ head: line, block })
        break
      }
      default:
        throw new Error(`nft-trace: unsupported object at ${where}`)
    }
  }
  for (const command of elements) addElements(tables, command)
  for (const line of rules) {
    const where = whereOf(line)
    const c = new Cursor(line.tokens.slice(2), where, line.n)
    const table = lookupTable(tables, c)
    const name = c.next()
    const chain = table.chains.get(name)
    if (!chain) throw new Error(`nft-trace: rule for undeclared chain at ${where}`)
    const text = /^\s*add\s+rule\s+\S+\s+\S+\s+\S+\s+(.*?)\s*$/.exec(line.raw)?.[1] ?? line.tokens.slice(5).join(' ')
    chain.rules.push({ chain: name, text, line: line.n, items: parseRule(c, table) })
  }
  return { tables: [...tables.values()] }
}

function whereOf(line: Line): string {
  return `line ${line.n}: ${line.raw}`
}

/** `add element t NAME { … }` on one line, or a block with one element per line, each line its own. */
function addElements(tables: Map<string, NftTable>, { head, block }: ElementCommand): void {
  const where = whereOf(head)
  const c = new Cursor(head.tokens.slice(2), where, head.n)
  const table = lookupTable(tables, c)
  const container = table.containers.get(c.next())
  if (!container) throw new Error(`nft-trace: element for undeclared set or map at ${where}`)
  if (block === undefined) {
    for (const element of elementList(c, container.key, container.data, table, head.n)) addElement(container, element, where)
    c.end()
    return
  }
  for (const line of block) {
    if (line.tokens.length === 0 || line.tokens[0]!.startsWith('#')) continue
    const e = new Cursor(line.tokens, whereOf(line), line.n)
    addElement(container, parseElement(e, container.key, container.data, table, line.n), e.where)
    if (e.peek() === ',') e.next()
    e.end()
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

/** `type a . b [: data]` or `typeof expression [: data]` (the fast profile), flags and timeout. */
function containerSpec(tokens: readonly string[], kind: 'set' | 'map', family: TableFamily, where: string, line: number): Pick<NftContainer, 'key' | 'data' | 'flags' | 'timeout'> {
  const spec = clauses(tokens)
  const byType = spec.get('type')
  const written = byType ?? spec.get('typeof')
  if (!written) throw new Error(`nft-trace: set or map without a type at ${where}`)
  const colon = written.indexOf(':')
  if ((kind === 'map') !== (colon >= 0)) throw new Error(`nft-trace: ${kind} type ${written.join(' ')} at ${where}`)
  const types = (part: readonly string[]): DataType[] => {
    if (byType) return splitDots(part, where).map((t) => dataType(t, family, where))
    const c = new Cursor(part, where, line)
    const found = typeofTypes(c, family)
    c.end()
    return found
  }
  const key = types(colon >= 0 ? written.slice(0, colon) : written)
  const dataTokens = written.slice(colon + 1)
  const data = colon < 0 ? undefined : dataTokens.join(' ') === 'verdict' ? 'verdict' : types(dataTokens)
  const timeout = spec.get('timeout')?.[0]
  if (timeout !== undefined && !/^[0-9]+s$/.test(timeout)) throw new Error(`nft-trace: unsupported timeout ${timeout} at ${where}`)
  return { key, data, flags: (spec.get('flags') ?? []).filter((f) => f !== ','), timeout: timeout === undefined ? undefined : Number.parseInt(timeout, 10) }
}

/**
 * The first add of a key wins, as in nft; adding it again with another value is an error. A
 * range (CIDR) needs an interval set, as in nft: elsewhere it would not be read as one.
 */
function addElement(container: NftContainer, element: NftElement, where: string): void {
  if (element.key.some((part) => part.includes('/')) && !container.flags.includes('interval'))
    throw new Error(`nft-trace: range ${element.key.join(' . ')} in ${container.name}, which has no flags interval, at ${where}`)
  const same = container.elements.find((e) => e.key.join(' . ') === element.key.join(' . '))
  if (!same) container.elements.push(element)
  else if (JSON.stringify([same.verdict, same.value]) !== JSON.stringify([element.verdict, element.value]))
    throw new Error(`nft-trace: element ${element.key.join(' . ')} of ${container.name} added twice with different values at ${where}`)
}
