// svcc's applier judged by traffic: a rejected update leaves the old rules working, and foreign rules survive apply and delete.
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { deleteOwned } from '../../src/apply/delete.ts'
import { execaRunner } from '../../src/apply/runner.ts'
import { applyCommand } from '../../src/cli/commands/apply.ts'
import type { Rendered } from '../../src/render/line-writer.ts'
import { captureIo } from '../helpers/memory-io.ts'
import { planFor, render, sendProbes, type LabCase, type LabProbe } from './case.ts'
import { reach, unrouted } from './expect.ts'
import type { Lab } from './lab.ts'
import { applyToNode, describeProblems, type Format, type RenderedRules } from './load.ts'
import { describeLab, FORMATS } from './suite.ts'
import { EXTERNAL_CLIENT, NODE_IP, POD_CLIENT } from './topology.ts'
import { tracerFor } from './traced.ts'

const SETTINGS = { nodeName: 'node-a', nodeIPs: [NODE_IP], clusterCIDRs: ['10.0.0.0/8'] }
const fixturePath = (name: string) => fileURLToPath(new URL(`../../fixtures/e2e/${name}.yaml`, import.meta.url))
const fixture = (name: string) => [{ path: `fixtures/e2e/${name}.yaml`, text: readFileSync(fixturePath(name), 'utf8') }]

const toV1: LabProbe = { name: 'shop/app on its first endpoints', from: POD_CLIENT, to: '10.96.10.10', port: 80, expect: reach(['10.244.1.1:8080', '10.244.2.1:8080'], false) }
const toV2: LabProbe = { ...toV1, name: 'shop/app on its new endpoint', expect: reach(['10.244.1.2:8080'], false) }
const gone: LabProbe = { ...toV1, name: 'shop/app after svcc delete', expect: unrouted }
/** Rules svcc never wrote: an nft table and an iptables chain, each DNATing its own address. */
const FOREIGN = 'a foreign table decides it, which is no svcc ruleset'
const viaForeignNft: LabProbe = { name: 'the foreign nft table', from: EXTERNAL_CLIENT, to: '198.18.9.9', port: 80, expect: reach(['10.244.1.1:8080'], false), untraced: FOREIGN }
const viaForeignChain: LabProbe = { name: 'the foreign iptables chain', from: EXTERNAL_CLIENT, to: '198.18.9.10', port: 80, expect: reach(['10.244.2.1:8080'], false), untraced: FOREIGN }

const V1: LabCase = { name: 'applier-v1', sources: fixture('applier-v1'), settings: SETTINGS, probes: [toV1] }
const V2: LabCase = { name: 'applier-v2', sources: fixture('applier-v2'), settings: SETTINGS, probes: [toV2] }

const FOREIGN_NFT = `add table ip lab-foreign
add chain ip lab-foreign pre { type nat hook prerouting priority -50 ; }
add rule ip lab-foreign pre ip daddr 198.18.9.9 tcp dport 80 dnat to 10.244.1.1:8080
`
const FOREIGN_IPTABLES = [
  'iptables -t nat -N LAB-FOREIGN',
  'iptables -t nat -A LAB-FOREIGN -d 198.18.9.10 -p tcp --dport 80 -j DNAT --to-destination 10.244.2.1:8080',
  'iptables -t nat -A PREROUTING -j LAB-FOREIGN',
].join(' && ')

/** Per format: probes the scenarios sent, and how many of them `svcc trace` was compared on. */
const counts = new Map(FORMATS.map((f) => [f, { sent: 0, compared: 0, untraced: 0 }]))

/** svcc's rules as the node holds them after `svcc delete`: none, for either format. */
const NOTHING: Record<Format, RenderedRules> = {
  nft: { format: 'nft', variant: 'nft', rendered: { text: '', origins: [] } },
  iptables: { format: 'iptables', variant: 'iptables', families: [] },
}

/**
 * Sends the probes on a fresh conntrack table (what changed must show at once) and returns what
 * went wrong: against the expectations, and `svcc trace` on `loaded` (what the node holds of
 * svcc's) against the kernel.
 */
async function traffic(lab: Lab, format: Format, probes: readonly LabProbe[], loaded: RenderedRules, plan = planFor(V1, format)): Promise<string[]> {
  await lab.flushConntrack()
  const report = await sendProbes(lab, probes, format, tracerFor(loaded, plan))
  const c = counts.get(format)!
  c.sent += probes.length
  c.compared += report.traced.loaded
  c.untraced += report.traced.untraced
  return [...report.failures, ...report.disagreements]
}

/** The foreign objects as the tools list them, to compare before and after. */
async function foreignState(lab: Lab): Promise<string> {
  const out = await lab.shell(lab.node, 'nft list table ip lab-foreign; iptables-save -t nat | grep -e LAB-FOREIGN')
  return out.stdout
}

/** A copy of the ruleset that the kernel tool rejects, every line keeping its origin. */
function broken(rules: RenderedRules): RenderedRules {
  const spoil = (r: Rendered, find: RegExp, replace: string): Rendered => {
    if (!find.test(r.text)) throw new Error(`nothing to break: no line matches ${find}`)
    return { ...r, text: r.text.replace(find, replace) }
  }
  if (rules.format === 'nft') return { ...rules, rendered: spoil(rules.rendered, /dnat to 10\.244\.1\.2:8080/, 'dnat to 10.244.1.2:80800') }
  // A jump to a chain the payload never declares: iptables-restore refuses the whole table.
  return { ...rules, families: rules.families.map((f) => (f.family === 'ipv4' ? { ...f, rendered: spoil(f.rendered, /-j KUBE-SEP-[A-Z2-7]{16}$/m, '-j KUBE-SEP-AAAAAAAAAAAAAAAA') } : f)) }
}

describeLab({
  title: 'e2e: svcc apply and delete, judged by traffic',
  tag: 'applier',
  cases: [V1, V2],
  loader: async (lab, rules) => {
    await lab.resetNetfilter()
    const outcome = await applyToNode(lab, rules, lab.guard(execaRunner))
    if (!outcome.ok) throw new Error(describeProblems(outcome.problems))
    return rules
  },
  extra: (live) => {
    for (const format of FORMATS)
      describe(`${format} scenarios`, () => {
        it('keeps the old rules carrying traffic when an update is rejected, then takes a good update', async () => {
          const lab = live()
          await lab.resetNetfilter()
          const v1 = render(planFor(V1, format), format)
          const v2 = render(planFor(V2, format), format)
          expect(await applyToNode(lab, v1, lab.guard(execaRunner))).toMatchObject({ ok: true })
          expect(await traffic(lab, format, [toV1], v1)).toEqual([])

          // The node keeps v1, so v1 is what trace reads.
          const refused = await applyToNode(lab, broken(v2), lab.guard(execaRunner))
          expect(refused.ok, 'the broken ruleset must be refused').toBe(false)
          expect(await traffic(lab, format, [toV1], v1)).toEqual([])

          // The same through `svcc apply` with manifests that do not compile: exit 1, node untouched.
          const io = captureIo()
          const flags = { format, nodeName: 'node-a', nodeIp: [NODE_IP], clusterCidr: ['10.0.0.0/8'], netns: lab.node }
          expect(await applyCommand([fixturePath('applier-broken')], flags, io, lab.guard(execaRunner))).toBe(1)
          expect(io.err()).toContain('10.244.1.300')
          expect(await traffic(lab, format, [toV1], v1)).toEqual([])

          expect(await applyToNode(lab, v2, lab.guard(execaRunner))).toMatchObject({ ok: true })
          expect(await traffic(lab, format, [toV2], v2, planFor(V2, format))).toEqual([])
        })

        it('leaves a foreign nft table and a foreign iptables chain untouched through apply and delete', async () => {
          const lab = live()
          await lab.resetNetfilter()
          await lab.shell(lab.node, `nft -f - && ${FOREIGN_IPTABLES}`, FOREIGN_NFT)
          const before = await foreignState(lab)
          expect(before).toContain('LAB-FOREIGN')
          expect(before).toContain('198.18.9.9')

          const v1 = render(planFor(V1, format), format)
          const applied = await applyToNode(lab, v1, lab.guard(execaRunner))
          expect(applied.ok, applied.ok ? '' : describeProblems(applied.problems)).toBe(true)
          expect(await traffic(lab, format, [toV1, viaForeignNft, viaForeignChain], v1)).toEqual([])
          expect(await foreignState(lab)).toBe(before)

          const deleted = await deleteOwned({ runner: lab.guard(execaRunner), target: { kind: 'netns', name: lab.node }, formats: [format] })
          expect(deleted.ok, deleted.ok ? '' : describeProblems(deleted.problems)).toBe(true)
          expect(await traffic(lab, format, [gone, viaForeignNft, viaForeignChain], NOTHING[format])).toEqual([])
          expect(await foreignState(lab)).toBe(before)
        })
      })

    it('compared svcc trace with the kernel on every scenario probe of svcc rules', () => {
      for (const format of FORMATS) {
        const c = counts.get(format)!
        process.stderr.write(`e2e applier scenarios (${format}): ${c.sent} probes sent, svcc trace compared on ${c.compared}, ${c.untraced} untraced (foreign tables)\n`)
        expect({ format, compared: c.compared }).toEqual({ format, compared: c.sent - c.untraced })
        expect(c.compared).toBeGreaterThan(0)
      }
    })
  },
})
