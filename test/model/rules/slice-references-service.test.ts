// A slice whose Service is not in the input is a warning (no rules), located at the label that names the Service.
import { expect, it } from 'vitest'
import { compileText, problems, SERVICE, SLICE } from '../../manifest/helpers.ts'

it('warns about a slice whose Service is missing, at its service-name label', () => {
  expect(problems(SLICE)).toEqual([
    {
      code: 'SLICE_WITHOUT_SERVICE',
      severity: 'warning',
      file: 'in.yaml',
      line: 7,
      column: 33,
      path: 'metadata.labels["kubernetes.io/service-name"]',
      doc: 0,
      object: 'EndpointSlice shop/web-abc',
    },
  ])
  expect(compileText(SLICE).ok).toBe(true)
})

it('looks the Service up in the slice namespace', () => {
  expect(problems(`${SERVICE}---\n${SLICE.replace('namespace: shop', 'namespace: other')}`).map((d) => d.code)).toEqual(['SLICE_WITHOUT_SERVICE'])
})

it('is quiet for headless and ExternalName Services, which exist but get no rules', () => {
  expect(problems(`${SERVICE.replace('10.96.0.10', 'None')}---\n${SLICE}`)).toEqual([])
})
