// IP parsing as kube-proxy does it (Go's ParseIPSloppy): leading zeros are decimal, canonical text out.
import { describe, expect, it } from 'vitest'
import { parseIp } from '../../src/model/ip.ts'

describe('parseIp', () => {
  it.each([
    ['10.0.0.1', '10.0.0.1'],
    ['172.30.0.041', '172.30.0.41'],
    ['010.000.000.001', '10.0.0.1'],
    ['255.255.255.255', '255.255.255.255'],
    ['0.0.0.0', '0.0.0.0'],
    ['00.1.2.3', '0.1.2.3'],
    ['::ffff:10.0.0.1', '10.0.0.1'],
    ['FD00:0:0::0001', 'fd00::1'],
  ])('%s reads as %s', (text, canonical) => {
    expect(parseIp(text)?.text).toBe(canonical)
  })

  it.each(['256.1.1.1', '1.2.3', '1.2.3.4.5', '1..2.3', '1.2.3.0004', ' 1.2.3.4', '1.2.3.4/32', 'fe80::1%eth0', ''])('refuses %j', (text) => {
    expect(parseIp(text)).toBeUndefined()
  })
})
