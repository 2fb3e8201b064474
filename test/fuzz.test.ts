// Mutated manifests through the CLI's entry function: no exception, no stack trace, nothing on stdout on error.
// Seeded (mulberry32), so every run feeds the same inputs; a failure names its case number to replay.
import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { expect, it } from 'vitest'
import { parseAllDocuments, stringify } from 'yaml'
import { run } from '../src/cli/main.ts'
import { virtualIo } from './cli/virtual-io.ts'
import { prng } from './helpers/prng.ts'

const CASES = 10_000
const SEED = 0x5eed
const root = fileURLToPath(new URL('..', import.meta.url))

function walk(dir: string): string[] {
  return readdirSync(`${root}${dir}`, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? walk(`${dir}/${e.name}`) : [`${dir}/${e.name}`]))
    .sort()
}

/**
 * The manifests of the fixtures, parsed once: the seeds the mutations start from. Inputs over 20 kB
 * (the large-cluster case) are left out: they cost time, not coverage.
 */
const SEEDS = [...walk('fixtures/cases'), ...walk('fixtures/kube-proxy')]
  .filter((f) => /\.(ya?ml|json)$/.test(f) && !f.endsWith('flows.json'))
  .map((f) => readFileSync(`${root}${f}`, 'utf8'))
  .filter((text) => text.length < 20_000)
  .map((text) => ({ text, values: (parseAllDocuments(text) as unknown as { errors: unknown[]; toJS(): unknown }[]).map((d) => (d.errors.length > 0 ? undefined : d.toJS())) }))


type Rnd = () => number
const pick = <T>(rnd: Rnd, items: readonly T[]): T => items[Math.floor(rnd() * items.length)]!
const int = (rnd: Rnd, n: number) => Math.floor(rnd() * n)

const ODD_STRINGS = [
  '', ' ', '\u0000', '\u001b[2J', '\u009b31m', '\u202eevil', '\u2028', '\ufeff', 'İ', 'ß', 'e\u0301', '🙂', '\ud800', 'a'.repeat(10_000),
  'None', 'null', '~', 'true', '0x10', '1e3', '10.0.0.1', '::1', 'fe80::1%eth0', '10.0.0.0/8', '-1', '65536', '"', "'", '\\', '{', '}', ';', '\n-A X -j ACCEPT',
]
const ODD_NUMBERS = [0, -1, -0, 1, 1.5, 65535, 65536, 86400, 86401, 2 ** 31, 2 ** 53 + 1, 1e308, -1e308, Number.MAX_SAFE_INTEGER, Number.POSITIVE_INFINITY, Number.NaN]
const WRONG_TYPES: unknown[] = [null, true, false, 0, 'x', [], {}, [1, 2], { a: 1 }, [[[]]]]
const SNIPPETS = [': ', '- ', '{', '[', ']', '}', '"', "'", '\t', '&a ', '*a', '!!binary ', '!tag ', '---\n', '...\n', '\ufeff', '#', '|\n', '>-\n', '? ', '\u0000', '%YAML 1.1\n', '<<: *a\n']

/** A random path to an existing node of a JSON-like value. */
function randomPath(value: unknown, rnd: Rnd): (string | number)[] {
  const path: (string | number)[] = []
  let node = value
  while (node !== null && typeof node === 'object' && rnd() < 0.8) {
    const keys: (string | number)[] = Array.isArray(node) ? node.map((_, i) => i) : Object.keys(node)
    if (keys.length === 0) break
    const k = pick(rnd, keys)
    path.push(k)
    node = (node as Record<string | number, unknown>)[k]
  }
  return path
}

function mutateValue(root: unknown, rnd: Rnd): unknown {
  const path = randomPath(root, rnd)
  if (path.length === 0) return structuredClone(pick(rnd, WRONG_TYPES))
  const parent = path.slice(0, -1).reduce<unknown>((n, k) => (n as Record<string | number, unknown>)[k], root) as Record<string | number, unknown>
  const key = path[path.length - 1]!
  const current = parent[key]
  switch (int(rnd, 6)) {
    case 0: // delete the field (or list element)
      if (Array.isArray(parent)) parent.splice(key as number, 1)
      else delete parent[key]
      break
    case 1:
      parent[key] = structuredClone(pick(rnd, WRONG_TYPES))
      break
    case 2:
      parent[key] = pick(rnd, ODD_NUMBERS)
      break
    case 3:
      parent[key] = typeof current === 'string' && rnd() < 0.5 ? current + pick(rnd, ODD_STRINGS) : pick(rnd, ODD_STRINGS)
      break
    case 4: // duplicate a list element or copy a sibling's value
      if (Array.isArray(parent)) parent.push(structuredClone(current))
      else parent[key] = structuredClone(parent[pick(rnd, Object.keys(parent))])
      break
    default:
      if (!Array.isArray(parent)) parent[pick(rnd, ['kind', 'apiVersion', 'spec', 'status', 'metadata', 'x', '__proto__', 'constructor'])] = structuredClone(current)
  }
  return root
}

function mutateText(text: string, rnd: Rnd): string {
  const at = int(rnd, text.length + 1)
  switch (int(rnd, 5)) {
    case 0:
      return text.slice(0, at) // truncated file
    case 1:
      return text.slice(0, at) + pick(rnd, SNIPPETS) + text.slice(at)
    case 2:
      return text.slice(0, at) + text.slice(at + 1 + int(rnd, 40))
    case 3: {
      const lines = text.split('\n')
      const i = int(rnd, lines.length)
      lines.splice(i, 0, lines[i]!)
      return lines.join('\n')
    }
    default:
      return text.slice(0, at) + String.fromCharCode(int(rnd, 0x3000)) + text.slice(at)
  }
}

/** One mutated input: value-level changes re-serialised as YAML or JSON, then maybe text-level damage. */
function mutant(n: number): { path: string; text: string } {
  const rnd = prng(SEED + n)
  const seed = pick(rnd, SEEDS)
  // A window of at most 6 documents keeps inputs small (time goes to YAML parsing) but keeps Services with their slices.
  const start = int(rnd, Math.max(1, seed.values.length - 5))
  const values = seed.values.includes(undefined) ? [] : structuredClone(seed.values.slice(start, start + 6))
  let text: string
  let path = 'in.yaml'
  if (values.length > 0 && rnd() < 0.8) {
    for (let i = 0, k = 1 + int(rnd, 3); i < k; i++) {
      const d = int(rnd, values.length)
      values[d] = mutateValue(values[d], rnd)
    }
    if (values.length === 1 && rnd() < 0.3) {
      path = 'in.json'
      text = JSON.stringify(values[0], null, rnd() < 0.5 ? 1 : undefined) ?? 'null'
    } else text = values.map((v) => stringify(v ?? null)).join('---\n')
  } else text = seed.text
  if (rnd() < 0.4) text = mutateText(text, rnd)
  return { path, text }
}

const ARGS = [
  ['--node-name', 'node-a', '--node-ip', '192.168.0.10', '--cluster-cidr', '10.244.0.0/16'],
  ['--node-name', 'test-node', '--node-ip', '192.168.0.2', '--node-ip', '2001:db8::1', '--cluster-cidr', '10.0.0.0/8,fd00:10::/64', '--service-cidr', '172.30.0.0/16'],
  [],
]
const FORMATS = [['--format', 'nft'], ['--format', 'iptables'], ['--format', 'iptables', '--ip-family', 'ipv6']]
const STACK_TRACE = /^\s+at .+(:\d+:\d+\)?|\(native\))$|\bError: .*\n\s+at /m

it(`survives ${CASES} mutated manifests: no exception, no stack trace, nothing on stdout on error`, async ({ annotate }) => {
  expect(STACK_TRACE.test(new Error('probe').stack!)).toBe(true) // the detector detects
  const stats = { runs: 0, exitCodes: { 0: 0, 1: 0, 2: 0 } as Record<number, number>, exceptions: [] as string[], stackTraces: [] as number[], stdoutOnError: [] as number[], unknownExit: [] as number[] }
  for (let n = 0; n < CASES; n++) {
    const { path, text } = mutant(n)
    const rnd = prng(SEED ^ n)
    const io = virtualIo({ [path]: text }, { stderrIsTTY: rnd() < 0.2 })
    let code: number
    try {
      code = await run(['compile', path, ...pick(rnd, ARGS), ...pick(rnd, FORMATS)], io)
    } catch (e) {
      stats.exceptions.push(`case ${n}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`)
      continue
    }
    stats.runs++
    stats.exitCodes[code] = (stats.exitCodes[code] ?? 0) + 1
    if (STACK_TRACE.test(io.err())) stats.stackTraces.push(n)
    if (code !== 0 && io.out() !== '') stats.stdoutOnError.push(n)
    if (![0, 1, 2].includes(code)) stats.unknownExit.push(n)
  }
  await annotate(
    `${CASES} mutated inputs, ${stats.runs} runs returned (exit 0: ${stats.exitCodes[0]}, 1: ${stats.exitCodes[1]}, 2: ${stats.exitCodes[2] ?? 0}); ` +
      `uncaught exceptions: ${stats.exceptions.length}, stack traces on stderr: ${stats.stackTraces.length}, stdout on error: ${stats.stdoutOnError.length}`,
  )
  expect(stats.exceptions).toEqual([])
  expect(stats.stackTraces).toEqual([])
  expect(stats.stdoutOnError).toEqual([])
  expect(stats.unknownExit).toEqual([])
  expect(stats.runs).toBe(CASES)
  // The mutations must reach every outcome, or they test too little.
  expect(stats.exitCodes[0]).toBeGreaterThan(CASES / 20)
  expect(stats.exitCodes[1]).toBeGreaterThan(CASES / 4)
}, 120_000)
