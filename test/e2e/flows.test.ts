// kube-proxy's packet-flow table (239 checks), sent as real packets through svcc's rules in a lab of network namespaces.
import { expect, it } from 'vitest'
import { loadFlowTable } from './flows.ts'
import { applierLoader } from './load.ts'
import { describeLab, FORMATS } from './suite.ts'

/** proxier_test.go's total, and how many of them real packets cannot reproduce (see flows.ts skipReason). */
const EXPECTED_FLOWS = 239
const EXPECTED_SKIPPED = 3

const table = loadFlowTable()

const tally = describeLab({
  title: 'e2e: kube-proxy packet flows through the kernel',
  tag: 'flows',
  cases: table.cases,
  loader: applierLoader,
  extra: () => {
    it(`sent ${EXPECTED_FLOWS - EXPECTED_SKIPPED} of the ${EXPECTED_FLOWS} flows per format (${EXPECTED_SKIPPED} cannot be real packets)`, () => {
      expect(table.flowCount).toBe(EXPECTED_FLOWS)
      for (const format of FORMATS) expect({ format, ...tally.get(format) }).toEqual({ format, ran: EXPECTED_FLOWS - EXPECTED_SKIPPED, skipped: EXPECTED_SKIPPED })
    })
  },
})
