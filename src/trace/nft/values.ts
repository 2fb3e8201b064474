// Typed values of the nft language: data types, set elements and verdicts, checked against what they must hold.
import { parseCidr, parseIp } from '../../model/ip.ts'
import { quoted, splitDots, type Cursor } from './tokens.ts'
import { PROTOCOLS, type DataType, type Field, type NftElement, type NftTable, type TableFamily, type Verdict } from './types.ts'

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
    type === 'inet_proto'
      ? PROTOCOLS.has(text)
      : type === 'inet_service'
        ? /^[0-9]{1,5}$/.test(text) && Number(text) <= 65535
        : (text.includes('/') ? parseCidr(text)?.family : parseIp(text)?.family) === (type === 'ipv4_addr' ? 'ipv4' : 'ipv6')
  if (!ok) throw new Error(`nft-trace: ${JSON.stringify(text)} is not a valid ${type} at ${where}`)
}

/**
 * `{ k1 . k2 [comment "…"] [: value] , … }`, checked against the key types. `line` is the
 * `add element` line the list stands on; undefined for a rule's anonymous set.
 */
export function elementList(c: Cursor, key: readonly DataType[], isMap: boolean, table: NftTable, line: number | undefined): NftElement[] {
  const where = c.where
  c.expect('{')
  const elements: NftElement[] = []
  for (;;) {
    const keyTokens: string[] = []
    while (![',', '}', ':', 'comment'].includes(c.peek() ?? '}')) keyTokens.push(c.next())
    let comment: string | undefined
    if (c.peek() === 'comment') {
      c.next()
      comment = quoted(c)
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
    elements.push({ key: parts, verdict, line, comment })
    if (c.expect(',', '}') === '}') return elements
  }
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
