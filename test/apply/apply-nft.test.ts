// The nft applier against a scripted Runner: one transaction, ownership mark, stale tables, --check, --rules files.
import { describe, expect, it } from 'vitest'
import { applyRulesets, type ApplyOptions } from '../../src/apply/apply.ts'
import { rulesetFromFile, type ApplyRuleset } from '../../src/apply/ruleset.ts'
import { fails, fakeRunner, netnsArgv, ok, type ExpectedCall } from '../helpers/fake-runner.ts'
import { compiled } from './fixtures.ts'

const blue = { kind: 'netns', name: 'blue' } as const
const listed: ExpectedCall = { argv: ['ip', 'netns', 'list'], result: ok('blue\n') }
const [nft] = compiled('nft') as [ApplyRuleset]
const text = nft.rendered.text
const listChains = (stdout: string): ExpectedCall => ({ argv: netnsArgv('blue', 'nft', 'list', 'chains'), result: ok(stdout) })
const load = (input: string, result = ok()): ExpectedCall => ({ argv: netnsArgv('blue', 'nft', '-f', '-'), input, result })
const OWNED_IP = 'table ip kube-proxy {\n\tchain services {\n\t}\n\tchain svcc-owned {\n\t}\n}\n'
const OWNED_IP6 = 'table ip6 kube-proxy {\n\tchain "svcc-owned" {\n\t}\n}\n'
const FOREIGN_IP = 'table ip kube-proxy {\n\tchain services {\n\t}\n}\n'
const OTHER = 'table ip other {\n\tchain svcc-owned {\n\t}\n}\ntable inet filter {\n\tchain input {\n\t\ttype filter hook input priority filter; policy accept;\n\t}\n}\n'

async function run(rulesets: readonly ApplyRuleset[], calls: readonly ExpectedCall[], options: Partial<ApplyOptions> = {}) {
  const runner = fakeRunner(calls)
  let t = 0
  const outcome = await applyRulesets(rulesets, { runner, target: blue, now: () => (t += 5), ...options })
  runner.assertDone()
  return outcome
}

describe('nft apply', () => {
  it('loads the rendered text plus the ownership mark as one nft -f transaction', async () => {
    const outcome = await run([nft], [listed, listChains(OTHER), load(`${text}add chain ip kube-proxy svcc-owned\n`)])
    expect(outcome).toEqual({ ok: true, value: 'applied nft ruleset to netns blue: replaced table ip kube-proxy in one transaction (5 ms)' })
  })

  it("deletes svcc's table of a family the ruleset no longer has, in the same transaction", async () => {
    const outcome = await run([nft], [listed, listChains(OWNED_IP + OWNED_IP6), load(`${text}add chain ip kube-proxy svcc-owned\ndelete table ip6 kube-proxy\n`)])
    expect(outcome.ok && outcome.value).toBe('applied nft ruleset to netns blue: replaced table ip kube-proxy, deleted stale table ip6 kube-proxy in one transaction (5 ms)')
  })

  it('refuses when a kube-proxy table without the mark exists, even of a family svcc would not write', async () => {
    for (const listing of [FOREIGN_IP, 'table ip6 kube-proxy {\n}\n']) {
      const outcome = await run([nft], [listed, listChains(listing)])
      expect(!outcome.ok && outcome.problems[0]).toMatchObject({ kind: 'not-owned' })
    }
    const outcome = await run([nft], [listed, listChains(FOREIGN_IP)])
    expect(!outcome.ok && outcome.problems).toEqual([
      {
        kind: 'not-owned',
        objects: ['table ip kube-proxy'],
        message: 'netns blue holds kube-proxy objects that svcc did not write (table ip kube-proxy); refusing to replace them: pass --force to take the tables over',
      },
    ])
  })

  it('with --force replaces a foreign table it writes and leaves a foreign table of another family alone', async () => {
    const outcome = await run([nft], [listed, listChains(`${FOREIGN_IP}table ip6 kube-proxy {\n}\n`), load(`${text}add chain ip kube-proxy svcc-owned\n`)], { force: true })
    expect(outcome.ok && outcome.value).toBe(
      'applied nft ruleset to netns blue: replaced table ip kube-proxy, took over table ip kube-proxy, table ip6 kube-proxy (--force) in one transaction (5 ms)',
    )
  })

  it('checks with nft -c against the live namespace and commits nothing', async () => {
    const outcome = await run(
      [nft],
      [listed, listChains(''), { argv: netnsArgv('blue', 'nft', '-c', '-f', '-'), input: `${text}add chain ip kube-proxy svcc-owned\n` }],
      { check: true },
    )
    expect(outcome.ok && outcome.value).toBe('checked nft ruleset against netns blue with nft --check: table ip kube-proxy accepted; nothing changed (5 ms)')
  })

  it("maps each nft error back to the manifest field of its line", async () => {
    const stderr =
      '/dev/stdin:45:70-83: Error: Could not process rule: No such file or directory\nadd rule ip kube-proxy service-KHN6ECMT-shop/web/tcp/http meta l4proto tcp dnat to 10.0.1.5:8080\n                                                                     ^^^^^^^^^^^^^^\n' +
      '/dev/stdin:2:1-26: Error: Could not process rule: No such file or directory\n'
    const outcome = await run([nft], [listed, listChains(''), load(`${text}add chain ip kube-proxy svcc-owned\n`, fails(1, stderr))])
    if (outcome.ok) throw new Error('expected a failure')
    expect(outcome.problems.map((p) => p.kind === 'diagnostic' && p.diagnostic)).toEqual([
      expect.objectContaining({
        file: 'shop.yaml',
        line: 9,
        path: ['spec', 'ports', 0],
        object: 'Service shop/web',
        message: 'nft rejected the rule made from this field (<nft ruleset> line 45): Could not process rule: No such file or directory',
      }),
      { severity: 'error', code: 'APPLY_REJECTED', file: '<nft ruleset>', line: 2, column: 1, length: 26, message: 'nft rejected line 2: Could not process rule: No such file or directory' },
    ])
  })

  it('reports a missing nft by name', async () => {
    const outcome = await run([nft], [listed, { argv: netnsArgv('blue', 'nft', 'list', 'chains'), result: fails(1, 'exec of "nft" failed: No such file or directory\n') }])
    expect(!outcome.ok && outcome.problems[0]).toMatchObject({ diagnostic: { code: 'APPLY_COMMAND_NOT_FOUND', message: 'nft not found: install nftables, or compile with --format iptables' } })
  })
})

describe('nft --rules files', () => {
  it('puts the add/delete pair in front of a file that does not replace its table, and keeps error lines in file terms', async () => {
    const file = 'table ip kube-proxy {\n\tchain services {\n\t\tbogus\n\t}\n}\n'
    const read = rulesetFromFile('rules.nft', file)
    if (!read.ok) throw new Error(read.message)
    const payload = `add table ip kube-proxy\ndelete table ip kube-proxy\n${file}add chain ip kube-proxy svcc-owned\n`
    const outcome = await run([read.ruleset], [listed, listChains(''), load(payload, fails(1, '/dev/stdin:5:3-7: Error: syntax error, unexpected string\n'))])
    expect(!outcome.ok && outcome.problems[0]).toMatchObject({
      diagnostic: { file: 'rules.nft', line: 3, column: 3, length: 5, message: 'nft rejected line 3: syntax error, unexpected string' },
    })
  })

  it('refuses a file that touches anything but the kube-proxy tables', async () => {
    const read = rulesetFromFile('rules.nft', 'add table ip kube-proxy\nadd table ip other\nflush ruleset\n')
    if (!read.ok) throw new Error(read.message)
    const outcome = await run([read.ruleset], [listed, listChains('')])
    expect(!outcome.ok && outcome.problems).toEqual([
      { kind: 'usage', message: 'rules.nft: line 2, 3: svcc applies only the ip and ip6 kube-proxy tables; this changes something else' },
    ])
  })
})
