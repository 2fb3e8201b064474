// `svcc delete` against a scripted Runner: only marked tables and svcc's chains go, with their jump rules.
import { describe, expect, it } from 'vitest'
import { deleteOwned, deletePayload, type DeleteOptions } from '../../src/apply/delete.ts'
import { parseIptablesSave } from '../../src/apply/iptables-save.ts'
import { enoent, fails, fakeRunner, netnsArgv, ok, type ExpectedCall } from '../helpers/fake-runner.ts'
import { FILTER_JUMPS, NAT_JUMPS, savedSvccState } from './payload-helpers.ts'

const blue = { kind: 'netns', name: 'blue' } as const
const listed: ExpectedCall = { argv: ['ip', 'netns', 'list'], result: ok('blue\n') }
const OWNED_NFT = 'table ip kube-proxy {\n\tchain services {\n\t}\n\tchain svcc-owned {\n\t}\n}\ntable ip other {\n}\n'

async function run(calls: readonly ExpectedCall[], options: Partial<DeleteOptions> = {}) {
  const runner = fakeRunner(calls)
  const outcome = await deleteOwned({ runner, target: blue, now: () => 0, ...options })
  runner.assertDone()
  return outcome
}

const svccSaved = savedSvccState(['KUBE-SEP-AAAAAAAAAAAAAAAA', 'KUBE-SVC-BBBBBBBBBBBBBBBB'])
const iptablesDelete = `*filter
${FILTER_JUMPS.map((l) => l.replace(/^-I /, '-D ')).join('\n')}
:KUBE-EXTERNAL-SERVICES - [0:0]
:KUBE-FIREWALL - [0:0]
:KUBE-FORWARD - [0:0]
:KUBE-NODEPORTS - [0:0]
:KUBE-PROXY-FIREWALL - [0:0]
:KUBE-SERVICES - [0:0]
:SVCC-OWNED - [0:0]
-X KUBE-EXTERNAL-SERVICES
-X KUBE-FIREWALL
-X KUBE-FORWARD
-X KUBE-NODEPORTS
-X KUBE-PROXY-FIREWALL
-X KUBE-SERVICES
-X SVCC-OWNED
COMMIT
*nat
${NAT_JUMPS.map((l) => l.replace(/^-I /, '-D ')).join('\n')}
:KUBE-MARK-MASQ - [0:0]
:KUBE-NODEPORTS - [0:0]
:KUBE-POSTROUTING - [0:0]
:KUBE-SEP-AAAAAAAAAAAAAAAA - [0:0]
:KUBE-SERVICES - [0:0]
:KUBE-SVC-BBBBBBBBBBBBBBBB - [0:0]
:SVCC-OWNED - [0:0]
-X KUBE-MARK-MASQ
-X KUBE-NODEPORTS
-X KUBE-POSTROUTING
-X KUBE-SEP-AAAAAAAAAAAAAAAA
-X KUBE-SERVICES
-X KUBE-SVC-BBBBBBBBBBBBBBBB
-X SVCC-OWNED
COMMIT
`

describe('svcc delete', () => {
  it("removes svcc's nft tables and iptables chains with their jump rules, one transaction per tool and table", async () => {
    const outcome = await run([
      listed,
      { argv: netnsArgv('blue', 'nft', 'list', 'chains'), result: ok(OWNED_NFT) },
      { argv: netnsArgv('blue', 'nft', '-f', '-'), input: 'delete table ip kube-proxy\n' },
      { argv: netnsArgv('blue', 'iptables-save'), result: ok(svccSaved) },
      { argv: netnsArgv('blue', 'iptables-restore', '--noflush'), input: iptablesDelete },
      { argv: netnsArgv('blue', 'ip6tables-save'), result: ok('') },
    ])
    expect(outcome).toEqual({
      ok: true,
      value: "deleted svcc's rules from netns blue: table ip kube-proxy; iptables IPv4 filter (6 chains, 11 jump rules), nat (6 chains, 3 jump rules) (0 ms)",
    })
  })

  it('leaves kube-proxy objects svcc did not write alone, and says so', async () => {
    const foreignSave = '*filter\n:INPUT ACCEPT [0:0]\n:KUBE-SERVICES - [0:0]\n-A INPUT -j KUBE-SERVICES\nCOMMIT\n'
    const outcome = await run([
      listed,
      { argv: netnsArgv('blue', 'nft', 'list', 'chains'), result: ok('table ip6 kube-proxy {\n\tchain services {\n\t}\n}\n') },
      { argv: netnsArgv('blue', 'iptables-save'), result: ok(foreignSave) },
      { argv: netnsArgv('blue', 'ip6tables-save'), result: ok('') },
    ])
    expect(outcome.ok && outcome.value).toBe(
      "nothing of svcc's to delete in netns blue; left alone (not written by svcc): table ip6 kube-proxy, iptables filter KUBE-SERVICES (0 ms)",
    )
  })

  it('skips a format whose tool is not installed, unless that format was asked for', async () => {
    const outcome = await run([
      listed,
      { argv: netnsArgv('blue', 'nft', 'list', 'chains'), result: fails(1, 'exec of "nft" failed: No such file or directory\n') },
      { argv: netnsArgv('blue', 'iptables-save'), result: ok('') },
      { argv: netnsArgv('blue', 'ip6tables-save'), result: ok('') },
    ])
    expect(outcome.ok && outcome.value).toBe("nothing of svcc's to delete in netns blue; skipped (not installed): nft (0 ms)")

    const strict = await run([{ argv: ['nft', 'list', 'chains'], result: enoent }], { formats: ['nft'], target: { kind: 'host' } })
    expect(!strict.ok && strict.problems[0]).toMatchObject({ diagnostic: { code: 'APPLY_COMMAND_NOT_FOUND', message: 'nft not found: install nftables, or compile with --format iptables' } })
  })

  it('reports a chain it cannot remove (a foreign chain still jumps to it) and the table stays as it was', async () => {
    const saved = svccSaved.replace(':SVCC-OWNED - [0:0]\n-A OUTPUT', ':SVCC-OWNED - [0:0]\n:MY-CHAIN - [0:0]\n-A MY-CHAIN -j KUBE-SERVICES\n-A OUTPUT')
    expect(saved).toContain('-A MY-CHAIN -j KUBE-SERVICES')
    const payload = iptablesDelete
    const line = payload.split('\n').lastIndexOf('-X KUBE-SERVICES') + 1
    const outcome = await run(
      [
        listed,
        { argv: netnsArgv('blue', 'iptables-save'), result: ok(saved) },
        { argv: netnsArgv('blue', 'iptables-restore', '--noflush'), input: payload, result: fails(4, `iptables-restore v1.8.9 (nf_tables): \nline ${line}: CHAIN_USER_DEL failed (Device or resource busy): chain KUBE-SERVICES\n`) },
      ],
      { formats: ['iptables'] },
    )
    expect(!outcome.ok && outcome.problems[0]).toMatchObject({
      diagnostic: { code: 'APPLY_REJECTED', file: 'netns blue', message: 'iptables-restore rejected a line svcc apply added (chain removal): CHAIN_USER_DEL failed (Device or resource busy): chain KUBE-SERVICES' },
    })
  })
})

describe('deletePayload', () => {
  it('removes every jump into an owned chain from the built-in chains, duplicates included, but touches no foreign chain', () => {
    const saved = parseIptablesSave(
      '*nat\n:PREROUTING ACCEPT [0:0]\n:KUBE-SERVICES - [0:0]\n:SVCC-OWNED - [0:0]\n:MINE - [0:0]\n-A PREROUTING -j KUBE-SERVICES\n-A PREROUTING -j KUBE-SERVICES\n-A PREROUTING -j MINE\n-A MINE -j ACCEPT\nCOMMIT\n',
      'nat',
    )
    const { payload } = deletePayload(new Map([['nat', saved]]))
    expect(payload.map((l) => l.text)).toEqual([
      '*nat',
      '-D PREROUTING -j KUBE-SERVICES',
      '-D PREROUTING -j KUBE-SERVICES',
      ':KUBE-SERVICES - [0:0]',
      ':SVCC-OWNED - [0:0]',
      '-X KUBE-SERVICES',
      '-X SVCC-OWNED',
      'COMMIT',
    ])
  })
})
