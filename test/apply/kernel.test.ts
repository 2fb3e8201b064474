// Real nft/iptables in throwaway namespaces (root only): apply, re-apply, fail, check, delete, and foreign objects untouched.
import { describe, expect, it } from 'vitest'
import { applyRulesets } from '../../src/apply/apply.ts'
import { deleteOwned } from '../../src/apply/delete.ts'
import type { ApplyProblem } from '../../src/apply/problem.ts'
import type { ApplyRuleset } from '../../src/apply/ruleset.ts'
import { execaRunner } from '../../src/apply/runner.ts'
import { applyCommand } from '../../src/cli/commands/apply.ts'
import { announceSkip, inNetns, kernelSkipReason, sh, useNetns } from '../helpers/netns.ts'
import { compiled, serviceYaml } from './fixtures.ts'
import { memoryIo } from './memory-io.ts'

const skip = await kernelSkipReason()
const SUITE = 'applier kernel tests'
announceSkip(SUITE, skip)

const runner = execaRunner
const netns = (name: string) => ({ kind: 'netns', name }) as const
const apply = (name: string, rulesets: readonly ApplyRuleset[], extra: { check?: boolean; force?: boolean } = {}) => applyRulesets(rulesets, { runner, target: netns(name), ...extra })

/** Replaces one line of a rendered ruleset, keeping every origin (a hand-broken compile). */
function breakLine(r: ApplyRuleset, find: RegExp, replace: string): { ruleset: ApplyRuleset; line: number } {
  const lines = r.rendered.text.split('\n')
  const index = lines.findIndex((l) => find.test(l))
  if (index < 0) throw new Error(`no line matches ${find}`)
  lines[index] = lines[index]!.replace(find, replace)
  return { ruleset: { ...r, rendered: { ...r.rendered, text: lines.join('\n') } }, line: index + 1 }
}

/** iptables-save without its comment lines and packet counters, so two listings compare as text. */
async function saved(name: string, tool = 'iptables-save'): Promise<string> {
  const out = await inNetns(name, [tool])
  return out
    .split('\n')
    .filter((l) => !l.startsWith('#'))
    .map((l) => l.replace(/\[\d+:\d+\]/, '[0:0]'))
    .join('\n')
}

const diagnostic = (problems: readonly ApplyProblem[]) => {
  const p = problems[0]
  if (p?.kind !== 'diagnostic') throw new Error(`expected a diagnostic, got ${JSON.stringify(problems)}`)
  return p
}

describe.skipIf(skip !== undefined)(`${SUITE}${skip ? ` (SKIPPED: ${skip})` : ''}`, () => {
  const newNetns = useNetns('svcc-t')

  describe('nft', () => {
    it('replaces only its own table, idempotently, leaves a broken load without effect, and deletes only what it wrote', async () => {
      const ns = await newNetns()
      await inNetns(ns, ['nft', '-f', '-'], 'add table ip other\nadd chain ip other c { type filter hook input priority 0 ; }\nadd rule ip other c tcp dport 22 accept\n')
      const other = await inNetns(ns, ['nft', 'list', 'table', 'ip', 'other'])

      expect(await apply(ns, compiled('nft'))).toMatchObject({ ok: true })
      const first = await inNetns(ns, ['nft', 'list', 'table', 'ip', 'kube-proxy'])
      expect(first).toContain('comment "rules for kube-proxy"')
      expect(first).toContain('chain svcc-owned {')
      expect(first).toContain('172.30.0.10 . tcp . 80 : goto service-KHN6ECMT-shop/web/tcp/http')

      expect(await apply(ns, compiled('nft'))).toMatchObject({ ok: true })
      expect(await inNetns(ns, ['nft', 'list', 'table', 'ip', 'kube-proxy'])).toBe(first)

      const broken = breakLine(compiled('nft')[0]!, /jump services$/, 'jump nosuch')
      const failed = await apply(ns, [broken.ruleset])
      if (failed.ok) throw new Error('a broken ruleset was accepted')
      expect(diagnostic(failed.problems).diagnostic).toMatchObject({ code: 'APPLY_REJECTED', file: '<nft ruleset>', line: broken.line })
      expect(await inNetns(ns, ['nft', 'list', 'table', 'ip', 'kube-proxy'])).toBe(first)

      expect(await apply(ns, compiled('nft'), { check: true })).toMatchObject({ ok: true, value: expect.stringContaining('nothing changed') })
      expect(await inNetns(ns, ['nft', 'list', 'table', 'ip', 'kube-proxy'])).toBe(first)

      expect(await deleteOwned({ runner, target: netns(ns), formats: ['nft'] })).toMatchObject({ ok: true, value: expect.stringContaining('table ip kube-proxy') })
      expect(await inNetns(ns, ['nft', 'list', 'tables'])).toBe('table ip other\n')
      expect(await inNetns(ns, ['nft', 'list', 'table', 'ip', 'other'])).toBe(other)
    })

    it("refuses to replace a kube-proxy table it did not write, unless --force; delete then owns it", async () => {
      const ns = await newNetns()
      await inNetns(ns, ['nft', 'add', 'table', 'ip', 'kube-proxy'])
      const refused = await apply(ns, compiled('nft'))
      expect(!refused.ok && refused.problems[0]?.kind).toBe('not-owned')
      expect(await inNetns(ns, ['nft', 'list', 'table', 'ip', 'kube-proxy'])).toBe('table ip kube-proxy {\n}\n')
      expect(await apply(ns, compiled('nft'), { force: true })).toMatchObject({ ok: true })
      expect(await deleteOwned({ runner, target: netns(ns) })).toMatchObject({ ok: true })
      expect(await inNetns(ns, ['nft', 'list', 'tables'])).not.toContain('kube-proxy')
    })
  })

  describe('iptables', () => {
    it('applies with the jump rules exactly once, re-applies to the same state, removes stale chains, and leaves a foreign chain alone', async () => {
      const ns = await newNetns()
      await inNetns(ns, ['iptables-restore', '--noflush'], '*filter\n:MY-CHAIN - [0:0]\n-A MY-CHAIN -s 192.0.2.1/32 -j DROP\n-A INPUT -j MY-CHAIN\nCOMMIT\n')

      const applied = await apply(ns, compiled('iptables'))
      expect(applied).toMatchObject({ ok: true, value: expect.stringContaining('14 jump rules inserted, nfacct ct_state_invalid_dropped_pkts created') })
      const first = await saved(ns)
      expect(first).toContain(':KUBE-SVC-67NZLRHBNDSAWJRO - [0:0]')
      expect(first).toContain('-A MY-CHAIN -s 192.0.2.1/32 -j DROP')
      expect(first.match(/^-A INPUT .*-j KUBE-EXTERNAL-SERVICES$/gm)).toHaveLength(1)
      expect(await inNetns(ns, ['nfacct', 'list'])).toContain('ct_state_invalid_dropped_pkts')

      expect(await apply(ns, compiled('iptables'))).toMatchObject({ ok: true, value: expect.stringContaining('0 jump rules inserted') })
      expect(await saved(ns)).toBe(first)

      const next = await apply(ns, compiled('iptables', serviceYaml('api', '172.30.0.11', '10.0.1.6')))
      expect(next).toMatchObject({ ok: true, value: expect.stringContaining('2 stale chains removed') })
      const after = await saved(ns)
      expect(after).not.toContain('KUBE-SVC-67NZLRHBNDSAWJRO')
      expect(after).toContain('-A MY-CHAIN -s 192.0.2.1/32 -j DROP')
      expect(after.match(/^-A INPUT .*$/gm)).toHaveLength(5)
    })

    it('keeps the previous rules when the kernel rejects a line, and names the manifest field behind it', async () => {
      const ns = await newNetns()
      expect(await apply(ns, compiled('iptables'))).toMatchObject({ ok: true })
      const before = await saved(ns)
      const broken = breakLine(compiled('iptables', serviceYaml('api', '172.30.0.11', '10.0.1.6'))[0]!, /-j KUBE-SVC-\w+$/, '-j KUBE-SVC-NOPE')
      const failed = await apply(ns, [broken.ruleset])
      if (failed.ok) throw new Error('a broken ruleset was accepted')
      const p = diagnostic(failed.problems)
      expect(p.diagnostic).toMatchObject({ code: 'APPLY_REJECTED', file: 'shop.yaml', object: 'Service shop/api', path: ['spec', 'ports', 0] })
      expect(p.diagnostic.message).toContain("Chain 'KUBE-SVC-NOPE' does not exist")
      expect(p.excerpt.find((l) => l.startsWith('>'))).toContain(`${broken.line} | -A KUBE-SERVICES`)
      expect(await saved(ns)).toBe(before)
    })

    it('--check loads into a throwaway namespace and changes nothing in the target', async () => {
      const ns = await newNetns()
      expect(await apply(ns, compiled('iptables'))).toMatchObject({ ok: true })
      const before = await saved(ns)
      const checked = await apply(ns, compiled('iptables', serviceYaml('api', '172.30.0.11', '10.0.1.6')), { check: true })
      expect(checked).toMatchObject({ ok: true, value: expect.stringMatching(/^checked iptables ruleset by loading it into throwaway netns svcc-check-\w+: IPv4 filter\+nat accepted/) })
      expect(await saved(ns)).toBe(before)
      expect(await sh(['ip', 'netns', 'list'])).not.toContain('svcc-check-')

      const broken = breakLine(compiled('iptables')[0]!, /-j KUBE-SVC-\w+$/, '-j KUBE-SVC-NOPE')
      expect(await apply(ns, [broken.ruleset], { check: true })).toMatchObject({ ok: false })
      expect(await sh(['ip', 'netns', 'list'])).not.toContain('svcc-check-')
    })

    it("refuses kube-proxy chains it did not write; delete removes only svcc's chains and jump rules", async () => {
      const ns = await newNetns()
      await inNetns(ns, ['iptables-restore', '--noflush'], '*nat\n:KUBE-SERVICES - [0:0]\nCOMMIT\n*filter\n:MY-CHAIN - [0:0]\n-A INPUT -j MY-CHAIN\nCOMMIT\n')
      const refused = await apply(ns, compiled('iptables'))
      expect(!refused.ok && refused.problems[0]).toMatchObject({ kind: 'not-owned', objects: ['iptables nat KUBE-SERVICES'] })

      expect(await apply(ns, compiled('iptables'), { force: true })).toMatchObject({ ok: true })
      expect(await deleteOwned({ runner, target: netns(ns) })).toMatchObject({ ok: true, value: expect.stringContaining('iptables IPv4 filter (6 chains, 11 jump rules), nat (6 chains, 3 jump rules)') })
      const left = await saved(ns)
      expect(left).not.toContain('KUBE-')
      expect(left).not.toContain('SVCC-OWNED')
      expect(left).toContain('-A INPUT -j MY-CHAIN')
    })

    it('applies an IPv6 ruleset with ip6tables-restore', async () => {
      const ns = await newNetns()
      const yaml = serviceYaml('web', 'fd00:30::10', 'fd00:10::5').replace('addressType: IPv4', 'addressType: IPv6')
      const rulesets = compiled('iptables', yaml, { nodeName: 'node-a', nodeIPs: ['fd00::2'], clusterCIDRs: ['fd00:10::/64'] })
      expect(await apply(ns, rulesets)).toMatchObject({ ok: true, value: expect.stringContaining('IPv6 filter+nat restored, 14 jump rules inserted') })
      expect(await saved(ns, 'ip6tables-save')).toContain('--to-destination [fd00:10::5]:8080')
      expect(await deleteOwned({ runner, target: netns(ns), formats: ['iptables'] })).toMatchObject({ ok: true })
      expect(await saved(ns, 'ip6tables-save')).not.toContain('KUBE-')
    })
  })

  it('runs end to end through the apply command', async () => {
    const ns = await newNetns()
    const io = memoryIo({ 'shop.yaml': serviceYaml() })
    const code = await applyCommand(['shop.yaml'], { format: 'nft', nodeName: 'node-a', nodeIp: ['192.168.0.2'], netns: ns }, io, runner)
    expect(io.err()).toMatch(new RegExp(`applied nft ruleset to netns ${ns}: replaced table ip kube-proxy in one transaction \\(\\d+ ms\\)\\n$`))
    expect(code).toBe(0)
  })
})
