// The hand-written matrix (cases.ts), each case loaded in every variant and judged by real packets (and svcc trace against them).
import { describe, expect, it } from 'vitest'
import { planFor, render, runCase, type Loader } from './case.ts'
import { MATRIX } from './cases.ts'
import { applierLoader, type Format, type RenderedRules } from './load.ts'
import { compareTrace } from './observe.ts'
import { describeLab } from './suite.ts'
import { tracerFor } from './traced.ts'

/** The loader, after spoiling one line of the IPv4 ruleset: a hand-made svcc bug. */
function spoiled(find: RegExp, replace: string): Loader {
  const fix = (text: string) => {
    if (!find.test(text)) throw new Error(`nothing to spoil: no line matches ${find}`)
    return text.replace(find, replace)
  }
  return (lab, rules) => {
    const r: RenderedRules =
      rules.format === 'nft'
        ? { ...rules, rendered: { ...rules.rendered, text: fix(rules.rendered.text) } }
        : { ...rules, families: rules.families.map((f) => (f.family === 'ipv4' ? { ...f, rendered: { ...f.rendered, text: fix(f.rendered.text) } } : f)) }
    return applierLoader(lab, r)
  }
}

/** Bugs the lab must notice, so a passing run means the kernel really judged something. */
const BUGS: readonly { name: string; format: Format; find: RegExp; replace: string; failing: readonly string[] }[] = [
  {
    name: 'no hairpin entry for the local endpoint',
    format: 'nft',
    find: /^add element ip kube-proxy hairpin-connections \{ 10\.244\.1\.3 .*$/m,
    replace: '',
    failing: ['a pod reaching itself through its Service (hairpin) is masqueraded'],
  },
  {
    name: 'a skewed probability (0.9 for the first of three endpoints)',
    format: 'iptables',
    find: /--probability 0\.3333333333/,
    replace: '--probability 0.9000000000',
    failing: ['a pod spreads over the ready endpoints only, unmasqueraded'],
  },
]

describeLab({
  title: 'e2e: service matrix through the kernel',
  tag: 'matrix',
  cases: MATRIX,
  loader: applierLoader,
  extra: (live) => {
    describe('the lab notices broken rules, and svcc trace reading them agrees with the kernel', () => {
      const spread = MATRIX.find((c) => c.name === 'clusterip-spread')!
      for (const bug of BUGS)
        it(`${bug.format}: ${bug.name}`, async () => {
          const outcome = await runCase(live(), spread, bug.format, spoiled(bug.find, bug.replace))
          const failed = outcome.failures.map((f) => f.slice(0, f.indexOf(' [')))
          for (const probe of bug.failing) expect(failed).toContain(probe)
          // svcc trace reads the spoiled text, so it must see the same bug the kernel shows…
          expect(outcome.disagreements).toEqual([])
          expect(outcome.traced.loaded).toBe(outcome.ran)
          // …and trace of the unspoiled text must disagree with the kernel where the bug shows, and nowhere else.
          const plan = planFor(spread, bug.format)
          const clean = tracerFor(render(plan, bug.format), plan)
          const disagreeing = outcome.observed.filter((o) => compareTrace(o.observation, clean(o.probe).result).problems.length > 0).map((o) => o.probe.name)
          for (const probe of bug.failing) expect(disagreeing).toContain(probe)
          for (const probe of disagreeing) expect(failed).toContain(probe)
        })
    })
  },
})
