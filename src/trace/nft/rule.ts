// Parses the body of one `add rule`: the match and statement shapes kube-proxy and svcc's fast profile write, nothing else.
import { parseIp } from '../../model/ip.ts'
import { parseNumgen, parseSelectors, selectorType } from './selectors.ts'
import { parseNumber, quoted, type Cursor } from './tokens.ts'
import type { DnatTarget, Item, NftElement, NftTable, NumgenMap, Selector, SetRef } from './types.ts'
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

function setRef(c: Cursor, fields: readonly Selector[], table: NftTable, kind: 'set' | 'map'): SetRef {
  const types = fields.map((f) => selectorType(f, table.family))
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
  if (t === '{') return { anonymous: elementList(c, types, kind === 'map' ? 'verdict' : undefined, table, undefined) }
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
      const fields = parseSelectors(c, table.family)
      if (c.peek() === 'vmap') {
        c.next()
        const packetFields = fields.filter((f) => typeof f === 'string')
        if (packetFields.length !== fields.length) throw new Error(`nft-trace: a constant in a vmap key at ${c.where}`)
        return { kind: 'vmap', fields: packetFields, map: setRef(c, fields, table, 'map') }
      }
      const negate = c.peek() === '!='
      if (negate || c.peek() === '==') c.next()
      return { kind: 'lookup', fields, negate, set: setRef(c, fields, table, 'set') }
    }
    // `numgen random mod N vmap { i : goto … }` (kube-proxy), or `… offset K vmap @affinity-targets-G` (fast profile).
    case 'numgen': {
      c.next()
      const { mod, offset } = parseNumgen(c)
      c.expect('vmap')
      if (c.peek()?.startsWith('@')) {
        const { map, elements } = numgenMap(c, table, mod, offset, 'verdict')
        return { kind: 'numgen', entries: elements, map }
      }
      const entries = elementList(c, ['inet_service'], 'verdict', table, undefined)
      return { kind: 'numgen', entries: byIndex(entries, mod, offset, c.where) }
    }
    case 'dnat':
      c.next()
      return parseDnat(c, table)
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
      const fields = parseSelectors(c, table.family)
      c.expect('}')
      if (fields.map((f) => selectorType(f, table.family)).join(' . ') !== set.key.join(' . ')) throw new Error(`nft-trace: update key does not fit @${name} at ${c.where}`)
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

/** Numgen entries must be exactly offset..offset+n-1: anything else would leave some picks unmapped. */
function byIndex(entries: readonly NftElement[], n: number, offset: number, where: string): NftElement[] {
  const sorted = [...entries].sort((a, b) => Number(a.key[0]) - Number(b.key[0]))
  if (sorted.length !== n || sorted.some((e, i) => Number(e.key[0]) !== offset + i))
    throw new Error(`nft-trace: numgen mod ${n}${offset === 0 ? '' : ` offset ${offset}`} with indices ${entries.map((e) => e.key[0]).join(',')} at ${where}`)
  return sorted
}

/**
 * `@name` after `numgen random mod N offset K vmap|map`: a map keyed by numgen (`typeof numgen
 * random mod 1`), whose elements K..K+N-1 are this rule's picks; other rules own the others.
 * Elements are parsed before rules, so they are all there.
 */
function numgenMap(c: Cursor, table: NftTable, n: number, offset: number, data: 'verdict' | 'dnat'): NumgenMap {
  const name = c.next().slice(1)
  const map = table.containers.get(name)
  const wanted = data === 'verdict' ? 'verdict' : `${fieldType('daddr', table.family)} . inet_service`
  const has = map?.data === undefined ? undefined : map.data === 'verdict' ? 'verdict' : map.data.join(' . ')
  if (!map || map.kind !== 'map' || map.key.join(' . ') !== 'integer' || has !== wanted)
    throw new Error(`nft-trace: @${name} is not a declared map of numgen values to ${wanted} at ${c.where}`)
  const mine = map.elements.filter((e) => Number(e.key[0]) >= offset && Number(e.key[0]) < offset + n)
  return { map: `@${name}`, elements: byIndex(mine, n, offset, c.where) }
}

/**
 * `to 10.0.0.1:80`, `to [fd00::1]:80`, `ip addr . port to numgen random mod N map { i : ip . port , … }`
 * (kube-proxy), or `ip addr . port to numgen random mod N offset K map @dnat-targets-G` (fast profile).
 */
function parseDnat(c: Cursor, table: NftTable): Item {
  const ipType = table.family === 'ip' ? 'ipv4' : 'ipv6'
  if (c.peek() === 'to') {
    c.next()
    const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):([0-9]+)$/.exec(c.next())
    const ip = parseIp(m?.[1] ?? m?.[2] ?? '')
    if (!m || !ip || ip.family !== ipType || (ipType === 'ipv6') !== (m[1] !== undefined)) throw new Error(`nft-trace: unsupported dnat target at ${c.where}`)
    return { kind: 'dnat', targets: [{ ip, port: Number(m[3]) }] }
  }
  c.expect(table.family)
  for (const w of ['addr', '.', 'port', 'to', 'numgen']) c.expect(w)
  const { mod: n, offset } = parseNumgen(c)
  c.expect('map')
  const target = (ipText: string, port: number): DnatTarget => {
    const ip = parseIp(ipText)
    if (!ip || ip.family !== ipType || port > 65535) throw new Error(`nft-trace: bad dnat map entry at ${c.where}`)
    return { ip, port }
  }
  if (c.peek()?.startsWith('@')) {
    const from = numgenMap(c, table, n, offset, 'dnat')
    return { kind: 'dnat', targets: from.elements.map((e) => target(e.value![0]!, Number(e.value![1]))), from }
  }
  c.expect('{')
  const entries: { index: number; target: DnatTarget }[] = []
  for (;;) {
    const index = parseNumber(c)
    c.expect(':')
    const ip = c.next()
    c.expect('.')
    entries.push({ index, target: target(ip, parseNumber(c)) })
    if (c.expect(',', '}') === '}') break
  }
  const asElements = entries.map((e) => ({ key: [String(e.index)], verdict: undefined, line: undefined, comment: undefined }))
  byIndex(asElements, n, offset, c.where)
  return { kind: 'dnat', targets: [...entries].sort((a, b) => a.index - b.index).map((e) => e.target) }
}
