// kube-proxy's packet-flow table (flows.json) as lab cases: each setup becomes a lab, each flow a probe with real packets.
import { fileURLToPath } from 'node:url'
import type { SettingsInput } from '../../src/model/settings.ts'
import { IPTABLES_HARNESS, NFTABLES_HARNESS } from '../helpers/kube-proxy-harness.ts'
import { caseLabel, flowsDir, loadFlowTable as loadKubeProxyFlows, type Flow, type FlowSettings } from '../helpers/kube-proxy-flows.ts'
import { planFor, type LabCase, type LabProbe, type PerFormat } from './case.ts'
import { dropped, node, reach, refused, unrouted, type Expect } from './expect.ts'
import type { Format } from './load.ts'
import { canonical, isLoopback, isNodeAddress, NODE_IP, NODE_IP6, placeSource } from './topology.ts'

export interface FlowTable {
  readonly dir: string
  readonly cases: readonly LabCase[]
  readonly flowCount: number
}

export function loadFlowTable(): FlowTable {
  const table = loadKubeProxyFlows('iptables')
  const cases = table.cases.map((fc): LabCase => {
    const base: LabCase = {
      name: caseLabel(fc),
      sources: [{ path: `flows/${fc.setup}`, text: table.setup(fc) }],
      settings: (format) => settingsFor(fc.settings, format),
      probes: [],
    }
    return { ...base, probes: fc.flows.map((f) => probeFor(base, fc.settings, f)) }
  })
  return { dir: fileURLToPath(flowsDir('iptables')), cases, flowCount: table.cases.reduce((n, c) => n + c.flows.length, 0) }
}

/** The case's proxier settings on top of kube-proxy's unit-test node for that backend. */
function settingsFor(s: FlowSettings, format: Format): SettingsInput {
  return {
    ...(format === 'nft' ? NFTABLES_HARNESS : IPTABLES_HARNESS),
    ...(s.localhostNodePorts === undefined ? {} : { localhostNodePorts: s.localhostNodePorts }),
    masqueradeAll: s.masqueradeAll,
    ...(s.nodePortAddresses === null ? {} : { nodePortAddresses: s.nodePortAddresses }),
    // kube-proxy's "no LocalTrafficDetector" is svcc's detect-local mode None.
    ...(s.localDetector ? {} : { clusterCIDRs: [], detectLocalMode: 'None' as const }),
  }
}

function probeFor(c: LabCase, settings: FlowSettings, f: Flow): LabProbe {
  const probe = { name: f.name, from: f.sourceIP, to: f.destIP, port: f.destPort, ...(f.protocol === 'UDP' ? { protocol: 'UDP' as const } : {}) }
  const skip = skipReason(c, f)
  if (skip) return { ...probe, expect: unrouted, skip }
  return { ...probe, expect: expectationFor(c, settings, f) }
}

/** Flows that real packets cannot reproduce in the lab, and why. */
function skipReason(c: LabCase, f: Flow): string | undefined {
  if (f.protocol === 'SCTP') return 'SCTP: Node.js has no SCTP sockets (and this lab kernel is built without SCTP)'
  // The node may connect to itself (node or localhost to a NodePort); anyone else sending to its own address cannot.
  if (canonical(f.sourceIP) === canonical(f.destIP) && !isNodeAddress(f.sourceIP))
    return 'the source is the destination (a packet the cloud SNATted to the LB IP): no real client can send it, the kernel would deliver it locally'
  const vips = servedAddresses(c)
  if (placeSource(f.sourceIP, new Set()) === 'external' && vips.has(canonical(f.sourceIP)))
    return `the external client would have to own ${f.sourceIP}, which the setup routes to the node as a service address`
  return undefined
}

/** kube-proxy's expected output as a physical outcome, for each format. */
function expectationFor(c: LabCase, settings: FlowSettings, f: Flow): PerFormat<Expect> {
  const iptables = outcome(f)
  const nft = nftDelta(c, settings, f)
  return nft === undefined ? iptables : { iptables, nft: nft.expect, why: nft.why }
}

function outcome(f: Flow): Expect {
  switch (f.output) {
    case 'REJECT':
      return refused
    case 'DROP':
      return dropped
    // The health-check port: kube-proxy answers it itself; the lab's node server stands in for it.
    case 'ACCEPT':
      return node
    // No rule matched: the packet goes on to its own destination.
    case '':
      return isNodeAddress(f.destIP) ? node : unrouted
    default:
      return reach(
        f.output.split(', ').map((e) => e.trim()),
        f.masq,
      )
  }
}

/**
 * Where kube-proxy's nftables tests expect something else for the same flow (research/
 * kube-proxy-nftables-tests.md §5 and the hairpin design's §14): the reasons are nftables-mode
 * behaviour, not svcc's choices.
 */
function nftDelta(c: LabCase, settings: FlowSettings, f: Flow): { expect: Expect; why: string } | undefined {
  const plans = planFor(c, 'iptables').families
  const dest = canonical(f.destIP)
  const clusterIPs = new Set(plans.flatMap((p) => p.servicePorts.map((sp) => sp.clusterIP.text)))
  const nodePorts = new Set(plans.flatMap((p) => p.servicePorts.map((sp) => sp.nodePort)).filter((n) => n !== 0))
  if (f.output === '' && clusterIPs.has(dest)) return { expect: refused, why: 'nftables mode rejects other ports of a ClusterIP (cluster-ips-check)' }
  const reached = !['', 'REJECT', 'DROP', 'ACCEPT'].includes(f.output)
  if (reached && isLoopback(f.destIP)) return { expect: node, why: 'nftables mode never serves NodePorts on loopback' }
  const primary = dest.includes(':') ? NODE_IP6 : NODE_IP
  if (reached && settings.nodePortAddresses === null && nodePorts.has(f.destPort) && isNodeAddress(dest) && dest !== primary)
    return { expect: node, why: "nftables mode's default nodePortAddresses is the node's primary IP only" }
  return undefined
}

/** Addresses the setup's services answer on (cluster IPs, external IPs, LB IPs). */
function servedAddresses(c: LabCase): Set<string> {
  const out = new Set<string>()
  for (const family of planFor(c, 'iptables').families)
    for (const sp of family.servicePorts) for (const ip of [sp.clusterIP, ...sp.externalIPs, ...sp.loadBalancerIPs]) out.add(ip.text)
  return out
}
