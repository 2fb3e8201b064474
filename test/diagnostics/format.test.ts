// The text form of a diagnostic: editor-parsable first line, context, code frame, related places; nothing raw from a manifest.
import { describe, expect, it } from 'vitest'
import type { Diagnostic } from '../../src/diagnostics/diagnostic.ts'
import { formatDiagnostic, formatDiagnostics, formatPath } from '../../src/diagnostics/format.ts'

const source = 'apiVersion: v1\nkind: Service\nspec:\n  ports:\n  - port: 70000\n'
const sources = new Map([['svc.yaml', source]])
const base: Diagnostic = {
  severity: 'error',
  code: 'PORT_OUT_OF_RANGE',
  message: 'port 70000 is outside 1-65535',
  file: 'svc.yaml',
  doc: 2,
  object: 'Service shop/web',
  path: ['spec', 'ports', 0, 'port'],
  line: 5,
  column: 11,
  length: 5,
}

describe('formatDiagnostic', () => {
  it('prints position, severity, message and code, then document, object, path and a frame', () => {
    expect(formatDiagnostic(base, { sources })).toBe(
      [
        'svc.yaml:5:11: error: port 70000 is outside 1-65535 [PORT_OUT_OF_RANGE]',
        '  in document 3 (Service shop/web) at spec.ports[0].port',
        '  5 |   - port: 70000',
        '    |           ^^^^^',
      ].join('\n'),
    )
  })

  it('prints the related place with its own frame', () => {
    const d: Diagnostic = { ...base, code: 'DUPLICATE_NODE_PORT', related: [{ file: 'svc.yaml', doc: 0, object: 'Service shop/a', path: ['kind'], line: 2, column: 7 }] }
    expect(formatDiagnostic(d, { sources }).split('\n').slice(4)).toEqual(['  see svc.yaml:2:7: in document 1 (Service shop/a) at kind', '    2 | kind: Service', '      |       ^'])
  })

  it('escapes control characters, bidi overrides and line separators from manifests', () => {
    const hostile: Diagnostic = { ...base, message: 'bad \u001b[2J\u009b31m \u202e name\u2028x', object: 'Service a/\u001b]0;x\u0007', line: 1, column: 1 }
    const text = formatDiagnostic(hostile, { sources: new Map([['svc.yaml', 'name: "\u001b[31mred\u202e"\n']]) })
    expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2028\u2029]/)
    expect(text).toContain('\\u001b[2J')
    expect(text.split('\n')).toHaveLength(4)
  })

  it('colours only when asked', () => {
    expect(formatDiagnostic(base)).not.toContain('\u001b')
    expect(formatDiagnostic(base, { color: true })).toContain('\u001b[1;31merror\u001b[0m')
  })

  it('cuts long lines around the marker', () => {
    const long = `${'x'.repeat(500)}BAD${'y'.repeat(500)}`
    const frame = formatDiagnostic({ ...base, line: 1, column: 501, length: 3 }, { sources: new Map([['svc.yaml', long]]) }).split('\n').slice(2)
    expect(frame[0]!.length).toBeLessThan(140)
    expect(frame[0]!.indexOf('BAD')).toBe(frame[1]!.indexOf('^^^'))
  })

  it('prints a position-less diagnostic with its file only', () => {
    expect(formatDiagnostic({ severity: 'error', code: 'INVALID_SETTING', message: 'x', file: '<settings>' })).toBe('<settings>: error: x [INVALID_SETTING]')
  })
})

describe('formatPath', () => {
  it('uses 0-based brackets and quotes keys that are not plain words', () => {
    expect(formatPath(['items', 3, 'spec', 'ports', 0, 'port'])).toBe('items[3].spec.ports[0].port')
    expect(formatPath(['metadata', 'labels', 'kubernetes.io/service-name'])).toBe('metadata.labels["kubernetes.io/service-name"]')
  })
})

describe('formatDiagnostics', () => {
  it('ends with a summary that counts errors and warnings, not notices', () => {
    const text = formatDiagnostics([base, { ...base, severity: 'warning' }, { ...base, severity: 'notice' }])
    expect(text.endsWith('\n1 error, 1 warning\n')).toBe(true)
    expect(formatDiagnostics([])).toBe('')
  })
})
