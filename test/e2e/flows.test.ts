// kube-proxy's packet-flow table (239 checks), sent as real packets through svcc's rules in a lab of network namespaces.
import { expect, it } from 'vitest'
import { loadFlowTable } from './flows.ts'
import { applierLoader } from './load.ts'
import { describeLab, VARIANTS } from './suite.ts'

/** proxier_test.go's total, and how many of them real packets cannot reproduce (see flows.ts skipReason). */
const EXPECTED_FLOWS = 239
const EXPECTED_SKIPPED = 3
const SENT = EXPECTED_FLOWS - EXPECTED_SKIPPED

const table = loadFlowTable()

const tally = describeLab({
  title: 'e2e: kube-proxy packet flows through the kernel',
  tag: 'flows',
  cases: table.cases,
  loader: applierLoader,
  extra: () => {
    it(`sent ${SENT} of the ${EXPECTED_FLOWS} flows per variant (${EXPECTED_SKIPPED} cannot be real packets), each also through svcc trace`, () => {
      expect(table.flowCount).toBe(EXPECTED_FLOWS)
      for (const variant of VARIANTS) {
        const t = tally.get(variant)!
        expect({ variant, ran: t.ran, skipped: t.skipped, traced: t.loaded, untraced: t.untraced }).toEqual({ variant, ran: SENT, skipped: EXPECTED_SKIPPED, traced: SENT, untraced: 0 })
      }
    })
  },
})
