// The iptables applier against a scripted Runner: exact argv and stdin per call, payloads, refusals and error mapping.
import { describe, expect, it } from 'vitest'
import { applyRulesets, type ApplyOptions } from '../../src/apply/apply.ts'
import { exitCodeOf } from '../../src/apply/problem.ts'
import type { ApplyRuleset } from '../../src/apply/ruleset.ts'
import { enoent, fails, fakeRunner, netnsArgv, ok, type ExpectedCall } from '../helpers/fake-runner.ts'
import { compiled, serviceYaml, SETTINGS } from './fixtures.ts'
import { FILTER_JUMPS, NAT_JUMPS, savedSvccState, withExtras } from './payload-helpers.ts'

const blue = { kind: 'netns', name: 'blue' } as const
const clock = () => {
  let t = 0
  return () => (t += 21)
}
const listed: ExpectedCall = { argv: ['ip', 'netns', 'list'], result: ok('blue (id: 0)\nother\n') }
const [v4] = compiled('iptables') as [ApplyRuleset]
const text = v4.rendered.text
const fresh = withExtras(text, { filter: [':SVCC-OWNED - [0:0]', ...FILTER_JUMPS], nat: [':SVCC-OWNED - [0:0]', ...NAT_JUMPS] })
const restoreTest = (input: string, result = ok()): ExpectedCall => ({ argv: netnsArgv('blue', 'iptables-restore', '--noflush', '--test'), input, result })
const restore = (input: string, result = ok()): ExpectedCall => ({ argv: netnsArgv('blue', 'iptables-restore', '--noflush'), input, result })

async function run(rulesets: readonly ApplyRuleset[], calls: readonly ExpectedCall[], options: Partial<ApplyOptions> = {}) {
  const runner = fakeRunner(calls)
  const outcome = await applyRulesets(rulesets, { runner, target: blue, now: clock(), throwawayName: () => 'svcc-check-test', ...options })
  runner.assertDone()
  return outcome
}

describe('iptables apply', () => {
  it('restores a fresh namespace in one payload per table, with the mark and every jump rule, after creating the nfacct counter', async () => {
    const outcome = await run(
      [v4],
      [
        listed,
        { argv: netnsArgv('blue', 'iptables-save'), result: ok('') },
        restoreTest(fresh),
        { argv: netnsArgv('blue', 'nfacct', 'list'), result: ok('') },
        { argv: netnsArgv('blue', 'nfacct', 'add', 'ct_state_invalid_dropped_pkts') },
        restore(fresh),
      ],
    )
    expect(outcome).toEqual({
      ok: true,
      value: 'applied iptables ruleset to netns blue: IPv4 filter+nat restored, 14 jump rules inserted, nfacct ct_state_invalid_dropped_pkts created (21 ms)',
    })
  })

  it('re-applies without inserting jump rules again and removes stale per-service chains in the same restore', async () => {
    const stale = ['KUBE-SEP-AAAAAAAAAAAAAAAA', 'KUBE-SVC-BBBBBBBBBBBBBBBB']
    const payload = withExtras(text, {
      filter: [':SVCC-OWNED - [0:0]'],
      nat: [':SVCC-OWNED - [0:0]', ...stale.map((c) => `:${c} - [0:0]`), ...stale.map((c) => `-X ${c}`)],
    })
    const outcome = await run(
      [v4],
      [
        listed,
        { argv: netnsArgv('blue', 'iptables-save'), result: ok(savedSvccState([...stale, 'KUBE-SVC-67NZLRHBNDSAWJRO', 'KUBE-XLB-NOTSVCCSCHAIN1'].sort())) },
        restoreTest(payload),
        { argv: netnsArgv('blue', 'nfacct', 'list'), result: ok('{ pkts = 00000000000000000000, bytes = 00000000000000000000 } = ct_state_invalid_dropped_pkts;\n') },
        restore(payload),
      ],
      { force: true },
    )
    expect(outcome.ok && outcome.value).toBe(
      'applied iptables ruleset to netns blue: IPv4 filter+nat restored, 2 stale chains removed, 0 jump rules inserted, took over 1 foreign chain (--force) (21 ms)',
    )
  })

  it('confirms a jump rule missing from the listing with iptables -C, and inserts it only when -C says it is missing', async () => {
    const saved = savedSvccState()
      .replace('-A INPUT -m comment --comment "kubernetes health check service ports" -j KUBE-NODEPORTS\n', '')
      .replace('-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING\n', '-A POSTROUTING -m comment --comment kubernetes\\ postrouting\\ rules -j KUBE-POSTROUTING\n')
    const payload = withExtras(text, {
      filter: [':SVCC-OWNED - [0:0]', '-I INPUT -m comment --comment "kubernetes health check service ports" -j KUBE-NODEPORTS'],
      nat: [':SVCC-OWNED - [0:0]'],
    })
    const outcome = await run(
      [v4],
      [
        listed,
        { argv: netnsArgv('blue', 'iptables-save'), result: ok(saved) },
        {
          argv: netnsArgv('blue', 'iptables', '-t', 'filter', '-C', 'INPUT', '-m', 'comment', '--comment', 'kubernetes health check service ports', '-j', 'KUBE-NODEPORTS'),
          result: fails(1, 'iptables: Bad rule (does a matching rule exist in that chain?).\n'),
        },
        {
          argv: netnsArgv('blue', 'iptables', '-t', 'nat', '-C', 'POSTROUTING', '-m', 'comment', '--comment', 'kubernetes postrouting rules', '-j', 'KUBE-POSTROUTING'),
          result: ok(),
        },
        restoreTest(payload),
        { argv: netnsArgv('blue', 'nfacct', 'list'), result: ok('{ pkts = 0, bytes = 0 } = ct_state_invalid_dropped_pkts;\n') },
        restore(payload),
      ],
    )
    expect(outcome.ok && outcome.value).toContain('IPv4 filter+nat restored, 1 jump rule inserted')
  })

  it('refuses a namespace holding kube-proxy chains svcc did not write, and changes nothing', async () => {
    const foreign = '*filter\n:INPUT ACCEPT [0:0]\n:KUBE-SERVICES - [0:0]\n:KUBE-PROXY-CANARY - [0:0]\n:KUBE-KUBELET-CANARY - [0:0]\nCOMMIT\n*nat\n:KUBE-SERVICES - [0:0]\n:MY-CHAIN - [0:0]\nCOMMIT\n'
    const outcome = await run([v4], [listed, { argv: netnsArgv('blue', 'iptables-save'), result: ok(foreign) }])
    expect(outcome.ok).toBe(false)
    if (outcome.ok) return
    expect(outcome.problems).toEqual([
      {
        kind: 'not-owned',
        objects: ['iptables filter KUBE-PROXY-CANARY', 'iptables filter KUBE-SERVICES', 'iptables nat KUBE-SERVICES'],
        message:
          'netns blue holds kube-proxy objects that svcc did not write (iptables filter KUBE-PROXY-CANARY, iptables filter KUBE-SERVICES, iptables nat KUBE-SERVICES); refusing to replace them: pass --force to take the tables over',
      },
    ])
    expect(exitCodeOf(outcome.problems)).toBe(3)
  })

  it('maps a line iptables-restore rejects back to the manifest field that produced it, before anything is committed', async () => {
    // Rendered line 20 (the cluster IP jump) is payload line 32: 12 lines were added to *filter.
    const stderr = "iptables-restore v1.8.9 (nf_tables): Chain 'KUBE-SVC-67NZLRHBNDSAWJRO' does not exist\nError occurred at line: 32\nTry `iptables-restore -h' or 'iptables-restore --help' for more information.\n"
    const outcome = await run([v4], [listed, { argv: netnsArgv('blue', 'iptables-save'), result: ok('') }, restoreTest(fresh, fails(2, stderr))])
    expect(outcome.ok).toBe(false)
    if (outcome.ok) return
    const [problem] = outcome.problems
    expect(problem?.kind === 'diagnostic' && problem.diagnostic).toMatchObject({
      code: 'APPLY_REJECTED',
      file: 'shop.yaml',
      line: 9,
      column: 5,
      object: 'Service shop/web',
      path: ['spec', 'ports', 0],
      message: "iptables-restore rejected the rule made from this field (<iptables IPv4 ruleset> line 20): Chain 'KUBE-SVC-67NZLRHBNDSAWJRO' does not exist",
    })
    expect(problem?.kind === 'diagnostic' && problem.excerpt).toEqual([
      '<iptables IPv4 ruleset>, as loaded (+ marks lines svcc apply added):',
      '  17 | :KUBE-POSTROUTING - [0:0]',
      '  18 | :KUBE-SEP-3SHOAZZXKXAESXYF - [0:0]',
      '  19 | :KUBE-SVC-67NZLRHBNDSAWJRO - [0:0]',
      '> 20 | -A KUBE-SERVICES -m comment --comment "shop/web:http cluster IP" -m tcp -p tcp -d 172.30.0.10 --dport 80 -j KUBE-SVC-67NZLRHBNDSAWJRO',
      '  21 | -A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS',
      '  22 | -A KUBE-MARK-MASQ -j MARK --or-mark 0x00004000',
      '  23 | -A KUBE-POSTROUTING -m mark ! --mark 0x00004000/0x00004000 -j RETURN',
    ])
    expect(problem?.kind === 'diagnostic' && problem.sourceLine).toBe('  - name: http')
  })

  it('names a line the applier added when the restore fails there (nf_tables commit errors say "line N:")', async () => {
    const stale = 'KUBE-SVC-BBBBBBBBBBBBBBBB'
    const payload = withExtras(text, { filter: [':SVCC-OWNED - [0:0]'], nat: [':SVCC-OWNED - [0:0]', `:${stale} - [0:0]`, `-X ${stale}`] })
    const xLine = payload.split('\n').indexOf(`-X ${stale}`) + 1
    const stderr = `iptables-restore v1.8.9 (nf_tables): \nline ${xLine}: CHAIN_USER_DEL failed (Device or resource busy): chain ${stale}\n`
    const outcome = await run(
      [v4],
      [
        listed,
        { argv: netnsArgv('blue', 'iptables-save'), result: ok(savedSvccState([stale])) },
        restoreTest(payload),
        { argv: netnsArgv('blue', 'nfacct', 'list'), result: ok('{ pkts = 0, bytes = 0 } = ct_state_invalid_dropped_pkts;\n') },
        restore(payload, fails(4, stderr)),
      ],
    )
    if (outcome.ok) throw new Error('expected a failure')
    const [problem] = outcome.problems
    expect(problem?.kind === 'diagnostic' && problem.diagnostic).toEqual({
      severity: 'error',
      code: 'APPLY_REJECTED',
      file: 'netns blue',
      message: `iptables-restore rejected a line svcc apply added (stale chain removal): CHAIN_USER_DEL failed (Device or resource busy): chain ${stale}`,
    })
    expect(problem?.kind === 'diagnostic' && problem.excerpt.filter((l) => l.startsWith('>'))).toEqual([`>  + | -X ${stale}`])
  })

  it('leaves out the nfacct step for a ruleset compiled with --no-nfacct', async () => {
    const [plain] = compiled('iptables', serviceYaml(), { ...SETTINGS, nfacct: false, localhostNodePorts: false }) as [ApplyRuleset]
    const payload = withExtras(plain.rendered.text, {
      filter: [':SVCC-OWNED - [0:0]', ':KUBE-FIREWALL - [0:0]', ...FILTER_JUMPS],
      nat: [':SVCC-OWNED - [0:0]', ...NAT_JUMPS],
    })
    const outcome = await run([plain], [listed, { argv: netnsArgv('blue', 'iptables-save'), result: ok('') }, restoreTest(payload), restore(payload)])
    expect(outcome.ok && outcome.value).toBe('applied iptables ruleset to netns blue: IPv4 filter+nat restored, 14 jump rules inserted (21 ms)')
  })

  it('reports a missing nfacct tool by name and suggests --no-nfacct', async () => {
    const outcome = await run(
      [v4],
      [
        listed,
        { argv: netnsArgv('blue', 'iptables-save'), result: ok('') },
        restoreTest(fresh),
        { argv: netnsArgv('blue', 'nfacct', 'list'), result: fails(1, 'exec of "nfacct" failed: No such file or directory\n') },
      ],
    )
    expect(!outcome.ok && outcome.problems).toEqual([
      {
        kind: 'diagnostic',
        excerpt: [],
        diagnostic: {
          severity: 'error',
          code: 'APPLY_COMMAND_NOT_FOUND',
          file: 'netns blue',
          message: "nfacct not found: install nfacct, or compile with --no-nfacct (the ruleset counts packets in kube-proxy's nfacct counters)",
        },
      },
    ])
  })

  it('uses the ip6tables tools for IPv6 and creates the KUBE-FIREWALL jump target that the IPv6 payload does not declare', async () => {
    const yaml = serviceYaml('web', 'fd00:30::10', 'fd00:10::5').replace('addressType: IPv4', 'addressType: IPv6')
    const [v6] = compiled('iptables', yaml, { nodeName: 'node-a', nodeIPs: ['fd00::2'], clusterCIDRs: ['fd00:10::/64'] }) as [ApplyRuleset]
    expect(v6.family).toBe('ipv6')
    const payload = withExtras(v6.rendered.text, {
      filter: [':SVCC-OWNED - [0:0]', ':KUBE-FIREWALL - [0:0]', ...FILTER_JUMPS],
      nat: [':SVCC-OWNED - [0:0]', ...NAT_JUMPS],
    })
    const outcome = await run(
      [v6],
      [
        { argv: ['ip6tables-save'], result: ok('') },
        { argv: ['ip6tables-restore', '--noflush', '--test'], input: payload },
        { argv: ['nfacct', 'list'] },
        { argv: ['nfacct', 'add', 'ct_state_invalid_dropped_pkts'] },
        { argv: ['ip6tables-restore', '--noflush'], input: payload },
      ],
      { target: { kind: 'host' } },
    )
    expect(outcome.ok && outcome.value).toBe(
      'applied iptables ruleset to the current namespace (--host): IPv6 filter+nat restored, 14 jump rules inserted, nfacct ct_state_invalid_dropped_pkts created (21 ms)',
    )
  })

  it('names a tool that could not be spawned on the host', async () => {
    const outcome = await run([v4], [{ argv: ['iptables-save'], result: enoent }], { target: { kind: 'host' } })
    expect(!outcome.ok && outcome.problems[0]).toMatchObject({ kind: 'diagnostic', diagnostic: { code: 'APPLY_COMMAND_NOT_FOUND', file: 'host', message: 'iptables-save not found' } })
  })

  it('treats an iptables -C failure other than "no such rule" as an error', async () => {
    const saved = savedSvccState().replace('-A INPUT -j KUBE-FIREWALL\n', '')
    const outcome = await run(
      [v4],
      [
        listed,
        { argv: netnsArgv('blue', 'iptables-save'), result: ok(saved) },
        { argv: netnsArgv('blue', 'iptables', '-t', 'filter', '-C', 'INPUT', '-j', 'KUBE-FIREWALL'), result: fails(4, "iptables v1.8.9 (nf_tables): Couldn't load target\n") },
      ],
    )
    expect(!outcome.ok && outcome.problems[0]).toMatchObject({
      diagnostic: { code: 'APPLY_REJECTED', message: "iptables -t filter -C INPUT -j KUBE-FIREWALL failed (exit 4): iptables v1.8.9 (nf_tables): Couldn't load target" },
    })
  })
})

describe('iptables --check', () => {
  const throwaway = (...argv: string[]) => netnsArgv('svcc-check-test', ...argv)

  it('reads the target, then loads everything into a throwaway namespace that is deleted afterwards', async () => {
    const stale = 'KUBE-SVC-BBBBBBBBBBBBBBBB'
    const outcome = await run(
      [v4],
      [
        listed,
        { argv: netnsArgv('blue', 'iptables-save'), result: ok(savedSvccState([stale])) },
        { argv: ['ip', 'netns', 'add', 'svcc-check-test'] },
        { argv: throwaway('iptables-restore', '--noflush', '--test'), input: fresh },
        { argv: throwaway('nfacct', 'list') },
        { argv: throwaway('nfacct', 'add', 'ct_state_invalid_dropped_pkts') },
        { argv: throwaway('iptables-restore', '--noflush'), input: fresh },
        { argv: ['ip', 'netns', 'delete', 'svcc-check-test'] },
      ],
      { check: true },
    )
    expect(outcome.ok && outcome.value).toBe(
      'checked iptables ruleset by loading it into throwaway netns svcc-check-test: IPv4 filter+nat accepted; netns blue unchanged; the removal of its 1 stale chain was not rehearsed (21 ms)',
    )
  })

  it('deletes the throwaway namespace also when the kernel rejects the ruleset', async () => {
    const outcome = await run(
      [v4],
      [
        listed,
        { argv: netnsArgv('blue', 'iptables-save'), result: ok('') },
        { argv: ['ip', 'netns', 'add', 'svcc-check-test'] },
        { argv: throwaway('iptables-restore', '--noflush', '--test'), input: fresh },
        { argv: throwaway('nfacct', 'list') },
        { argv: throwaway('nfacct', 'add', 'ct_state_invalid_dropped_pkts') },
        { argv: throwaway('iptables-restore', '--noflush'), input: fresh, result: fails(1, 'iptables-restore: line 12 failed\n') },
        { argv: ['ip', 'netns', 'delete', 'svcc-check-test'] },
      ],
      { check: true },
    )
    expect(!outcome.ok && outcome.problems[0]).toMatchObject({ diagnostic: { code: 'APPLY_REJECTED', file: 'netns svcc-check-test', message: expect.stringContaining('(ownership mark)') } })
  })

  it('refuses, like apply, when the target holds foreign kube-proxy chains (and creates no throwaway namespace)', async () => {
    const outcome = await run([v4], [listed, { argv: netnsArgv('blue', 'iptables-save'), result: ok('*nat\n:KUBE-SERVICES - [0:0]\nCOMMIT\n') }], { check: true })
    expect(!outcome.ok && outcome.problems[0]).toMatchObject({ kind: 'not-owned', message: expect.stringContaining('apply would refuse') })
  })
})
