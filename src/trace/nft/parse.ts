// Reads `nft -f` text back into tables, chains, rules, sets and maps, keeping the line of every rule and element.
import { parseRule } from './rule.ts'
import { braces, clauses, Cursor, splitDots, tokenize } from './tokens.ts'
import type { NftChain, NftContainer, NftElement, NftRuleset, NftTable, TableFamily } from './types.ts'
import { dataType, elementList } from './values.ts'

/*
 * Only the rule shapes kube-proxy writes are understood (both its classic and its hairpin
 * design). Anything else throws while parsing, so a rule the tracer cannot read can never be
 * skipped silently and make a flow pass by accident.
 */

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
    const c = new Cursor(line.tokens.slice(2), where, line.n)
    const table = lookupTable(tables, c)
    const name = c.next()
    if (line.tokens[1] === 'rule') {
      const chain = table.chains.get(name)
      if (!chain) throw new Error(`nft-trace: rule for undeclared chain at ${where}`)
      const text = /^\s*add\s+rule\s+\S+\s+\S+\s+\S+\s+(.*?)\s*$/.exec(line.raw)?.[1] ?? line.tokens.slice(5).join(' ')
      chain.rules.push({ chain: name, text, line: line.n, items: parseRule(c, table) })
    } else {
      const container = table.containers.get(name)
      if (!container) throw new Error(`nft-trace: element for undeclared set or map at ${where}`)
      for (const element of elementList(c, container.key, container.kind === 'map', table, line.n)) addElement(container, element, where)
      c.end()
    }
  }
  return { tables: [...tables.values()] }
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

function containerSpec(tokens: readonly string[], kind: 'set' | 'map', family: TableFamily, where: string): Pick<NftContainer, 'key' | 'flags' | 'timeout'> {
  const spec = clauses(tokens)
  const type = spec.get('type')
  if (!type) throw new Error(`nft-trace: set or map without a type at ${where}`)
  const colon = type.indexOf(':')
  if ((kind === 'map') !== (colon >= 0)) throw new Error(`nft-trace: ${kind} type ${type.join(' ')} at ${where}`)
  if (kind === 'map' && type.slice(colon + 1).join(' ') !== 'verdict') throw new Error(`nft-trace: only verdict maps are supported, at ${where}`)
  const key = splitDots(colon >= 0 ? type.slice(0, colon) : type, where).map((t) => dataType(t, family, where))
  const timeout = spec.get('timeout')?.[0]
  if (timeout !== undefined && !/^[0-9]+s$/.test(timeout)) throw new Error(`nft-trace: unsupported timeout ${timeout} at ${where}`)
  return { key, flags: (spec.get('flags') ?? []).filter((f) => f !== ','), timeout: timeout === undefined ? undefined : Number.parseInt(timeout, 10) }
}

/** The first add of a key wins, as in nft; adding it again with another verdict is an error. */
function addElement(container: NftContainer, element: NftElement, where: string): void {
  const same = container.elements.find((e) => e.key.join(' . ') === element.key.join(' . '))
  if (!same) container.elements.push(element)
  else if (JSON.stringify(same.verdict) !== JSON.stringify(element.verdict))
    throw new Error(`nft-trace: element ${element.key.join(' . ')} of ${container.name} added twice with different values at ${where}`)
}
