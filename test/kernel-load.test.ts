// Every golden ruleset is loaded by the real kernel tools in a throwaway namespace: nft and iptables-restore are the judges of syntax.
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { inFreshNetns, IS_ROOT, warnIfNotRoot } from './helpers/kernel.ts'

const root = fileURLToPath(new URL('..', import.meta.url))
const golden = (...p: string[]) => `${root}golden/cases/${p.join('/')}`
const cases = readdirSync(`${root}golden/cases`).sort()
const withFile = (file: string) => cases.filter((c) => existsSync(golden(c, file)))

const scratch = mkdtempSync(join(tmpdir(), 'svcc-load-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

warnIfNotRoot('loading every golden ruleset into the kernel')

describe.skipIf(!IS_ROOT)('nft goldens in the kernel', () => {
  it('has nft goldens to load', () => expect(withFile('ruleset.nft').length).toBeGreaterThan(0))

  it.each(withFile('ruleset.nft'))('%s: loads, reloads to the same ruleset, and leaves a foreign table alone', (name) => {
    const r = inFreshNetns(
      [
        // A table svcc does not own, with a rule in it: it must survive untouched.
        'nft add table inet other',
        "nft add chain inet other input '{ type filter hook input priority 0 ; }'",
        'nft add rule inet other input tcp dport 9999 counter drop',
        'nft list table inet other > "$TMPDIR/other.before"',
        'nft -f "$RULES"',
        'nft list ruleset > "$TMPDIR/first"',
        'nft -f "$RULES"',
        'nft list ruleset > "$TMPDIR/second"',
        'cmp "$TMPDIR/first" "$TMPDIR/second"',
        'nft list table inet other | cmp - "$TMPDIR/other.before"',
        'nft list tables',
      ].join('\n'),
      { RULES: golden(name, 'ruleset.nft'), TMPDIR: mkdtempSync(join(scratch, 'case-')) },
    )
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('table inet other')
    expect(r.stdout).toContain('table ip')
  })
})

describe.skipIf(!IS_ROOT)('iptables goldens in the kernel', () => {
  const files = [...withFile('iptables.rules').map((c) => [c, 'iptables.rules', 'iptables-restore']), ...withFile('ip6tables.rules').map((c) => [c, 'ip6tables.rules', 'ip6tables-restore'])]

  it.each(files)('%s/%s loads with %s', (name, file, tool) => {
    const r = inFreshNetns(
      [
        // kube-proxy's nfacct matches need their counters to exist.
        'nfacct add ct_state_invalid_dropped_pkts >/dev/null',
        'nfacct add localhost_nps_accepted_pkts >/dev/null',
        `${tool} --noflush < "$RULES"`,
        `${tool.replace('-restore', '-save')} | grep -c '^-A KUBE-' || true`,
      ].join('\n'),
      { RULES: golden(name, file) },
    )
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(Number(r.stdout.trim())).toBeGreaterThan(0)
  })
})

