// YAML/JSON text → one LoadedObject per Kubernetes object, with positions for diagnostics.
import type { Diagnostic, PathSegment } from '../diagnostics/diagnostic.ts'
import { parseJsonFast } from './json-fast.ts'
import { JsonPositions } from './json-locate.ts'
import { looksLikeJson } from './json-syntax.ts'
import { locate, type Position } from './locate.ts'
import { parseSource, type ParsedSource } from './parse.ts'
import type { Source } from './source.ts'

/** One Kubernetes object: a document, or one item of a `kind: List` document. */
export interface LoadedObject {
  readonly file: string
  /** 0-based index of the document in its file. */
  readonly doc: number
  /** Where the object sits inside the document: [] or ['items', i]. */
  readonly basePath: readonly PathSegment[]
  readonly value: Record<string, unknown>
  /** Position of a field path relative to this object. */
  readonly locate: (path: readonly PathSegment[]) => Position | undefined
  /** The line of text at a 1-based line number, for code frames. */
  readonly sourceLine: (line: number) => string | undefined
}

export interface LoadResult {
  readonly objects: LoadedObject[]
  readonly diagnostics: Diagnostic[]
}

const LIST_KINDS = new Set(['List', 'ServiceList', 'EndpointSliceList', 'NodeList'])

/** Never throws for bad input: syntax errors become YAML_SYNTAX diagnostics. */
export function loadManifests(sources: readonly Source[]): LoadResult {
  const objects: LoadedObject[] = []
  const diagnostics: Diagnostic[] = []
  for (const source of sources) loadSource(source, objects, diagnostics)
  return { objects, diagnostics }
}

function loadSource(source: Source, objects: LoadedObject[], diagnostics: Diagnostic[]): void {
  let lines: string[] | undefined
  const sourceLine = (line: number) => (lines ??= source.text.split('\n'))[line - 1]?.replace(/\r$/, '')
  // For JSON with a byte-order mark: positions from a yaml parse made on the first diagnostic that
  // asks for one (deterministic, so the same as a parse now). YAML keeps its Documents instead:
  // dropping them saved ~1 s of GC at 10k Services, but the first diagnostic (nft's affinity
  // notices are common) then cost a second full parse, ~26 s for 16 MB.
  let reparsed: ParsedSource | undefined
  const lazyAt = (docIndex: number, base: readonly PathSegment[]) => (path: readonly PathSegment[]) => {
    reparsed ??= parseSource(source)
    const document = reparsed.documents[docIndex]
    return document === undefined ? undefined : locate(document, reparsed.lineCounter, [...base, ...path])
  }

  if (looksLikeJson(source.path, source.text)) {
    const value = parseJsonFast(source.text)
    // Valid JSON without duplicated keys: positions without yaml (a byte-order mark is left to yaml's offsets).
    let positions: JsonPositions | undefined
    const jsonAt = source.text.charCodeAt(0) === 0xfeff
      ? lazyAt
      : (_doc: number, base: readonly PathSegment[]) => (path: readonly PathSegment[]) => (positions ??= new JsonPositions(source.text)).locate([...base, ...path])
    // One JSON document: a List's items, or one object; anything else takes the yaml path, which reports it.
    if (isRecord(value)) {
      const list = isList(value)
      const items = list ? value.items : [value]
      if (Array.isArray(items) && items.every(isRecord)) {
        items.forEach((item, i) => {
          const basePath = list ? ['items', i] : []
          objects.push({ file: source.path, doc: 0, basePath, value: item, locate: jsonAt(0, basePath), sourceLine })
        })
        return
      }
    }
  }

  const parsed = parseSource(source)
  diagnostics.push(...parsed.diagnostics)
  parsed.documents.forEach((document, docIndex) => {
    if (document === undefined) return // its syntax errors are reported
    let value: unknown
    try {
      // Aliases are expanded here; the cap keeps a "billion laughs" document from exhausting memory.
      value = document.toJS({ maxAliasCount: 100 })
    } catch (e) {
      const pos = locate(document, parsed.lineCounter, [])
      diagnostics.push({
        severity: 'error',
        code: 'YAML_SYNTAX',
        message: `document cannot be read (${e instanceof Error ? e.message : String(e)})`,
        file: source.path,
        doc: docIndex,
        ...(pos ?? {}),
      })
      return
    }
    if (value === null || value === undefined) return // an empty document ("---" alone)
    const at = (base: readonly PathSegment[]) => (path: readonly PathSegment[]) => locate(document, parsed.lineCounter, [...base, ...path])
    if (!isRecord(value)) {
      const pos = at([])([])
      diagnostics.push({
        severity: 'error',
        code: 'NOT_AN_OBJECT',
        message: 'document is not a Kubernetes object (expected a mapping with apiVersion and kind)',
        file: source.path,
        doc: docIndex,
        ...(pos ?? {}),
      })
      return
    }
    if (isList(value)) {
      const items = value.items
      if (!Array.isArray(items)) {
        diagnostics.push({
          severity: 'error',
          code: 'INVALID_FIELD',
          message: 'items must be a list of objects',
          file: source.path,
          doc: docIndex,
          path: ['items'],
          ...(at([])(['items']) ?? {}),
        })
        return
      }
      items.forEach((item: unknown, i) => {
        const basePath = ['items', i]
        if (!isRecord(item)) {
          diagnostics.push({
            severity: 'error',
            code: 'NOT_AN_OBJECT',
            message: 'list item is not a Kubernetes object',
            file: source.path,
            doc: docIndex,
            path: basePath,
            ...(at([])(basePath) ?? {}),
          })
          return
        }
        objects.push({ file: source.path, doc: docIndex, basePath, value: item, locate: at(basePath), sourceLine })
      })
      return
    }
    objects.push({ file: source.path, doc: docIndex, basePath: [], value, locate: at([]), sourceLine })
  })
}

function isList(value: Record<string, unknown>): boolean {
  return typeof value.kind === 'string' && LIST_KINDS.has(value.kind) && 'items' in value
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
