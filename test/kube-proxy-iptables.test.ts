// kube-proxy's own full-sync iptables test outputs, reproduced byte for byte.
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { compile } from '../src/compile.ts'
import { renderIptables } from '../src/render/iptables/render.ts'
import { IPTABLES_HARNESS, withRealMark } from './helpers/kube-proxy-harness.ts'

const root = fileURLToPath(new URL('..', import.meta.url))
const read = (path: string) => readFileSync(`${root}${path}`, 'utf8')

/**
 * Step 09 deletes svc4's chains left by earlier syncs: two declarations and two "-X" lines
 * (its YAML header names them). A compiler has no earlier state, so they are not expected.
 */
const STALE_CHAIN_LINES = /^(:KUBE-SEP-AYCN5HPXMIRJNJXU - \[0:0\]|:KUBE-SVC-4SW47YFZTEDKD3PK - \[0:0\]|-X KUBE-SEP-AYCN5HPXMIRJNJXU|-X KUBE-SVC-4SW47YFZTEDKD3PK)$/

const CASES = [
  'TestOverallIPTablesRules',
  'TestBadIPs',
  'TestSyncProxyRulesRepeated-01-initial',
  'TestSyncProxyRulesRepeated-09-full-resync-after-failed-partial',
]

function expected(name: string): string {
  const text = withRealMark(read(`golden/kube-proxy/iptables/${name}.txt`))
  if (!name.includes('-09-')) return text
  const lines = text.split('\n')
  const kept = lines.filter((l) => !STALE_CHAIN_LINES.test(l))
  expect(lines.length - kept.length, 'the four stale-chain lines of step 09').toBe(4)
  return kept.join('\n')
}

describe.each(CASES)('%s', (name) => {
  it('compiles to kube-proxy’s expected iptables-restore text, byte for byte', () => {
    const result = compile([{ path: `${name}.yaml`, text: read(`fixtures/kube-proxy/iptables/${name}.yaml`) }], {
      format: 'iptables',
      settings: IPTABLES_HARNESS,
    })
    expect(result.ok, JSON.stringify(result.diagnostics)).toBe(true)
    if (!result.ok) return
    const ipv4 = result.plan.families.find((f) => f.family === 'ipv4')!
    expect(renderIptables(ipv4).text).toBe(expected(name))
  })
})
