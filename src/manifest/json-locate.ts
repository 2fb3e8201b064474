// Positions of field paths in valid JSON text, as locate.ts finds them in yaml's Document for the same text.
import type { PathSegment } from '../diagnostics/diagnostic.ts'
import type { Position } from './locate.ts'

type Children = { readonly kind: 'object'; readonly keys: Map<string, number> } | { readonly kind: 'array'; readonly starts: number[] }

/**
 * Why: a diagnostic on a `kubectl -o json` List (10k Services give thousands of notices) used to
 * need yaml's Document of the whole text, 30 s to build. This reads only the containers on the
 * path, each once (their member offsets are cached), so the first lookup costs one skim of the
 * text and later ones a few kB each. Only for text JSON.parse accepted without duplicated keys:
 * then yaml's node ranges are the token offsets used here (collections at '{' or '[', scalars
 * from their first to past their last character; null has no length).
 */
export class JsonPositions {
  private readonly children = new Map<number, Children | undefined>()
  private lineStarts: number[] | undefined
  private readonly text: string

  constructor(text: string) {
    this.text = text
  }

  /** The closest existing node along `path`, so a missing field points at its parent. */
  locate(path: readonly PathSegment[]): Position | undefined {
    let at = skipSpace(this.text, 0)
    let n = 0
    for (; n < path.length; n++) {
      const next = this.child(at, path[n]!)
      if (next === undefined) break
      at = next
    }
    if (at >= this.text.length) return undefined
    const { line, col } = this.linePos(at)
    return { line, column: col, length: n === path.length ? scalarLength(this.text, at) : 1 }
  }

  /** Offset of a member's value, as yaml's Collection.get resolves keys (a digit string also indexes a list). */
  private child(at: number, segment: PathSegment): number | undefined {
    let c = this.children.get(at)
    if (c === undefined && !this.children.has(at)) {
      c = members(this.text, at)
      this.children.set(at, c)
    }
    if (c === undefined) return undefined
    if (c.kind === 'object') return typeof segment === 'string' ? c.keys.get(segment) : undefined
    let index: unknown = segment
    if (typeof index === 'string' && index !== '') index = Number(index)
    return typeof index === 'number' && Number.isInteger(index) && index >= 0 ? c.starts[index] : undefined
  }

  /** 1-based line and column, as yaml's LineCounter.linePos. */
  private linePos(offset: number): { line: number; col: number } {
    if (!this.lineStarts) {
      const starts = [0]
      for (let i = this.text.indexOf('\n'); i >= 0; i = this.text.indexOf('\n', i + 1)) starts.push(i + 1)
      this.lineStarts = starts
    }
    const starts = this.lineStarts
    let low = 0
    let high = starts.length - 1
    while (low < high) {
      const mid = (low + high + 1) >> 1
      if (starts[mid]! <= offset) low = mid
      else high = mid - 1
    }
    return { line: low + 1, col: offset - starts[low]! + 1 }
  }
}

function skipSpace(text: string, i: number): number {
  for (let c = text.charCodeAt(i); c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d; c = text.charCodeAt(++i));
  return i
}

/** Offset just past the string whose opening quote is at i. */
function stringEnd(text: string, i: number): number {
  for (let j = i + 1; ; ) {
    const c = text.charCodeAt(j)
    if (c === 0x22) return j + 1
    j += c === 0x5c ? 2 : 1
    if (j >= text.length) return text.length
  }
}

/** Offset just past the value that starts at i (no leading space). */
function valueEnd(text: string, i: number): number {
  const c = text.charCodeAt(i)
  if (c === 0x22) return stringEnd(text, i)
  if (c !== 0x7b && c !== 0x5b) {
    let j = i
    for (let d = text.charCodeAt(j); j < text.length && !(d === 0x2c || d === 0x7d || d === 0x5d || d === 0x20 || d === 0x09 || d === 0x0a || d === 0x0d); d = text.charCodeAt(++j));
    return j
  }
  let depth = 0
  for (let j = i; j < text.length; ) {
    const d = text.charCodeAt(j)
    if (d === 0x22) {
      j = stringEnd(text, j)
      continue
    }
    if (d === 0x7b || d === 0x5b) depth++
    else if ((d === 0x7d || d === 0x5d) && --depth === 0) return j + 1
    j++
  }
  return text.length
}

/** Value offsets of the members of the container at i, or undefined for a scalar. */
function members(text: string, i: number): Children | undefined {
  const open = text.charCodeAt(i)
  if (open === 0x7b) {
    const keys = new Map<string, number>()
    let j = skipSpace(text, i + 1)
    while (text.charCodeAt(j) === 0x22) {
      const keyEnd = stringEnd(text, j)
      const key = JSON.parse(text.slice(j, keyEnd)) as string
      const value = skipSpace(text, skipSpace(text, keyEnd) + 1) // past the ':'
      if (!keys.has(key)) keys.set(key, value)
      j = skipSpace(text, valueEnd(text, value))
      if (text.charCodeAt(j) !== 0x2c) break
      j = skipSpace(text, j + 1)
    }
    return { kind: 'object', keys }
  }
  if (open === 0x5b) {
    const starts: number[] = []
    let j = skipSpace(text, i + 1)
    if (text.charCodeAt(j) === 0x5d) return { kind: 'array', starts }
    while (j < text.length) {
      starts.push(j)
      j = skipSpace(text, valueEnd(text, j))
      if (text.charCodeAt(j) !== 0x2c) break
      j = skipSpace(text, j + 1)
    }
    return { kind: 'array', starts }
  }
  return undefined
}

/** yaml's length for a node at the end of the path: its text for a string, number or boolean; 1 for null and collections. */
function scalarLength(text: string, i: number): number {
  const c = text.charCodeAt(i)
  if (c === 0x7b || c === 0x5b || c === 0x6e /* null */) return 1
  return Math.max(1, valueEnd(text, i) - i)
}
