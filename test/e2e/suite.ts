// One vitest suite per lab: build it once, run every case in every variant, tear it down whatever happens.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { labSpecFor, runCase, type LabCase, type Loader, type TraceCount } from './case.ts'
import { announceSkip, labAvailability } from './guard.ts'
import { Lab } from './lab.ts'
import type { Variant } from './load.ts'

export const FORMATS = ['nft', 'iptables'] as const
/** Every ruleset shape the lab judges: kube-proxy's nft text, svcc's fast nft profile, iptables. nft-fast follows nft, so the applier replaces one profile with the other. */
export const VARIANTS: readonly Variant[] = ['nft', 'nft-fast', 'iptables']

export interface LabSuite {
  readonly title: string
  /** Namespace tag, unique per test file (see Lab.create). */
  readonly tag: string
  readonly cases: readonly LabCase[]
  readonly loader: Loader
  /** More tests in the same describe, after the cases; they get the live lab. */
  readonly extra?: (lab: () => Lab) => void
}

export type VariantTally = { -readonly [K in keyof TraceCount]: TraceCount[K] } & { ran: number; skipped: number }
export type Tally = Map<Variant, VariantTally>

/**
 * Registers the suite and returns the per-variant probe counts, filled in as cases run. Cases
 * run one after the other (one ruleset in the node at a time), variant by variant. The last test
 * fails when `svcc trace` was compared with the kernel on fewer probes than were sent.
 */
export function describeLab(suite: LabSuite): Tally {
  const tally: Tally = new Map(VARIANTS.map((v) => [v, { ran: 0, skipped: 0, loaded: 0, untraced: 0, sampled: 0 }]))
  const availability = labAvailability()
  announceSkip(suite.title, availability)

  describe.skipIf(!availability.ok)(suite.title, () => {
    let lab: Lab | undefined
    const live = (): Lab => {
      if (!lab) throw new Error('the lab was not built (see the beforeAll error)')
      return lab
    }

    beforeAll(async () => {
      lab = await Lab.create(labSpecFor(suite.tag, suite.cases, FORMATS))
    })

    afterAll(async () => {
      await lab?.destroy()
      const counts = VARIANTS.map((v) => {
        const t = tally.get(v)!
        return `${v} ${t.ran} (${t.skipped} skipped; svcc trace compared on ${t.loaded}, ${t.untraced} untraced, ${t.sampled} of them endpoint samples)`
      }).join(', ')
      process.stderr.write(`${suite.title}: probes sent through the kernel: ${counts}\n`)
    })

    for (const variant of VARIANTS)
      describe(variant, () => {
        for (const c of suite.cases)
          it(c.name, async () => {
            const outcome = await runCase(live(), c, variant, suite.loader)
            const t = tally.get(variant)!
            t.ran += outcome.ran
            t.skipped += outcome.skipped.length
            t.loaded += outcome.traced.loaded
            t.untraced += outcome.traced.untraced
            t.sampled += outcome.traced.sampled
            const wrong = [...outcome.failures, ...outcome.disagreements]
            if (wrong.length > 0) throw new Error(`${variant} ${c.name}:\n  ${wrong.join('\n  ')}`)
          })
      })

    suite.extra?.(live)

    it('compared svcc trace with the kernel on every probe it sent', () => {
      for (const variant of VARIANTS) {
        const t = tally.get(variant)!
        expect(t.loaded, `${variant}: probes compared with svcc trace on the loaded text`).toBe(t.ran - t.untraced)
      }
    })
  })
  return tally
}
