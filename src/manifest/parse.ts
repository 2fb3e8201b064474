// Source text → YAML documents with positions, or syntax diagnostics (YAML_SYNTAX / JSON_SYNTAX). Never throws.
import type { CST, Document, LineCounter } from 'yaml'
import type { Diagnostic, DiagnosticCode } from '../diagnostics/diagnostic.ts'
import { findJsonSyntaxError, looksLikeJson } from './json-syntax.ts'
import type { Source } from './source.ts'
import { yamlLibrary } from '../packages.ts'

export interface ParsedSource {
  /** One per document of the stream, index = position in the file; undefined where the document had errors. */
  readonly documents: readonly (Document.Parsed | undefined)[]
  readonly lineCounter: LineCounter
  readonly diagnostics: Diagnostic[]
}

/**
 * Deeper than this is no Kubernetes object (they nest about 10 levels). The yaml library recurses
 * per level, and near the stack limit V8 can abort the whole process, so deeper input is refused
 * before it is composed.
 */
export const MAX_NESTING = 100

/** A run of this many indicators, tags or anchors on one line ("- - - - x") makes yaml's lexer recurse once each. */
const MAX_INDICATOR_RUN = 200

const OPTIONS = { uniqueKeys: true, prettyErrors: false, logLevel: 'error' } as const

/**
 * JSON is recognised as kubectl recognises it: a .json name, or text that starts with '{' (or '[').
 * Such text must be valid JSON; its first error is reported at its exact position as JSON_SYNTAX.
 */
export function parseSource(source: Source): ParsedSource {
  if (!looksLikeJson(source.path, source.text)) return parseYaml(source, 'YAML_SYNTAX')
  const error = findJsonSyntaxError(source.text)
  if (!error) return parseYaml(source, 'JSON_SYNTAX')
  const lineCounter = countLines(source.text)
  const why = /\.json$/i.test(source.path) ? '' : ' (the input starts like JSON, so it is read as JSON)'
  return { documents: [], lineCounter, diagnostics: [syntaxError(source.path, lineCounter, 'JSON_SYNTAX', error.offset, `${error.message}${why}`)] }
}

function syntaxError(file: string, lineCounter: LineCounter, code: DiagnosticCode, offset: number, message: string, doc?: number): Diagnostic {
  const pos = lineCounter.linePos(offset)
  return { severity: 'error', code, message, file, ...(doc !== undefined ? { doc } : {}), line: pos.line, column: pos.col, length: 1 }
}

/** JSON text goes through yaml too (JSON is YAML 1.2), for positions; its errors keep the JSON code. */
function parseYaml(source: Source, code: DiagnosticCode): ParsedSource {
  const failed = (offset: number, message: string): ParsedSource => {
    const lineCounter = countLines(source.text)
    return { documents: [], lineCounter, diagnostics: [syntaxError(source.path, lineCounter, code, offset, message)] }
  }
  // Valid JSON has no indicators outside its strings, so only YAML needs the check.
  const run = code === 'YAML_SYNTAX' ? longIndicatorRun(source.text) : undefined
  if (run !== undefined) return failed(run, `more than ${MAX_INDICATOR_RUN} indicators, tags or anchors in a row`)

  const { Composer, LineCounter, Parser } = yamlLibrary()
  const lineCounter = new LineCounter()
  let tokens: CST.Token[]
  try {
    tokens = Array.from(new Parser(lineCounter.addNewLine).parse(source.text))
  } catch (e) {
    return failed(0, `the YAML parser gave up (${e instanceof Error ? e.message : String(e)})`)
  }
  const deep = tooDeep(tokens)
  if (deep !== undefined) return failed(deep, `nested more than ${MAX_NESTING} levels deep`)

  const documents: (Document.Parsed | undefined)[] = []
  const diagnostics: Diagnostic[] = []
  for (const document of new Composer(OPTIONS).compose(tokens)) {
    const index = documents.length
    if (document.errors.length === 0) {
      documents.push(document)
      continue
    }
    documents.push(undefined)
    for (const error of document.errors)
      diagnostics.push(syntaxError(source.path, lineCounter, code, error.pos[0], `${firstLine(error.message)} (${error.code})`, index))
  }
  return { documents, lineCounter, diagnostics }
}

/** A LineCounter for text that yaml did not get to read. */
function countLines(text: string): LineCounter {
  const lineCounter = new (yamlLibrary().LineCounter)()
  lineCounter.addNewLine(0)
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lineCounter.addNewLine(i + 1)
  return lineCounter
}

/** More than MAX_INDICATOR_RUN words with a space or tab after each need at least this many characters on one line. */
const MIN_RUN_LINE = 2 * MAX_INDICATOR_RUN + 1

/**
 * Offset of the first over-long run of indicator-like words on a line (a CR also ends a run), or
 * undefined. Only lines long enough to hold such a run are read word by word, so the check costs
 * little on the 16 MB the fast YAML reader takes, which asks it too (yaml-fast.ts).
 */
export function longIndicatorRun(text: string): number | undefined {
  for (let start = 0; start < text.length; ) {
    let end = text.indexOf('\n', start)
    if (end < 0) end = text.length
    const at = end - start >= MIN_RUN_LINE ? runInLine(text, start, end) : undefined
    if (at !== undefined) return at
    start = end + 1
  }
  return undefined
}

function runInLine(text: string, start: number, end: number): number | undefined {
  let run = 0
  let runStart = start
  let i = start
  while (i < end) {
    const c = text[i]!
    if (c === ' ' || c === '\t') {
      i++
      continue
    }
    if (c === '\r') {
      run = 0
      i++
      continue
    }
    const wordStart = i
    while (i < end && !' \t\r'.includes(text[i]!)) i++
    if ('-?:!&'.includes(c)) {
      if (run === 0) runStart = wordStart
      if (++run > MAX_INDICATOR_RUN) return runStart
    } else run = 0
  }
  return undefined
}

/** Offset of the first collection nested deeper than MAX_NESTING; iterative, so it cannot overflow itself. */
function tooDeep(tokens: readonly CST.Token[]): number | undefined {
  const stack: { token: CST.Token; depth: number }[] = tokens.map((token) => ({ token, depth: 0 }))
  while (stack.length > 0) {
    const { token, depth } = stack.pop()!
    if (depth > MAX_NESTING) return token.offset
    switch (token.type) {
      case 'document':
        if (token.value) stack.push({ token: token.value, depth })
        break
      case 'block-map':
      case 'block-seq':
      case 'flow-collection':
        for (const item of token.items) {
          const { key, value } = item as { key?: CST.Token | null; value?: CST.Token | null }
          if (key) stack.push({ token: key, depth: depth + 1 })
          if (value) stack.push({ token: value, depth: depth + 1 })
        }
        break
    }
  }
  return undefined
}

/** yaml's message without its position suffix, lower-case first, as svcc's messages are. */
function firstLine(message: string): string {
  const line = message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')
  return line.charAt(0).toLowerCase() + line.slice(1)
}
