// Validated manifests → Model: Services to service ports, EndpointSlices to sorted, deduplicated endpoints.
import type { Diagnostic } from '../diagnostics/diagnostic.ts'
import type { EndpointSliceManifest } from '../manifest/schema/endpoint-slice.ts'
import type { ServiceManifest } from '../manifest/schema/service.ts'
import { HEADLESS_LABEL, SERVICE_NAME_LABEL, SERVICE_PROXY_NAME_LABEL } from '../manifest/labels.ts'
import { diagnosticAt, type ObjectOrigin, type Validated, type ValidatedManifests } from '../manifest/validate.ts'
import { byKeys, compareStrings } from './compare.ts'
import { checkManifests } from './rules/index.ts'
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

export interface BuildModelResult {
  readonly model: Model
  readonly diagnostics: Diagnostic[]
}

/**
 * Pure; the order of the input never shows in the model. Also runs the manifest rules
 * (checks across objects that the model no longer shows, such as duplicate names).
 */
export function buildModel(manifests: ValidatedManifests): BuildModelResult {
  const diagnostics: Diagnostic[] = checkManifests(manifests)
  const services = manifests.services
    .map((s) => buildService(s, diagnostics))
    .filter((s): s is ServiceModel => s !== undefined)
    .map((s) => ({ s, key: serviceKey(s.namespace, s.name) }))
    .sort((a, b) => compareStrings(a.key, b.key))
    .map(({ s }) => s)
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
  const note = (label: string, message: string) =>
    diagnostics.push(diagnosticAt(origin.source, ['metadata', 'labels', label], 'SERVICE_IGNORED', message, { object: origin.object, severity: 'warning' }))

  if (SERVICE_PROXY_NAME_LABEL in labels) {
    note(SERVICE_PROXY_NAME_LABEL, `has the ${SERVICE_PROXY_NAME_LABEL} label, so kube-proxy leaves it to another proxy: no rules`)
    return undefined
  }
  if (HEADLESS_LABEL in labels) {
    note(HEADLESS_LABEL, `has the ${HEADLESS_LABEL} label, which kube-proxy ignores: no rules`)
    return undefined
  }
  // Headless and ExternalName Services are DNS-only: kube-proxy writes nothing for them.
  const primary = spec.clusterIP || spec.clusterIPs?.[0]
  if (spec.type === 'ExternalName' || primary === 'None') return undefined
  if (!primary) {
    // The API server would have allocated one; a hand-written manifest without it gets no rules.
    diagnostics.push(
      diagnosticAt(origin.source, ['spec'], 'SERVICE_IGNORED', 'has no spec.clusterIP (the API server allocates one; give it, or "None" for a headless Service): no rules', {
        object: origin.object,
        severity: 'warning',
      }),
    )
    return undefined
  }
  const clusterIPs = buildClusterIPs(validated, primary, diagnostics)
  // The API server stores an unset type as ClusterIP; kube-proxy only ever sees it defaulted, and
  // a ClusterIP Service with externalIPs is externally accessible (apiservice.ExternallyAccessible).
  const type = spec.type || 'ClusterIP'
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

/**
 * The cluster IP per family. Without spec.ipFamilies kube-proxy reads only spec.clusterIP
 * (GetClusterIPByFamily); every listed address must still be an IP of the family it claims.
 */
function buildClusterIPs(validated: Validated<ServiceManifest>, primary: string, diagnostics: Diagnostic[]): Partial<Record<IpFamily, Ip>> {
  const { value, origin } = validated
  const spec = value.spec
  const error = (path: (string | number)[], code: 'INVALID_IP' | 'INVALID_FIELD', message: string) =>
    diagnostics.push(diagnosticAt(origin.source, path, code, message, { object: origin.object }))
  const list = spec.clusterIPs && spec.clusterIPs.length > 0 ? spec.clusterIPs : undefined
  const parsed = (list ?? [primary]).map((text, i) => {
    const path = list ? ['spec', 'clusterIPs', i] : spec.clusterIP ? ['spec', 'clusterIP'] : ['spec', 'clusterIPs', 0]
    const ip = parseIp(text)
    if (!ip) error(path, 'INVALID_IP', `${JSON.stringify(text)} is not a valid IP address`)
    return { ip, path }
  })
  if (list && spec.clusterIP) {
    // The API server keeps clusterIP equal to clusterIPs[0]; two different answers are a broken manifest.
    const legacy = parseIp(spec.clusterIP)
    if (!legacy) error(['spec', 'clusterIP'], 'INVALID_IP', `${JSON.stringify(spec.clusterIP)} is not a valid IP address`)
    else if (parsed[0]?.ip && legacy.text !== parsed[0].ip.text)
      error(['spec', 'clusterIP'], 'INVALID_FIELD', `clusterIP ${legacy.text} must be the first entry of clusterIPs (${parsed[0].ip.text})`)
  }

  const clusterIPs: Partial<Record<IpFamily, Ip>> = {}
  const families = spec.ipFamilies ?? []
  if (families.length === 0) {
    const ip = parseIp(primary)
    if (ip) clusterIPs[ip.family] = ip
    return clusterIPs
  }
  families.forEach((apiFamily, i) => {
    const entry = parsed[i]
    if (!entry?.ip) return
    if (entry.ip.family !== familyOfApi(apiFamily)) {
      error(entry.path, 'INVALID_FIELD', `cluster IP ${entry.ip.text} is not ${apiFamily} as spec.ipFamilies[${i}] says`)
      return
    }
    clusterIPs[entry.ip.family] = entry.ip
  })
  return clusterIPs
}

interface Candidate {
  readonly endpoint: EndpointModel
  readonly sliceName: string
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
    const ignoredBy = [SERVICE_PROXY_NAME_LABEL, HEADLESS_LABEL].find((l) => l in labels)
    if (ignoredBy) {
      warn(['metadata', 'labels', ignoredBy], 'SLICE_IGNORED', `has the ${ignoredBy} label, which kube-proxy ignores`)
      continue
    }
    if (value.addressType === 'FQDN') {
      warn(['addressType'], 'SLICE_IGNORED', 'FQDN EndpointSlices are not used by kube-proxy')
      continue
    }
    const family = familyOfApi(value.addressType)
    const ports = value.ports ?? []
    const endpoints = value.endpoints ?? []
    // Per endpoint, what every port of the slice shares: its IP, conditions, hints and origin.
    const parsed = endpoints.map((ep, i) => {
      const addresses = ep.addresses ?? []
      if (addresses.length === 0) {
        warn(['endpoints', i], 'ENDPOINT_IGNORED', 'endpoint has no addresses')
        return undefined
      }
      // kube-proxy uses only the first address, but every one must be valid (the API server checks them all).
      let valid = true
      let first: Ip | undefined
      addresses.forEach((address, j) => {
        const ip = parseIp(address)
        const problem = endpointAddressProblem(address, ip, value.addressType as 'IPv4' | 'IPv6', family)
        if (problem === undefined) {
          if (j === 0) first = ip
          return
        }
        valid = false
        diagnostics.push(diagnosticAt(origin.source, ['endpoints', i, 'addresses', j], problem.code, problem.message, { object: origin.object }))
      })
      if (!valid || !first) return undefined
      const conditions = ep.conditions ?? {}
      return {
        ip: first,
        ready: conditions.ready !== false,
        serving: conditions.serving !== false,
        terminating: conditions.terminating === true,
        nodeName: ep.nodeName ?? undefined,
        zoneHints: sortedNames(ep.hints?.forZones),
        nodeHints: sortedNames(ep.hints?.forNodes),
        origin: { object: origin, path: ['endpoints', i] },
      }
    })
    noteDefaultedConditions(value, origin, diagnostics)
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
        const endpoint: EndpointModel = {
          ip: p.ip,
          port: port.port,
          endpoint: joinHostPort(p.ip, port.port),
          ready: p.ready,
          serving: p.serving,
          terminating: p.terminating,
          nodeName: p.nodeName,
          zoneHints: p.zoneHints,
          nodeHints: p.nodeHints,
          origin: p.origin,
        }
        list.push({ endpoint, sliceName: value.metadata.name })
      }
      candidates.set(key, list)
    })
  }

  const result = new Map<string, EndpointModel[]>()
  for (const [key, list] of candidates) {
    // kube-proxy: a later copy of an endpoint replaces an earlier one unless the later one is
    // terminating. Slices arrive in random order there; here "later" means later in a fixed
    // order (slice name, then the endpoint's fields), so the winner never depends on input order.
    // Sorted by endpoint text first (the order the model keeps), copies of one endpoint sit next
    // to each other, and only such runs are ordered further (canonicalText, a JSON.stringify per
    // endpoint, cost a fifth of this phase when done for every endpoint).
    list.sort((a, b) => compareStrings(a.endpoint.endpoint, b.endpoint.endpoint))
    const chosen: EndpointModel[] = []
    for (let start = 0; start < list.length; ) {
      let end = start + 1
      while (end < list.length && list[end]!.endpoint.endpoint === list[start]!.endpoint.endpoint) end++
      chosen.push(end === start + 1 ? list[start]!.endpoint : winnerOf(list.slice(start, end)))
      start = end
    }
    result.set(key, chosen)
  }
  return result
}

/** Of copies of one endpoint from several slices, the one kube-proxy would keep (see buildEndpoints). */
function winnerOf(group: readonly Candidate[]): EndpointModel {
  const ordered = group.map((c) => ({ ...c, canonical: canonicalText(c.endpoint) }))
  ordered.sort((a, b) => compareStrings(a.sliceName, b.sliceName) || compareStrings(a.canonical, b.canonical))
  let winner = ordered[0]!.endpoint
  for (const { endpoint } of ordered.slice(1)) if (!endpoint.terminating) winner = endpoint
  return winner
}

/** Why an endpoint address is not an IP of the slice's family that a Service may send traffic to; undefined if it is. */
function endpointAddressProblem(
  address: string,
  ip: Ip | undefined,
  addressType: 'IPv4' | 'IPv6',
  family: IpFamily,
): { code: 'INVALID_IP' | 'INVALID_FIELD'; message: string } | undefined {
  if (!ip) return { code: 'INVALID_IP', message: `${JSON.stringify(address)} is not a valid IP address` }
  if (ip.family !== family) return { code: 'INVALID_FIELD', message: `${ip.text} is not an ${addressType} address, but the slice's addressType is ${addressType}` }
  // The API server forbids these as endpoint addresses; kube-proxy would DNAT to the node itself.
  if (isLoopback(ip)) return { code: 'INVALID_IP', message: `endpoint address ${ip.text} is a loopback address` }
  if (isLinkLocal(ip)) return { code: 'INVALID_IP', message: `endpoint address ${ip.text} is a link-local address` }
  return undefined
}

/**
 * The API defines a missing ready (or serving) condition as true, so such endpoints get traffic.
 * That is correct but easy to miss in a hand-written slice: one notice per slice says so.
 */
function noteDefaultedConditions(value: EndpointSliceManifest, origin: ObjectOrigin, diagnostics: Diagnostic[]): void {
  const defaulted = (value.endpoints ?? []).flatMap((ep, i) => (ep.conditions?.ready === undefined || ep.conditions.ready === null ? [i] : []))
  if (defaulted.length === 0) return
  const first = defaulted[0]!
  const count = defaulted.length === 1 ? '1 endpoint has' : `${defaulted.length} endpoints have`
  diagnostics.push(
    diagnosticAt(origin.source, ['endpoints', first], 'ENDPOINT_CONDITIONS_DEFAULTED', `${count} no ready condition, so ${defaulted.length === 1 ? 'it counts' : 'they count'} as ready (the API default)`, {
      object: origin.object,
      severity: 'notice',
    }),
  )
}

const NO_HINTS: readonly string[] = Object.freeze([])

/** Hint names in code-unit order; the common no-hints case shares one empty list. */
function sortedNames(hints: readonly { readonly name: string }[] | null | undefined): readonly string[] {
  return hints && hints.length > 0 ? hints.map((h) => h.name).sort() : NO_HINTS
}

function canonicalText(e: EndpointModel): string {
  return JSON.stringify([e.ready, e.serving, e.terminating, e.nodeName ?? null, e.zoneHints, e.nodeHints])
}
