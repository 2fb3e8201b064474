// `svcc apply` and `svcc delete` as functions: exit codes and exactly what reaches stderr.
import { describe, expect, it } from 'vitest'
import { applyCommand, type ApplyFlags } from '../../src/cli/commands/apply.ts'
import { deleteCommand } from '../../src/cli/commands/delete.ts'
import { fails, fakeRunner, netnsArgv, ok, type ExpectedCall } from '../helpers/fake-runner.ts'
import { compiled, serviceYaml } from './fixtures.ts'
import { memoryIo } from './memory-io.ts'
import { FILTER_JUMPS, NAT_JUMPS, withExtras } from './payload-helpers.ts'

const FLAGS: ApplyFlags = { format: 'iptables', nodeName: 'node-a', nodeIp: ['192.168.0.2'], clusterCidr: ['10.0.0.0/8'] }
const listed: ExpectedCall = { argv: ['ip', 'netns', 'list'], result: ok('blue (id: 3)\n') }
const hooks = { now: () => 0 }

describe('svcc apply (command)', () => {
  it.each([
    [{}, 'error: say where the rules go: --netns NAME for a network namespace, or --host for the current one\n'],
    [{ netns: 'blue', host: true }, 'error: give either --netns NAME or --host, not both\n'],
    [{ netns: '../etc' }, 'error: invalid namespace name "../etc": use 1-64 of A-Z a-z 0-9 _ . - and start with a letter, digit or _\n'],
    [{ netns: '-n' }, 'error: invalid namespace name "-n": use 1-64 of A-Z a-z 0-9 _ . - and start with a letter, digit or _\n'],
  ])('refuses %j as a usage error before compiling or running anything', async (target, message) => {
    const io = memoryIo()
    const runner = fakeRunner([])
    expect(await applyCommand(['missing.yaml'], { ...FLAGS, ...target }, io, runner, hooks)).toBe(2)
    expect(io.err()).toBe(message)
    expect(runner.calls).toEqual([])
  })

  it('refuses a namespace that does not exist (exit 2)', async () => {
    const io = memoryIo({ 'shop.yaml': serviceYaml() })
    const runner = fakeRunner([{ argv: ['ip', 'netns', 'list'], result: ok('red\n') }])
    expect(await applyCommand(['shop.yaml'], { ...FLAGS, netns: 'blue', quiet: true }, io, runner, hooks)).toBe(2)
    expect(io.err()).toBe('error: no network namespace named "blue" (see ip netns list; create one with ip netns add blue)\n')
  })

  it('compiles, applies and prints one summary line to stderr, nothing to stdout', async () => {
    const io = memoryIo({ 'shop.yaml': serviceYaml() })
    const [v4] = compiled('iptables')
    const payload = withExtras(v4!.rendered.text, { filter: [':SVCC-OWNED - [0:0]', ...FILTER_JUMPS], nat: [':SVCC-OWNED - [0:0]', ...NAT_JUMPS] })
    const runner = fakeRunner([
      listed,
      { argv: netnsArgv('blue', 'iptables-save') },
      { argv: netnsArgv('blue', 'iptables-restore', '--noflush', '--test'), input: payload },
      { argv: netnsArgv('blue', 'nfacct', 'list') },
      { argv: netnsArgv('blue', 'nfacct', 'add', 'ct_state_invalid_dropped_pkts') },
      { argv: netnsArgv('blue', 'iptables-restore', '--noflush'), input: payload },
    ])
    expect(await applyCommand(['shop.yaml'], { ...FLAGS, netns: 'blue' }, io, runner, hooks)).toBe(0)
    runner.assertDone()
    expect(io.out()).toBe('')
    expect(io.err().split('\n').at(-2)).toBe('applied iptables ruleset to netns blue: IPv4 filter+nat restored, 14 jump rules inserted, nfacct ct_state_invalid_dropped_pkts created (0 ms)')
  })

  it('exits 3 and shows the manifest field, its line and the rendered context when the kernel tool rejects a rule', async () => {
    const io = memoryIo({ 'shop.yaml': serviceYaml() })
    const stderr = "iptables-restore v1.8.9 (nf_tables): Chain 'KUBE-SVC-67NZLRHBNDSAWJRO' does not exist\nError occurred at line: 32\n"
    const [v4] = compiled('iptables')
    const payload = withExtras(v4!.rendered.text, { filter: [':SVCC-OWNED - [0:0]', ...FILTER_JUMPS], nat: [':SVCC-OWNED - [0:0]', ...NAT_JUMPS] })
    const runner = fakeRunner([
      listed,
      { argv: netnsArgv('blue', 'iptables-save') },
      { argv: netnsArgv('blue', 'iptables-restore', '--noflush', '--test'), input: payload, result: fails(2, stderr) },
    ])
    expect(await applyCommand(['shop.yaml'], { ...FLAGS, netns: 'blue', quiet: true }, io, runner, hooks)).toBe(3)
    expect(io.err()).toBe(
      `shop.yaml:9:5: error: iptables-restore rejected the rule made from this field (<iptables IPv4 ruleset> line 20): Chain 'KUBE-SVC-67NZLRHBNDSAWJRO' does not exist [APPLY_REJECTED]
  in document 1 (Service shop/web) at spec.ports[0]
  9 |   - name: http
    |     ^
  <iptables IPv4 ruleset>, as loaded (+ marks lines svcc apply added):
    17 | :KUBE-POSTROUTING - [0:0]
    18 | :KUBE-SEP-3SHOAZZXKXAESXYF - [0:0]
    19 | :KUBE-SVC-67NZLRHBNDSAWJRO - [0:0]
  > 20 | -A KUBE-SERVICES -m comment --comment "shop/web:http cluster IP" -m tcp -p tcp -d 172.30.0.10 --dport 80 -j KUBE-SVC-67NZLRHBNDSAWJRO
    21 | -A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS
    22 | -A KUBE-MARK-MASQ -j MARK --or-mark 0x00004000
    23 | -A KUBE-POSTROUTING -m mark ! --mark 0x00004000/0x00004000 -j RETURN
1 error
`,
    )
  })

  it('exits 3 with one error line when the namespace holds kube-proxy objects svcc did not write', async () => {
    const io = memoryIo({ 'shop.yaml': serviceYaml() })
    const runner = fakeRunner([listed, { argv: netnsArgv('blue', 'nft', 'list', 'chains'), result: ok('table ip kube-proxy {\n}\n') }])
    expect(await applyCommand(['shop.yaml'], { ...FLAGS, format: 'nft', netns: 'blue', quiet: true }, io, runner, hooks)).toBe(3)
    expect(io.err()).toBe(
      'error: netns blue holds kube-proxy objects that svcc did not write (table ip kube-proxy); refusing to replace them: pass --force to take the tables over\n1 error\n',
    )
  })

  it('applies a --rules file, telling its format from the content, and points errors into the file', async () => {
    const rules = '*filter\n:KUBE-SERVICES - [0:0]\n-A KUBE-SERVICES -j NOPE\nCOMMIT\n'
    const io = memoryIo({ 'saved.rules': rules })
    const payload = `*filter\n:KUBE-SERVICES - [0:0]\n-A KUBE-SERVICES -j NOPE\n:SVCC-OWNED - [0:0]\n:KUBE-EXTERNAL-SERVICES - [0:0]\n:KUBE-NODEPORTS - [0:0]\n:KUBE-FORWARD - [0:0]\n:KUBE-PROXY-FIREWALL - [0:0]\n:KUBE-FIREWALL - [0:0]\n${FILTER_JUMPS.join('\n')}\nCOMMIT\n`
    const runner = fakeRunner([
      listed,
      { argv: netnsArgv('blue', 'iptables-save') },
      { argv: netnsArgv('blue', 'iptables-restore', '--noflush', '--test'), input: payload, result: fails(2, "iptables-restore v1.8.9 (nf_tables): Chain 'NOPE' does not exist\nError occurred at line: 3\n") },
    ])
    expect(await applyCommand([], { format: 'nft', rules: 'saved.rules', netns: 'blue' }, io, runner, hooks)).toBe(3)
    expect(io.err()).toContain("saved.rules:3:1: error: iptables-restore rejected line 3: Chain 'NOPE' does not exist [APPLY_REJECTED]\n  3 | -A KUBE-SERVICES -j NOPE\n    | ^\n")
  })

  it('refuses a --rules file whose content contradicts an explicit --format', async () => {
    const io = memoryIo({ 'saved.rules': '*nat\nCOMMIT\n' })
    expect(await applyCommand([], { format: 'nft', formatGiven: true, rules: 'saved.rules', netns: 'blue' }, io, fakeRunner([]), hooks)).toBe(2)
    expect(io.err()).toBe('error: saved.rules: looks like an iptables-restore ruleset, not --format nft\n')
  })
})

describe('svcc delete (command)', () => {
  it('refuses to run without --netns or --host', async () => {
    const io = memoryIo()
    expect(await deleteCommand({}, io, fakeRunner([]), hooks)).toBe(2)
    expect(io.err()).toMatch(/^error: say where the rules go/)
  })

  it('prints one summary line', async () => {
    const io = memoryIo()
    const runner = fakeRunner([{ argv: ['nft', 'list', 'chains'], result: ok('table ip kube-proxy {\n\tchain svcc-owned {\n\t}\n}\n') }, { argv: ['nft', '-f', '-'], input: 'delete table ip kube-proxy\n' }])
    expect(await deleteCommand({ host: true, format: 'nft' }, io, runner, hooks)).toBe(0)
    expect(io.err()).toBe("deleted svcc's rules from the current namespace (--host): table ip kube-proxy (0 ms)\n")
  })
})
