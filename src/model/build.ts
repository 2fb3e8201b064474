// Validated manifests → Model: Services to service ports, EndpointSlices to sorted, deduplicated endpoints.
import type { Diagnostic } from '../diagnostics/diagnostic.ts'
import type { EndpointSliceManifest } from '../manifest/schema/endpoint-slice.ts'
import type { ServiceManifest } from '../manifest/schema/service.ts'
import { diagnosticAt, type Validated, type ValidatedManifests } from '../manifest/validate.ts'
import { byKeys, compareStrings } from './compare.ts'
import { familyOfApi, isLinkLocal, isLoopback, joinHostPort, parseCidr, parseIp, type Ip, type IpFamily } from './ip.ts'
import {
  endpointsKey,
  serviceKey,
  type EndpointModel,
  type Model,
  type NodeModel,
  type Protocol,
  type ServiceModel,
  type ServicePortModel,
} from './types.ts'

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name'
export const SERVICE_PROXY_NAME_LABEL = 'service.kubernetes.io/service-proxy-name'
export const HEADLESS_LABEL = 'service.kubernetes.io/headless'

export interface BuildModelResult {
  readonly model: Model
  readonly diagnostics: Diagnostic[]
}

/** Pure; the order of the input never shows in the model. */
export function buildModel(manifests: ValidatedManifests): BuildModelResult {
  const diagnostics: Diagnostic[] = []
  const services = manifests.services
    .map((s) => buildService(s, diagnostics))
    .filter((s): s is ServiceModel => s !== undefined)
    .sort(byKeys((s) => serviceKey(s.namespace, s.name)))
  const endpoints = buildEndpoints(manifests.slices, diagnostics)
  const nodes = manifests.nodes
    .map(({ value }): NodeModel => {
      const internalIPs = (value.status?.addresses ?? [])
        .filter((a) => a.type === 'InternalIP')
        .map((a) => parseIp(a.address))
        .filter((ip): ip is Ip => ip !== undefined)
      return { name: value.metadata.name, internalIPs, zone: value.metadata.labels?.['topology.kubernetes.io/zone'] }
    })
    .sort(byKeys((n) => n.name))
  return { model: { services, endpoints, nodes }, diagnostics }
}

function buildService(validated: Validated<ServiceManifest>, diagnostics: Diagnostic[]): ServiceModel | undefined {
  const { value, origin } = validated
  const spec = value.spec
  const namespace = value.metadata.namespace ?? 'default'
  const name = value.metadata.name
  const labels = value.metadata.labels ?? {}
  const note = (message: string) =>
    diagnostics.push(diagnosticAt(origin.source, ['metadata'], 'SERVICE_IGNORED', message, { object: origin.object, severity: 'warning' }))

  if (SERVICE_PROXY_NAME_LABEL in labels) {
    note(`has the ${SERVICE_PROXY_NAME_LABEL} label, so kube-proxy leaves it to another proxy: no rules`)
    return undefined
  }
  if (HEADLESS_LABEL in labels) {
    note(`has the ${HEADLESS_LABEL} label, which kube-proxy ignores: no rules`)
    return undefined
  }
  // Headless and ExternalName Services are DNS-only: kube-proxy writes nothing for them.
  if (spec.type === 'ExternalName' || !spec.clusterIP || spec.clusterIP === 'None') return undefined

  const clusterIPs: Partial<Record<IpFamily, Ip>> = {}
  const families = spec.ipFamilies ?? []
  if (families.length === 0) {
    const ip = parseIp(spec.clusterIP)
    if (ip) clusterIPs[ip.family] = ip
    else diagnostics.push(diagnosticAt(origin.source, ['spec', 'clusterIP'], 'INVALID_IP', `clusterIP ${JSON.stringify(spec.clusterIP)} is not a valid IP address`, { object: origin.object }))
  } else {
    const list = spec.clusterIPs && spec.clusterIPs.length > 0 ? spec.clusterIPs : [spec.clusterIP]
    families.forEach((apiFamily, i) => {
      const text = list[i]
      if (text === undefined) return
      const ip = parseIp(text)
      const path = spec.clusterIPs && spec.clusterIPs.length > 0 ? ['spec', 'clusterIPs', i] : ['spec', 'clusterIP']
      if (!ip) {
        diagnostics.push(diagnosticAt(origin.source, path, 'INVALID_IP', `${JSON.stringify(text)} is not a valid IP address`, { object: origin.object }))
        return
      }
      if (ip.family !== familyOfApi(apiFamily)) {
        diagnostics.push(diagnosticAt(origin.source, path, 'INVALID_FIELD', `cluster IP ${ip.text} is not ${apiFamily} as spec.ipFamilies[${i}] says`, { object: origin.object }))
        return
      }
      clusterIPs[ip.family] = ip
    })
  }

  const type = spec.type ?? ''
  const externalIPs = (spec.externalIPs ?? []).map((t) => parseIp(t)).filter((ip): ip is Ip => ip !== undefined)
  const loadBalancerIPs = (value.status?.loadBalancer?.ingress ?? [])
    // ipMode Proxy means the load balancer proxies to the node itself: no VIP rules.
    .filter((ing) => ing.ip && (ing.ipMode === undefined || ing.ipMode === null || ing.ipMode === 'VIP'))
    .map((ing) => parseIp(ing.ip!))
    .filter((ip): ip is Ip => ip !== undefined)
  const sourceRanges = (spec.loadBalancerSourceRanges ?? []).map((t) => parseCidr(t.trim())).filter((c) => c !== undefined)
  const externallyAccessible = type === 'LoadBalancer' || type === 'NodePort' || (type === 'ClusterIP' && externalIPs.length > 0)
  const externalPolicyLocal = externallyAccessible && spec.externalTrafficPolicy === 'Local'
  const healthCheckNodePort = type === 'LoadBalancer' && externalPolicyLocal ? (spec.healthCheckNodePort ?? 0) : 0
  const affinityTimeout = spec.sessionAffinity === 'ClientIP' ? (spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? 10800) : undefined

  const ports = (spec.ports ?? []).map(
    (p, i): ServicePortModel => ({
      name: p.name ?? '',
      protocol: (p.protocol ?? 'TCP').toLowerCase() as Protocol,
      port: p.port,
      nodePort: p.nodePort ?? 0,
      origin: { object: origin, path: ['spec', 'ports', i] },
    }),
  )
  ports.sort(byKeys((p) => p.name, (p) => p.protocol))

  return {
    namespace,
    name,
    origin,
    clusterIPs,
    externalIPs,
    loadBalancerIPs,
    sourceRanges,
    externalPolicyLocal,
    internalPolicyLocal: spec.internalTrafficPolicy === 'Local',
    healthCheckNodePort,
    affinityTimeout,
    ports,
  }
}

interface Candidate {
  readonly endpoint: EndpointModel
  readonly sliceName: string
  /** A canonical text of the endpoint's fields: the tie-breaker that makes deduplication order-free. */
  readonly canonical: string
}

function buildEndpoints(slices: readonly Validated<EndpointSliceManifest>[], diagnostics: Diagnostic[]): Map<string, EndpointModel[]> {
  const candidates = new Map<string, Candidate[]>()
  for (const { value, origin } of slices) {
    const warn = (path: (string | number)[], code: 'SLICE_IGNORED' | 'ENDPOINT_IGNORED', message: string) =>
      diagnostics.push(diagnosticAt(origin.source, path, code, message, { object: origin.object, severity: 'warning' }))
    const labels = value.metadata.labels ?? {}
    const namespace = value.metadata.namespace ?? 'default'
    const serviceName = labels[SERVICE_NAME_LABEL]
    if (!serviceName) {
      warn(['metadata', 'labels'], 'SLICE_IGNORED', `has no ${SERVICE_NAME_LABEL} label, so it belongs to no Service`)
      continue
    }
    if (SERVICE_PROXY_NAME_LABEL in labels || HEADLESS_LABEL in labels) {
      warn(['metadata', 'labels'], 'SLICE_IGNORED', `has the ${SERVICE_PROXY_NAME_LABEL in labels ? SERVICE_PROXY_NAME_LABEL : HEADLESS_LABEL} label, which kube-proxy ignores`)
      continue
    }
    if (value.addressType === 'FQDN') {
      warn(['addressType'], 'SLICE_IGNORED', 'FQDN EndpointSlices are not used by kube-proxy')
      continue
    }
    const family = familyOfApi(value.addressType)
    const ports = value.ports ?? []
    const endpoints = value.endpoints ?? []
    const parsed = endpoints.map((ep, i) => {
      const address = ep.addresses?.[0]
      if (address === undefined) {
        warn(['endpoints', i], 'ENDPOINT_IGNORED', 'endpoint has no addresses')
        return undefined
      }
      const ip = parseIp(address)
      const at = ['endpoints', i, 'addresses', 0]
      const error = (code: 'INVALID_IP' | 'INVALID_FIELD', message: string) => {
        diagnostics.push(diagnosticAt(origin.source, at, code, message, { object: origin.object }))
        return undefined
      }
      if (!ip) return error('INVALID_IP', `${JSON.stringify(address)} is not a valid IP address`)
      if (ip.family !== family) return error('INVALID_FIELD', `${ip.text} is not an ${value.addressType} address, but the slice's addressType is ${value.addressType}`)
      // The Service docs forbid these as endpoint addresses; kube-proxy would DNAT to the node itself.
      if (isLoopback(ip)) return error('INVALID_IP', `endpoint address ${ip.text} is a loopback address`)
      if (isLinkLocal(ip)) return error('INVALID_IP', `endpoint address ${ip.text} is a link-local address`)
      return { ep, ip, index: i }
    })
    ports.forEach((port, portIndex) => {
      if (port.name === undefined || port.name === null) {
        warn(['ports', portIndex], 'SLICE_IGNORED', 'slice port has no name, so kube-proxy ignores it (the unnamed port is name: "")')
        return
      }
      if (!port.port) return
      const protocol = (port.protocol ?? 'TCP').toLowerCase() as Protocol
      const key = endpointsKey(namespace, serviceName, port.name, protocol, family)
      const list = candidates.get(key) ?? []
      for (const p of parsed) {
        if (!p) continue
        const conditions = p.ep.conditions ?? {}
        const endpoint: EndpointModel = {
          ip: p.ip,
          port: port.port,
          endpoint: joinHostPort(p.ip, port.port),
          ready: conditions.ready !== false,
          serving: conditions.serving !== false,
          terminating: conditions.terminating === true,
          nodeName: p.ep.nodeName ?? undefined,
          zoneHints: (p.ep.hints?.forZones ?? []).map((h) => h.name).sort(compareStrings),
          nodeHints: (p.ep.hints?.forNodes ?? []).map((h) => h.name).sort(compareStrings),
          origin: { object: origin, path: ['endpoints', p.index] },
        }
        list.push({ endpoint, sliceName: value.metadata.name, canonical: canonicalText(endpoint) })
      }
      candidates.set(key, list)
    })
  }

  const result = new Map<string, EndpointModel[]>()
  for (const [key, list] of candidates) {
    // kube-proxy: a later copy of an endpoint replaces an earlier one unless the later one is
    // terminating. Slices arrive in random order there; here "later" means later in a fixed
    // order (slice name, then the endpoint's fields), so the winner never depends on input order.
    list.sort(byKeys((c) => c.sliceName, (c) => c.canonical))
    const chosen = new Map<string, EndpointModel>()
    for (const { endpoint } of list) {
      if (!chosen.has(endpoint.endpoint) || !endpoint.terminating) chosen.set(endpoint.endpoint, endpoint)
    }
    result.set(key, [...chosen.values()].sort(byKeys((e) => e.endpoint)))
  }
  return result
}

function canonicalText(e: EndpointModel): string {
  return JSON.stringify([e.ready, e.serving, e.terminating, e.nodeName ?? null, e.zoneHints, e.nodeHints])
}
