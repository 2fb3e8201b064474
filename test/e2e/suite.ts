// One vitest suite per lab: build it once, run every case in both formats, tear it down whatever happens.
import { afterAll, beforeAll, describe, it } from 'vitest'
import { labSpecFor, runCase, type LabCase, type Loader } from './case.ts'
import { announceSkip, labAvailability } from './guard.ts'
import { Lab } from './lab.ts'
import type { Format } from './load.ts'

export const FORMATS: readonly Format[] = ['nft', 'iptables']

export interface LabSuite {
  readonly title: string
  /** Namespace tag, unique per test file (see Lab.create). */
  readonly tag: string
  readonly cases: readonly LabCase[]
  readonly loader: Loader
  /** More tests in the same describe, after the cases; they get the live lab. */
  readonly extra?: (lab: () => Lab) => void
}

export type Tally = Map<Format, { ran: number; skipped: number }>

/**
 * Registers the suite and returns the per-format probe counts, filled in as cases run. Cases run
 * one after the other (one ruleset in the node at a time), all of nft first, then all of iptables.
 */
export function describeLab(suite: LabSuite): Tally {
  const tally: Tally = new Map(FORMATS.map((f) => [f, { ran: 0, skipped: 0 }]))
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
      const counts = FORMATS.map((f) => `${f} ${tally.get(f)!.ran} (${tally.get(f)!.skipped} skipped)`).join(', ')
      process.stderr.write(`${suite.title}: probes sent through the kernel: ${counts}\n`)
    })

    for (const format of FORMATS)
      describe(format, () => {
        for (const c of suite.cases)
          it(c.name, async () => {
            const outcome = await runCase(live(), c, format, suite.loader)
            const t = tally.get(format)!
            t.ran += outcome.ran
            t.skipped += outcome.skipped.length
            if (outcome.failures.length > 0) throw new Error(`${format} ${c.name}:\n  ${outcome.failures.join('\n  ')}`)
          })
      })

    suite.extra?.(live)
  })
  return tally
}
