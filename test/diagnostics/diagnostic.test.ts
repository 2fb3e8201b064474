// Diagnostics sort by file, line, column and code; errors past the cap are counted, not printed.
import { expect, it } from 'vitest'
import { capErrors, MAX_ERRORS, sortDiagnostics, type Diagnostic } from '../../src/diagnostics/diagnostic.ts'

const d = (file: string, line: number, column: number, code: Diagnostic['code'] = 'INVALID_FIELD'): Diagnostic => ({ severity: 'error', code, message: 'm', file, line, column })

it('sorts by file, line, column, then code', () => {
  const sorted = sortDiagnostics([d('b', 1, 1), d('a', 10, 1), d('a', 2, 5), d('a', 2, 5, 'INVALID_IP'), d('a', 2, 1)])
  expect(sorted.map((x) => `${x.file}:${x.line}:${x.column} ${x.code}`)).toEqual(['a:2:1 INVALID_FIELD', 'a:2:5 INVALID_FIELD', 'a:2:5 INVALID_IP', 'a:10:1 INVALID_FIELD', 'b:1:1 INVALID_FIELD'])
})

it(`keeps the first ${MAX_ERRORS} errors and ends with TOO_MANY_ERRORS`, () => {
  const many = Array.from({ length: 250 }, (_, i) => d('a', 250 - i, 1))
  const capped = capErrors(many)
  expect(capped).toHaveLength(MAX_ERRORS + 1)
  expect(capped[0]!.line).toBe(1)
  expect(capped[MAX_ERRORS - 1]!.line).toBe(MAX_ERRORS)
  expect(capped[MAX_ERRORS]).toEqual(expect.objectContaining({ code: 'TOO_MANY_ERRORS', file: 'a' }))
  expect(capped[MAX_ERRORS]!.line).toBeUndefined()
})
