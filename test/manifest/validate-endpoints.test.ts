// isPlainEndpoint lets endpoints skip zod's copy; it must never accept one that zod refuses or reads differently.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { endpointSchema, isPlainEndpoint } from '../../src/manifest/schema/endpoint-slice.ts'
import { compileText, problems, SERVICE, SLICE } from './helpers.ts'

const KNOWN = ['addresses', 'conditions', 'nodeName', 'zone', 'hints'] as const

/** Values that are right, wrong or absent for each field, so both answers come up often. */
const field = {
  addresses: fc.oneof(fc.constant(undefined), fc.constant(null), fc.array(fc.oneof(fc.ipV4(), fc.string(), fc.integer(), fc.constant(null)), { maxLength: 3 }), fc.string(), fc.object()),
  conditions: fc.oneof(
    fc.constant(undefined),
    fc.constant(null),
    fc.record(
      { ready: fc.oneof(fc.boolean(), fc.constant(null), fc.string()), serving: fc.oneof(fc.boolean(), fc.constant(undefined), fc.integer()), terminating: fc.oneof(fc.boolean(), fc.constant(null)), extra: fc.anything() },
      { requiredKeys: [] },
    ),
    fc.array(fc.boolean()),
    fc.boolean(),
  ),
  nodeName: fc.oneof(fc.constant(undefined), fc.constant(null), fc.string(), fc.integer(), fc.array(fc.string())),
  zone: fc.oneof(fc.constant(undefined), fc.constant(null), fc.string(), fc.boolean()),
  hints: fc.oneof(fc.constant(undefined), fc.constant(null), fc.record({ forZones: fc.array(fc.record({ name: fc.string() })) }), fc.string()),
  targetRef: fc.anything(),
}
const endpointLike = fc.oneof(fc.record(field, { requiredKeys: [] }), fc.anything())

describe('isPlainEndpoint', () => {
  it('accepts only endpoints zod accepts, with the same values in every field zod keeps', () => {
    let accepted = 0
    fc.assert(
      fc.property(endpointLike, (value) => {
        if (!isPlainEndpoint(value)) return
        accepted++
        const parsed = endpointSchema.safeParse(value)
        expect(parsed.success).toBe(true)
        const kept = value as Record<string, unknown>
        const data = parsed.data as Record<string, unknown>
        for (const key of KNOWN.filter((k) => k !== 'conditions')) expect(kept[key]).toStrictEqual(data[key])
        // zod strips unknown keys inside conditions too; the three it keeps must match.
        const conditions = (kept.conditions ?? undefined) as Record<string, unknown> | undefined
        for (const key of ['ready', 'serving', 'terminating']) expect(conditions?.[key]).toStrictEqual((data.conditions as Record<string, unknown> | null | undefined)?.[key])
        if (kept.conditions === null || kept.conditions === undefined) expect(data.conditions).toBe(kept.conditions)
      }),
      { seed: 42, numRuns: 5000 },
    )
    expect(accepted).toBeGreaterThan(100) // the property was not vacuous
  })

  it('leaves endpoints with hints, or anything unusual, to zod', () => {
    expect(isPlainEndpoint({ addresses: ['10.0.0.1'], conditions: { ready: true } })).toBe(true)
    expect(isPlainEndpoint({ addresses: ['10.0.0.1'], hints: { forZones: [{ name: 'a' }] } })).toBe(false)
    expect(isPlainEndpoint({ addresses: '10.0.0.1' })).toBe(false)
    expect(isPlainEndpoint({ conditions: { ready: 'yes' } })).toBe(false)
    expect(isPlainEndpoint(['10.0.0.1'])).toBe(false)
  })
})

describe('slices whose endpoints skip zod', () => {
  it('still report a bad endpoint field with zod’s message and path', () => {
    const bad = SLICE.replace('conditions: {ready: true}', 'conditions: {ready: "yes"}')
    expect(problems(`${SERVICE}---\n${bad}`)).toEqual([expect.objectContaining({ code: 'INVALID_FIELD', path: 'endpoints[0].conditions.ready', line: 27, column: 23 })])
  })

  it('still check the rest of the slice', () => {
    const bad = SLICE.replace('addressType: IPv4', 'addressType: IPv5')
    expect(problems(`${SERVICE}---\n${bad}`)).toEqual([expect.objectContaining({ code: 'INVALID_FIELD', path: 'addressType' })])
  })

  it('compile to the same endpoints as before (unknown keys are ignored)', () => {
    const withExtra = SLICE.replace('  nodeName: node-a', '  nodeName: node-a\n  targetRef: {kind: Pod, name: web-1}')
    const result = compileText(`${SERVICE}---\n${withExtra}`)
    if (!result.ok) throw new Error('fixture does not compile')
    const [endpoint] = [...result.model.endpoints.values()][0]!
    expect({ endpoint: endpoint!.endpoint, nodeName: endpoint!.nodeName, ready: endpoint!.ready }).toEqual({ endpoint: '10.244.1.5:8080', nodeName: 'node-a', ready: true })
  })
})
