// Two Services must not claim the same IP, port and protocol; both origins are reported.
import { expect, it } from 'vitest'
import { problems } from '../../manifest/helpers.ts'

const svc = (name: string, ip: string, port: number, extra = '') =>
  `apiVersion: v1\nkind: Service\nmetadata: {namespace: shop, name: ${name}}\nspec:\n  clusterIP: ${ip}\n  ports:\n  - port: ${port}\n${extra}`

it('reports the second claim of a cluster IP and port, pointing at the first', () => {
  const text = `${svc('a', '10.96.0.10', 80)}---\n${svc('b', '10.96.0.10', 80)}`
  expect(problems(text)).toEqual([
    {
      code: 'DUPLICATE_FRONTEND',
      severity: 'error',
      file: 'in.yaml',
      line: 15,
      column: 5,
      path: 'spec.ports[0]',
      doc: 1,
      object: 'Service shop/b',
      related: [{ line: 7, column: 5, path: 'spec.ports[0]', object: 'Service shop/a' }],
    },
  ])
})

it('reports an external IP that is another Service cluster IP', () => {
  const text = `${svc('a', '10.96.0.10', 80)}---\n${svc('b', '10.96.0.11', 80, '  externalIPs: [10.96.0.10]\n')}`
  expect(problems(text)).toEqual([expect.objectContaining({ code: 'DUPLICATE_FRONTEND', line: 16, column: 17, path: 'spec.externalIPs[0]', related: [expect.objectContaining({ object: 'Service shop/a' })] })])
})

it('allows the same IP and port with another protocol, and one Service listing an IP twice', () => {
  expect(problems(`${svc('a', '10.96.0.10', 53)}---\n${svc('b', '10.96.0.10', 53).replace('  - port: 53\n', '  - port: 53\n    protocol: UDP\n')}`)).toEqual([])
  expect(problems(svc('a', '10.96.0.10', 80, '  externalIPs: [10.96.0.10]\n'))).toEqual([])
})

it('names the same first claimant whatever the order of the documents', () => {
  const a = svc('a', '10.96.0.10', 80)
  const b = svc('b', '10.96.0.10', 80)
  const first = problems(`${a}---\n${b}`)[0]!
  const second = problems(`${b}---\n${a}`)[0]!
  expect([first.object, first.related?.[0]?.object]).toEqual(['Service shop/b', 'Service shop/a'])
  expect([second.object, second.related?.[0]?.object]).toEqual(['Service shop/b', 'Service shop/a'])
})
