// Pieces shared by the fast YAML reader's modules: character codes, the fallback signal, node positions and one-line scalar scanning.
import { unescapeDoubleQuoted } from './yaml-scalar.ts'

/** Thrown for text outside the subset; never escapes parseYamlFast. */
export const NOT_IN_SUBSET = new Error('svcc internal: YAML outside the fast reader subset')

export function bail(): never {
  throw NOT_IN_SUBSET
}

/** A node's place in the text, as locate.ts reads it from yaml's node.range. */
export interface Located {
  readonly start: number
  /** The scalar's text length for a string, number or boolean; 1 for null and collections (locate.ts's rule). */
  readonly length: number
  /**
   * A mapping's values by key, or a sequence's items. Items of block sequences are read on demand
   * (BlockReader.readItem): a number is the offset of the '-' of an item not read yet.
   */
  readonly members?: Map<string, Located> | (Located | number)[]
}

/** locate.ts's length rule: a string, number or boolean spans its text; null has no length. */
export function scalarLength(value: unknown, textLength: number): number {
  return value === null ? 1 : Math.max(1, textLength)
}

export const TAB = 0x09
export const NL = 0x0a
export const SPACE = 0x20
export const DQ = 0x22
export const HASH = 0x23
export const SQ = 0x27
export const COMMA = 0x2c
export const DASH = 0x2d
export const DOT = 0x2e
export const COLON = 0x3a
export const QUESTION = 0x3f
export const LBRACKET = 0x5b
export const BACKSLASH = 0x5c
export const RBRACKET = 0x5d
export const LBRACE = 0x7b
export const PIPE = 0x7c
export const RBRACE = 0x7d

export function skipSpaces(text: string, at: number): number {
  let i = at
  while (text.charCodeAt(i) === SPACE) i++
  return i
}

/** Characters that cannot start a plain scalar (YAML 1.2 c-indicators); '-', '?' and ':' can, before a non-space. */
const NOT_PLAIN_START = new Set([...'?:,[]{}#&*!|>\'"%@`'].map((c) => c.charCodeAt(0)))

/**
 * Whether a plain scalar may start at `at` (YAML 1.2 ns-plain-first): not with an indicator,
 * except '-', '?' and ':' before a character that could continue it (`-1`, `::1`).
 */
export function startsPlain(text: string, at: number, inFlow: boolean): boolean {
  const c = text.charCodeAt(at)
  if (c === DASH || c === QUESTION || c === COLON) {
    const next = text.charCodeAt(at + 1)
    if (next === SPACE || next === NL || next === TAB || Number.isNaN(next)) return false
    return !(inFlow && (next === COMMA || next === LBRACKET || next === RBRACKET || next === LBRACE || next === RBRACE))
  }
  return !(NOT_PLAIN_START.has(c) || c < SPACE || Number.isNaN(c))
}

/** The result of the last scan, reused so that scanning a scalar allocates only its text. */
export class Scan {
  /** A plain scalar's text (trimmed), or a quoted scalar's value. */
  value = ''
  /** Offset just past the scalar's text. */
  end = 0
  /** For a plain scalar: the offset of the ': ' (or ':' at the line's end) that makes it a key, else -1. */
  colon = -1
}

/**
 * A block-context plain scalar from `at` to the end of its line (`lineEnd`), a ` #` comment, or a
 * `: ` that makes it a key, as yaml's lexer ends one (parsePlainScalar). Tabs and control
 * characters fall back.
 */
export function scanPlain(text: string, at: number, lineEnd: number, scan: Scan): void {
  if (!startsPlain(text, at, false)) bail()
  let end = at
  scan.colon = -1
  for (let i = at; i < lineEnd; i++) {
    const c = text.charCodeAt(i)
    if (c === SPACE) {
      if (text.charCodeAt(i + 1) === HASH) break
      continue
    }
    if (c === COLON) {
      const next = i + 1 < lineEnd ? text.charCodeAt(i + 1) : SPACE
      if (next === SPACE) {
        scan.colon = i
        break
      }
      if (next === TAB) bail()
    } else if (c < SPACE) bail()
    end = i + 1
  }
  scan.value = text.slice(at, end)
  scan.end = end
}

/** A quoted scalar at `at` that closes before `lineEnd` (multi-line ones fall back: yaml folds their line breaks). */
export function scanQuoted(text: string, at: number, lineEnd: number, scan: Scan): void {
  if (text.charCodeAt(at) === SQ) {
    let escaped = false
    for (let i = at + 1; ; ) {
      const j = text.indexOf("'", i)
      if (j < 0 || j >= lineEnd) bail()
      if (text.charCodeAt(j + 1) === SQ) {
        escaped = true
        i = j + 2
        continue
      }
      const body = text.slice(at + 1, j)
      scan.value = escaped ? body.replaceAll("''", "'") : body
      scan.end = j + 1
      return
    }
  }
  let escaped = false
  for (let i = at + 1; i < lineEnd; i++) {
    const c = text.charCodeAt(i)
    if (c === BACKSLASH) {
      escaped = true
      i++
    } else if (c === DQ) {
      const body = text.slice(at + 1, i)
      const value = escaped ? unescapeDoubleQuoted(body) : body
      if (value === undefined) bail()
      scan.value = value
      scan.end = i + 1
      return
    }
  }
  bail()
}
