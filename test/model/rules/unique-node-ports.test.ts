// A node port belongs to one Service port per protocol; the second use is an error that points at the first.
import { expect, it } from 'vitest'
import { problems } from '../../manifest/helpers.ts'

const svc = (name: string, ip: string, nodePort: number) =>
  `apiVersion: v1\nkind: Service\nmetadata: {namespace: shop, name: ${name}}\nspec:\n  type: NodePort\n  clusterIP: ${ip}\n  ports:\n  - port: 80\n    nodePort: ${nodePort}\n`

it('reports a nodePort used twice, with both origins', () => {
  expect(problems(`${svc('a', '10.96.0.10', 30080)}---\n${svc('b', '10.96.0.11', 30080)}`)).toEqual([
    {
      code: 'DUPLICATE_NODE_PORT',
      severity: 'error',
      file: 'in.yaml',
      line: 19,
      column: 15,
      path: 'spec.ports[0].nodePort',
      doc: 1,
      object: 'Service shop/b',
      related: [{ line: 9, column: 15, path: 'spec.ports[0].nodePort', object: 'Service shop/a' }],
    },
  ])
})

it('allows distinct node ports', () => {
  expect(problems(`${svc('a', '10.96.0.10', 30080)}---\n${svc('b', '10.96.0.11', 30081)}`)).toEqual([])
})
