// Key expressions: the packet fields (and numgen) that rules look up, and that `typeof` declarations type sets by.
import { parseNumber, type Cursor } from './tokens.ts'
import type { DataType, Field, Selector, TableFamily } from './types.ts'
import { fieldType } from './values.ts'

/** One part of a key as written: a packet field, or `numgen random mod N [offset K]`. */
type Expression = Field | { readonly mod: number; readonly offset: number }

/**
 * `ip saddr`, `ip6 daddr`, `meta l4proto`, `th dport` and `numgen random mod 1 offset K`, joined
 * by `.`: the left side of a lookup, or an `update` key. A numgen of more than one value would
 * make the key random; no svcc profile writes one, so it is refused.
 */
export function parseSelectors(c: Cursor, family: TableFamily): Selector[] {
  return parseExpressions(c, family).map((e) => {
    if (typeof e === 'string') return e
    if (e.mod !== 1) throw new Error(`nft-trace: a random key part (numgen random mod ${e.mod}) at ${c.where}`)
    return { constant: e.offset }
  })
}

export function selectorType(s: Selector, family: TableFamily): DataType {
  return typeof s === 'string' ? fieldType(s, family) : 'integer'
}

/** The types of a `typeof` expression (`typeof ip saddr . numgen random mod 1`): what its key holds. */
export function typeofTypes(c: Cursor, family: TableFamily): DataType[] {
  return parseExpressions(c, family).map((e) => (typeof e === 'string' ? fieldType(e, family) : 'integer'))
}

function parseExpressions(c: Cursor, family: TableFamily): Expression[] {
  const parts: Expression[] = []
  for (;;) {
    const head = c.next()
    if (head === 'ip' || head === 'ip6') {
      if (head !== family) throw new Error(`nft-trace: ${head} match in an ${family} table at ${c.where}`)
      parts.push(c.expect('saddr', 'daddr') as Field)
    } else if (head === 'meta') parts.push(c.expect('l4proto') as Field)
    else if (head === 'th') parts.push(c.expect('dport') as Field)
    else if (head === 'numgen') parts.push(parseNumgen(c))
    else throw new Error(`nft-trace: unsupported selector ${JSON.stringify(head)} at ${c.where}`)
    if (c.peek() !== '.') return parts
    c.next()
  }
}

/** `random mod N [offset K]` after the word numgen: draws uniformly from K..K+N-1. */
export function parseNumgen(c: Cursor): { mod: number; offset: number } {
  c.expect('random')
  c.expect('mod')
  const mod = parseNumber(c)
  if (mod < 1) throw new Error(`nft-trace: numgen random mod ${mod} at ${c.where}`)
  let offset = 0
  if (c.peek() === 'offset') {
    c.next()
    offset = parseNumber(c)
  }
  return { mod, offset }
}
