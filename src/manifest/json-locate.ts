// Positions of field paths in valid JSON text, as locate.ts finds them in yaml's Document for the same text.
import type { PathSegment } from '../diagnostics/diagnostic.ts'
import { LinePositions } from '../diagnostics/line-positions.ts'
import { listIndex, type Position } from './locate.ts'

/**
 * A container's members as far as they have been read: objects are read up to the key asked for,
 * arrays up to the index asked for, and `next` is where reading resumes (-1 once the end is reached).
 */
interface Members {
  readonly kind: 'object' | 'array'
  readonly keys: Map<string, number>
  readonly starts: number[]
  next: number
}

/**
 * Why: a diagnostic on a `kubectl -o json` List (10k Services give hundreds of notices) used to
 * need yaml's Document of the whole text, 30 s to build. This reads only the containers on the
 * path, and each only as far as the member asked for (what it read is kept), so locating
 * diagnostics in order costs at most one skim of the text. Only for text JSON.parse accepted
 * without duplicated keys: then yaml's node ranges are the token offsets used here (collections
 * at '{' or '[', scalars from their first to past their last character; null has no length).
 */
export class JsonPositions {
  private readonly containers = new Map<number, Members | undefined>()
  private readonly lines: LinePositions
  private readonly text: string

  constructor(text: string) {
    this.text = text
    this.lines = new LinePositions(text)
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
    const { line, col } = this.lines.linePos(at)
    return { line, column: col, length: n === path.length ? scalarLength(this.text, at) : 1 }
  }

  /** Offset of a member's value, as yaml's Collection.get resolves keys (a digit string also indexes a list). */
  private child(at: number, segment: PathSegment): number | undefined {
    let c = this.containers.get(at)
    if (c === undefined && !this.containers.has(at)) {
      c = openContainer(this.text, at)
      this.containers.set(at, c)
    }
    if (c === undefined) return undefined
    if (c.kind === 'object') {
      if (typeof segment !== 'string') return undefined
      while (!c.keys.has(segment) && readMember(this.text, c));
      return c.keys.get(segment)
    }
    const index = listIndex(segment)
    if (index === undefined) return undefined
    while (c.starts.length <= index && readMember(this.text, c));
    return c.starts[index]
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

/** The container at i, nothing read yet; undefined for a scalar. */
function openContainer(text: string, i: number): Members | undefined {
  const open = text.charCodeAt(i)
  if (open !== 0x7b && open !== 0x5b) return undefined
  const first = skipSpace(text, i + 1)
  const empty = text.charCodeAt(first) === (open === 0x7b ? 0x7d : 0x5d)
  return { kind: open === 0x7b ? 'object' : 'array', keys: new Map(), starts: [], next: empty ? -1 : first }
}

/** Reads one more member of `c`; false when there was none left. */
function readMember(text: string, c: Members): boolean {
  let j = c.next
  if (j < 0) return false
  let value = j
  if (c.kind === 'object') {
    if (text.charCodeAt(j) !== 0x22) return (c.next = -1), false
    const keyEnd = stringEnd(text, j)
    const key = JSON.parse(text.slice(j, keyEnd)) as string
    value = skipSpace(text, skipSpace(text, keyEnd) + 1) // past the ':'
    if (!c.keys.has(key)) c.keys.set(key, value)
  } else c.starts.push(j)
  j = skipSpace(text, valueEnd(text, value))
  c.next = text.charCodeAt(j) === 0x2c ? skipSpace(text, j + 1) : -1
  return true
}

/** yaml's length for a node at the end of the path: its text for a string, number or boolean; 1 for null and collections. */
function scalarLength(text: string, i: number): number {
  const c = text.charCodeAt(i)
  if (c === 0x7b || c === 0x5b || c === 0x6e /* null */) return 1
  return Math.max(1, valueEnd(text, i) - i)
}
