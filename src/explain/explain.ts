// Explains one Service from the plan: per port and family, which endpoints each kind of traffic uses, and why the others are left out.
import type { IpFamily } from '../model/ip.ts'
import { endpointsKey, type EndpointModel, type Model } from '../model/types.ts'
import type { ChainKind, Plan, PlannedEndpoint, ServicePortPlan } from '../plan/types.ts'
import type { TraceFormat } from '../trace/types.ts'
import { parseIptablesRestore } from '../trace/iptables/parse.ts'
import { parseNft } from '../trace/nft/parse.ts'
import { locateIptables, locateNft, type Located } from './locate.ts'
import type { EndpointExplanation, EndpointUse, Explanation, PortExplanation, TrafficHandling } from './types.ts'

export interface ExplainInput {
  readonly model: Model
  readonly plan: Plan
  readonly namespace: string
  readonly name: string
  /** The format whose rendered text says where each port and endpoint lives. */
  readonly format: TraceFormat
  /** nft: the whole file; iptables: one restore payload per family. */
  readonly rendered: { readonly format: 'nft'; readonly text: string } | { readonly format: 'iptables'; readonly texts: ReadonlyMap<IpFamily, string> }
}

/** Undefined when the plan has no such Service (absent, or ignored: headless, ExternalName, another proxy's). */
export function explainService(input: ExplainInput): Explanation | undefined {
  const { plan, model } = input
  const ports: PortExplanation[] = []
  for (const family of plan.families) {
    const sps = family.servicePorts.filter((sp) => sp.namespace === input.namespace && sp.name === input.name)
    if (sps.length === 0) continue
    const locate = locator(input.rendered, family.family)
    for (const sp of sps) ports.push(explainPort(model, family.family, sp, locate(sp)))
  }
  if (ports.length === 0) return undefined
  return { namespace: input.namespace, name: input.name, format: input.format, node: plan.settings.nodeName, zone: plan.settings.zone, ports }
}

/** Parses the family's rendered text once; a family without text locates nothing. */
function locator(rendered: ExplainInput['rendered'], family: IpFamily): (sp: ServicePortPlan) => Located {
  const none = (): Located => ({ port: [], endpoints: new Map() })
  if (rendered.format === 'iptables') {
    const text = rendered.texts.get(family)
    if (text === undefined) return none
    const ruleset = parseIptablesRestore(text)
    return (sp) => locateIptables(ruleset, sp)
  }
  const table = parseNft(rendered.text).tables.find((t) => t.family === (family === 'ipv4' ? 'ip' : 'ip6'))
  return table ? (sp) => locateNft(table, sp) : none
}

function explainPort(model: Model, family: IpFamily, sp: ServicePortPlan, located: Located): PortExplanation {
  const modelled = model.endpoints.get(endpointsKey(sp.namespace, sp.name, sp.portName, sp.protocol, family)) ?? []
  const endpoints = sp.allEndpoints.map((ep): EndpointExplanation => {
    const m: EndpointModel | undefined = modelled.find((e) => e.endpoint === ep.endpoint)
    return {
      endpoint: ep.endpoint,
      node: m?.nodeName,
      local: ep.isLocal,
      ready: ep.ready,
      serving: ep.serving,
      terminating: ep.terminating,
      zoneHints: m?.zoneHints ?? [],
      nodeHints: m?.nodeHints ?? [],
      clusterIP: useOf(sp, ep, sp.internalChain),
      ...(sp.externallyAccessible ? { external: useOf(sp, ep, sp.externalChain) } : {}),
      ruleset: located.endpoints.get(ep.endpoint) ?? [],
    }
  })
  return {
    family,
    spn: sp.spn,
    portName: sp.portName,
    protocol: sp.protocol,
    port: sp.port,
    clusterIP: sp.clusterIP.text,
    externalIPs: sp.externalIPs.map((ip) => ip.text),
    loadBalancerIPs: sp.loadBalancerIPs.map((ip) => ip.text),
    loadBalancerSourceRanges: sp.sourceRanges.map((c) => c.text),
    nodePort: sp.nodePort,
    healthCheckNodePort: sp.healthCheckNodePort,
    internalTrafficPolicy: sp.internalPolicyLocal ? 'Local' : 'Cluster',
    ...(sp.externallyAccessible ? { externalTrafficPolicy: sp.externalPolicyLocal ? ('Local' as const) : ('Cluster' as const) } : {}),
    sessionAffinityTimeoutSeconds: sp.affinityTimeout,
    topology: sp.topology,
    clusterIPTraffic: handling(sp, sp.internalChain, sp.internalVerdict),
    ...(sp.externallyAccessible ? { externalTraffic: handling(sp, sp.externalChain, sp.externalVerdict) } : {}),
    endpoints,
    ruleset: located.port,
  }
}

function listOf(sp: ServicePortPlan, kind: ChainKind): readonly PlannedEndpoint[] {
  return kind === 'local' ? sp.localEndpoints : sp.clusterEndpoints
}

function handling(sp: ServicePortPlan, kind: ChainKind, verdict: 'reject' | 'drop' | undefined): TrafficHandling {
  return { list: kind, endpoints: listOf(sp, kind).length, verdict, terminatingFallback: sp.usedTerminatingFallback[kind] }
}

/**
 * The plan decided the lists (kube-proxy's CategorizeEndpoints); this only says why an
 * endpoint is outside one, from its conditions, in the order the decisions are made.
 */
function useOf(sp: ServicePortPlan, ep: PlannedEndpoint, kind: ChainKind): EndpointUse {
  const list = listOf(sp, kind)
  const index = list.findIndex((e) => e.endpoint === ep.endpoint)
  if (index >= 0) return { used: true, reason: ep.ready ? 'ready' : 'terminatingFallback', index, of: list.length, probability: 1 / list.length }
  if (kind === 'local' && !ep.isLocal) return { used: false, reason: 'otherNode' }
  if (!ep.ready) return { used: false, reason: !ep.terminating ? 'notReady' : ep.serving ? 'terminatingNotNeeded' : 'notServing' }
  // A ready endpoint is left out of the cluster list only by topology hints.
  return { used: false, reason: 'hintedElsewhere' }
}
