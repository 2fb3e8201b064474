// The lab's verdicts on attempts (pure, runs without root): a wrong judge would make every kernel check meaningless.
import { describe, expect, it } from 'vitest'
import { dropped, judge, node, reach, refused, unrouted } from './expect.ts'
import type { Attempt } from './lab.ts'

const from = '10.0.0.2'
const target = { from, to: '10.96.0.10', port: 80 }
const answer = (ep: string, src: string, name = ep.split(':')[0]!): Attempt => ({ ok: true, name, ep, src, ms: 2 })
const failure = (error: string, ms: number): Attempt => ({ ok: false, error, ms })
const times = (n: number, a: Attempt) => Array.from({ length: n }, () => a)

describe('judge', () => {
  it('accepts the expected endpoints with the client source, and wants every endpoint', () => {
    expect(judge(reach(['10.244.1.1:8080', '10.244.2.1:8080'], false), target, [answer('10.244.1.1:8080', from), answer('10.244.2.1:8080', from)])).toEqual([])
    expect(judge(reach(['10.244.1.1:8080', '10.244.2.1:8080'], false), target, [answer('10.244.1.1:8080', from)])).toEqual(['endpoint 10.244.2.1:8080 never answered'])
  })

  it('tells masquerade (a node address) from the client source and from a foreign address', () => {
    expect(judge(reach(['10.244.1.1:8080'], true), target, [answer('10.244.1.1:8080', '169.254.1.1')])).toEqual([])
    expect(judge(reach(['10.244.1.1:8080'], true), target, [answer('10.244.1.1:8080', from)])).toHaveLength(1)
    expect(judge(reach(['10.244.1.1:8080'], true), target, [answer('10.244.1.1:8080', '203.0.113.9')])).toHaveLength(1)
    expect(judge(reach(['10.244.1.1:8080'], false), target, [answer('10.244.1.1:8080', '169.254.1.1')])).toHaveLength(1)
  })

  it('rejects an unexpected endpoint and the node answering in its place', () => {
    expect(judge(reach(['10.244.1.1:8080'], false), target, [answer('10.244.9.9:8080', from)])).toContain('answered by a pod at 10.244.9.9:8080, not an expected endpoint')
    expect(judge(reach(['10.244.1.1:8080'], false), target, [answer('10.96.0.10:80', from, 'node')])[0]).toContain('the node itself')
  })

  it('checks the fair share and affinity', () => {
    const skewed = [...times(90, answer('10.244.1.1:8080', from)), ...times(10, answer('10.244.2.1:8080', from))]
    expect(judge(reach(['10.244.1.1:8080', '10.244.2.1:8080'], false, { minShare: 0.15 }), target, skewed)).toEqual(['10.244.2.1:8080 got 10 of 100 (< 15%)'])
    expect(judge(reach(['10.244.1.1:8080', '10.244.2.1:8080'], false, { sticky: true }), target, times(20, answer('10.244.2.1:8080', from)))).toEqual([])
    expect(judge(reach(['10.244.1.1:8080', '10.244.2.1:8080'], false, { sticky: true }), target, skewed)[0]).toContain('affinity broken')
  })

  it('wants REJECT at once, DROP as silence, and tells them apart', () => {
    expect(judge(refused, target, [failure('ECONNREFUSED', 3)])).toEqual([])
    expect(judge(refused, target, [failure('ECONNREFUSED', 900)])[0]).toContain('refused only after 900 ms')
    expect(judge(refused, { ...target, to: 'fd00:96::10' }, [failure('ECONNREFUSED', 1_050)])).toEqual([])
    expect(judge(refused, target, [failure('TIMEOUT', 1_000)])).toHaveLength(1)
    expect(judge(dropped, target, [failure('TIMEOUT', 500)])).toEqual([])
    expect(judge(dropped, target, [failure('ECONNREFUSED', 2)])).toHaveLength(1)
  })

  it('wants the node itself, untranslated, when no rule applies to a node address', () => {
    const nodeTarget = { from: '203.0.113.2', to: '192.168.1.2', port: 30080 }
    expect(judge(node, nodeTarget, [answer('192.168.1.2:30080', '203.0.113.2', 'node')])).toEqual([])
    expect(judge(node, nodeTarget, [answer('10.244.1.1:8080', '169.254.1.1')])).toHaveLength(1)
    expect(judge(unrouted, target, [failure('TIMEOUT', 500)])).toEqual([])
    expect(judge(unrouted, target, [failure('ECONNREFUSED', 2)])).toHaveLength(1)
  })

  it('caps the list of problems', () => {
    const all = Array.from({ length: 50 }, (_, i) => failure('TIMEOUT', 1_000 + i))
    expect(judge(reach(['10.244.1.1:8080'], false), target, all).at(-1)).toMatch(/^… and \d+ more$/)
  })
})
