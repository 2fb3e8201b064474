// A probe's packet through `svcc trace` (traceRendered), on the very ruleset text the node was loaded with.
import type { Plan } from '../../src/plan/types.ts'
import { renderNft } from '../../src/render/nft/render.ts'
import { traceRendered, type TracePacket, type TraceResult } from '../../src/trace/index.ts'
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
  /**
   * `loaded`: the text the node was loaded with. `reference`: renderNft's text for the same plan,
   * for an nft-fast ruleset the tracer cannot read (`why` is the tracer's error).
   */
  readonly text: 'loaded' | 'reference'
  readonly why?: string
}

export type Tracer = (probe: ProbePacket) => ProbeTrace

/**
 * Traces probes through `rules` (nft: the whole file; iptables: the payload of the probe's
 * family, or nothing when there is none, as the node then has no rules for that family), with
 * the lab node's own addresses as local. Only an nft-fast ruleset falls back to the reference
 * text, and only when the tracer refuses the fast shape: anything else that throws is a failure.
 */
export function tracerFor(rules: RenderedRules, plan: Plan): Tracer {
  let reference: string | undefined
  return (probe) => {
    const packet: TracePacket = { source: canonical(probe.from), destination: canonical(probe.to), port: probe.port, protocol: probe.protocol === 'UDP' ? 'udp' : 'tcp' }
    const options = { localIps: NODE_LOCAL_IPS }
    if (rules.format === 'iptables') {
      const family = packet.destination.includes(':') ? 'ipv6' : 'ipv4'
      const text = rules.families.find((f) => f.family === family)?.rendered.text ?? ''
      return { result: traceRendered('iptables', text, packet, options), text: 'loaded' }
    }
    try {
      return { result: traceRendered('nft', rules.rendered.text, packet, options), text: 'loaded' }
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e)
      if (rules.variant !== 'nft-fast' || !why.startsWith('nft-trace:')) throw e
      reference ??= renderNft(plan).text
      return { result: traceRendered('nft', reference, packet, options), text: 'reference', why: why.split('\n')[0]! }
    }
  }
}
