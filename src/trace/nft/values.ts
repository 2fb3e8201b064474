// Typed values of the nft language: data types, set elements and verdicts, checked against what they must hold.
import { parseCidr, parseIp } from '../../model/ip.ts'
import { quoted, splitDots, type Cursor } from './tokens.ts'
import { PROTOCOLS, type DataType, type Field, type MapData, type NftElement, type NftTable, type TableFamily, type Verdict } from './types.ts'

export function dataType(text: string, family: TableFamily, where: string): DataType {
  if (text === 'inet_proto' || text === 'inet_service') return text
  if (text === (family === 'ip' ? 'ipv4_addr' : 'ipv6_addr')) return text
  throw new Error(`nft-trace: unsupported data type ${text} in an ${family} table at ${where}`)
}

export function fieldType(field: Field, family: TableFamily): DataType {
  if (field === 'l4proto') return 'inet_proto'
  if (field === 'dport') return 'inet_service'
  return family === 'ip' ? 'ipv4_addr' : 'ipv6_addr'
}

export function checkValue(text: string, type: DataType, where: string): void {
  const ok =
    type === 'integer'
      ? /^[0-9]{1,10}$/.test(text) && Number(text) <= 0xffffffff
      : type === 'inet_proto'
        ? PROTOCOLS.has(text)
        : type === 'inet_service'
          ? /^[0-9]{1,5}$/.test(text) && Number(text) <= 65535
          : (text.includes('/') ? parseCidr(text)?.family : parseIp(text)?.family) === (type === 'ipv4_addr' ? 'ipv4' : 'ipv6')
  if (!ok) throw new Error(`nft-trace: ${JSON.stringify(text)} is not a valid ${type} at ${where}`)
}

/**
 * `{ k1 . k2 [comment "…"] [: value] , … }`, checked against the key types and the map's data
 * (undefined for a set). `line` is the `add element` line the list stands on; undefined for a
 * rule's anonymous set.
 */
export function elementList(c: Cursor, key: readonly DataType[], data: MapData | undefined, table: NftTable, line: number | undefined): NftElement[] {
  c.expect('{')
  const elements: NftElement[] = []
  for (;;) {
    elements.push(parseElement(c, key, data, table, line))
    if (c.expect(',', '}') === '}') return elements
  }
}

/** One element, up to the `,` or `}` after it (which is left to the caller). */
export function parseElement(c: Cursor, key: readonly DataType[], data: MapData | undefined, table: NftTable, line: number | undefined): NftElement {
  const where = c.where
  const keyTokens = until(c, [',', '}', ':', 'comment'])
  let comment: string | undefined
  if (c.peek() === 'comment') {
    c.next()
    comment = quoted(c)
  }
  const parts = typedParts(keyTokens, key, 'element', where)
  if (c.peek() !== ':') {
    if (data !== undefined) throw new Error(`nft-trace: map element without a value at ${where}`)
    return { key: parts, verdict: undefined, line, comment }
  }
  if (data === undefined) throw new Error(`nft-trace: set element with a value at ${where}`)
  c.next()
  if (data === 'verdict') return { key: parts, verdict: parseVerdict(c, table), line, comment }
  return { key: parts, verdict: undefined, value: typedParts(until(c, [',', '}']), data, 'value', where), line, comment }
}

function until(c: Cursor, stops: readonly string[]): string[] {
  const tokens: string[] = []
  while (!stops.includes(c.peek() ?? stops[0]!)) tokens.push(c.next())
  return tokens
}

function typedParts(tokens: readonly string[], types: readonly DataType[], what: string, where: string): string[] {
  const parts = splitDots(tokens, where)
  if (parts.length !== types.length) throw new Error(`nft-trace: ${what} ${tokens.join(' ')} does not fit type ${types.join(' . ')} at ${where}`)
  parts.forEach((p, i) => checkValue(p, types[i]!, where))
  return parts
}

export function parseVerdict(c: Cursor, table: NftTable): Verdict {
  const word = c.expect('accept', 'drop', 'reject', 'return', 'jump', 'goto')
  if (word === 'jump' || word === 'goto') {
    const chain = c.next()
    if (!table.chains.has(chain)) throw new Error(`nft-trace: ${word} to undeclared chain ${chain} at ${c.where}`)
    return { kind: word, chain }
  }
  return { kind: word as 'accept' | 'drop' | 'reject' | 'return' }
}

export function formatVerdict(v: Verdict): string {
  return v.kind === 'jump' || v.kind === 'goto' ? `${v.kind} ${v.chain}` : v.kind
}
