// Parsers and classifiers of live state: iptables-save, nft list chains, ownership, jump rules, nfacct.
import { describe, expect, it } from 'vitest'
import { checkArgv, JUMP_RULES, restoreLine, unquotedWords } from '../../src/apply/iptables-jumps.ts'
import { parseIptablesSave } from '../../src/apply/iptables-save.ts'
import { nfacctCounters, parseNfacctList } from '../../src/apply/nfacct.ts'
import { foreignNftLines, foreignNftTables, ownedNftTables, parseNftChains, tablesWritten } from '../../src/apply/nft-state.ts'
import { foreignChains, ownedChains } from '../../src/apply/ownership.ts'

describe('iptables-save parsing', () => {
  const saved = parseIptablesSave(
    '# Generated\n*filter\n:INPUT ACCEPT [0:0]\n:KUBE-FORWARD - [0:0]\n-A INPUT -m comment --comment "a \\"quoted\\" -j NOT" -j KUBE-FORWARD\n-A KUBE-FORWARD -g RETURN\nCOMMIT\n*nat\n:KUBE-SERVICES - [0:0]\nCOMMIT\n',
    'filter',
  )

  it('reads only the named table, built-in chains by their policy, and rule targets past quoted comments', () => {
    expect([...saved.chains]).toEqual([['INPUT', true], ['KUBE-FORWARD', false]])
    expect(saved.rules).toEqual([
      { chain: 'INPUT', spec: '-m comment --comment "a \\"quoted\\" -j NOT" -j KUBE-FORWARD', target: 'KUBE-FORWARD' },
      { chain: 'KUBE-FORWARD', spec: '-g RETURN', target: 'RETURN' },
    ])
  })
})

describe('ownership', () => {
  const table = (chains: string) => parseIptablesSave(`*nat\n${chains.split(' ').map((c) => `:${c} - [0:0]`).join('\n')}\nCOMMIT\n`, 'nat')

  it('counts every KUBE-* chain of an unmarked table as foreign, except kubelet\'s canary', () => {
    expect(foreignChains('nat', table('KUBE-SERVICES KUBE-KUBELET-CANARY MINE'))).toEqual(['KUBE-SERVICES'])
  })

  it("in a marked table, counts only chains outside svcc's vocabulary as foreign", () => {
    const t = table('SVCC-OWNED KUBE-SERVICES KUBE-SVC-ABCDEFGHIJKLMNOP KUBE-XLB-ABCDEFGHIJKLMNOP KUBE-PROXY-CANARY KUBE-SVC-short')
    expect(foreignChains('nat', t)).toEqual(['KUBE-PROXY-CANARY', 'KUBE-SVC-short', 'KUBE-XLB-ABCDEFGHIJKLMNOP'])
    expect(ownedChains('nat', t)).toEqual(['KUBE-SERVICES', 'KUBE-SVC-ABCDEFGHIJKLMNOP', 'SVCC-OWNED'])
    expect(ownedChains('nat', table('KUBE-SERVICES'))).toEqual([])
  })

  it('reads nft tables and their (possibly quoted) chains, and tells marked from foreign kube-proxy tables', () => {
    const state = parseNftChains('table ip kube-proxy {\n\tchain "svcc-owned" {\n\t}\n}\ntable ip6 kube-proxy {\n\tchain services {\n\t}\n}\ntable inet kube-proxy {\n}\n')
    expect(ownedNftTables(state)).toEqual(['ip kube-proxy'])
    expect(foreignNftTables(state)).toEqual(['table ip6 kube-proxy'])
  })
})

describe('what an nft file touches', () => {
  it('lists the kube-proxy tables a ruleset writes', () => {
    expect(tablesWritten('add table ip kube-proxy { comment "x" ; }\ndelete table ip kube-proxy\nadd table ip6 kube-proxy\ntable ip kube-proxy {\n')).toEqual(['ip kube-proxy', 'ip6 kube-proxy'])
  })

  it('flags lines that address other tables, the whole ruleset, or other files', () => {
    const text = [
      'add table ip kube-proxy',
      'add rule ip kube-proxy services jump x',
      'add element ip6 kube-proxy s { 1 }',
      'add chain kube-proxy c',
      'add table inet kube-proxy',
      'delete table ip filter',
      'flush ruleset',
      'include "/etc/x.nft"',
      'table ip nat {',
      'add ct helper ip kube-proxy h { type "ftp" protocol tcp ; }',
      'add ct helper ip other h { type "ftp" protocol tcp ; }',
    ].join('\n')
    expect(foreignNftLines(text)).toEqual([5, 6, 7, 8, 9, 11])
  })
})

describe('jump rules', () => {
  it('lists kube-proxy\'s 14 rows, and -C/-I spell the same rule', () => {
    expect(JUMP_RULES).toHaveLength(14)
    for (const rule of JUMP_RULES) expect(unquotedWords(restoreLine('-I', rule))).toEqual(['-I', ...checkArgv('iptables', rule).slice(4)])
  })
})

describe('nfacct', () => {
  it('finds the counters a payload uses and the ones that exist', () => {
    expect(nfacctCounters('-m nfacct --nfacct-name b -j X\n-m nfacct --nfacct-name a\n--nfacct-name b')).toEqual(['a', 'b'])
    expect([...parseNfacctList('{ pkts = 00000000000000000000, bytes = 00000000000000000000 } = ct_state_invalid_dropped_pkts;\n')]).toEqual(['ct_state_invalid_dropped_pkts'])
  })
})
