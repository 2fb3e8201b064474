// The block-style YAML that kubectl and people write → values (and optionally node positions), in one pass over the text.
//
// The reader walks content lines (blank and comment lines are skipped) and decides each node from
// its first characters and indentation, as yaml's lexer does. Whatever it does not recognise with
// certainty throws NOT_IN_SUBSET, and parseYamlFast (yaml-fast.ts) then leaves the text to yaml.
// Comments cite the yaml 2.x function whose behaviour a rule copies.
import { MAX_NESTING } from './parse.ts'
import { FlowReader } from './yaml-flow.ts'
import { readLiteral } from './yaml-literal.ts'
import { resolvePlain } from './yaml-scalar.ts'
import { bail, COLON, DASH, DOT, DQ, HASH, LBRACE, LBRACKET, NL, PIPE, Scan, scalarLength, scanPlain, scanQuoted, skipSpaces, SPACE, SQ, TAB, type Located } from './yaml-scan.ts'

/** Far from MAX_NESTING on purpose: yaml's own depth check counts its tokens, not ours. */
const MAX_DEPTH = MAX_NESTING / 2
/** yaml reports implicit keys whose ':' is further than this from their start (KEY_OVER_1024_CHARS). */
const MAX_KEY_LENGTH = 1024

export class BlockReader {
  private readonly text: string
  private readonly positions: boolean
  // The current content line: its start, its end (the '\n' or the text's length) and its indentation.
  private lineStart = 0
  private lineEnd = 0
  private indent = 0
  private depth = 0
  private readonly scan = new Scan()
  private readonly flow: FlowReader
  /** The last node read, when positions are recorded. */
  private node: Located | undefined

  constructor(text: string, positions: boolean) {
    this.text = text
    this.positions = positions
    this.flow = new FlowReader(text, positions)
  }

  /** True when the reader stands on a content line (not at the end of the text). */
  get atContent(): boolean {
    return this.lineStart < this.text.length
  }

  get currentLineStart(): number {
    return this.lineStart
  }

  /** Moves to the first content line at or after the line that starts at `from`; false at the end of the text. */
  skipToContent(from: number): boolean {
    const text = this.text
    let at = from
    while (at < text.length) {
      let end = text.indexOf('\n', at)
      if (end < 0) end = text.length
      let i = at
      while (text.charCodeAt(i) === SPACE) i++
      const c = text.charCodeAt(i)
      if (c === TAB) bail() // yaml's rules for tabs in indentation are not copied here
      if (i < end && c !== HASH) {
        this.lineStart = at
        this.lineEnd = end
        this.indent = i - at
        return true
      }
      at = end + 1
    }
    this.lineStart = this.lineEnd = text.length
    this.indent = 0
    return false
  }

  /** A `---` or `...` line (yaml's lexer: at column 0, followed by whitespace or the end). */
  atMarker(): boolean {
    if (this.indent !== 0 || this.lineStart >= this.text.length) return false
    const c = this.text.charCodeAt(this.lineStart)
    if (c !== DASH && c !== DOT) return false
    const t = this.text
    const s = this.lineStart
    if (t.charCodeAt(s + 1) !== c || t.charCodeAt(s + 2) !== c) return false
    const next = t.charCodeAt(s + 3)
    if (next === TAB) bail()
    return next === SPACE || next === NL || s + 3 >= t.length
  }

  /** On a marker line: `---` (rather than `...`). */
  atDocumentStart(): boolean {
    return this.text.charCodeAt(this.lineStart) === DASH
  }

  /** The rest of a marker line may hold only a comment (`--- # x`); content there is left to yaml. */
  markerLineEnd(): number {
    this.expectLineEnd(this.lineStart + 3)
    return this.lineEnd
  }

  /**
   * One document's contents from the line that starts at `from`: null when it is empty. Ends on
   * the next marker line or at the end of the text; other content after the root node falls back.
   */
  readDocument(from: number): { value: unknown; node: Located | undefined } {
    this.node = undefined
    if (!this.skipToContent(from) || this.atMarker()) return { value: null, node: undefined }
    const at = this.lineStart + this.indent
    const c = this.text.charCodeAt(at)
    if (c === PIPE) bail() // block scalars at the root have their own indentation rules in yaml
    const value = this.inlineNode(at, -1, true)
    if (this.atContent && !this.atMarker()) bail()
    return { value, node: this.node }
  }

  private enter(): void {
    if (++this.depth > MAX_DEPTH) bail()
  }

  private isSeqEntry(at: number): boolean {
    if (this.text.charCodeAt(at) !== DASH) return false
    const next = this.text.charCodeAt(at + 1)
    if (next === TAB) bail()
    return next === SPACE || next === NL || at + 1 >= this.text.length
  }

  /** After a node on the current line: only spaces and a comment may follow; then on to the next content line. */
  private finishLine(at: number): void {
    this.expectLineEnd(at)
    this.skipToContent(this.lineEnd + 1)
  }

  private expectLineEnd(at: number): void {
    let i = at
    while (this.text.charCodeAt(i) === SPACE) i++
    if (i >= this.lineEnd) return
    if (this.text.charCodeAt(i) === HASH && i > at) return // a comment needs a space before it
    bail()
  }

  /**
   * The node that starts at `at` on the current line, inside a collection whose own column is
   * `ownerCol` (-1 at the root). `blockAllowed`: a sequence entry or a mapping key may start here
   * (after `- ` or at a line start, but not after `key: `, where yaml reports nested mappings).
   */
  private inlineNode(at: number, ownerCol: number, blockAllowed: boolean): unknown {
    const text = this.text
    const c = text.charCodeAt(at)
    if (this.isSeqEntry(at)) {
      if (!blockAllowed) bail()
      return this.blockSeq(at)
    }
    if (c === PIPE) return this.literal(at, ownerCol)
    if (c === LBRACKET || c === LBRACE) {
      const value = this.flow.read(at, this.lineEnd, MAX_DEPTH - this.depth)
      if (this.positions) this.node = this.flow.node
      this.finishLine(this.flow.end)
      return value
    }
    let end: number
    let value: unknown
    if (c === DQ || c === SQ) {
      scanQuoted(text, at, this.lineEnd, this.scan)
      end = this.scan.end
      value = this.scan.value
      const k = skipSpaces(text, end)
      if (text.charCodeAt(k) === COLON) {
        if (!blockAllowed || k !== end) bail()
        return this.blockMap(at)
      }
    } else {
      scanPlain(text, at, this.lineEnd, this.scan)
      end = this.scan.end
      if (this.scan.colon >= 0) {
        if (!blockAllowed) bail()
        return this.blockMap(at)
      }
      value = resolvePlain(this.scan.value)
    }
    if (this.positions) this.node = { start: at, length: scalarLength(value, end - at) }
    this.finishLine(end)
    return value
  }

  /** A block mapping whose first key starts at `at` on the current line; its column is the mapping's indentation. */
  private blockMap(at: number): Record<string, unknown> {
    this.enter()
    const text = this.text
    const col = at - this.lineStart
    const map: Record<string, unknown> = {}
    const members = this.positions ? new Map<string, Located>() : undefined
    let keyAt = at
    for (;;) {
      let key: string
      let colon: number
      const c = text.charCodeAt(keyAt)
      if (c === DQ || c === SQ) {
        scanQuoted(text, keyAt, this.lineEnd, this.scan)
        colon = this.scan.end
        key = this.scan.value
        if (text.charCodeAt(colon) !== COLON) bail()
        const next = text.charCodeAt(colon + 1)
        if (!(next === SPACE || next === NL || colon + 1 >= text.length)) bail()
      } else {
        scanPlain(text, keyAt, this.lineEnd, this.scan)
        colon = this.scan.colon
        if (colon < 0) bail()
        const resolved = resolvePlain(this.scan.value)
        // yaml turns non-string keys into strings its own way; `<<` is a merge key in some schemas.
        if (typeof resolved !== 'string' || resolved === '<<') bail()
        key = resolved
      }
      if (colon - keyAt > MAX_KEY_LENGTH) bail()
      if (Object.prototype.hasOwnProperty.call(map, key)) bail() // uniqueKeys: yaml reports it
      const value = this.valueAfter(colon + 1, col, true)
      // yaml's addPairToJSMap defines keys that an object already has (only __proto__ matters).
      if (key === '__proto__') Object.defineProperty(map, key, { value, writable: true, enumerable: true, configurable: true })
      else map[key] = value
      if (members) members.set(key, this.node!)
      if (!this.atContent || this.atMarker() || this.indent < col) break
      if (this.indent > col) bail() // a continuation line or a bad indentation
      keyAt = this.lineStart + col
      if (this.isSeqEntry(keyAt)) bail() // a sequence after a key that already has a value
    }
    this.depth--
    if (members) this.node = { start: at, length: 1, members }
    return map
  }

  /**
   * A block sequence whose first `-` is at `at` on the current line. When positions are recorded
   * its items are only skipped (and its value is left empty): a 20k-item List is then skimmed,
   * and only the items a diagnostic asks about are read.
   */
  private blockSeq(at: number): unknown[] {
    this.enter()
    const col = at - this.lineStart
    const seq: unknown[] = []
    const members: number[] | undefined = this.positions ? [] : undefined
    let dash = at
    for (;;) {
      if (members) {
        members.push(dash)
        this.skipItem(col)
      } else seq.push(this.valueAfter(dash + 1, col, false))
      if (!this.atContent || this.atMarker() || this.indent < col) break
      if (this.indent > col) bail()
      dash = this.lineStart + col
      if (!this.isSeqEntry(dash)) break // the next key of the mapping this (kubectl-style) sequence is a value of
    }
    this.depth--
    if (members) this.node = { start: at, length: 1, members }
    return seq
  }

  /**
   * Past the sequence item on the current line, to the next line that is not more indented than
   * the sequence (`col`). Blank and comment lines do not end an item; a literal block scalar's
   * lines are all more indented than the item's '-', and text with tabs in indentation or
   * multi-line scalars never gets here (the reader without positions refused it).
   */
  private skipItem(col: number): void {
    const text = this.text
    let at = this.lineEnd + 1
    while (at < text.length) {
      let end = text.indexOf('\n', at)
      if (end < 0) end = text.length
      let i = at
      while (text.charCodeAt(i) === SPACE) i++
      if (i < end && i - at <= col && text.charCodeAt(i) !== HASH) break
      at = end + 1
    }
    this.skipToContent(at)
  }

  /** The node of the sequence item whose '-' is at `dash`, with positions (see Located.members). */
  readItem(dash: number): Located {
    const text = this.text
    this.lineStart = text.lastIndexOf('\n', dash - 1) + 1
    const end = text.indexOf('\n', dash)
    this.lineEnd = end < 0 ? text.length : end
    this.node = undefined
    this.valueAfter(dash + 1, dash - this.lineStart, false)
    return this.node!
  }

  /**
   * The value after a mapping's `:` or a sequence's `-` (at `after`), in a collection at column
   * `ownerCol`: on the same line, on more indented lines below, or empty (null).
   */
  private valueAfter(after: number, ownerCol: number, inMap: boolean): unknown {
    const text = this.text
    const at = skipSpaces(text, after)
    const c = text.charCodeAt(at)
    if (c === TAB) bail()
    if (at < this.lineEnd && c !== HASH) return this.inlineNode(at, ownerCol, !inMap)
    // yaml places an empty value after the indicator and the spaces that follow it (emptyScalarPosition).
    const empty = at
    if (this.skipToContent(this.lineEnd + 1) && !this.atMarker()) {
      const start = this.lineStart + this.indent
      if (this.indent > ownerCol) {
        if (text.charCodeAt(start) === PIPE) bail() // a block scalar header alone on its line
        return this.inlineNode(start, ownerCol, true)
      }
      // kubectl writes a sequence under a key without indenting it.
      if (inMap && this.indent === ownerCol && this.isSeqEntry(start)) return this.blockSeq(start)
    }
    if (this.positions) this.node = { start: empty, length: 1 }
    return null
  }

  /**
   * A literal block scalar (`|`, `|-`, `|+`) whose header is at `at`, in a collection at column
   * `ownerCol`; see yaml-literal.ts. Explicit indentation indicators fall back.
   */
  private literal(at: number, ownerCol: number): string {
    const text = this.text
    let i = at + 1
    const c = text.charCodeAt(i)
    const chomp = c === DASH ? 'strip' : c === 0x2b /* + */ ? 'keep' : 'clip'
    if (chomp !== 'clip') i++
    if (i < this.lineEnd && text.charCodeAt(i) !== SPACE) bail()
    this.expectLineEnd(i)
    const scalar = readLiteral(text, this.lineEnd + 1, ownerCol, chomp)
    if (scalar === undefined) bail()
    if (this.positions) this.node = { start: at, length: Math.max(1, scalar.end - at) }
    this.skipToContent(scalar.next)
    return scalar.value
  }
}
