// JsonPositions must find every path where yaml's Document finds it (locate.ts), in any order of asking.
import { readFileSync } from 'node:fs'
import { LineCounter, parseDocument } from 'yaml'
import { describe, expect, it } from 'vitest'
import { generateCluster } from '../../bench/generate.ts'
import type { PathSegment } from '../../src/diagnostics/diagnostic.ts'
import { JsonPositions } from '../../src/manifest/json-locate.ts'
import { locate } from '../../src/manifest/locate.ts'
import { prng, shuffle } from '../helpers/prng.ts'

/** Every path of a parsed value, plus paths one step past it that do not exist. */
function paths(value: unknown, prefix: PathSegment[] = [], out: PathSegment[][] = []): PathSegment[][] {
  out.push(prefix)
  if (Array.isArray(value)) {
    value.forEach((v, i) => paths(v, [...prefix, i], out))
    out.push([...prefix, value.length], [...prefix, 'missing'], [...prefix, String(Math.max(0, value.length - 1))])
  } else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) paths(v, [...prefix, k], out)
    out.push([...prefix, 'missing', 'deeper'], [...prefix, 0])
  }
  return out
}

function compare(text: string, sample: number, seed: number): number {
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true })
  expect(doc.errors).toEqual([])
  const all = paths(JSON.parse(text))
  const rand = prng(seed)
  // Shuffled, so members are read out of order and lines are counted from checkpoints on both sides.
  const asked = Number.isFinite(sample) ? Array.from({ length: sample }, () => all[Math.floor(rand() * all.length)]!) : shuffle(all, rand)
  const positions = new JsonPositions(text)
  for (const path of asked) expect({ path, at: positions.locate(path) }).toEqual({ path, at: locate(doc, lineCounter, path) })
  return asked.length
}

describe('JsonPositions', () => {
  it('agrees with yaml on the JSON fixture, every path', () => {
    const text = readFileSync('fixtures/cases/json-input/cluster.json', 'utf8')
    expect(compare(text, Infinity, 1)).toBeGreaterThan(50)
  })

  it('agrees with yaml on a generated kubectl -o json List, 2000 paths in random order', () => {
    const { text } = generateCluster({ services: 60, endpointsPerService: 10 }, 'json')
    expect(compare(text, 2000, 2)).toBe(2000)
  })

  it('agrees on compact JSON, escapes in keys, empty containers and scalars of every type', () => {
    const text = '{"a\\"b":[1,-2.5e3,true,null,"x\\\\"],"e":{},"f":[],"g":{"h":[[],[{}]]},\n"i":\t"\\u00e9"}'
    expect(compare(text, 500, 3)).toBe(500)
  })
})
