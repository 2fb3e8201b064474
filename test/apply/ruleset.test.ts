// --rules files: format and family detection from the content.
import { describe, expect, it } from 'vitest'
import { detectFamilies, detectFormat, rulesetFromFile } from '../../src/apply/ruleset.ts'

describe('--rules files', () => {
  it('tells the format from the first non-comment line', () => {
    expect(detectFormat('# saved\n\n*filter\nCOMMIT\n')).toBe('iptables')
    expect(detectFormat('add table ip kube-proxy\n')).toBe('nft')
    expect(detectFormat('table ip kube-proxy {\n}\n')).toBe('nft')
    expect(detectFormat('hello\n')).toBeUndefined()
  })

  it('tells the family from -s/-d/--to-destination addresses', () => {
    expect(detectFamilies('-A X -d 10.0.0.1/32 -j DNAT --to-destination 10.1.1.1:80')).toEqual(['ipv4'])
    expect(detectFamilies('-A X ! -d ::1/128 -j Y\n-A Z -j DNAT --to-destination [fd00::1]:80')).toEqual(['ipv6'])
    expect(detectFamilies('-A X -m comment --comment "ns/svc:p80" -j Y')).toEqual([])
  })

  it('takes a payload without addresses as IPv4, and --ip-family wins when it agrees', () => {
    expect(rulesetFromFile('f', '*nat\nCOMMIT\n')).toMatchObject({ ok: true, ruleset: { format: 'iptables', family: 'ipv4', label: 'f' } })
    expect(rulesetFromFile('f', '*nat\nCOMMIT\n', { family: 'ipv6' })).toMatchObject({ ok: true, ruleset: { family: 'ipv6' } })
    expect(rulesetFromFile('f', '*nat\n-A X -d 10.0.0.1 -j Y\nCOMMIT\n', { family: 'ipv6' })).toEqual({ ok: false, message: 'f: holds IPv4 addresses, not --ip-family ipv6' })
    expect(rulesetFromFile('f', '*nat\n-A X -d 10.0.0.1 -j Y\n-A X -d fd00::1 -j Y\nCOMMIT\n')).toMatchObject({ ok: false })
  })

  it('needs --format when the content does not say, and refuses a contradicting one', () => {
    expect(rulesetFromFile('f', '')).toEqual({ ok: false, message: 'f: cannot tell whether this is an nft or an iptables-restore ruleset; pass --format' })
    expect(rulesetFromFile('f', '*nat\nCOMMIT\n', { format: 'nft' })).toEqual({ ok: false, message: 'f: looks like an iptables-restore ruleset, not --format nft' })
  })
})
