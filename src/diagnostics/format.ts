// Diagnostics → text: an editor-parsable first line, the object and field, and a small code frame. Pure.
import type { Diagnostic, Location, PathSegment } from './diagnostic.ts'

export interface FormatOptions {
  /** Source texts by display path, for code frames. */
  readonly sources?: ReadonlyMap<string, string>
  readonly color?: boolean
}

/** "spec.ports[1].port": brackets are 0-based, as zod and kubectl print them. */
export function formatPath(path: readonly PathSegment[]): string {
  let out = ''
  for (const seg of path) out += typeof seg === 'number' ? `[${seg}]` : out === '' ? seg : `.${seg}`
  return out
}

function position(l: Location): string {
  return l.line !== undefined ? `${l.file}:${l.line}:${l.column ?? 1}` : l.file
}

export function formatDiagnostic(d: Diagnostic, options: FormatOptions = {}): string {
  const paint = (code: string, text: string) => (options.color ? `\u001b[${code}m${text}\u001b[0m` : text)
  const label = d.severity === 'error' ? paint('1;31', 'error') : d.severity === 'warning' ? paint('1;33', 'warning') : paint('1;36', 'notice')
  const lines = [`${position(d)}: ${label}: ${d.message} [${d.code}]`]
  const context = contextLine(d)
  if (context) lines.push(`  ${context}`)
  lines.push(...codeFrame(d, options.sources))
  for (const r of d.related ?? []) {
    lines.push(`  see ${position(r)}${contextLine(r) ? `: ${contextLine(r)}` : ''}`)
  }
  return lines.join('\n')
}

function contextLine(l: Location): string {
  const parts: string[] = []
  if (l.doc !== undefined) parts.push(`in document ${l.doc + 1}`)
  if (l.object) parts.push(`(${l.object})`)
  if (l.path && l.path.length > 0) parts.push(`at ${formatPath(l.path)}`)
  return parts.join(' ')
}

function codeFrame(d: Diagnostic, sources: ReadonlyMap<string, string> | undefined): string[] {
  const text = sources?.get(d.file)
  if (text === undefined || d.line === undefined) return []
  const line = text.split('\n')[d.line - 1]?.replace(/\r$/, '')
  if (line === undefined) return []
  const number = String(d.line)
  const gutter = ' '.repeat(number.length)
  const column = Math.max(1, d.column ?? 1)
  const width = Math.max(1, Math.min(d.length ?? 1, line.length - column + 1))
  return [`  ${number} | ${sanitize(line)}`, `  ${gutter} | ${' '.repeat(column - 1)}${'^'.repeat(width)}`]
}

/** Control characters from a manifest must not reach the terminal raw. */
function sanitize(text: string): string {
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f\u009b]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
}

/** All diagnostics, then a summary line such as "2 errors, 1 warning". */
export function formatDiagnostics(diagnostics: readonly Diagnostic[], options: FormatOptions = {}): string {
  if (diagnostics.length === 0) return ''
  const count = (severity: Diagnostic['severity']) => diagnostics.filter((d) => d.severity === severity).length
  const errors = count('error')
  const warnings = count('warning')
  const summary = [errors ? `${errors} error${errors === 1 ? '' : 's'}` : '', warnings ? `${warnings} warning${warnings === 1 ? '' : 's'}` : '']
    .filter(Boolean)
    .join(', ')
  return `${diagnostics.map((d) => formatDiagnostic(d, options)).join('\n')}\n${summary ? `${summary}\n` : ''}`
}
