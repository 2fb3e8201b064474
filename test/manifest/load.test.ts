// Syntax errors (YAML and JSON), resource limits and kind: List expansion, asserted by code and position.
import { describe, expect, it } from 'vitest'
import { findJsonSyntaxError } from '../../src/manifest/json-syntax.ts'
import { loadManifests } from '../../src/manifest/load.ts'
import { longIndicatorRun, MAX_NESTING } from '../../src/manifest/parse.ts'
import { problems, SERVICE } from './helpers.ts'

const load = (path: string, text: string) => loadManifests([{ path, text }])

describe('YAML syntax errors', () => {
  it('reports a bad indentation at its line and column, with the document index', () => {
    const text = `${SERVICE}---\napiVersion: v1\nkind: Service\nmetadata:\n  name: x\n   bad: 1\n`
    expect(problems(text)).toEqual([
      expect.objectContaining({ code: 'YAML_SYNTAX', file: 'in.yaml', line: 16, column: 9, doc: 1 }),
      expect.objectContaining({ code: 'YAML_SYNTAX', file: 'in.yaml', line: 16, column: 9, doc: 1 }),
    ])
  })

  it('reports a duplicate key at the second key', () => {
    expect(problems('a: 1\nb: 2\na: 3\n')).toEqual([expect.objectContaining({ code: 'YAML_SYNTAX', line: 3, column: 1 })])
  })

  it('reports an unterminated quoted string', () => {
    // yaml notices the missing quote where the input ends.
    expect(problems('apiVersion: v1\nkind: "Service\n')).toEqual([expect.objectContaining({ code: 'YAML_SYNTAX', line: 3, column: 1 })])
  })

  it('skips empty documents and comment-only files without a diagnostic', () => {
    expect(load('a.yaml', '---\n---\n# nothing\n').diagnostics).toEqual([])
    expect(load('a.yaml', '').diagnostics).toEqual([])
  })

  it('refuses a document that is not a mapping', () => {
    expect(problems('- a\n- b\n')).toEqual([expect.objectContaining({ code: 'NOT_AN_OBJECT', line: 1, column: 1, doc: 0 })])
    expect(problems(`${SERVICE}---\n42\n`)).toEqual([expect.objectContaining({ code: 'NOT_AN_OBJECT', line: 13, column: 1, doc: 1 })])
  })
})

describe('JSON syntax errors', () => {
  it('reports a missing comma in a .json file at the next property', () => {
    const text = '{\n  "apiVersion": "v1",\n  "kind": "Service"\n  "metadata": {}\n}\n'
    expect(problems({ 'svc.json': text })).toEqual([{ code: 'JSON_SYNTAX', severity: 'error', file: 'svc.json', line: 4, column: 3 }])
  })

  it('reports a trailing comma at the closing brace', () => {
    expect(problems({ 'svc.json': '{"apiVersion": "v1",\n "kind": "Service",\n}' })).toEqual([expect.objectContaining({ code: 'JSON_SYNTAX', line: 3, column: 1 })])
  })

  it('reports a truncated file at its end', () => {
    const text = '{\n  "kind": "Service",\n  "metadata": {"name": "web"'
    expect(problems({ 'svc.json': text })).toEqual([expect.objectContaining({ code: 'JSON_SYNTAX', line: 3, column: 29 })])
  })

  it('reports an unterminated string at its opening quote', () => {
    expect(problems({ 'svc.json': '{"kind": "Serv' })).toEqual([expect.objectContaining({ code: 'JSON_SYNTAX', line: 1, column: 10 })])
  })

  it('treats stdin content that starts with { as JSON', () => {
    expect(problems({ '<stdin>': '  \n{"kind": tru}' })).toEqual([expect.objectContaining({ code: 'JSON_SYNTAX', file: '<stdin>', line: 2, column: 10 })])
  })

  it('reads text that starts with { as JSON even in a .yaml file, as kubectl does', () => {
    expect(problems({ 'a.yaml': '{"apiVersion": "v1", "spec": {"clusterIP": 10.0.0.1}}' })).toEqual([expect.objectContaining({ code: 'JSON_SYNTAX', line: 1, column: 48 })])
    expect(problems({ 'a.yaml': '# a comment first makes it YAML\n{apiVersion: v1, kind: Service, metadata: {name: web}, spec: {clusterIP: None}}' })).toEqual([])
  })

  it('reports a duplicate key in JSON with the JSON code', () => {
    expect(problems({ 'a.json': '{"kind": "Service",\n "kind": "Node"}' })).toEqual([expect.objectContaining({ code: 'JSON_SYNTAX', line: 2, column: 2 })])
  })

  it('reports a second concatenated JSON document', () => {
    expect(problems({ 'a.json': '{"a": 1}\n{"b": 2}' })).toEqual([expect.objectContaining({ code: 'JSON_SYNTAX', line: 2, column: 1 })])
  })

  it('points a field error inside valid JSON at the value', () => {
    const text = '{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},\n "spec": {"clusterIP": "10.96.0.1", "ports": [{"port": 99999}]}}'
    expect(problems({ 'svc.json': text })).toEqual([expect.objectContaining({ code: 'PORT_OUT_OF_RANGE', line: 2, column: 56, path: 'spec.ports[0].port' })])
  })

  it('finds exact offsets for the RFC 8259 grammar', () => {
    expect(findJsonSyntaxError('[1, 2]')).toBeUndefined()
    expect(findJsonSyntaxError('\ufeff{"a": [true, false, null, -1.5e3, "x\\u00e9"]}')).toBeUndefined()
    expect(findJsonSyntaxError('[01]')?.offset).toBe(2)
    expect(findJsonSyntaxError('{"a" 1}')?.offset).toBe(5)
    expect(findJsonSyntaxError('{"a": "\\x"}')?.offset).toBe(7)
    expect(findJsonSyntaxError('["a\tb"]')?.offset).toBe(3)
    expect(findJsonSyntaxError('['.repeat(100_000))?.offset).toBe(100_000)
  })
})

describe('resource limits', () => {
  it(`refuses nesting deeper than ${MAX_NESTING} levels instead of recursing`, () => {
    const deep = `${'['.repeat(5000)}${']'.repeat(5000)}`
    expect(problems({ 'a.yaml': `a: ${deep}` })).toEqual([expect.objectContaining({ code: 'YAML_SYNTAX', line: 1, column: MAX_NESTING + 4 })])
    expect(problems({ 'a.json': deep })).toEqual([expect.objectContaining({ code: 'JSON_SYNTAX', line: 1, column: MAX_NESTING + 2 })])
    const block = Array.from({ length: 300 }, (_, i) => `${' '.repeat(i)}a:`).join('\n')
    expect(problems({ 'b.yaml': `${block} 1\n` })).toEqual([expect.objectContaining({ code: 'YAML_SYNTAX', line: MAX_NESTING + 2 })])
  })

  it('refuses long runs of indicators that would make the lexer recurse', () => {
    expect(problems(`${'- '.repeat(20_000)}x`)).toEqual([expect.objectContaining({ code: 'YAML_SYNTAX', line: 1, column: 1 })])
  })

  it('finds the shortest such run (201 one-character indicators, 401 characters) but not one indicator fewer, and ends runs at CR', () => {
    const run = (n: number) => Array(n).fill('-').join(' ')
    expect(run(201)).toHaveLength(401)
    expect(longIndicatorRun(`a: b\n${run(201)}\nc: d\n`)).toBe(5)
    expect(longIndicatorRun(`a: b\n${run(200)}\nc: d\n`)).toBeUndefined()
    expect(longIndicatorRun(`${run(100)}\r${run(101)}`)).toBeUndefined()
  })

  it('refuses alias expansion bombs', () => {
    const rows = ['a: &a [x, x, x, x, x, x, x, x, x]']
    for (const n of ['b', 'c', 'd', 'e', 'f']) rows.push(`${n}: &${n} [${Array(9).fill(`*${rows.length === 1 ? 'a' : String.fromCharCode(n.charCodeAt(0) - 1)}`).join(', ')}]`)
    expect(problems(rows.join('\n'))).toEqual([expect.objectContaining({ code: 'YAML_SYNTAX', doc: 0, line: 1 })])
  })

  it('reports an alias to an unknown anchor', () => {
    expect(problems('a: *nope\n')).toEqual([expect.objectContaining({ code: 'YAML_SYNTAX', doc: 0 })])
  })
})

describe('kind: List', () => {
  const list = (items: string) => `apiVersion: v1\nkind: List\nitems:\n${items}`
  const item = (name: string, port: number) =>
    `- apiVersion: v1\n  kind: Service\n  metadata:\n    name: ${name}\n  spec:\n    clusterIP: None\n    ports:\n    - port: ${port}\n`

  it('points an error in item 3 at items[3] on the right line', () => {
    const text = list(item('a', 80) + item('b', 81) + item('c', 82) + item('d', 70000))
    expect(problems(text)).toEqual([
      { code: 'PORT_OUT_OF_RANGE', severity: 'error', file: 'in.yaml', line: 35, column: 13, path: 'items[3].spec.ports[0].port', doc: 0, object: 'Service default/d' },
    ])
  })

  it('expands ServiceList and accepts items: null as empty', () => {
    expect(load('a.yaml', 'apiVersion: v1\nkind: ServiceList\nitems: null\n').objects).toEqual([])
    expect(load('a.yaml', list(item('a', 80))).objects.map((o) => o.basePath)).toEqual([['items', 0]])
  })

  it('refuses items that are not a list, and list items that are not objects', () => {
    expect(problems('apiVersion: v1\nkind: List\nitems: 3\n')).toEqual([expect.objectContaining({ code: 'INVALID_FIELD', line: 3, column: 8, path: 'items' })])
    expect(problems(list('- 42\n'))).toEqual([expect.objectContaining({ code: 'NOT_AN_OBJECT', line: 4, column: 3, path: 'items[0]' })])
  })
})

it('reports every syntax error of every file, sorted by file and position', () => {
  const found = problems({ 'b.yaml': 'a: 1\na: 2\nb: 1\nb: 2\n', 'a.json': '{,}' })
  expect(found.map((d) => `${d.file}:${d.line} ${d.code}`)).toEqual(['a.json:1 JSON_SYNTAX', 'b.yaml:2 YAML_SYNTAX', 'b.yaml:4 YAML_SYNTAX'])
})

it('accepts JSON indented with tabs, and JSON strings full of YAML indicators', () => {
  expect(problems({ 'a.json': '{\n\t"apiVersion": "v1",\n\t"kind": "Node",\n\t"metadata": {"name": "n", "annotations": {"x": "' + '- '.repeat(500) + '"}}\n}' })).toEqual([])
})

describe('a JSON List with an item that is not an object', () => {
  it('reports the item at its position, and still loads the others', () => {
    const text = '{\n  "kind": "List",\n  "items": [\n    42,\n    {"apiVersion": "v1", "kind": "ConfigMap"}\n  ]\n}\n'
    const result = load('list.json', text)
    expect(result.diagnostics.map((d) => ({ code: d.code, line: d.line, column: d.column, path: d.path }))).toEqual([
      { code: 'NOT_AN_OBJECT', line: 4, column: 5, path: ['items', 0] },
    ])
    expect(result.objects.map((o) => o.basePath)).toEqual([['items', 1]])
  })
})
