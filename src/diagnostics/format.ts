// Diagnostics → text: an editor-parsable first line, the object and field, and a small code frame. Pure.
import type { Diagnostic, Location, PathSegment } from './diagnostic.ts'
import { LinePositions } from './line-positions.ts'

export interface FormatOptions {
  /** Source texts by display path, for code frames. */
  readonly sources?: ReadonlyMap<string, string>
  readonly color?: boolean
}

/**
 * "spec.ports[1].port": brackets are 0-based, as zod and kubectl print them. Keys that are not
 * plain words (label keys such as kubernetes.io/service-name) are quoted, as in kubectl's JSONPath:
 * metadata.labels["kubernetes.io/service-name"].
 */
export function formatPath(path: readonly PathSegment[]): string {
  let out = ''
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`
    else if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(seg)) out += `[${JSON.stringify(seg)}]`
    else out += out === '' ? seg : `.${seg}`
  }
  return out
}

function position(l: Location): string {
  return l.line !== undefined ? `${l.file}:${l.line}:${l.column ?? 1}` : l.file
}

/**
 * One diagnostic as text, without a trailing newline. Everything that came from a manifest
 * (file names, messages quoting values, source lines) is sanitised, so a hostile manifest
 * cannot move the cursor, recolour or reorder the terminal.
 */
export function formatDiagnostic(d: Diagnostic, options: FormatOptions = {}, lineOf: LineLookup = sourceLines(options.sources)): string {
  const paint = (code: string, text: string) => (options.color ? `\u001b[${code}m${text}\u001b[0m` : text)
  const label = d.severity === 'error' ? paint('1;31', 'error') : d.severity === 'warning' ? paint('1;33', 'warning') : paint('1;36', 'notice')
  const lines = [`${sanitize(position(d))}: ${label}: ${sanitize(d.message)} ${paint('2', `[${d.code}]`)}`]
  const context = contextLine(d)
  if (context) lines.push(`  ${context}`)
  lines.push(...codeFrame(d, lineOf))
  for (const r of d.related ?? []) {
    const where = contextLine(r)
    lines.push(`  see ${sanitize(position(r))}${where ? `: ${where}` : ''}`)
    lines.push(...codeFrame(r, lineOf).map((l) => `  ${l}`))
  }
  return lines.join('\n')
}

function contextLine(l: Location): string {
  const parts: string[] = []
  if (l.doc !== undefined) parts.push(`in document ${l.doc + 1}`)
  if (l.object) parts.push(`(${l.object})`)
  if (l.path && l.path.length > 0) parts.push(`at ${formatPath(l.path)}`)
  return sanitize(parts.join(' '))
}

/** A source line by file and 1-based number, or undefined. */
type LineLookup = (file: string, line: number) => string | undefined

/** Finds lines in each source on first use, from the nearest line already found: one pass over a large input, however many diagnostics. */
function sourceLines(sources: ReadonlyMap<string, string> | undefined): LineLookup {
  const found = new Map<string, LinePositions>()
  return (file, line) => {
    let lines = found.get(file)
    if (lines === undefined) {
      const text = sources?.get(file)
      if (text === undefined) return undefined
      lines = new LinePositions(text)
      found.set(file, lines)
    }
    return lines.lineText(line)
  }
}

function codeFrame(l: Location, lineOf: LineLookup): string[] {
  if (l.line === undefined) return []
  const line = lineOf(l.file, l.line)?.replace(/\r$/, '')
  if (line === undefined) return []
  const number = String(l.line)
  const gutter = ' '.repeat(number.length)
  const column = Math.max(1, l.column ?? 1)
  // Long lines (minified JSON) are cut around the marker so the frame stays one screen line.
  const start = column > FRAME_WIDTH ? column - FRAME_CONTEXT : 1
  const shown = line.slice(start - 1, start - 1 + FRAME_WIDTH)
  const prefix = start > 1 ? '…' : ''
  const markerAt = column - start + prefix.length
  const width = Math.max(1, Math.min(l.length ?? 1, shown.length - (column - start)))
  return [`  ${number} | ${prefix}${sanitizeFrame(shown)}`, `  ${gutter} | ${' '.repeat(markerAt)}${'^'.repeat(width)}`]
}

const FRAME_WIDTH = 120
const FRAME_CONTEXT = 40

/**
 * C0/C1 controls, DEL, line separators and bidirectional overrides from a manifest must not reach
 * the terminal raw: they could clear the screen, fake a line or reorder what the user reads.
 */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g

export function sanitize(text: string): string {
  return text.replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
}

/** As sanitize, but a tab keeps its width of one column so the marker below still lines up. */
function sanitizeFrame(text: string): string {
  return sanitize(text.replace(/\t/g, ' '))
}

/** All diagnostics, then a summary line such as "2 errors, 1 warning". */
export function formatDiagnostics(diagnostics: readonly Diagnostic[], options: FormatOptions = {}): string {
  if (diagnostics.length === 0) return ''
  // TOO_MANY_ERRORS says how many more there are; it is not one of them.
  const count = (severity: Diagnostic['severity']) => diagnostics.filter((d) => d.severity === severity && d.code !== 'TOO_MANY_ERRORS').length
  const errors = count('error')
  const warnings = count('warning')
  const summary = [errors ? `${errors} error${errors === 1 ? '' : 's'}` : '', warnings ? `${warnings} warning${warnings === 1 ? '' : 's'}` : '']
    .filter(Boolean)
    .join(', ')
  const lineOf = sourceLines(options.sources)
  return `${diagnostics.map((d) => formatDiagnostic(d, options, lineOf)).join('\n')}\n${summary ? `${summary}\n` : ''}`
}
