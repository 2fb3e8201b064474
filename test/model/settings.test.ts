// Flag values are checked before anything else; each bad one is an INVALID_SETTING error, never dropped.
import { expect, it } from 'vitest'
import { checkSettingsInput } from '../../src/model/settings.ts'
import { compileText, SERVICE } from '../manifest/helpers.ts'

const codes = (input: Parameters<typeof checkSettingsInput>[0]) => checkSettingsInput(input).map((d) => `${d.code} ${d.file}`)

it('reports bad node IPs, CIDRs and NodePort addresses', () => {
  expect(codes({ nodeIPs: ['192.168.0.2', '192.168.0'] })).toEqual(['INVALID_SETTING <settings>'])
  expect(codes({ clusterCIDRs: ['10.244.0.0/16', '10.244.0.0'] })).toEqual(['INVALID_SETTING <settings>'])
  expect(codes({ serviceCIDRs: ['fd00::/200'] })).toEqual(['INVALID_SETTING <settings>'])
  expect(codes({ nodePortAddresses: ['primary', '192.168.0.0/24', 'eth0'] })).toEqual(['INVALID_SETTING <settings>'])
})

it('reports a masquerade bit outside 0-31 or not a whole number', () => {
  for (const bit of [-1, 32, 1.5, Number.NaN]) expect(codes({ masqueradeBit: bit })).toEqual(['INVALID_SETTING <settings>'])
  for (const bit of [0, 14, 31]) expect(codes({ masqueradeBit: bit })).toEqual([])
})

it('makes compile fail, once per bad value', () => {
  const result = compileText(SERVICE, { nodeName: 'node-a', nodeIPs: ['nope'] })
  expect(result.ok).toBe(false)
  expect(result.diagnostics.filter((d) => d.code === 'INVALID_SETTING')).toHaveLength(1)
})
