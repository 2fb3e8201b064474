// Diagnostics are data: what went wrong, where, and a stable code that tests and tools can rely on.

/**
 * Stable codes: never renamed or reused. Retired: CHAIN_NAME_TOO_LONG (kube-proxy's hashed names fit the
 * kernel's limits for every valid input, test/plan/names.test.ts, so no compile checks them).
 */
export type DiagnosticCode =
  | 'YAML_SYNTAX'
  | 'JSON_SYNTAX'
  | 'NOT_AN_OBJECT'
  | 'MISSING_FIELD'
  | 'INVALID_FIELD'
  | 'UNSUPPORTED_KIND'
  | 'UNSUPPORTED_API_VERSION'
  | 'INVALID_IP'
  | 'INVALID_CIDR'
  | 'PORT_OUT_OF_RANGE'
  | 'INVALID_NAME'
  | 'DUPLICATE_OBJECT'
  | 'DUPLICATE_FRONTEND'
  | 'DUPLICATE_NODE_PORT'
  | 'SLICE_WITHOUT_SERVICE'
  | 'SLICE_IGNORED'
  | 'SERVICE_IGNORED'
  | 'ENDPOINT_IGNORED'
  | 'MULTIPLE_CONFIGS'
  | 'SETTING_DEFAULTED'
  | 'INVALID_SETTING'
  | 'KERNEL_LIMIT'
  | 'TOO_MANY_ERRORS'
  | 'INPUT_UNREADABLE'
  | 'APPLY_REJECTED'
  | 'APPLY_COMMAND_NOT_FOUND'
  | 'ENDPOINT_CONDITIONS_DEFAULTED'
  | 'COMMENTS_DROPPED'
  | 'OUTPUT_UNWRITABLE'

export type Severity = 'error' | 'warning' | 'notice'

export type PathSegment = string | number

export interface Location {
  readonly file: string
  /** 0-based index of the document in the file's YAML stream. */
  readonly doc?: number
  /** "Service ns/name", once known. */
  readonly object?: string
  /** Field path inside the document, zod style: ['spec', 'ports', 1, 'port']. */
  readonly path?: readonly PathSegment[]
  /** 1-based. */
  readonly line?: number
  /** 1-based. */
  readonly column?: number
  /** Number of characters the marker under the excerpt covers. */
  readonly length?: number
}

export interface Diagnostic extends Location {
  readonly severity: Severity
  readonly code: DiagnosticCode
  /** One sentence, lower-case start, no trailing period. */
  readonly message: string
  /** Other places involved, e.g. the first definition of a duplicate. */
  readonly related?: readonly Location[]
}

export const MAX_ERRORS = 100

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error')
}

const SEVERITY_RANK: Record<Severity, number> = { error: 0, warning: 1, notice: 2 }

function compareOptional(a: number | undefined, b: number | undefined): number {
  return (a ?? 0) - (b ?? 0)
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/** Sorted by file, line, column, code, then message: the order the CLI prints. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort(
    (a, b) =>
      compareText(a.file, b.file) ||
      compareOptional(a.line, b.line) ||
      compareOptional(a.column, b.column) ||
      compareText(a.code, b.code) ||
      SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] ||
      compareText(a.message, b.message),
  )
}

/** Keeps the first MAX_ERRORS errors (sorted) and says, last, how many were left out. */
export function capErrors(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  const sorted = sortDiagnostics(diagnostics)
  const errors = sorted.filter((d) => d.severity === 'error')
  if (errors.length <= MAX_ERRORS) return sorted
  const kept = new Set(errors.slice(0, MAX_ERRORS))
  const last = errors[MAX_ERRORS - 1]!
  return [
    ...sorted.filter((d) => d.severity !== 'error' || kept.has(d)),
    { severity: 'error', code: 'TOO_MANY_ERRORS', message: `${errors.length - MAX_ERRORS} more error${errors.length - MAX_ERRORS === 1 ? '' : 's'} not shown (svcc reports the first ${MAX_ERRORS})`, file: last.file },
  ]
}
