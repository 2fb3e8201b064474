// The iptables-restore parser and packet tracer: hand-written rulesets, then kube-proxy's own reference ruleset.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parseIptablesRestore, traceIptables, type Packet } from './iptables-trace.ts'
import { HARNESS_LOCAL_IPS, withRealMark } from './kube-proxy-harness.ts'

type Chains = Readonly<Record<string, readonly string[]>>

/** A restore payload from chain → rule-args lists; every chain is declared, in the order given. */
function restore(tables: { readonly filter?: Chains; readonly nat?: Chains }): string {
  const lines: string[] = []
  for (const [table, chains] of [['filter', tables.filter], ['nat', tables.nat]] as const) {
    if (!chains) continue
    lines.push(`*${table}`)
    for (const chain of Object.keys(chains)) lines.push(`:${chain} - [0:0]`)
    for (const [chain, rules] of Object.entries(chains)) for (const rule of rules) lines.push(`-A ${chain} ${rule}`)
    lines.push('COMMIT')
  }
  return `${lines.join('\n')}\n`
}

const LOCAL = { localIps: HARNESS_LOCAL_IPS }
const tcp = (source: string, destination: string, destinationPort: number, extra: Partial<Packet> = {}): Packet => ({ source, destination, destinationPort, ...extra })
const traceText = (text: string, packet: Packet) => traceIptables(parseIptablesRestore(text), packet, LOCAL)
/** One filter KUBE-SERVICES rule ending in ACCEPT: does the packet match its conditions? */
const acceptedBy = (conditions: string, packet: Packet) => traceText(restore({ filter: { 'KUBE-SERVICES': [`${conditions} -j ACCEPT`] } }), packet).output === 'ACCEPT'

describe('parseIptablesRestore', () => {
  it('reads tables, chains and rules, keeping each rule line number and text', () => {
    const text = '# generated\n*filter\n:KUBE-SERVICES - [0:0]\n:KUBE-FORWARD - [0:0]\n-A KUBE-SERVICES -m tcp -p tcp -d 172.30.0.41 --dport 80 -j REJECT\nCOMMIT\n*nat\n:KUBE-SERVICES - [0:0]\nCOMMIT\n'
    const { tables } = parseIptablesRestore(text)
    expect([...tables.keys()]).toEqual(['filter', 'nat'])
    expect([...tables.get('filter')!.keys()]).toEqual(['KUBE-SERVICES', 'KUBE-FORWARD'])
    expect(tables.get('nat')!.get('KUBE-SERVICES')).toEqual([])
    const [rule] = tables.get('filter')!.get('KUBE-SERVICES')!
    expect(rule).toMatchObject({ table: 'filter', chain: 'KUBE-SERVICES', line: 5, jump: 'REJECT', text: '-A KUBE-SERVICES -m tcp -p tcp -d 172.30.0.41 --dport 80 -j REJECT' })
    expect(rule!.matches.map((m) => m.kind)).toEqual(['protocol', 'destination', 'dport'])
  })

  it('keeps a double-quoted comment as one word, so words inside it are not options', () => {
    const text = restore({ filter: { 'KUBE-SERVICES': ['-m comment --comment "x -j DROP ! -s 1.2.3.4 \\"q\\"" -j ACCEPT'] } })
    const rule = parseIptablesRestore(text).tables.get('filter')!.get('KUBE-SERVICES')![0]!
    expect({ jump: rule.jump, matches: rule.matches }).toEqual({ jump: 'ACCEPT', matches: [] })
  })

  it('reads "!" as negating the next option, and a bare address as a /32 or /128', () => {
    const text = restore({ nat: { 'KUBE-SERVICES': ['-d 172.30.0.41 ! -s 10.0.0.0/8 -d 2001:db8::1 -j KUBE-MARK-MASQ'], 'KUBE-MARK-MASQ': [] } })
    const rule = parseIptablesRestore(text).tables.get('nat')!.get('KUBE-SERVICES')![0]!
    expect(rule.matches.map((m) => ('cidr' in m ? `${m.kind} ${m.negated ? '!' : ''}${m.cidr.text}` : m.kind))).toEqual([
      'destination 172.30.0.41/32',
      'source !10.0.0.0/8',
      'destination 2001:db8::1/128',
    ])
  })

  it('drops chains deleted with -X', () => {
    const text = '*nat\n:KUBE-SERVICES - [0:0]\n:KUBE-SVC-OLD - [0:0]\n-X KUBE-SVC-OLD\nCOMMIT\n'
    expect([...parseIptablesRestore(text).tables.get('nat')!.keys()]).toEqual(['KUBE-SERVICES'])
  })

  it.each([
    ['a rule for an undeclared chain', '*nat\n-A KUBE-SERVICES -j ACCEPT\nCOMMIT\n', /line 2: rule for an undeclared chain/],
    ['a jump to an undeclared chain', '*nat\n:KUBE-SERVICES - [0:0]\n-A KUBE-SERVICES -j KUBE-SVC-X\nCOMMIT\n', /line 3: jump to KUBE-SVC-X/],
    ['an option it does not know', '*nat\n:A - [0:0]\n-A A -o eth0 -j ACCEPT\nCOMMIT\n', /line 3: unknown option -o/],
    ['an option without its value', '*nat\n:A - [0:0]\n-A A -j ACCEPT -s\nCOMMIT\n', /line 3: -s without a value/],
    ['a "!" before an option that cannot be negated', '*nat\n:A - [0:0]\n-A A ! -j ACCEPT\nCOMMIT\n', /line 3: "!" before -j/],
    ['a port range', '*nat\n:A - [0:0]\n-A A --dport 80:90 -j ACCEPT\nCOMMIT\n', /line 3: --dport 80:90/],
    ['a bad address', '*nat\n:A - [0:0]\n-A A -d 10.0.0.300 -j ACCEPT\nCOMMIT\n', /line 3: 10.0.0.300 is not an IP/],
    ['DNAT without a destination', '*nat\n:A - [0:0]\n-A A -j DNAT\nCOMMIT\n', /line 3: DNAT without --to-destination/],
    ['an unterminated quote', '*nat\n:A - [0:0]\n-A A -m comment --comment "x -j ACCEPT\nCOMMIT\n', /line 3: unterminated quote/],
    ['a rule outside a table', ':A - [0:0]\n', /line 1: outside a table/],
    ['a table without COMMIT', '*nat\n:A - [0:0]\n', /table nat has no COMMIT/],
    ['a line that is no restore command', '*nat\n-I A -j ACCEPT\nCOMMIT\n', /line 2: not a restore command/],
  ])('rejects %s', (_, text, error) => {
    expect(() => parseIptablesRestore(text)).toThrow(error)
  })
})

describe('traceIptables matches', () => {
  it('a bare address as that one address, a CIDR as its range, and "!" as the opposite', () => {
    expect(acceptedBy('-d 172.30.0.41', tcp('10.0.0.2', '172.30.0.41', 80))).toBe(true)
    expect(acceptedBy('-d 172.30.0.41', tcp('10.0.0.2', '172.30.0.42', 80))).toBe(false)
    expect(acceptedBy('-s 10.0.0.0/8', tcp('10.255.0.2', '172.30.0.41', 80))).toBe(true)
    expect(acceptedBy('-s 10.0.0.0/8', tcp('11.0.0.2', '172.30.0.41', 80))).toBe(false)
    expect(acceptedBy('! -s 10.0.0.0/8', tcp('11.0.0.2', '172.30.0.41', 80))).toBe(true)
    expect(acceptedBy('! -s 10.0.0.0/8', tcp('10.0.0.2', '172.30.0.41', 80))).toBe(false)
  })

  it('IPv6 addresses by their bytes, not their spelling', () => {
    expect(acceptedBy('-d FD00:0:0::0041', tcp('fd00:10::2', 'fd00::41', 80))).toBe(true)
    expect(acceptedBy('-s fd00:10:0:0::/64', tcp('fd00:10::ffff:2', 'fd00::41', 80))).toBe(true)
    expect(acceptedBy('-s fd00:10::/64', tcp('fd00:11::2', 'fd00::41', 80))).toBe(false)
    // An address of the other family is simply not inside the range.
    expect(acceptedBy('-s 10.0.0.0/8', tcp('fd00:10::2', 'fd00::41', 80))).toBe(false)
    expect(acceptedBy('! -s 10.0.0.0/8', tcp('fd00:10::2', 'fd00::41', 80))).toBe(true)
  })

  it('the protocol (tcp unless given, any case) and the destination port', () => {
    const rule = '-m udp -p udp --dport 53'
    expect(acceptedBy(rule, tcp('10.0.0.2', '172.30.0.10', 53, { protocol: 'udp' }))).toBe(true)
    expect(acceptedBy(rule, tcp('10.0.0.2', '172.30.0.10', 53, { protocol: 'UDP' }))).toBe(true)
    expect(acceptedBy(rule, tcp('10.0.0.2', '172.30.0.10', 53))).toBe(false)
    expect(acceptedBy(rule, tcp('10.0.0.2', '172.30.0.10', 54, { protocol: 'udp' }))).toBe(false)
    expect(acceptedBy('-m tcp -p tcp', tcp('10.0.0.2', '172.30.0.10', 53))).toBe(true)
  })

  it('the LOCAL address type against the node-local address list', () => {
    expect(acceptedBy('-m addrtype --dst-type LOCAL', tcp('203.0.113.2', '192.168.1.2', 3001))).toBe(true)
    expect(acceptedBy('-m addrtype --dst-type LOCAL', tcp('203.0.113.2', '127.0.0.1', 3001))).toBe(true)
    expect(acceptedBy('-m addrtype --dst-type LOCAL', tcp('203.0.113.2', '2001:db8:0::1', 3001))).toBe(true)
    expect(acceptedBy('-m addrtype --dst-type LOCAL', tcp('203.0.113.2', '192.168.1.3', 3001))).toBe(false)
    expect(acceptedBy('-m addrtype ! --dst-type LOCAL', tcp('203.0.113.2', '192.168.1.3', 3001))).toBe(true)
    expect(acceptedBy('-m addrtype --src-type LOCAL', tcp('192.168.0.2', '172.30.0.41', 80))).toBe(true)
    expect(acceptedBy('-m addrtype --src-type LOCAL', tcp('10.0.0.2', '172.30.0.41', 80))).toBe(false)
    expect(acceptedBy('-m addrtype --src-type UNICAST', tcp('10.0.0.2', '172.30.0.41', 80))).toBe(false)
  })

  it.each([
    ['an affinity check', '-m recent --name KUBE-SEP-X --rcheck --seconds 10800 --reap'],
    ['a mark check', '-m mark --mark 0x00004000/0x00004000'],
    ['a negated mark check', '-m mark ! --mark 0x00004000/0x00004000'],
    ['a conntrack state', '-m conntrack --ctstate INVALID'],
    ['a negated conntrack state', '-m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT'],
  ])('never %s, since a traced packet has no history', (_, conditions) => {
    expect(acceptedBy(conditions, tcp('10.0.0.2', '172.30.0.41', 80))).toBe(false)
  })

  it('comments, nfacct counters, statistic and recent --set as always true', () => {
    const conditions = '-m comment --comment "a b" -m nfacct --nfacct-name localhost_nps_accepted_pkts -m statistic --mode random --probability 0.1000000000 -m recent --name X --set'
    expect(acceptedBy(conditions, tcp('10.0.0.2', '172.30.0.41', 80))).toBe(true)
  })

  it('input interfaces as always true unless the packet names its interface', () => {
    expect(acceptedBy('-i cbr0', tcp('10.0.0.2', '172.30.0.41', 80))).toBe(true)
    expect(acceptedBy('! -i cbr0', tcp('10.0.0.2', '172.30.0.41', 80))).toBe(true)
    expect(acceptedBy('-i cbr0', tcp('10.0.0.2', '172.30.0.41', 80, { inInterface: 'eth0' }))).toBe(false)
    expect(acceptedBy('! -i veth+', tcp('10.0.0.2', '172.30.0.41', 80, { inInterface: 'veth12' }))).toBe(false)
    expect(acceptedBy('-i veth+', tcp('10.0.0.2', '172.30.0.41', 80, { inInterface: 'veth12' }))).toBe(true)
  })
})

describe('traceIptables walks chains', () => {
  const nat = {
    'KUBE-SERVICES': [
      '-m tcp -p tcp -d 172.30.0.41 --dport 80 -j KUBE-SVC-A',
      '-m tcp -p tcp -d 172.30.0.42 --dport 80 -j KUBE-SVC-B',
      '-m tcp -p tcp -d 172.30.0.43 --dport 80 -j KUBE-SVC-C',
      '-m tcp -p tcp --dport 80 -j KUBE-SVC-A',
    ],
    'KUBE-SVC-A': ['! -s 10.0.0.0/8 -j KUBE-MARK-MASQ', '-m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-1', '-j KUBE-SEP-2'],
    'KUBE-SVC-B': ['-j KUBE-SEP-2', '-j KUBE-SEP-1'],
    'KUBE-SVC-C': ['-m comment --comment "no target"', '-j KUBE-SUB', '-j KUBE-SEP-1'],
    'KUBE-SUB': ['-s 10.0.0.0/8 -j RETURN', '-j KUBE-MARK-MASQ'],
    'KUBE-SEP-1': ['-s 10.180.0.1 -j KUBE-MARK-MASQ', '-m tcp -p tcp -j DNAT --to-destination 10.180.0.1:8080'],
    'KUBE-SEP-2': ['-s 10.180.0.2 -j KUBE-MARK-MASQ', '-m tcp -p tcp -j DNAT --to-destination 10.180.0.2:8080'],
    'KUBE-MARK-MASQ': ['-j MARK --or-mark 0x00004000'],
    PREROUTING: ['-j KUBE-MARK-MASQ'],
  }
  const text = restore({ nat })

  it('collects every endpoint behind --probability jumps, in rule order, and stops after the last', () => {
    const trace = traceText(text, tcp('10.0.0.2', '172.30.0.41', 80))
    expect(trace).toMatchObject({ output: '10.180.0.1:8080, 10.180.0.2:8080', endpoints: ['10.180.0.1:8080', '10.180.0.2:8080'], verdict: undefined, masq: false })
    // Lines 2-10 declare the chains. The catch-all KUBE-SERVICES rule (line 14) is never reached.
    expect(trace.matched.map((r) => `${r.chain}:${r.line}`)).toEqual(['KUBE-SERVICES:11', 'KUBE-SVC-A:16', 'KUBE-SEP-1:26', 'KUBE-SVC-A:17', 'KUBE-SEP-2:28'])
  })

  it('ends the caller when a jump without --probability reaches a DNAT', () => {
    expect(traceText(text, tcp('10.0.0.2', '172.30.0.42', 80)).output).toBe('10.180.0.2:8080')
  })

  it('sets masq on a KUBE-MARK-MASQ jump and goes on with the next rule', () => {
    expect(traceText(text, tcp('11.0.0.2', '172.30.0.41', 80))).toMatchObject({ output: '10.180.0.1:8080, 10.180.0.2:8080', masq: true })
    expect(traceText(text, tcp('10.180.0.2', '172.30.0.42', 80))).toMatchObject({ output: '10.180.0.2:8080', masq: true })
  })

  it('skips rules without a target and resumes the caller after RETURN', () => {
    expect(traceText(text, tcp('10.0.0.2', '172.30.0.43', 80))).toMatchObject({ output: '10.180.0.1:8080', masq: false })
    expect(traceText(text, tcp('11.0.0.2', '172.30.0.43', 80))).toMatchObject({ output: '10.180.0.1:8080', masq: true })
  })

  it('starts at nat KUBE-SERVICES, the target of the built-in PREROUTING jump, not at PREROUTING itself', () => {
    expect(traceText(text, tcp('10.0.0.2', '172.30.0.99', 81))).toMatchObject({ output: '', masq: false, matched: [] })
  })

  it('runs the filter chains with the first DNAT target as the destination', () => {
    const filter = { 'KUBE-SERVICES': ['-d 172.30.0.41 -j REJECT', '-d 10.180.0.1 -j ACCEPT', '-d fd00:10::1 -j DROP'] }
    const withFilter = restore({ filter, nat: { ...nat, 'KUBE-SERVICES': ['-d 172.30.0.41 -j KUBE-SVC-A', '-d fd00::41 -j KUBE-SEP-6'], 'KUBE-SEP-6': ['-j DNAT --to-destination [fd00:10::1]:80'] } })
    expect(traceText(withFilter, tcp('10.0.0.2', '172.30.0.41', 80))).toMatchObject({ output: '10.180.0.1:8080, 10.180.0.2:8080, ACCEPT', verdict: 'ACCEPT' })
    expect(traceText(withFilter, tcp('fd00:10::2', 'fd00::41', 80))).toMatchObject({ output: '[fd00:10::1]:80, DROP', endpoints: ['[fd00:10::1]:80'] })
  })

  it('runs filter KUBE-SERVICES, KUBE-EXTERNAL-SERVICES, KUBE-NODEPORTS, KUBE-PROXY-FIREWALL in that order, and nothing else', () => {
    const filter = {
      'KUBE-PROXY-FIREWALL': ['-j DROP'],
      'KUBE-FORWARD': ['-j ACCEPT'],
      'KUBE-NODEPORTS': ['-j ACCEPT'],
      'KUBE-EXTERNAL-SERVICES': ['-j DROP'],
      'KUBE-SERVICES': ['-j REJECT'],
      INPUT: ['-j KUBE-FORWARD'],
    }
    expect(traceText(restore({ filter }), tcp('203.0.113.2', '192.168.0.2', 3001))).toMatchObject({ output: 'REJECT, DROP, ACCEPT, DROP', verdict: 'REJECT' })
  })

  it('rejects a jump loop instead of hanging', () => {
    const loop = restore({ nat: { 'KUBE-SERVICES': ['-j KUBE-A'], 'KUBE-A': ['-j KUBE-B'], 'KUBE-B': ['-j KUBE-A'] } })
    expect(() => traceText(loop, tcp('10.0.0.2', '172.30.0.41', 80))).toThrow(/nest deeper/)
  })

  it('rejects a packet address it cannot parse', () => {
    expect(() => traceText(text, tcp('10.0.0', '172.30.0.41', 80))).toThrow(/source 10.0.0/)
  })
})

// kube-proxy's TestTracePacket flows, run on its TestOverallIPTablesRules output (TestTracePacket's static ruleset is an older form of it).
describe('traceIptables on kube-proxy TestOverallIPTablesRules', () => {
  const text = withRealMark(readFileSync(new URL('../../golden/kube-proxy/iptables/TestOverallIPTablesRules.txt', import.meta.url), 'utf8'))
  const ruleset = parseIptablesRestore(text)

  it.each([
    // The seven TestTracePacket flows (research/kube-proxy-iptables-tests.md §6).
    ['no match', '10.0.0.2', '10.0.0.3', 80, '', false],
    ['single endpoint', '10.0.0.2', '172.30.0.41', 80, '10.180.0.1:80', false],
    ['multiple endpoints', '10.0.0.2', '172.30.0.44', 80, '10.180.0.4:80, 10.180.0.5:80', false],
    ['LOCAL, KUBE-MARK-MASQ', '192.168.0.2', '192.168.99.22', 80, '10.180.0.2:80', true],
    ['DROP', '203.0.113.2', '192.168.99.22', 80, 'DROP', false],
    ['ACCEPT (NodePortHealthCheck)', '192.168.0.2', '192.168.0.2', 30000, 'ACCEPT', false],
    ['REJECT', '10.0.0.2', '172.30.0.46', 80, 'REJECT', false],
    // Worked out by hand from the ruleset and kube-proxy-iptables.md §10.2.
    ['pod to an eTP:Local external IP takes the pod short-circuit', '10.0.0.2', '192.168.99.22', 80, '10.180.0.2:80', false],
    ['external to an eTP:Local NodePort without local endpoints', '203.0.113.2', '192.168.0.2', 3001, 'DROP', false],
    ['localhost to a NodePort', '127.0.0.1', '127.0.0.1', 3003, '10.180.0.3:80', true],
    ['LB source range: allowed source (affinity check skipped)', '203.0.113.2', '5.6.7.8', 80, '10.180.0.3:80', true],
    ['LB source range: other source falls through KUBE-FW to the firewall DROP', '203.0.113.130', '5.6.7.8', 80, 'DROP', false],
  ] as const)('%s', (_, source, destination, port, output, masq) => {
    const trace = traceIptables(ruleset, tcp(source, destination, port), LOCAL)
    expect({ output: trace.output, masq: trace.masq }, trace.matched.map((r) => r.text).join('\n')).toEqual({ output, masq })
  })

  it('reports the matched rules with their line in the text', () => {
    const lines = text.split('\n')
    const trace = traceIptables(ruleset, tcp('10.0.0.2', '172.30.0.41', 80), LOCAL)
    expect(trace.matched.map((r) => `${r.table} ${r.chain}`)).toEqual(['nat KUBE-SERVICES', 'nat KUBE-SVC-XPGD46QRK7WJZT7O', 'nat KUBE-SEP-SXIVWICOYRO3J4NJ'])
    for (const rule of trace.matched) expect(lines[rule.line - 1]).toBe(rule.text)
  })
})
