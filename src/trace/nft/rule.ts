// Parses the body of one `add rule`: the match and statement shapes kube-proxy writes, nothing else.
import { parseIp } from '../../model/ip.ts'
import { parseNumber, quoted, type Cursor } from './tokens.ts'
import type { DnatTarget, Field, Item, NftElement, NftTable, SetRef, TableFamily } from './types.ts'
import { checkValue, elementList, fieldType, parseVerdict } from './values.ts'

/** Items in order; a comment may stand anywhere; nothing may follow a terminal statement. */
export function parseRule(c: Cursor, table: NftTable): Item[] {
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
  if (t === '{') return { anonymous: elementList(c, types, kind === 'map', table, undefined) }
  if (kind === 'map' || fields.length !== 1) throw new Error(`nft-trace: unsupported lookup at ${c.where}`)
  const value = c.next()
  checkValue(value, types[0]!, c.where)
  return { anonymous: [{ key: [value], verdict: undefined, line: undefined, comment: undefined }] }
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
    // The local-traffic detectors by interface (BridgeInterface, InterfaceNamePrefix): `iif [!=] name`, `name*` a prefix.
    case 'iif': {
      c.next()
      const negate = c.peek() === '!='
      if (negate || c.peek() === '==') c.next()
      return { kind: 'iif', negate, name: c.next().replace(/^"(.*)"$/, '$1') }
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
      const entries = elementList(c, ['inet_service'], true, table, undefined)
      return { kind: 'numgen', entries: byIndex(entries, n, c.where) }
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
      return { kind: 'update', set: name }
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
  const asElements = entries.map((e) => ({ key: [String(e.index)], verdict: undefined, line: undefined, comment: undefined }))
  byIndex(asElements, n, c.where)
  return [...entries].sort((a, b) => a.index - b.index).map((e) => e.target)
}
