// A probe's packet through `svcc trace` (traceRendered), on the very ruleset text the node was loaded with.
import type { Plan } from '../../src/plan/types.ts'
import { annotateWithPlan, traceRendered, type TracePacket, type TraceResult } from '../../src/trace/index.ts'
import type { RenderedRules } from './load.ts'
import { canonical, NODE_LOCAL_IPS } from './topology.ts'

export interface ProbePacket {
  readonly from: string
  readonly to: string
  readonly port: number
  readonly protocol?: 'TCP' | 'UDP'
}

export interface ProbeTrace {
  readonly result: TraceResult
}

export type Tracer = (probe: ProbePacket) => ProbeTrace

/**
 * Traces probes through `rules` as `svcc trace` does, labels from `plan` included (nft: the
 * whole file, either profile; iptables: the payload of the probe's family, or nothing when
 * there is none, as the node then has no rules for that family), with the lab node's own
 * addresses as local. Every variant is traced on the text that was loaded: a tracer error is a
 * failure, never a reason to trace some other text.
 */
export function tracerFor(rules: RenderedRules, plan: Plan): Tracer {
  return (probe) => {
    const packet: TracePacket = { source: canonical(probe.from), destination: canonical(probe.to), port: probe.port, protocol: probe.protocol === 'UDP' ? 'udp' : 'tcp' }
    const options = { localIps: NODE_LOCAL_IPS }
    if (rules.format === 'iptables') {
      const family = packet.destination.includes(':') ? 'ipv6' : 'ipv4'
      const text = rules.families.find((f) => f.family === family)?.rendered.text ?? ''
      return { result: annotateWithPlan(traceRendered('iptables', text, packet, options), plan) }
    }
    return { result: annotateWithPlan(traceRendered('nft', rules.rendered.text, packet, options), plan) }
  }
}
