// Kernel-tool stderr → failing line → manifest field, and the ±3-line rendered context.
import { describe, expect, it } from 'vitest'
import { addedLine, renderedLines } from '../../src/apply/payload.ts'
import { extractLines, parseIptablesRestoreError, parseNftErrors, pinMissingChain, rejection } from '../../src/apply/restore-error.ts'

describe('parseIptablesRestoreError', () => {
  it('reads "Error occurred at line: N" (parse errors, unknown chains)', () => {
    const e = parseIptablesRestoreError('iptables-restore v1.8.9 (nf_tables): unknown option "--dportx"\nError occurred at line: 23\nTry `iptables-restore -h\' or \'iptables-restore --help\' for more information.\n')
    expect(e).toEqual({ line: 23, column: undefined, length: undefined, message: 'unknown option "--dportx"' })
  })

  it('reads "line N: …" (nf_tables commit errors)', () => {
    const e = parseIptablesRestoreError('iptables-restore v1.8.9 (nf_tables): \nline 9: RULE_APPEND failed (No such file or directory): rule in chain KUBE-FORWARD\n')
    expect(e).toMatchObject({ line: 9, message: 'RULE_APPEND failed (No such file or directory): rule in chain KUBE-FORWARD' })
  })

  it('reads "iptables-restore: line N failed" (legacy commit errors)', () => {
    expect(parseIptablesRestoreError('iptables-restore: line 31 failed\n')).toMatchObject({ line: 31, message: 'the kernel refused it (no reason given)' })
  })

  it('keeps the message when no line is named', () => {
    expect(parseIptablesRestoreError("iptables-restore: unable to initialize table 'nat'\n")).toMatchObject({ line: undefined, message: "iptables-restore: unable to initialize table 'nat'" })
  })
})

describe('parseNftErrors', () => {
  it('reads every located error with its column span', () => {
    const stderr =
      '/dev/stdin:6:44-49: Error: Could not process rule: No such file or directory\nadd rule ip kube-proxy nat-prerouting jump nosuch\n                                           ^^^^^^\n/dev/stdin:7:81-81: Error: syntax error, unexpected colon\n'
    expect(parseNftErrors(stderr)).toEqual([
      { line: 6, column: 44, length: 6, message: 'Could not process rule: No such file or directory' },
      { line: 7, column: 81, length: 1, message: 'syntax error, unexpected colon' },
    ])
  })

  it('falls back to unlocated errors', () => {
    expect(parseNftErrors('Error: Could not process rule: Operation not permitted\n')).toEqual([
      { line: undefined, column: undefined, length: undefined, message: 'Could not process rule: Operation not permitted' },
    ])
  })
})

describe('extractLines', () => {
  const payload = [...renderedLines({ text: 'a\nb\nc\n', origins: [] }), addedLine('x', 'test'), ...renderedLines({ text: 'd\n', origins: [] })]

  it('shows ±3 lines, clipped at the edges, numbering added lines "+"', () => {
    expect(extractLines(payload, 1, 'r')).toEqual(['r, as loaded (+ marks lines svcc apply added):', '> 1 | a', '  2 | b', '  3 | c', '  + | x'])
    expect(extractLines(payload, 5, 'r').slice(-2)).toEqual(['  + | x', '> 1 | d'])
  })

  it('escapes control characters', () => {
    expect(extractLines(renderedLines({ text: 'a\u001b[31m\n', origins: [] }), 1, 'r')[1]).toBe('> 1 | a\\u001b[31m')
  })
})

describe('rejection', () => {
  it('reports a line number the payload does not have at the target, without context', () => {
    const p = rejection('nft', { label: 'r', origins: [] }, renderedLines({ text: 'a\n', origins: [] }), { line: 9, column: undefined, length: undefined, message: 'boom' }, 'netns blue')
    expect(p).toEqual({ kind: 'diagnostic', excerpt: [], diagnostic: { severity: 'error', code: 'APPLY_REJECTED', file: 'netns blue', message: 'nft rejected r: boom' } })
  })
})

describe('pinMissingChain', () => {
  const payload = renderedLines({ text: '*filter\n-A X -j Y.Z\nCOMMIT\n*nat\n-A A -j KUBE-SVC-NOPE2\n-A B -m comment --comment "-j KUBE-SVC-NOPE" -j KUBE-SVC-NOPE\nCOMMIT\n', origins: [] })
  const at = (line: number, message: string) => ({ line, column: undefined, length: undefined, message })

  it('moves an unknown-chain error from COMMIT to the first rule of that table that jumps there', () => {
    expect(pinMissingChain(payload, at(7, "Chain 'KUBE-SVC-NOPE' does not exist")).line).toBe(6)
    expect(pinMissingChain(payload, at(3, "Chain 'Y.Z' does not exist")).line).toBe(2)
  })

  it('leaves other errors and other lines alone', () => {
    expect(pinMissingChain(payload, at(7, 'something else')).line).toBe(7)
    expect(pinMissingChain(payload, at(5, "Chain 'KUBE-SVC-NOPE' does not exist")).line).toBe(5)
    expect(pinMissingChain(payload, at(7, "Chain 'ELSEWHERE' does not exist")).line).toBe(7)
  })
})
