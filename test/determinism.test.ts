// Same input, same bytes: shuffling files, documents, List items, endpoints, ports and key order never
// changes the ruleset (fast-check over every fixture, both formats); nor do host name, environment or locale.
import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parseAllDocuments, stringify } from 'yaml'
import { run } from '../src/cli/main.ts'
import { virtualIo } from './cli/virtual-io.ts'
import { prng, shuffle } from './helpers/prng.ts'

const root = fileURLToPath(new URL('..', import.meta.url))
const MANIFEST = /\.(ya?ml|json)$/

interface Fixture {
  readonly name: string
  readonly files: Readonly<Record<string, string>>
  readonly args: readonly string[]
}

/** kube-proxy's test harness node (NewFakeProxier), as flags: the settings the reference inputs were written for. */
const HARNESS = ['--node-name', 'test-node', '--node-ip', '192.168.0.2', '--node-ip', '2001:db8::1', '--cluster-cidr', '10.0.0.0/8', '--cluster-cidr', 'fd00:10::/64', '--service-cidr', '172.30.0.0/16']

function walk(dir: string): string[] {
  return readdirSync(`${root}${dir}`, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? walk(`${dir}/${e.name}`) : [`${dir}/${e.name}`]))
    .sort()
}

const fixtures: Fixture[] = [
  ...readdirSync(`${root}fixtures/cases`)
    .sort()
    .map((name) => {
      const dir = `fixtures/cases/${name}`
      const files = Object.fromEntries(walk(dir).filter((f) => MANIFEST.test(f)).map((f) => [f.slice(dir.length + 1), readFileSync(`${root}${f}`, 'utf8')]))
      const argsFile = walk(dir).find((f) => f.endsWith('/args'))
      return { name, files, args: argsFile ? readFileSync(`${root}${argsFile}`, 'utf8').split(/\s+/).filter(Boolean) : [] }
    }),
  ...walk('fixtures/kube-proxy')
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => ({ name: f, files: { 'input.yaml': readFileSync(`${root}${f}`, 'utf8') }, args: HARNESS })),
]

type Variant = readonly string[]
/** nft, and iptables for each family the input has. */
function variantsOf(nftOut: string): Variant[] {
  const variants: Variant[] = [['--format', 'nft'], ['--format', 'iptables', '--ip-family', 'ipv4']]
  if (nftOut.includes('add table ip6 kube-proxy')) variants.push(['--format', 'iptables', '--ip-family', 'ipv6'])
  if (!nftOut.includes('add table ip kube-proxy')) variants.splice(1, 1)
  return variants
}

async function compileFiles(files: Readonly<Record<string, string>>, args: readonly string[], variant: Variant, io: Parameters<typeof virtualIo>[1] = {}) {
  const v = virtualIo(files, io)
  const code = await run(['compile', '.', ...args, ...variant], v)
  const codes = [...v.err().matchAll(/\[([A-Z_]+)\]$/gm)].map((m) => m[1]!).sort()
  return { code, out: v.out(), codes, err: v.err() }
}

/** Every mapping gets a new key order; lists keep theirs unless they are listed as order-free. */
function shuffleKeys(value: unknown, rnd: () => number): unknown {
  if (Array.isArray(value)) return value.map((v) => shuffleKeys(v, rnd))
  if (value === null || typeof value !== 'object') return value
  return Object.fromEntries(shuffle(Object.entries(value), rnd).map(([k, v]) => [k, shuffleKeys(v, rnd)]))
}

type Obj = Record<string, unknown>
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)

/** Order-free lists inside one object: a slice's endpoints and ports, a Service's ports. */
function shuffleInside(doc: Obj, rnd: () => number): Obj {
  const out = { ...doc }
  if (doc.kind === 'EndpointSlice') {
    if (Array.isArray(doc.endpoints)) out.endpoints = shuffle(doc.endpoints, rnd)
    if (Array.isArray(doc.ports)) out.ports = shuffle(doc.ports, rnd)
  }
  if (doc.kind === 'Service' && isObj(doc.spec) && Array.isArray(doc.spec.ports)) out.spec = { ...doc.spec, ports: shuffle(doc.spec.ports, rnd) }
  return out
}

/**
 * Re-serialises a fixture: all objects (List items flattened) shuffled, each shuffled inside,
 * key order shuffled, some regrouped into kind: List, spread over 1-3 files, YAML or JSON.
 */
function permute(files: Readonly<Record<string, string>>, seed: number): Record<string, string> {
  const rnd = prng(seed)
  const objects: Obj[] = []
  for (const text of Object.values(files)) {
    for (const doc of parseAllDocuments(text) as unknown as { toJS(): unknown }[]) {
      const value = doc.toJS()
      if (!isObj(value)) continue
      if (value.kind === 'List' && Array.isArray(value.items)) objects.push(...value.items.filter(isObj))
      else objects.push(value)
    }
  }
  const docs: Obj[] = []
  for (const object of shuffle(objects, rnd).map((o) => shuffleKeys(shuffleInside(o, rnd), rnd) as Obj)) {
    const last = docs[docs.length - 1]
    if (last?.kind === 'List' && rnd() < 0.6) (last.items as Obj[]).push(object)
    else if (rnd() < 0.3) docs.push({ apiVersion: 'v1', kind: 'List', items: [object] })
    else docs.push(object)
  }
  const out: Record<string, string> = {}
  const fileCount = 1 + Math.floor(rnd() * 3)
  const groups: Obj[][] = Array.from({ length: fileCount }, () => [])
  for (const doc of docs) groups[Math.floor(rnd() * fileCount)]!.push(doc)
  groups.forEach((group, i) => {
    if (group.length === 0) return
    if (group.length === 1 && rnd() < 0.3) out[`f${i}.json`] = JSON.stringify(group[0], null, rnd() < 0.5 ? 2 : undefined)
    else out[`f${i}.yaml`] = group.map((d) => stringify(d)).join('---\n')
  })
  if (Object.keys(out).length === 0) out['empty.yaml'] = '' // an input with no objects stays one
  return out
}

/** Inputs with syntax errors cannot be re-serialised; their diagnostics are pinned by the golden tests. */
const parsable = fixtures.filter((f) => Object.values(f.files).every((text) => (parseAllDocuments(text) as unknown as { errors: unknown[] }[]).every((d) => d.errors.length === 0)))

it('covers every fixture that parses', () => {
  expect(parsable.length).toBeGreaterThan(60)
  expect(fixtures.length - parsable.length).toBeLessThanOrEqual(2)
})

describe.each(parsable)('$name', ({ files, args }) => {
  it('compiles to the same bytes after any shuffle of its objects, lists and keys', async () => {
    const nft = await compileFiles(files, args, ['--format', 'nft'])
    const baselines = await Promise.all(variantsOf(nft.out).map(async (variant) => ({ variant, ...(await compileFiles(files, args, variant)) })))
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 2 ** 31 - 1 }), async (seed) => {
        const shuffled = permute(files, seed)
        for (const base of baselines) {
          const got = await compileFiles(shuffled, args, base.variant)
          expect(got.code, `${base.variant.join(' ')}\n${got.err}`).toBe(base.code)
          expect(got.out, base.variant.join(' ')).toBe(base.out)
          expect(got.codes, base.variant.join(' ')).toEqual(base.codes)
        }
      }),
      { seed: 20251201, numRuns: 4 },
    )
  })
})

describe('no hidden inputs', () => {
  const shop = fixtures.find((f) => f.name === 'example-shop') ?? fixtures[0]!
  const args = ['--node-name', 'node-a', '--node-ip', '192.168.0.2', '--cluster-cidr', '10.244.0.0/16']

  it('gives the same bytes on two hosts when --node-name is set', async () => {
    for (const variant of [['--format', 'nft'], ['--format', 'iptables']]) {
      const a = virtualIo(shop.files, { hostname: 'host-one' })
      const b = virtualIo(shop.files, { hostname: 'other-host.example.com' })
      expect(await run(['compile', '.', ...args, ...variant], a)).toBe(0)
      expect(await run(['compile', '.', ...args, ...variant], b)).toBe(0)
      expect(a.out()).toBe(b.out())
      expect(a.err()).toBe(b.err())
    }
  })

  it('gives the same bytes whatever the environment, locale or time zone says', async () => {
    const a = virtualIo(shop.files, { env: {} })
    const b = virtualIo(shop.files, { env: { LANG: 'tr_TR.UTF-8', LC_ALL: 'tr_TR.UTF-8', TZ: 'Pacific/Chatham', SVCC_ANYTHING: '1' } })
    await run(['compile', '.', ...args], a)
    await run(['compile', '.', ...args], b)
    expect(b.out()).toBe(a.out())
    expect(b.err()).toBe(a.err())
  })

  it('gives the same bytes on repeated runs in one process', async () => {
    const outs = new Set<string>()
    for (let i = 0; i < 5; i++) outs.add((await compileFiles(shop.files, args, ['--format', 'nft'])).out)
    expect(outs.size).toBe(1)
  })
})
