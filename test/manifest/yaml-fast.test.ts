// The fast YAML reader against the yaml library: the same values and positions, or undefined (yaml then reads the text).
// Seeded (mulberry32): every run reads the same generated texts; a failure prints the text to replay.
import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it, vi } from 'vitest'
import { Composer, LineCounter, Parser, parseAllDocuments, type Document } from 'yaml'
import { generateCluster, generateObjects, toYaml } from '../../bench/generate.ts'
import type { PathSegment } from '../../src/diagnostics/diagnostic.ts'
import { loadManifests, type LoadResult } from '../../src/manifest/load.ts'
import { locate } from '../../src/manifest/locate.ts'
import { parseSource } from '../../src/manifest/parse.ts'
import { parseYamlFast } from '../../src/manifest/yaml-fast.ts'
import { YamlPositions } from '../../src/manifest/yaml-locate.ts'
import { prng } from '../helpers/prng.ts'
import { SERVICE, SLICE } from './helpers.ts'

const root = fileURLToPath(new URL('../..', import.meta.url))

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? walk(`${dir}/${e.name}`) : [`${dir}/${e.name}`]))
    .sort()
}

/** yaml's values for each document, as parseAllDocuments gives them, or undefined when yaml reports an error. */
function yamlValues(text: string): unknown[] | undefined {
  const docs = parseAllDocuments(text, { uniqueKeys: true }) as unknown as { errors: unknown[]; toJS(): unknown }[]
  return docs.some((d) => d.errors.length > 0) ? undefined : docs.map((d) => d.toJS())
}

/** yaml's Documents with parse.ts's options, also for text that parse.ts would read as JSON (load.ts never asks the fast reader about that). */
function readWithYaml(text: string): { documents: Document.Parsed[]; lineCounter: LineCounter } {
  const lineCounter = new LineCounter()
  const documents = Array.from(new Composer({ uniqueKeys: true, prettyErrors: false, logLevel: 'error' }).compose(new Parser(lineCounter.addNewLine).parse(text)))
  return { documents, lineCounter }
}

/** The fast reader's answer is undefined, or exactly yaml's. */
function expectAgrees(text: string): boolean {
  const fast = parseYamlFast(text)
  if (fast === undefined) return false
  const { documents } = readWithYaml(text)
  expect(documents.flatMap((d) => d.errors.map((e) => e.code)), text).toEqual([])
  expect(fast.values, text).toStrictEqual(documents.map((d) => d.toJS({ maxAliasCount: 100 })))
  return true
}

describe('parseYamlFast on real manifests', () => {
  it('agrees with yaml on every YAML fixture and accepts all of them but the broken ones', () => {
    const files = walk(`${root}fixtures`).filter((f) => /\.ya?ml$/.test(f))
    const accepted = files.filter((file) => {
      const text = readFileSync(file, 'utf8')
      const fast = parseYamlFast(text)
      if (fast !== undefined) expect(fast.values, file).toStrictEqual(yamlValues(text))
      return fast !== undefined
    })
    expect(files.length).toBeGreaterThanOrEqual(147)
    // Only fixtures with syntax errors fall back (error-yaml-syntax today).
    expect(accepted.length).toBeGreaterThanOrEqual(files.length - 2)
  })

  it("agrees with yaml on kube-proxy's reference manifests and accepts them all", () => {
    const files = walk('/work/shared/reference/kube-proxy').filter((f) => f.endsWith('.yaml'))
    for (const file of files) {
      const text = readFileSync(file, 'utf8')
      const fast = parseYamlFast(text)
      expect(fast, file).toBeDefined()
      expect(fast!.values, file).toStrictEqual(yamlValues(text))
    }
    expect(files.length).toBeGreaterThanOrEqual(67)
  })

  it('accepts the benchmark cluster (200 Services) with the values yaml gives', () => {
    const { text } = generateCluster({ services: 200, endpointsPerService: 10 }, 'yaml')
    expect(expectAgrees(text)).toBe(true)
  })

  it('reads empty streams and documents as yaml does', () => {
    for (const text of ['', '# c\n', '\n\n', '---\n', '---\n---\n', '---\n---\n# nothing\n', 'a: 1\n---\n', 'a: 1\n...\n', 'a: 1\n...\n---\n', '...\n', '...\n...\n', '---\n...\n', '# c\n...\n', 'a: 1\n...\nb: 1\n', '--- # c\na: 1\n'])
      expect(expectAgrees(text), text).toBe(true)
  })

  it('reads the kubectl forms it exists for', () => {
    const texts = [
      'metadata:\n  annotations:\n    kubectl.kubernetes.io/last-applied-configuration: |\n      {"apiVersion":"v1","kind":"Service"}\n  managedFields:\n  - fieldsV1:\n      f:metadata:\n        f:labels:\n          .: {}\n          f:app: {}\n      f:spec:\n        f:ports:\n          k:{"port":80,"protocol":"TCP"}:\n            .: {}\n',
      'spec:\n  clusterIPs: [fd00:10:96::10, 10.96.0.1]\n  selector: {app: web}\n  ports:\n  - name: "http"\n    port: 80\n    targetPort: \'8080\'\n',
      'a:\n- - x\n  - y\n-\n  b: 1\n- |-\n  text\n\n  more\n',
    ]
    for (const text of texts) expect(expectAgrees(text), text).toBe(true)
  })

  it('falls back where parse.ts refuses what yaml could read: deep nesting and long runs of indicators', () => {
    const deep = Array.from({ length: 60 }, (_, i) => `${'  '.repeat(i)}a:`).join('\n') + ' 1\n'
    expect(yamlValues(deep)).toBeDefined()
    expect(parseYamlFast(deep)).toBeUndefined()
    for (const text of [`a: ${'-x '.repeat(201)}\n`, `a: 1 # ${'? '.repeat(201)}\n`, `a: "${'& '.repeat(202)}"\n`]) {
      expect(parseSource({ path: 'in.yaml', text }).diagnostics).toEqual([expect.objectContaining({ code: 'YAML_SYNTAX' })])
      expect(parseYamlFast(text)).toBeUndefined()
    }
  })

  it('falls back for what only yaml reads', () => {
    for (const text of ['a: &x 1\nb: *x\n', 'a: !!str 1\n', '? a\n: b\n', '%YAML 1.2\n---\na: 1\n', 'a:\n\tb: 1\n', 'a: >\n  x\n', 'a: b\n  c\n', 'a: "b\n  c"\n', '\ufeffa: 1\n', 'a: 1\r\n', 'a: 1\na: 2\n', '1: a\n', 'a: b: c\n', 'a: [b,\n  c]\n'])
      expect(parseYamlFast(text), text).toBeUndefined()
  })
})

/** Plain, quoted and odd scalars: the schema's corner cases and text that is not a scalar at all. */
const SCALARS = ['', '~', 'null', 'Null', 'NULL', 'nULL', 'True', 'TRUE', 'tRUE', 'false', 'yes', 'on', 'off', 'y', '0', '-0', '+0', '0o17', '0o8', '0x1F', '0X1F', '+0x10', '-0x10', '1e3', '1E-3', '.5', '5.', '-.inf', '.Inf', '+.INF', '.NaN', '.nan', '.NAN', '+12', '012', '1_000', '0b101', '1:20', '2024-01-01', '12345678901234567890', '1.0', "'a''b'", "''", "'x'", '"a\\tb\\u00e9"', '"\\x41\\U0001F600"', '"\\q"', '"\\U00110000"', '""', '"a \\" b"', 'a: b', 'a #b', 'a#b', '- x', '-x', '-', 'k:{"a":1}', 'f:metadata', 'a:b', 'http://x', '10.0.0.1', 'fd00::1', '[a, b]', '[]', '{}', '{a: b}', '[a, [b, c]]', '{a: [1, 2], b: {c: d}}', '[a,]', '[a b]', '{a}', '{a:b}', '[fd00::1, ::1]', '[a: b]', '@x', '`x', '%x', '!x', '&a x', '*a', '?x', ':x', '|', '>', '"unterminated', "'it''s", 'a\tb', 'é', '#c', ' x', 'x ', 'x # c', '"q" # c', '"q"#c', '<<', '__proto__', 'constructor', 'toString']
/** The SCALARS that the subset reads, so that most generated documents are accepted as a whole. */
const READABLE = SCALARS.filter((s) => !/^(?:[-@`%!&*?:|>\t]|\[a,\]|\{a|\[a:|"unterminated|'it''s|"\\[qU]|a: b|a\tb| x|"q"#c|<<|#c|- x)/.test(s))
const KEYS = ['a', 'b', 'name', 'f:metadata', '.', 'k:{"port":80,"protocol":"TCP"}', 'v:"10.0.0.1"', '"quoted"', "'single'", '"a"', 'a b', 'true', '1', '~', '<<', '__proto__', 'toString', '-k', 'x:y', '"k:v"', '?', 'a#b']

function pick<T>(items: readonly T[], rand: () => number): T {
  return items[Math.floor(rand() * items.length)]!
}

/** Random block YAML in kubectl's and people's styles, lines without their trailing newline. */
function blockNode(rand: () => number, indent: number, depth: number, out: string[], lead: string): void {
  const pad = ' '.repeat(indent)
  const r = rand()
  if (depth > 3 || r < 0.35) {
    // A scalar (or flow, or literal) after the lead, e.g. "key: " or "- ".
    if (rand() < 0.08) {
      out.push(`${lead}${pick(['|', '|-', '|+', '| # c', '|2', '>'], rand)}`)
      const n = 1 + Math.floor(rand() * 3)
      const step = 2 + Math.floor(rand() * 2)
      for (let i = 0; i < n; i++) out.push(rand() < 0.2 ? pick(['', ' ', '   '.repeat(3)], rand) : `${' '.repeat(indent + step + (rand() < 0.15 ? 1 : 0))}${pick(['text', '# not a comment', 'a: b', '- x', '{"k": 1}'], rand)}`)
      if (rand() < 0.3) out.push('')
      return
    }
    out.push(`${lead}${pick(rand() < 0.9 ? READABLE : SCALARS, rand)}${rand() < 0.1 ? ' # comment' : ''}`)
    return
  }
  if (r < 0.7) {
    // A mapping: on the lead's line for "- " (compact), else on the next lines.
    const n = 1 + Math.floor(rand() * 4)
    const compact = lead.trimEnd().endsWith('-') && rand() < 0.6
    const childIndent = compact ? lead.length : indent + (rand() < 0.8 ? 2 : 4)
    if (!compact) out.push(lead.trimEnd())
    const inner = ' '.repeat(childIndent)
    for (let i = 0; i < n; i++) {
      const key = rand() < 0.93 ? pick(KEYS.slice(0, 6), rand) + (rand() < 0.5 ? `_${i}` : '') : pick(KEYS, rand)
      const keyLead = i === 0 && compact ? lead : inner
      if (rand() < 0.1) out.push(`${inner}# a comment line`)
      blockNode(rand, childIndent, depth + 1, out, `${keyLead}${key}: `)
    }
    return
  }
  // A sequence: kubectl's unindented style under a key, or indented; sometimes compact after "- ".
  const n = 1 + Math.floor(rand() * 3)
  const compact = lead.trimEnd().endsWith('-') && rand() < 0.5
  const seqIndent = compact ? lead.length : lead.trimEnd().endsWith(':') && rand() < 0.6 ? indent : indent + 2
  if (!compact) out.push(lead.trimEnd())
  for (let i = 0; i < n; i++) {
    const dashLead = i === 0 && compact ? `${lead}- ` : `${' '.repeat(seqIndent)}- `
    if (rand() < 0.05) out.push('')
    blockNode(rand, seqIndent + 2, depth + 1, out, dashLead)
  }
  void pad
}

function randomStream(rand: () => number): string {
  const out: string[] = []
  if (rand() < 0.2) out.push('# leading comment')
  const docs = 1 + Math.floor(rand() * 3)
  for (let d = 0; d < docs; d++) {
    if (d > 0 || rand() < 0.4) out.push(pick(['---', '---', '--- # doc', '...\n---'], rand))
    const lines: string[] = []
    if (rand() < 0.1) lines.push(pick(SCALARS, rand))
    else blockNode(rand, 0, 0, lines, rand() < 0.15 ? '- ' : 'root: ')
    out.push(...lines)
  }
  if (rand() < 0.1) out.push('...')
  return out.join('\n') + (rand() < 0.9 ? '\n' : '')
}

const MUTATION_CHARS = ['\t', '&', '*', '!', '?', '|', '>', '"', "'", '#', ':', '-', ' ', '\n', '\r', '{', '[', ',', '%']

function mutate(text: string, rand: () => number): string {
  let t = text
  const n = 1 + Math.floor(rand() * 3)
  for (let k = 0; k < n; k++) {
    const at = Math.floor(rand() * (t.length + 1))
    const r = rand()
    if (r < 0.3) t = t.slice(0, at) + t.slice(at + 1)
    else if (r < 0.5) t = t.slice(0, at) + t.charAt(at) + t.slice(at)
    else t = t.slice(0, at) + pick(MUTATION_CHARS, rand) + t.slice(at)
  }
  return t
}

/** Existing paths of a value, and paths one step past them that do not exist. */
function paths(value: unknown, prefix: PathSegment[] = [], out: PathSegment[][] = []): PathSegment[][] {
  out.push(prefix)
  if (Array.isArray(value)) {
    value.forEach((v, i) => paths(v, [...prefix, i], out))
    out.push([...prefix, value.length], [...prefix, 'missing'], [...prefix, String(Math.max(0, value.length - 1))], [...prefix, ''])
  } else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) paths(v, [...prefix, k], out)
    out.push([...prefix, 'missing', 'deeper'], [...prefix, 0])
  }
  return out
}

/** Every path of every document that has a value (load.ts skips the others): YamlPositions gives what locate.ts gives on yaml's Document. */
function expectSamePositions(text: string): number {
  const fast = parseYamlFast(text)!
  const parsed = readWithYaml(text)
  const positions = new YamlPositions(text, fast)
  let n = 0
  fast.values.forEach((value, doc) => {
    if (value === null) return
    const document = parsed.documents[doc]!
    for (const path of paths(value)) {
      expect(positions.locate(doc, path), `${JSON.stringify(text)} doc ${doc} ${JSON.stringify(path)}`).toEqual(locate(document, parsed.lineCounter, path))
      n++
    }
  })
  return n
}

describe('parseYamlFast on generated text', () => {
  it('gives undefined or exactly yaml’s values, and yaml’s positions, for random and mutated streams', () => {
    const rand = prng(0x5a11)
    let accepted = 0
    let mutatedAccepted = 0
    let located = 0
    for (let i = 0; i < 3000; i++) {
      const text = randomStream(rand)
      if (expectAgrees(text)) {
        accepted++
        located += expectSamePositions(text)
      }
      const mutated = mutate(text, rand)
      if (expectAgrees(mutated)) {
        mutatedAccepted++
        located += expectSamePositions(mutated)
      }
    }
    // The generator stays mostly inside the subset, and mutations often leave it: both sides are exercised.
    expect(accepted).toBeGreaterThan(1000)
    expect(mutatedAccepted).toBeGreaterThan(300)
    expect(located).toBeGreaterThan(20_000)
  })

  it('finds positions inside a kind: List, its items and what is missing, in any order of asking', () => {
    const { objects } = generateObjects({ services: 30, endpointsPerService: 3 })
    const text = toYaml([{ apiVersion: 'v1', kind: 'List', items: objects, metadata: { resourceVersion: '' } }])
    expect(expectAgrees(text)).toBe(true)
    expect(expectSamePositions(text)).toBeGreaterThan(1000)
    // Items are read when first asked about: ask out of order, on a fresh tree.
    const fast = parseYamlFast(text)!
    const positions = new YamlPositions(text, fast)
    const { documents, lineCounter } = readWithYaml(text)
    const all = paths(fast.values[0])
    const rand = prng(0x11)
    for (let i = 0; i < 500; i++) {
      const path = all[Math.floor(rand() * all.length)]!
      expect(positions.locate(0, path), JSON.stringify(path)).toEqual(locate(documents[0]!, lineCounter, path))
    }
  })
})

describe('loadManifests through the fast path', () => {
  /** The same load with the fast path switched off: the yaml path as it was. */
  async function loadWithYaml(text: string): Promise<LoadResult> {
    vi.resetModules()
    const off = vi.fn(() => undefined)
    vi.doMock('../../src/manifest/yaml-fast.ts', () => ({ parseYamlFast: off }))
    try {
      const { loadManifests: load } = await import('../../src/manifest/load.ts')
      const result = load([{ path: 'in.yaml', text }])
      expect(off).toHaveBeenCalledOnce()
      return result
    } finally {
      vi.doUnmock('../../src/manifest/yaml-fast.ts')
      vi.resetModules()
    }
  }

  const list = (items: string) => `apiVersion: v1\nkind: List\nitems:\n${items}`
  const inputs = {
    'a Service and a slice': `${SERVICE}---\n${SLICE}`,
    'empty documents and comments': `---\n# only a comment\n---\n${SERVICE}...\n---\n`,
    'documents that are not objects': `- a\n- b\n---\n42\n---\n"text"\n---\n${SERVICE}`,
    'a List with odd items': list(`- ${SERVICE.replaceAll('\n', '\n  ').trimEnd()}\n- 7\n- [x]\n-\n`),
    'a List whose items are not a list': 'apiVersion: v1\nkind: ServiceList\nitems: {a: 1}\n',
    'a generated List': toYaml([{ apiVersion: 'v1', kind: 'List', items: generateObjects({ services: 20, endpointsPerService: 2 }).objects }]),
  }

  it.each(Object.entries(inputs))('gives the same objects, diagnostics and positions as yaml for %s', async (_name, text) => {
    expect(parseYamlFast(text)).toBeDefined()
    const fast = loadManifests([{ path: 'in.yaml', text }])
    const slow = await loadWithYaml(text)
    expect(fast.diagnostics).toStrictEqual(slow.diagnostics)
    expect(fast.objects.map((o) => [o.doc, o.basePath, o.value])).toStrictEqual(slow.objects.map((o) => [o.doc, o.basePath, o.value]))
    fast.objects.forEach((o, i) => {
      for (const path of paths(o.value)) expect(o.locate(path), JSON.stringify(path)).toEqual(slow.objects[i]!.locate(path))
      expect(o.sourceLine(3)).toBe(slow.objects[i]!.sourceLine(3))
    })
  })
})
