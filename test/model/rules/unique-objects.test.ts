// Two objects with the same kind, namespace and name are an error: one would silently replace the other.
import { expect, it } from 'vitest'
import { problems, SERVICE, SLICE } from '../../manifest/helpers.ts'

it('reports a Service defined twice, in another file, pointing at the first by file order', () => {
  const other = SERVICE.replace('10.96.0.10', '10.96.0.11')
  const expected = [expect.objectContaining({ code: 'DUPLICATE_OBJECT', file: 'b.yaml', line: 5, column: 9, path: 'metadata.name', related: [expect.objectContaining({ line: 5, column: 9, object: 'Service shop/web' })] })]
  expect(problems({ 'a.yaml': SERVICE, 'b.yaml': other })).toEqual(expected)
  expect(problems({ 'b.yaml': other, 'a.yaml': SERVICE })).toEqual(expected)
})

it('reports a slice defined twice inside one kind: List', () => {
  const item = SLICE.split('\n').filter(Boolean).map((l, i) => (i === 0 ? `- ${l}` : `  ${l}`)).join('\n')
  const text = `${SERVICE}---\napiVersion: v1\nkind: List\nitems:\n${item}\n${item}\n`
  expect(problems(text)).toEqual([expect.objectContaining({ code: 'DUPLICATE_OBJECT', path: 'items[1].metadata.name', line: 36, related: [expect.objectContaining({ path: 'items[0].metadata.name', line: 20 })] })])
})

it('allows the same name in two namespaces and for two kinds', () => {
  expect(problems(`${SERVICE}---\n${SERVICE.replace('namespace: shop', 'namespace: shop2').replace('10.96.0.10', '10.96.0.11')}---\n${SLICE.replace('web-abc', 'web')}`)).toEqual([])
})
