// Problems → stderr text: usage errors and refusals as one "error:" line, tool failures as diagnostics with rendered context.
import { formatDiagnostic } from '../diagnostics/format.ts'
import type { ApplyProblem } from './problem.ts'

export interface ReportOptions {
  readonly color?: boolean
  /** Full texts by display path (a --rules file), for code frames of lines without a manifest origin. */
  readonly sources?: ReadonlyMap<string, string>
}

export function formatProblems(problems: readonly ApplyProblem[], options: ReportOptions = {}): string {
  const out: string[] = []
  for (const p of problems) {
    if (p.kind !== 'diagnostic') {
      out.push(`error: ${p.message}`)
      continue
    }
    const sources = new Map(options.sources)
    // A one-line stand-in for the manifest, so formatDiagnostic can draw its frame from the line we know.
    if (p.sourceLine !== undefined && p.diagnostic.line !== undefined && !sources.has(p.diagnostic.file))
      sources.set(p.diagnostic.file, `${'\n'.repeat(p.diagnostic.line - 1)}${p.sourceLine}`)
    out.push(formatDiagnostic(p.diagnostic, { sources, ...(options.color !== undefined ? { color: options.color } : {}) }))
    out.push(...p.excerpt.map((l) => `  ${l}`))
  }
  // The count closes a diagnostics listing, as formatDiagnostics does; a lone usage error needs none.
  const n = problems.length
  if (problems.some((p) => p.kind !== 'usage')) out.push(`${n} error${n === 1 ? '' : 's'}`)
  return `${out.join('\n')}\n`
}
