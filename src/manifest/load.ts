// YAML/JSON text → one LoadedObject per Kubernetes object, with positions for diagnostics.
import type { Diagnostic, PathSegment } from '../diagnostics/diagnostic.ts'
import { parseJsonFast } from './json-fast.ts'
import { JsonPositions } from './json-locate.ts'
import { looksLikeJson } from './json-syntax.ts'
import { locate, type Position } from './locate.ts'
import { parseSource, type ParsedSource } from './parse.ts'
import type { Source } from './source.ts'
import { parseYamlFast } from './yaml-fast.ts'
import { YamlPositions } from './yaml-locate.ts'

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
  const add = (value: unknown, doc: number, at: Locator) => addDocument(value, doc, at, { file: source.path, sourceLine, objects, diagnostics })

  if (looksLikeJson(source.path, source.text)) {
    const value = parseJsonFast(source.text)
    // One valid JSON object without duplicated keys: positions without yaml. Anything else takes the yaml path, which reports it.
    if (isRecord(value)) {
      add(value, 0, jsonLocator(source))
      return
    }
  } else {
    // The plain block YAML kubectl writes: values and positions without yaml (see yaml-fast.ts).
    const stream = parseYamlFast(source.text)
    if (stream !== undefined) {
      let positions: YamlPositions | undefined
      stream.values.forEach((value, doc) =>
        add(value, doc, (base) => (path) => (positions ??= new YamlPositions(source.text, stream)).locate(doc, [...base, ...path])),
      )
      return
    }
  }

  // The yaml path keeps its Documents for positions: dropping them saved ~1 s of GC at 10k Services,
  // but the first diagnostic then cost a second full parse (~26 s for 16 MB).
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
    add(value, docIndex, (base) => (path) => locate(document, parsed.lineCounter, [...base, ...path]))
  })
}

/** Positions of paths in one document, relative to an object at `base` inside it. */
type Locator = (base: readonly PathSegment[]) => (path: readonly PathSegment[]) => Position | undefined

/**
 * JSON text's positions without yaml: found in the text on demand. With a byte-order mark yaml's
 * offsets differ, so they come from a yaml parse made on the first diagnostic that asks for one
 * (deterministic, so the same as a parse now).
 */
function jsonLocator(source: Source): Locator {
  if (source.text.charCodeAt(0) === 0xfeff) {
    let reparsed: ParsedSource | undefined
    return (base) => (path) => {
      reparsed ??= parseSource(source)
      const document = reparsed.documents[0]
      return document === undefined ? undefined : locate(document, reparsed.lineCounter, [...base, ...path])
    }
  }
  let positions: JsonPositions | undefined
  return (base) => (path) => (positions ??= new JsonPositions(source.text)).locate([...base, ...path])
}

interface Sink {
  readonly file: string
  readonly sourceLine: (line: number) => string | undefined
  readonly objects: LoadedObject[]
  readonly diagnostics: Diagnostic[]
}

/** One document's value → its objects (a List's items, or the document), or diagnostics; empty documents ("---" alone) add nothing. */
function addDocument(value: unknown, doc: number, at: Locator, sink: Sink): void {
  const { file, sourceLine, objects, diagnostics } = sink
  if (value === null || value === undefined) return
  if (!isRecord(value)) {
    diagnostics.push({
      severity: 'error',
      code: 'NOT_AN_OBJECT',
      message: 'document is not a Kubernetes object (expected a mapping with apiVersion and kind)',
      file,
      doc,
      ...(at([])([]) ?? {}),
    })
    return
  }
  if (!isList(value)) {
    objects.push({ file, doc, basePath: [], value, locate: at([]), sourceLine })
    return
  }
  const items = value.items
  if (!Array.isArray(items)) {
    diagnostics.push({ severity: 'error', code: 'INVALID_FIELD', message: 'items must be a list of objects', file, doc, path: ['items'], ...(at([])(['items']) ?? {}) })
    return
  }
  items.forEach((item: unknown, i) => {
    const basePath = ['items', i]
    if (!isRecord(item)) {
      diagnostics.push({ severity: 'error', code: 'NOT_AN_OBJECT', message: 'list item is not a Kubernetes object', file, doc, path: basePath, ...(at([])(basePath) ?? {}) })
      return
    }
    objects.push({ file, doc, basePath, value: item, locate: at(basePath), sourceLine })
  })
}

function isList(value: Record<string, unknown>): boolean {
  return typeof value.kind === 'string' && LIST_KINDS.has(value.kind) && 'items' in value
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
