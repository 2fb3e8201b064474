// Resolves a field path inside a parsed YAML document to a 1-based line and column.
import type { Document, LineCounter } from 'yaml'
import type { PathSegment } from '../diagnostics/diagnostic.ts'
import { yamlLibrary } from '../packages.ts'

export interface Position {
  readonly line: number
  readonly column: number
  readonly length: number
}

/** Finds the closest existing node along `path`, so a missing field points at its parent. */
export function locate(doc: Document, lineCounter: LineCounter, path: readonly PathSegment[]): Position | undefined {
  const { isNode } = yamlLibrary()
  for (let n = path.length; n >= 0; n--) {
    const node: unknown = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true)
    if (isNode(node) && node.range) {
      const { line, col } = lineCounter.linePos(node.range[0])
      const length = n === path.length && isScalarLike(node) ? Math.max(1, node.range[1] - node.range[0]) : 1
      return { line, column: col, length }
    }
  }
  return undefined
}

function isScalarLike(node: { range?: unknown; toJSON?: unknown }): boolean {
  return 'value' in node && typeof (node as { value: unknown }).value !== 'object'
}

/**
 * The list index a path segment names, as yaml's Collection.get reads it: a whole non-negative
 * number, or a non-empty digit string; undefined for anything else. JsonPositions and YamlPositions
 * use it so that their answers stay those of locate() above.
 */
export function listIndex(segment: PathSegment): number | undefined {
  const index = typeof segment === 'string' && segment !== '' ? Number(segment) : segment
  return typeof index === 'number' && Number.isInteger(index) && index >= 0 ? index : undefined
}
