// Which endpoints serve cluster and local traffic: kube-proxy's CategorizeEndpoints (topology, terminating fallback).
import { byKeys } from '../model/compare.ts'
import type { PlannedEndpoint } from './types.ts'

export interface CategorizeInput {
  readonly endpoints: readonly PlannedEndpoint[]
  readonly usesCluster: boolean
  readonly usesLocal: boolean
  readonly nodeName: string
  readonly zone: string | undefined
  readonly preferSameTrafficDistribution: boolean
}

export interface Categorized {
  readonly clusterEndpoints: PlannedEndpoint[]
  readonly localEndpoints: PlannedEndpoint[]
  readonly reachableEndpoints: PlannedEndpoint[]
  readonly hasAnyEndpoints: boolean
  readonly topology: 'PreferSameNode' | 'PreferSameZone' | undefined
  readonly usedTerminatingFallback: { cluster: boolean; local: boolean }
}

const servingTerminating = (e: PlannedEndpoint) => e.serving && e.terminating

export function categorizeEndpoints(input: CategorizeInput): Categorized {
  const { endpoints } = input
  let clusterEndpoints: PlannedEndpoint[] = []
  let localEndpoints: PlannedEndpoint[] = []
  let hasAnyEndpoints = false
  let topology: Categorized['topology']
  const fallback = { cluster: false, local: false }

  if (input.usesCluster) {
    topology = topologyMode(input)
    const available = (e: CategorizeInput['endpoints'][number]) =>
      topology === 'PreferSameNode' ? e.nodeHints.includes(input.nodeName) : topology === 'PreferSameZone' ? e.zoneHints.includes(input.zone ?? '') : true
    clusterEndpoints = endpoints.filter((e) => e.ready && available(e))
    if (clusterEndpoints.length === 0) {
      // Terminating fallback: only when nothing is ready anywhere (after topology).
      clusterEndpoints = endpoints.filter(servingTerminating)
      fallback.cluster = clusterEndpoints.length > 0
    }
    if (clusterEndpoints.length > 0) hasAnyEndpoints = true
  }
  if (!input.usesLocal) {
    return { clusterEndpoints, localEndpoints, reachableEndpoints: clusterEndpoints, hasAnyEndpoints, topology, usedTerminatingFallback: fallback }
  }

  if (endpoints.some((e) => e.ready || servingTerminating(e))) hasAnyEndpoints = true
  localEndpoints = endpoints.filter((e) => e.isLocal && e.ready)
  if (localEndpoints.length === 0) {
    localEndpoints = endpoints.filter((e) => e.isLocal && servingTerminating(e))
    fallback.local = localEndpoints.length > 0
  }
  if (!input.usesCluster) {
    return { clusterEndpoints, localEndpoints, reachableEndpoints: localEndpoints, hasAnyEndpoints, topology, usedTerminatingFallback: fallback }
  }
  // Without topology or fallback, the cluster list (every ready endpoint) holds the local one.
  const reachableEndpoints =
    topology === undefined && !fallback.local ? clusterEndpoints : union(clusterEndpoints, localEndpoints)
  return { clusterEndpoints, localEndpoints, reachableEndpoints, hasAnyEndpoints, topology, usedTerminatingFallback: fallback }
}

function topologyMode(input: CategorizeInput): Categorized['topology'] {
  const ready = input.endpoints.filter((e) => e.ready)
  const allHaveNodeHints = ready.every((e) => e.nodeHints.length > 0)
  const allHaveZoneHints = ready.every((e) => e.zoneHints.length > 0)
  if (input.preferSameTrafficDistribution && allHaveNodeHints && ready.some((e) => e.nodeHints.includes(input.nodeName)))
    return 'PreferSameNode'
  if (allHaveZoneHints && input.zone !== undefined && ready.some((e) => e.zoneHints.includes(input.zone!))) return 'PreferSameZone'
  return undefined
}

function union(a: readonly PlannedEndpoint[], b: readonly PlannedEndpoint[]): PlannedEndpoint[] {
  const byEndpoint = new Map<string, PlannedEndpoint>()
  for (const e of [...a, ...b]) if (!byEndpoint.has(e.endpoint)) byEndpoint.set(e.endpoint, e)
  return [...byEndpoint.values()].sort(byKeys((e) => e.endpoint))
}
