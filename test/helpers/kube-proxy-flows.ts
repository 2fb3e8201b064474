// kube-proxy's packet-flow cases (fixtures/kube-proxy/*/flows): their shape, loading, and their proxier settings as svcc settings.
import { readFileSync } from 'node:fs'
import { z } from 'zod'
import type { Format, SettingsInput } from '../../src/model/settings.ts'
import { IPTABLES_HARNESS, NFTABLES_HARNESS } from './kube-proxy-harness.ts'

/** Which kube-proxy test file a case comes from: pkg/proxy/iptables or pkg/proxy/nftables. */
export type FlowSuite = 'iptables' | 'nftables'

const settingsSchema = z.strictObject({
  family: z.enum(['IPv4', 'IPv6']),
  localhostNodePorts: z.boolean().optional(),
  nodePortAddresses: z.array(z.string()).nullable(),
  masqueradeAll: z.boolean(),
  localDetector: z.boolean(),
})
const flowSchema = z.strictObject({
  name: z.string(),
  sourceIP: z.string(),
  destIP: z.string(),
  destPort: z.number().int(),
  protocol: z.enum(['TCP', 'UDP', 'SCTP']).optional(),
  output: z.string(),
  masq: z.boolean(),
  note: z.string().optional(),
})
const caseSchema = z.strictObject({
  test: z.string(),
  subtest: z.string(),
  setup: z.string(),
  settings: settingsSchema,
  flows: z.array(flowSchema),
  section: z.string().optional(),
  // A transcription note on where the flow names came from.
  flowNames: z.string().optional(),
  overridesFromBase: z.array(z.string()).optional(),
})
const fileSchema = z.object({ source: z.string(), tracer: z.string(), cases: z.array(caseSchema) })

export type FlowSettings = z.infer<typeof settingsSchema>
export type Flow = z.infer<typeof flowSchema>
export type FlowCase = z.infer<typeof caseSchema>

export interface FlowTable {
  readonly cases: readonly FlowCase[]
  /** The text of a case's setup YAML. */
  readonly setup: (c: FlowCase) => string
}

export function flowsDir(suite: FlowSuite): URL {
  return new URL(`../../fixtures/kube-proxy/${suite}/flows/`, import.meta.url)
}

/** Validated against the shape above, so a malformed data change fails loudly. */
export function loadFlowTable(suite: FlowSuite): FlowTable {
  const dir = flowsDir(suite)
  const cases = fileSchema.parse(JSON.parse(readFileSync(new URL('flows.json', dir), 'utf8'))).cases
  return { cases, setup: (c) => readFileSync(new URL(c.setup, dir), 'utf8') }
}

/** "Test/subtest", or "Test" when there is no subtest. */
export function caseLabel(c: FlowCase): string {
  return c.subtest === '' ? c.test : `${c.test}/${c.subtest}`
}

/**
 * A case's proxier settings, on top of its own backend's unit-test node (NewFakeProxier).
 * Rendered in the other format it keeps that node, so both formats see one cluster; iptables'
 * default NodePort addresses are every local address and nft's only the primary IP, so an
 * iptables case without nodePortAddresses says "all" explicitly when rendered as nft.
 */
export function flowSettings(suite: FlowSuite, s: FlowSettings, format: Format): SettingsInput {
  return {
    ...(suite === 'iptables' ? IPTABLES_HARNESS : NFTABLES_HARNESS),
    ...(s.localhostNodePorts === undefined ? {} : { localhostNodePorts: s.localhostNodePorts }),
    masqueradeAll: s.masqueradeAll,
    ...(s.nodePortAddresses !== null
      ? { nodePortAddresses: s.nodePortAddresses }
      : suite === 'iptables' && format === 'nft'
        ? { nodePortAddresses: ['0.0.0.0/0', '::/0'] }
        : {}),
    // kube-proxy's "no LocalTrafficDetector" (NewNoOpLocalDetector) is svcc's detect-local mode None.
    ...(s.localDetector ? {} : { clusterCIDRs: [], detectLocalMode: 'None' as const }),
  }
}
