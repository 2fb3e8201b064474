// One-line flow collections (`[a, b]`, `{app: web}`, `{}`) for the fast YAML reader.
import { resolvePlain } from './yaml-scalar.ts'
import { bail, COLON, COMMA, DQ, HASH, LBRACE, LBRACKET, RBRACE, RBRACKET, Scan, scalarLength, scanQuoted, skipSpaces, SPACE, SQ, startsPlain, type Located } from './yaml-scan.ts'

/**
 * Reads flow collections (`[a, b]`, `{app: web}`, `{}`) that close on their own line, of scalars
 * and flow collections. Falls back (throws NOT_IN_SUBSET) for trailing commas, empty entries,
 * implicit pairs in sequences, keys without a space after their ':', comments inside and
 * anything spanning lines. One reader serves a whole text, so a flow collection costs no more
 * allocations than its values.
 */
export class FlowReader {
  private readonly text: string
  private readonly positions: boolean
  private readonly scan = new Scan()
  private lineEnd = 0
  /** Offset past the last collection or entry read. */
  end = 0
  /** The last node read, when positions are recorded. */
  node: Located | undefined

  constructor(text: string, positions: boolean) {
    this.text = text
    this.positions = positions
  }

  /** The flow collection at `at`, closed before `lineEnd`, nested at most `depthLeft` deep; `end` is then past it. */
  read(at: number, lineEnd: number, depthLeft: number): unknown {
    this.lineEnd = lineEnd
    return this.collection(at, depthLeft)
  }

  private collection(at: number, depthLeft: number): unknown {
    if (depthLeft <= 0) bail()
    return this.text.charCodeAt(at) === LBRACKET ? this.sequence(at, depthLeft) : this.mapping(at, depthLeft)
  }

  private sequence(at: number, depthLeft: number): unknown[] {
    const seq: unknown[] = []
    const members: Located[] | undefined = this.positions ? [] : undefined
    this.entries(at, RBRACKET, () => {
      seq.push(this.entry(this.end, false, depthLeft))
      members?.push(this.node!)
    })
    if (members) this.node = { start: at, length: 1, members }
    return seq
  }

  private mapping(at: number, depthLeft: number): Record<string, unknown> {
    const text = this.text
    const map: Record<string, unknown> = {}
    const members = this.positions ? new Map<string, Located>() : undefined
    this.entries(at, RBRACE, () => {
      const key = this.entry(this.end, true, depthLeft)
      // Non-string keys are stringified by yaml its own way; `<<` is a merge key in some schemas.
      if (typeof key !== 'string' || key === '<<' || Object.prototype.hasOwnProperty.call(map, key)) bail()
      const colon = this.end
      if (text.charCodeAt(colon) !== COLON || text.charCodeAt(colon + 1) !== SPACE) bail()
      const value = this.entry(skipSpaces(text, colon + 1), false, depthLeft)
      if (key === '__proto__') Object.defineProperty(map, key, { value, writable: true, enumerable: true, configurable: true })
      else map[key] = value
      members?.set(key, this.node!)
    })
    if (members) this.node = { start: at, length: 1, members }
    return map
  }

  /** Calls `read` for each entry between the bracket at `at` and its `close` (`end` is at the entry), then sets `end` past the closing bracket. */
  private entries(at: number, close: number, read: () => void): void {
    const text = this.text
    let i = skipSpaces(text, at + 1)
    if (text.charCodeAt(i) !== close) {
      for (;;) {
        this.end = i
        read()
        i = skipSpaces(text, this.end)
        const c = text.charCodeAt(i)
        if (c === close) break
        if (c !== COMMA) bail()
        i = skipSpaces(text, i + 1)
        if (text.charCodeAt(i) === close) bail() // a trailing comma
      }
    }
    this.end = i + 1
  }

  /** An entry at `at`; a key stops at its ':'. Sets `end` past it. */
  private entry(at: number, isKey: boolean, depthLeft: number): unknown {
    const text = this.text
    const c = text.charCodeAt(at)
    if (at >= this.lineEnd) bail()
    if (c === LBRACKET || c === LBRACE) {
      if (isKey) bail()
      return this.collection(at, depthLeft - 1)
    }
    let value: unknown
    let end: number
    if (c === DQ || c === SQ) {
      scanQuoted(text, at, this.lineEnd, this.scan)
      value = this.scan.value
      end = this.scan.end
    } else {
      if (!startsPlain(text, at, true)) bail()
      end = at
      for (let i = at; i < this.lineEnd; i++) {
        const d = text.charCodeAt(i)
        if (d === COMMA || d === RBRACKET || d === RBRACE || d === LBRACKET || d === LBRACE) break
        // As in yaml's lexer, a ':' ends a flow plain scalar only before a space or a flow indicator (IPv6 text stays whole).
        if (d === COLON) {
          const next = i + 1 < this.lineEnd ? text.charCodeAt(i + 1) : SPACE
          if (next === SPACE || next === COMMA || next === RBRACKET || next === RBRACE || next === LBRACKET || next === LBRACE) {
            if (isKey) break
            bail() // an implicit pair inside a flow sequence, or a second ':'
          }
        }
        if (d === HASH || d < SPACE) bail()
        if (d !== SPACE) end = i + 1
      }
      value = resolvePlain(text.slice(at, end))
    }
    this.end = end
    if (this.positions) this.node = { start: at, length: scalarLength(value, end - at) }
    return value
  }
}
