// The nft packet tracer: nft semantics on small hand-written rulesets, then kube-proxy's own reference rulesets.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { HARNESS_LOCAL_IPS, withRealMark } from './kube-proxy-harness.ts'
import { nftSkeleton } from './nft-skeleton.ts'
import { parseNft, traceNft, type NftTraceResult } from './nft-trace.ts'

/** The base chains as one text block, ending in a newline. */
function skeleton(family: 'ip' | 'ip6' = 'ip'): string {
  return [...nftSkeleton(family), ''].join('\n')
}

function trace(body: string, src: string, dst: string, port: number, protocol = 'tcp', family: 'ip' | 'ip6' = 'ip'): NftTraceResult {
  return traceNft(parseNft(skeleton(family) + body), { sourceIP: src, destIP: dst, destPort: port, protocol }, ['192.168.0.2', '2001:db8::1'])
}

const brief = (r: NftTraceResult) => ({ output: r.output, masq: r.masq })

describe('parsing', () => {
  it('skips blank lines, # lines, delete table and flush, and tolerates a repeated add table', () => {
    const text = ['add table ip t { comment "x" ; }', 'delete table ip t', '# a comment', '', 'flush chain ip t nat-prerouting', skeleton()].join('\n')
    expect(parseNft(text).tables).toHaveLength(1)
  })

  it('does not depend on line order: rules and elements may come before their declarations', () => {
    const body = [
      'add rule ip t nat-prerouting ip daddr . meta l4proto . th dport vmap @svc',
      'add element ip t svc { 172.30.0.1 . tcp . 80 : goto s }',
      'add rule ip t s meta l4proto tcp dnat to 10.1.0.1:80',
      'add map ip t svc { type ipv4_addr . inet_proto . inet_service : verdict ; }',
      'add chain ip t s',
    ].join('\n')
    expect(brief(trace(body, '10.0.0.2', '172.30.0.1', 80))).toEqual({ output: '10.1.0.1:80', masq: false })
  })

  it('reads quoted comments containing spaces, braces and separators as one word', () => {
    const body = 'add rule ip t filter-input ip saddr 10.0.0.0/8 drop comment "a { b } ; c , d"\n'
    expect(trace(body, '10.0.0.2', '192.168.0.2', 80).output).toBe('DROP')
  })

  it('splits a comma-joined anonymous set as kube-proxy writes service CIDRs', () => {
    const body = 'add rule ip t filter-forward ip daddr { 172.30.0.0/16,172.50.0.0/16 } drop\n'
    expect(trace(body, '10.0.0.2', '172.50.1.1', 80).output).toBe('DROP')
    expect(trace(body, '10.0.0.2', '172.51.1.1', 80).output).toBe('')
  })

  it.each([
    ['an unknown statement', 'add rule ip t filter-input counter drop', 'unrecognised rule shape'],
    ['an unknown match', 'add rule ip t filter-input iifname "eth0" drop', 'unrecognised rule shape'],
    ['a log statement', 'add rule ip t filter-input ip saddr 10.0.0.0/8 log', 'unrecognised rule shape'],
    ['an unknown ct match', 'add rule ip t filter-input ct state established accept', 'unsupported ct match'],
    ['a statement after a verdict', 'add rule ip t filter-input drop accept', 'after a terminal statement'],
    ['a jump to an undeclared chain', 'add rule ip t filter-input jump nowhere', 'undeclared chain nowhere'],
    ['a lookup in an undeclared set', 'add rule ip t filter-input ip daddr @nowhere drop', 'not a declared set'],
    ['a map used as a set', 'add map ip t m { type ipv4_addr : verdict ; }\nadd rule ip t filter-input ip daddr @m drop', 'not a declared set'],
    ['a lookup whose key does not fit the set', 'add set ip t s { type ipv4_addr ; }\nadd rule ip t filter-input ip daddr . th dport @s drop', 'but the rule looks up'],
    ['an ip6 match in an ip table', 'add rule ip t filter-input ip6 saddr ::1 drop', 'ip6 match in an ip table'],
    ['an IPv6 address in an ip table', 'add rule ip t filter-input ip saddr fd00::1 drop', 'not a valid ipv4_addr'],
    ['an element that does not fit its set', 'add set ip t s { type ipv4_addr ; }\nadd element ip t s { 10.0.0.1 . tcp }', 'does not fit type'],
    ['a map element without a value', 'add map ip t m { type ipv4_addr : verdict ; }\nadd element ip t m { 10.0.0.1 }', 'map element without a value'],
    ['a map element added twice with different values', 'add map ip t m { type inet_service : verdict ; }\nadd element ip t m { 80 : drop }\nadd element ip t m { 80 : accept }', 'added twice with different values'],
    ['a numgen whose indices do not cover mod N', 'add chain ip t a\nadd rule ip t nat-prerouting numgen random mod 3 vmap { 0 : goto a , 1 : goto a }', 'numgen mod 3 with indices 0,1'],
    ['a dnat map whose indices do not cover mod N', 'add rule ip t nat-prerouting meta l4proto tcp dnat ip addr . port to numgen random mod 2 map { 0 : 10.1.0.1 . 80 , 2 : 10.1.0.2 . 80 }', 'numgen mod 2 with indices 0,2'],
    ['an IPv6 dnat target without brackets', 'add rule ip6 t nat-prerouting meta l4proto tcp dnat to fd00::1:80', 'unsupported dnat target'],
    ['an update of a set that is not dynamic', 'add set ip t s { type ipv4_addr ; }\nadd rule ip t filter-input update @s { ip saddr }', 'not a dynamic set'],
    ['an unterminated quote', 'add rule ip t filter-input drop comment "oops', 'cannot read line 7'],
    ['an unsupported command', 'insert rule ip t filter-input drop', 'unsupported command'],
    ['deleting anything but a table', 'delete chain ip t filter-input', 'unsupported command'],
    ['a rule for an undeclared chain', 'add rule ip t nowhere drop', 'rule for undeclared chain'],
    ['an inet table', 'add table inet t', 'expected ip or ip6'],
  ])('throws on %s', (_name, body, message) => {
    const text = skeleton(/^add \w+ ip6 /.test(body) ? 'ip6' : 'ip') + body
    expect(() => parseNft(text)).toThrow(`nft-trace: `)
    expect(() => parseNft(text)).toThrow(message)
  })
})

describe('tracing', () => {
  it('returns "" and no masquerade when nothing matches', () => {
    expect(brief(trace('', '10.0.0.2', '10.0.0.3', 80))).toEqual({ output: '', masq: false })
  })

  it('comes back from a jump but not from a goto', () => {
    const body = [
      'add chain ip t empty',
      'add chain ip t mid',
      'add rule ip t mid goto empty',
      'add rule ip t mid drop',
      'add rule ip t filter-input ip daddr 192.168.0.2 jump empty',
      'add rule ip t filter-input ip daddr 192.168.0.3 jump mid',
      'add rule ip t filter-input reject',
    ].join('\n')
    // jump empty: back in filter-input, which rejects.
    expect(trace(body, '10.0.0.2', '192.168.0.2', 80).output).toBe('REJECT')
    // goto empty from mid returns to filter-input, past mid's drop.
    expect(trace(body, '10.0.0.2', '192.168.0.3', 80).output).toBe('REJECT')
  })

  it('ends the chain on return', () => {
    const body = ['add chain ip t sub', 'add rule ip t sub return', 'add rule ip t sub drop', 'add rule ip t filter-input jump sub'].join('\n')
    expect(trace(body, '10.0.0.2', '192.168.0.2', 80).output).toBe('')
  })

  it('follows every numgen entry and lists the endpoints in index order, whatever the written order', () => {
    const body = [
      'add chain ip t ep-a',
      'add chain ip t ep-b',
      'add rule ip t ep-a meta l4proto tcp dnat to 10.1.0.1:80',
      'add rule ip t ep-b meta l4proto tcp dnat to 10.1.0.2:80',
      'add rule ip t nat-prerouting ip daddr 172.30.0.1 numgen random mod 2 vmap { 1 : goto ep-a , 0 : goto ep-b }',
    ].join('\n')
    expect(trace(body, '10.0.0.2', '172.30.0.1', 80).output).toBe('10.1.0.2:80, 10.1.0.1:80')
  })

  it('lists every target of a dnat numgen map in index order', () => {
    const body = 'add rule ip t nat-prerouting meta l4proto tcp dnat ip addr . port to numgen random mod 3 map { 2 : 10.1.0.3 . 8080 , 0 : 10.1.0.1 . 80 , 1 : 10.1.0.2 . 80 }\n'
    expect(trace(body, '10.0.0.2', '172.30.0.1', 80).output).toBe('10.1.0.1:80, 10.1.0.2:80, 10.1.0.3:8080')
  })

  it('matches meta l4proto against the packet protocol', () => {
    const body = 'add rule ip t nat-prerouting meta l4proto udp dnat to 10.1.0.1:53\n'
    expect(trace(body, '10.0.0.2', '172.30.0.1', 53, 'udp').output).toBe('10.1.0.1:53')
    expect(trace(body, '10.0.0.2', '172.30.0.1', 53, 'tcp').output).toBe('')
  })

  it('filters before DNAT on the original destination and after DNAT on the translated one', () => {
    const dnat = 'add rule ip t nat-prerouting ip daddr 172.30.0.1 meta l4proto tcp dnat to 10.1.0.1:80\n'
    expect(trace(dnat + 'add rule ip t filter-prerouting-pre-dnat ip daddr 172.30.0.1 drop\n', '10.0.0.2', '172.30.0.1', 80).output).toBe('DROP')
    expect(trace(dnat + 'add rule ip t filter-forward ip daddr 172.30.0.1 drop\n', '10.0.0.2', '172.30.0.1', 80).output).toBe('10.1.0.1:80')
    // kube-proxy's tracer appends the verdict after the DNAT targets.
    expect(trace(dnat + 'add rule ip t filter-forward ip daddr 10.1.0.1 reject\n', '10.0.0.2', '172.30.0.1', 80).output).toBe('10.1.0.1:80, REJECT')
    expect(trace(dnat + 'add rule ip t filter-input th dport 80 drop\n', '10.0.0.2', '172.30.0.1', 80).output).toBe('10.1.0.1:80, DROP')
  })

  it('runs filter-input after filter-forward unless forward stopped the packet', () => {
    const body = ['add rule ip t filter-forward ip saddr 10.0.0.2 reject', 'add rule ip t filter-input drop'].join('\n')
    expect(trace(body, '10.0.0.2', '192.168.0.2', 80).output).toBe('REJECT')
    expect(trace(body, '10.0.0.3', '192.168.0.2', 80).output).toBe('DROP')
  })

  it('goes to the verdict a vmap element names, with a concatenated key', () => {
    const body = [
      'add map ip t m { type ipv4_addr . inet_proto . inet_service : verdict ; }',
      'add element ip t m { 192.168.0.2 . tcp . 3001 comment "ns/svc:p" : drop , 192.168.0.2 . udp . 3001 : goto r }',
      'add chain ip t r',
      'add rule ip t r reject',
      'add rule ip t filter-input ip daddr . meta l4proto . th dport vmap @m',
    ].join('\n')
    expect(trace(body, '10.0.0.2', '192.168.0.2', 3001).output).toBe('DROP')
    expect(trace(body, '10.0.0.2', '192.168.0.2', 3001, 'udp').output).toBe('REJECT')
    expect(trace(body, '10.0.0.2', '192.168.0.2', 3002).output).toBe('')
  })

  it('matches CIDRs by containment, and != negates anonymous sets', () => {
    const body = 'add rule ip t filter-prerouting-pre-dnat ip saddr != { 203.0.113.0/25 , 1.2.3.4 } drop\n'
    expect(trace(body, '203.0.113.2', '1.2.3.4', 80).output).toBe('')
    expect(trace(body, '1.2.3.4', '1.2.3.4', 80).output).toBe('')
    expect(trace(body, '203.0.113.130', '1.2.3.4', 80).output).toBe('DROP')
  })

  it('treats fib … type local as true for the local IPs only', () => {
    const body = ['add rule ip t filter-input fib saddr type local reject', 'add rule ip t filter-input fib daddr type local drop'].join('\n')
    expect(trace(body, '192.168.0.2', '10.0.0.9', 80).output).toBe('REJECT')
    expect(trace(body, '10.0.0.2', '192.168.0.2', 80).output).toBe('DROP')
    expect(trace(body, '10.0.0.2', '10.0.0.9', 80).output).toBe('')
  })

  it('treats ct state new as always true', () => {
    expect(trace('add rule ip t filter-input ct state new drop\n', '10.0.0.2', '192.168.0.2', 80).output).toBe('DROP')
  })

  it('never matches dynamic affinity sets, and accepts updates to them', () => {
    const body = [
      'add set ip t aff { type ipv4_addr ; flags dynamic,timeout ; timeout 10800s ; }',
      'add chain ip t ep',
      'add chain ip t other',
      'add rule ip t other meta l4proto tcp dnat to 10.1.0.9:80',
      'add rule ip t ep update @aff { ip saddr }',
      'add rule ip t ep meta l4proto tcp dnat to 10.1.0.1:80',
      'add rule ip t nat-prerouting ip saddr @aff goto other',
      'add rule ip t nat-prerouting numgen random mod 1 vmap { 0 : goto ep }',
    ].join('\n')
    expect(trace(body, '10.0.0.2', '172.30.0.1', 80).output).toBe('10.1.0.1:80')
  })

  describe('masquerade', () => {
    const postrouting = [
      'add set ip t hairpin { type ipv4_addr . ipv4_addr . inet_proto . inet_service ; }',
      'add chain ip t masquerading',
      'add rule ip t nat-postrouting jump masquerading',
      'add rule ip t masquerading mark and 0x00004000 != 0 mark set mark xor 0x00004000 masquerade fully-random',
      'add rule ip t masquerading ct status dnat ip saddr . ip daddr . meta l4proto . th dport @hairpin masquerade fully-random',
      '',
    ].join('\n')

    it('is true when a matched rule set the mark', () => {
      const body = postrouting + 'add rule ip t nat-prerouting ip saddr != 10.0.0.0/8 mark set mark or 0x00004000\n'
      expect(trace(body, '203.0.113.2', '172.30.0.1', 80).masq).toBe(true)
      expect(trace(body, '10.0.0.2', '172.30.0.1', 80).masq).toBe(false)
    })

    it('is true for a hairpin connection, matched on the translated destination and port', () => {
      const body =
        postrouting +
        ['add element ip t hairpin { 10.1.0.1 . 10.1.0.1 . tcp . 8080 }', 'add rule ip t nat-prerouting ip daddr 172.30.0.1 meta l4proto tcp dnat to 10.1.0.1:8080'].join('\n')
      expect(brief(trace(body, '10.1.0.1', '172.30.0.1', 80))).toEqual({ output: '10.1.0.1:8080', masq: true })
      expect(trace(body, '10.1.0.2', '172.30.0.1', 80).masq).toBe(false)
    })

    it('needs a DNAT for the hairpin rule (ct status dnat)', () => {
      const body = postrouting + 'add element ip t hairpin { 10.1.0.1 . 10.1.0.1 . tcp . 80 }\n'
      expect(trace(body, '10.1.0.1', '10.1.0.1', 80).masq).toBe(false)
    })

    it('checks the hairpin set against every endpoint the trace reached', () => {
      const body =
        postrouting +
        [
          'add element ip t hairpin { 10.1.0.2 . 10.1.0.2 . tcp . 80 }',
          'add rule ip t nat-prerouting meta l4proto tcp dnat ip addr . port to numgen random mod 2 map { 0 : 10.1.0.1 . 80 , 1 : 10.1.0.2 . 80 }',
        ].join('\n')
      expect(brief(trace(body, '10.1.0.2', '172.30.0.1', 80))).toEqual({ output: '10.1.0.1:80, 10.1.0.2:80', masq: true })
    })

    it('follows the classic design: jump to a marking chain, then mark test, xor and masquerade as separate rules', () => {
      const body = [
        'add chain ip t mark-for-masquerade',
        'add chain ip t masquerading',
        'add rule ip t mark-for-masquerade mark set mark or 0x4000',
        'add rule ip t masquerading mark and 0x4000 == 0 return',
        'add rule ip t masquerading mark set mark xor 0x4000',
        'add rule ip t masquerading masquerade fully-random',
        'add rule ip t nat-postrouting jump masquerading',
        'add rule ip t nat-prerouting ip saddr 203.0.113.2 jump mark-for-masquerade',
      ].join('\n')
      expect(trace(body, '203.0.113.2', '172.30.0.1', 80).masq).toBe(true)
      expect(trace(body, '203.0.113.3', '172.30.0.1', 80).masq).toBe(false)
    })
  })

  it('traces IPv6 in the ip6 table and prints [addr]:port', () => {
    const body = [
      'add rule ip6 t nat-prerouting ip6 daddr fd00:172:30::41 meta l4proto tcp dnat to [fd00:10:180::1]:80',
      'add rule ip6 t filter-input ip6 daddr != ::1 th dport 3001 drop',
    ].join('\n')
    expect(trace(body, 'fd00:10::2', 'fd00:172:30::41', 80, 'tcp', 'ip6').output).toBe('[fd00:10:180::1]:80')
    expect(trace(body, 'fd00:10::2', '2001:db8::1', 3001, 'tcp', 'ip6').output).toBe('DROP')
    expect(() => trace(body, '10.0.0.2', '172.30.0.41', 80, 'tcp', 'ip6')).toThrow(/expected one ip table/)
  })

  it('refuses a ruleset without the base chains it walks', () => {
    const text = skeleton().replace('type nat hook prerouting', 'type filter hook prerouting')
    expect(() => traceNft(parseNft(text), { sourceIP: '10.0.0.2', destIP: '10.0.0.3', destPort: 80 }, [])).toThrow(/nat-prerouting/)
  })
})

describe("kube-proxy's TestOverallNFTablesRules rulesets", () => {
  const reference = (file: string) => parseNft(withRealMark(readFileSync(new URL(`../../../shared/reference/kube-proxy/nftables/${file}`, import.meta.url), 'utf8')))
  const hairpin = reference('hairpin-design-edca5633/TestOverallNFTablesRules.nft')
  const classic = reference('TestOverallNFTablesRules.nft')
  const run = (rs: ReturnType<typeof parseNft>, src: string, dst: string, port: number, protocol = 'tcp') =>
    brief(traceNft(rs, { sourceIP: src, destIP: dst, destPort: port, protocol }, HARNESS_LOCAL_IPS))

  // Expectations follow from the test's objects (research/kube-proxy-nftables-tests.md §1 and §7)
  // and the spec (research/kube-proxy-nftables.md §8.6, §9, §14); they hold for both designs.
  it.each([
    ['pod to svc1 cluster IP', '10.0.0.2', '172.30.0.41', 80, 'tcp', '10.180.0.1:80', false],
    ['svc1 endpoint to its own cluster IP (hairpin)', '10.180.0.1', '172.30.0.41', 80, 'tcp', '10.180.0.1:80', true],
    ['outside client to a cluster IP is masqueraded', '203.0.113.2', '172.30.0.41', 80, 'tcp', '10.180.0.1:80', true],
    ['svc2 eTP Local without local endpoints drops external clients at the LB IP', '203.0.113.2', '1.2.3.4', 80, 'tcp', 'DROP', false],
    ['svc2: pods short-circuit to every endpoint', '10.0.0.2', '1.2.3.4', 80, 'tcp', '10.180.0.2:80', false],
    ['svc2: the node short-circuits, masqueraded', '192.168.0.2', '1.2.3.4', 80, 'tcp', '10.180.0.2:80', true],
    ['svc2: external IP without local endpoints drops', '203.0.113.2', '192.168.99.22', 80, 'tcp', 'DROP', false],
    ['svc2: NodePort without local endpoints drops', '203.0.113.2', '192.168.0.2', 3001, 'tcp', 'DROP', false],
    ['svc3 NodePort', '203.0.113.2', '192.168.0.2', 3003, 'tcp', '10.180.0.3:80', true],
    ['svc4 external IP reaches both endpoints', '203.0.113.2', '192.168.99.33', 80, 'tcp', '10.180.0.4:80, 10.180.0.5:80', true],
    ['svc5 LB IP from inside the source range', '203.0.113.2', '5.6.7.8', 80, 'tcp', '10.180.0.3:80', true],
    ['svc5 LB IP from outside the source range', '203.0.113.130', '5.6.7.8', 80, 'tcp', 'DROP', false],
    ['svc5 LB IP from the node (node IP not in the range)', '192.168.0.2', '5.6.7.8', 80, 'tcp', 'DROP', false],
    ['svc5 NodePort ignores the source ranges', '203.0.113.130', '192.168.0.2', 3002, 'tcp', '10.180.0.3:80', true],
    ['svc6 has no endpoints', '10.0.0.2', '172.30.0.46', 80, 'tcp', 'REJECT', false],
    ['a port no service uses on a cluster IP', '10.0.0.2', '172.30.0.41', 443, 'tcp', 'REJECT', false],
    ['a protocol no service uses on a cluster IP', '10.0.0.2', '172.30.0.41', 80, 'udp', 'REJECT', false],
    ['an unallocated address in the service CIDR', '10.0.0.2', '172.30.0.99', 80, 'tcp', 'DROP', false],
    ['traffic kube-proxy does not handle', '10.0.0.2', '10.0.0.3', 80, 'tcp', '', false],
  ] as const)('%s', (_name, src, dst, port, protocol, output, masq) => {
    expect(run(hairpin, src, dst, port, protocol)).toEqual({ output, masq })
    expect(run(classic, src, dst, port, protocol)).toEqual({ output, masq })
  })

  it('hairpin-masquerades only local endpoints in the hairpin design, every endpoint in the classic one', () => {
    // svc4: 10.180.0.5 is on test-node, 10.180.0.4 on other-node (§7 of the tests document).
    expect(run(hairpin, '10.180.0.5', '172.30.0.44', 80).masq).toBe(true)
    expect(run(hairpin, '10.180.0.4', '172.30.0.44', 80).masq).toBe(false)
    expect(run(classic, '10.180.0.4', '172.30.0.44', 80).masq).toBe(true)
  })
})
