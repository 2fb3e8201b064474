// Model + node settings → Plan: per IP family, every service port with its endpoints and decisions.
import { compareIps, cidrContains, isZeroCidr, LOOPBACK, parseCidr, type Cidr, type Ip, type IpFamily } from '../model/ip.ts'
import { masqueradeMark, primaryNodeIP, type NodeSettings } from '../model/settings.ts'
import { endpointsKey, type Model, type ServiceModel, type ServicePortModel } from '../model/types.ts'
import { categorizeEndpoints } from './categorize.ts'
import { servicePortName } from './names.ts'
import type { FamilyPlan, LocalDetector, NodePortAddresses, Plan, PlannedEndpoint, ServicePortPlan } from './types.ts'

/** kube-proxy's iptables mode drops per-endpoint comments above this many endpoints. */
export const LARGE_CLUSTER_ENDPOINTS = 1000

export function buildPlan(model: Model, settings: NodeSettings): Plan {
  return { settings, families: familiesOf(model, settings).map((family) => buildFamilyPlan(model, settings, family)) }
}

/** The families the input uses: those of any cluster IP or node IP; IPv4 when there is neither. */
function familiesOf(model: Model, settings: NodeSettings): IpFamily[] {
  const used = new Set<IpFamily>()
  for (const s of model.services) for (const f of Object.keys(s.clusterIPs) as IpFamily[]) used.add(f)
  for (const ip of settings.nodeIPs) used.add(ip.family)
  const families = (['ipv4', 'ipv6'] as const).filter((f) => used.has(f))
  return families.length > 0 ? families : ['ipv4']
}

export function buildFamilyPlan(model: Model, settings: NodeSettings, family: IpFamily): FamilyPlan {
  const nodeIP = primaryNodeIP(settings, family)
  const servicePorts: ServicePortPlan[] = []
  for (const service of model.services) {
    const clusterIP = service.clusterIPs[family]
    if (!clusterIP) continue
    for (const port of service.ports) servicePorts.push(planServicePort(model, settings, family, service, port, clusterIP, nodeIP))
  }
  const totalEndpoints = servicePorts.reduce((n, sp) => n + sp.allEndpoints.length, 0)
  const nodePorts = nodePortAddresses(settings, family)
  const hasLoopbackNodePorts = nodePorts.matchAll || nodePorts.addresses.some((ip) => ip.text === LOOPBACK.ipv4.text)
  return {
    family,
    nodeIP,
    localDetector: localDetector(settings, family),
    masqueradeAll: settings.masqueradeAll,
    masqueradeMark: masqueradeMark(settings.masqueradeBit),
    nodePorts,
    // kube-proxy turns localhost NodePorts off for IPv6, and when nodePortAddresses leaves out 127.0.0.0/8.
    localhostNodePorts: family === 'ipv4' && settings.localhostNodePorts && hasLoopbackNodePorts,
    serviceCIDRs: settings.serviceCIDRs.filter((c) => c.family === family),
    nfacct: settings.nfacct,
    randomFully: settings.randomFully,
    tcpBeLiberal: settings.tcpBeLiberal,
    largeCluster: totalEndpoints > LARGE_CLUSTER_ENDPOINTS,
    servicePorts,
  }
}

function planServicePort(
  model: Model,
  settings: NodeSettings,
  family: IpFamily,
  service: ServiceModel,
  port: ServicePortModel,
  clusterIP: Ip,
  nodeIP: Ip | undefined,
): ServicePortPlan {
  const ofFamily = <T extends { family: IpFamily }>(list: readonly T[]) => list.filter((x) => x.family === family)
  const externalIPs = ofFamily(service.externalIPs)
  const loadBalancerIPs = ofFamily(service.loadBalancerIPs)
  const sourceRanges = ofFamily(service.sourceRanges)
  const externallyAccessible = port.nodePort !== 0 || loadBalancerIPs.length > 0 || externalIPs.length > 0
  const usesCluster = !service.internalPolicyLocal || externallyAccessible
  const usesLocal = service.internalPolicyLocal || (service.externalPolicyLocal && externallyAccessible)

  const endpoints = (model.endpoints.get(endpointsKey(service.namespace, service.name, port.name, port.protocol, family)) ?? []).map((e): PlannedEndpoint => ({
    ip: e.ip,
    port: e.port,
    endpoint: e.endpoint,
    isLocal: e.nodeName !== undefined && e.nodeName === settings.nodeName,
    ready: e.ready,
    serving: e.serving,
    terminating: e.terminating,
    zoneHints: e.zoneHints,
    nodeHints: e.nodeHints,
    origin: e.origin,
  }))
  const c = categorizeEndpoints({
    endpoints,
    usesCluster,
    usesLocal,
    nodeName: settings.nodeName,
    zone: settings.zone,
    preferSameTrafficDistribution: settings.preferSameTrafficDistribution,
  })
  const hasEndpoints = c.hasAnyEndpoints
  const usesClusterChain = c.clusterEndpoints.length > 0 && usesCluster
  const usesLocalChain = c.localEndpoints.length > 0 && usesLocal
  const hasInternal = hasEndpoints && !(service.internalPolicyLocal && c.localEndpoints.length === 0)
  const hasExternal = hasEndpoints && !(service.externalPolicyLocal && c.localEndpoints.length === 0)
  return {
    namespace: service.namespace,
    name: service.name,
    portName: port.name,
    protocol: port.protocol,
    port: port.port,
    spn: servicePortName(service.namespace, service.name, port.name),
    clusterIP,
    externalIPs,
    loadBalancerIPs,
    sourceRanges,
    allowFromNode: nodeIP !== undefined && sourceRanges.some((r) => cidrContains(r, nodeIP)),
    nodePort: port.nodePort,
    healthCheckNodePort: service.healthCheckNodePort,
    affinityTimeout: service.affinityTimeout,
    externalPolicyLocal: service.externalPolicyLocal,
    internalPolicyLocal: service.internalPolicyLocal,
    externallyAccessible,
    allEndpoints: endpoints,
    clusterEndpoints: c.clusterEndpoints,
    localEndpoints: c.localEndpoints,
    reachableEndpoints: c.reachableEndpoints,
    topology: c.topology,
    usedTerminatingFallback: c.usedTerminatingFallback,
    hasEndpoints,
    usesClusterChain,
    usesLocalChain,
    hasInternal,
    hasExternal,
    internalChain: service.internalPolicyLocal ? 'local' : 'cluster',
    externalChain: service.externalPolicyLocal ? 'local' : 'cluster',
    usesExternalChain: hasEndpoints && externallyAccessible,
    internalVerdict: !hasEndpoints ? 'reject' : hasInternal ? undefined : 'drop',
    externalVerdict: !hasEndpoints ? 'reject' : hasExternal ? undefined : 'drop',
    origin: port.origin,
  }
}

function localDetector(settings: NodeSettings, family: IpFamily): LocalDetector | undefined {
  switch (settings.detectLocalMode) {
    case 'ClusterCIDR':
    case 'NodeCIDR': {
      // kube-proxy uses the first CIDR of the family.
      const cidr = settings.clusterCIDRs.find((c) => c.family === family)
      return cidr ? { kind: 'cidr', cidr } : undefined
    }
    case 'BridgeInterface':
      return settings.bridgeInterface ? { kind: 'bridge', interface: settings.bridgeInterface } : undefined
    case 'InterfaceNamePrefix':
      return settings.interfaceNamePrefix ? { kind: 'prefix', prefix: settings.interfaceNamePrefix } : undefined
    case 'None':
      return undefined
  }
}

function nodePortAddresses(settings: NodeSettings, family: IpFamily): NodePortAddresses {
  const cidrs: Cidr[] = []
  for (const entry of settings.nodePortAddresses) {
    if (entry === 'primary') {
      const primary = primaryNodeIP(settings, family)
      if (primary) cidrs.push(parseCidr(`${primary.text}/${family === 'ipv4' ? 32 : 128}`)!)
      continue
    }
    const cidr = parseCidr(entry.trim())
    if (cidr && cidr.family === family) cidrs.push(cidr)
  }
  if (cidrs.length === 0 || cidrs.some(isZeroCidr)) return { matchAll: true, addresses: [] }
  // The node's addresses: what the user gave, plus loopback, which every node has.
  const candidates = [...settings.nodeIPs.filter((ip) => ip.family === family), LOOPBACK[family]]
  const seen = new Set<string>()
  const addresses = candidates
    .filter((ip) => cidrs.some((c) => cidrContains(c, ip)))
    .filter((ip) => (seen.has(ip.text) ? false : (seen.add(ip.text), true)))
    .sort(compareIps)
  return { matchAll: false, addresses }
}
