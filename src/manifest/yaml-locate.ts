// Positions of field paths in YAML the fast reader accepted, as locate.ts finds them in yaml's Document for the same text.
import type { PathSegment } from '../diagnostics/diagnostic.ts'
import { LinePositions } from '../diagnostics/line-positions.ts'
import { listIndex, type Position } from './locate.ts'
import type { YamlFastStream } from './yaml-fast.ts'
import { BlockReader } from './yaml-reader.ts'
import type { Located } from './yaml-scan.ts'

/**
 * Why: the fast path keeps no positions (most compiles report nothing). The first lookup in a
 * document reads it once more, recording node offsets but only skimming sequence items; an item
 * is read when a lookup first enters it. The tree is kept, so later lookups (hundreds on a
 * 20k-item List) cost a few map lookups each and read at most one more item.
 */
export class YamlPositions {
  private readonly text: string
  private readonly stream: YamlFastStream
  private readonly roots = new Map<number, Located | undefined>()
  private readonly lines: LinePositions

  constructor(text: string, stream: YamlFastStream) {
    this.text = text
    this.stream = stream
    this.lines = new LinePositions(text)
  }

  /** The closest existing node along `path` in document `doc`, so a missing field points at its parent. */
  locate(doc: number, path: readonly PathSegment[]): Position | undefined {
    let node = this.root(doc)
    if (node === undefined) return undefined
    let n = 0
    for (; n < path.length; n++) {
      const next = this.child(node, path[n]!)
      if (next === undefined) break
      node = next
    }
    const { line, col } = this.lines.linePos(node.start)
    return { line, column: col, length: n === path.length ? node.length : 1 }
  }

  private root(doc: number): Located | undefined {
    if (!this.roots.has(doc)) {
      const start = this.stream.starts[doc]
      let root: Located | undefined
      try {
        root = start === undefined ? undefined : new BlockReader(this.text, true).readDocument(start).node
      } catch {
        root = undefined // cannot happen: the same text was read without positions
      }
      this.roots.set(doc, root)
    }
    return this.roots.get(doc)
  }

  /** A member as yaml's Collection.get resolves a path segment: keys by equal value, list items by index (a digit string too). */
  private child(node: Located, segment: PathSegment): Located | undefined {
    const members = node.members
    if (members === undefined) return undefined
    if (!Array.isArray(members)) return typeof segment === 'string' ? members.get(segment) : undefined
    const index = listIndex(segment)
    if (index === undefined || index >= members.length) return undefined
    const item = members[index]!
    if (typeof item !== 'number') return item
    // An item not read yet: read it now, once.
    let read: Located | undefined
    try {
      read = new BlockReader(this.text, true).readItem(item)
    } catch {
      read = undefined // cannot happen: the same text was read without positions
    }
    if (read !== undefined) members[index] = read
    return read
  }
}
