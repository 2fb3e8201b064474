// Synthetic clusters for the benchmark: N Services with E endpoints each, a realistic mix, deterministic.
//
// The mix (per Service, from a seeded PRNG so every run writes the same bytes):
//   ~80 % ClusterIP, ~12 % NodePort, ~8 % LoadBalancer (half of them with loadBalancerSourceRanges);
//   ~5 % sessionAffinity ClientIP; externalTrafficPolicy Local on ~1/3 of NodePort/LoadBalancer;
//   ~10 % have a second (named) port, ~5 % of ports are UDP;
//   endpoints spread over 50 nodes (this node is node-0, so ~2 % are local), ~2 % terminating.
// Pod IPs come from per-node /16 blocks of 10.128.0.0/9 (node n: 10.(128+n).x.y), ClusterIPs
// from 10.96.0.0/12, LoadBalancer IPs from 198.18.0.0/15.
// Written as kubectl writes them: YAML documents (`kubectl get svc,endpointslices -A -o yaml`
// split into documents) or one JSON List with 4-space indent (`-o json`).
import { prng } from '../test/helpers/prng.ts'

/** The CLI flags that go with a generated cluster. */
export const BENCH_ARGS = ['--node-name', 'node-0', '--node-ip', '192.168.0.10', '--cluster-cidr', '10.128.0.0/9', '--service-cidr', '10.96.0.0/12']

export interface ClusterSpec {
  readonly services: number
  readonly endpointsPerService: number
  readonly nodes?: number
  readonly seed?: number
}

export interface ClusterStats {
  services: number
  servicePorts: number
  endpoints: number
  nodePort: number
  loadBalancer: number
  sourceRanges: number
  affinity: number
  localPolicy: number
}

type Json = string | number | boolean | null | Json[] | { [key: string]: Json }


const ipv4 = (n: number) => `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`
const CLUSTER_BASE = (10 << 24) | (96 << 16)
const POD_BASE = (10 << 24) | (128 << 16)
const LB_BASE = (198 << 24) | (18 << 16)

/** The cluster as Kubernetes objects: a Service, then its EndpointSlice, per Service. */
export function generateObjects(spec: ClusterSpec): { objects: Json[]; stats: ClusterStats } {
  const nodes = spec.nodes ?? 50
  const rand = prng(spec.seed ?? 1)
  const nextPod = new Array<number>(nodes).fill(0)
  const stats: ClusterStats = { services: 0, servicePorts: 0, endpoints: 0, nodePort: 0, loadBalancer: 0, sourceRanges: 0, affinity: 0, localPolicy: 0 }
  const objects: Json[] = []
  let nodePort = 30000
  for (let i = 0; i < spec.services; i++) {
    const namespace = `ns-${i % 100}`
    const name = `svc-${i}`
    const r = rand()
    const type = r < 0.8 ? 'ClusterIP' : r < 0.92 ? 'NodePort' : 'LoadBalancer'
    const affinity = rand() < 0.05
    const local = type !== 'ClusterIP' && rand() < 1 / 3
    const ranges = type === 'LoadBalancer' && rand() < 0.5
    const twoPorts = rand() < 0.1
    const ports = (twoPorts ? ['http', 'metrics'] : ['']).map((portName, k) => ({
      name: portName,
      protocol: rand() < 0.05 ? 'UDP' : 'TCP',
      port: k === 0 ? 80 : 9090,
      targetPort: k === 0 ? 8080 : 9090,
      nodePort: type === 'ClusterIP' ? undefined : nodePort++,
    }))
    stats.services++
    stats.servicePorts += ports.length
    if (type === 'NodePort') stats.nodePort++
    if (type === 'LoadBalancer') stats.loadBalancer++
    if (ranges) stats.sourceRanges++
    if (affinity) stats.affinity++
    if (local) stats.localPolicy++

    const serviceSpec: { [key: string]: Json } = { type, clusterIP: ipv4(CLUSTER_BASE + i + 1) }
    if (local) Object.assign(serviceSpec, { externalTrafficPolicy: 'Local', healthCheckNodePort: nodePort++ })
    if (affinity) Object.assign(serviceSpec, { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 10800 } } })
    if (ranges) serviceSpec.loadBalancerSourceRanges = ['203.0.113.0/24', `100.64.${i % 256}.0/24`]
    serviceSpec.ports = ports.map((p) => ({
      ...(p.name ? { name: p.name } : {}),
      protocol: p.protocol,
      port: p.port,
      targetPort: p.targetPort,
      ...(p.nodePort !== undefined ? { nodePort: p.nodePort } : {}),
    }))
    const service: { [key: string]: Json } = { apiVersion: 'v1', kind: 'Service', metadata: { namespace, name }, spec: serviceSpec }
    if (type === 'LoadBalancer') service.status = { loadBalancer: { ingress: [{ ip: ipv4(LB_BASE + i + 1) }] } }
    objects.push(service)

    const endpoints: Json[] = []
    for (let e = 0; e < spec.endpointsPerService; e++) {
      const node = Math.floor(rand() * nodes)
      const ip = POD_BASE + node * 65536 + nextPod[node]!++
      stats.endpoints++
      // kubectl always prints the conditions (svcc notes the API default when they are missing).
      const terminating = rand() < 0.02
      endpoints.push({ addresses: [ipv4(ip)], nodeName: `node-${node}`, conditions: { ready: !terminating, serving: true, terminating } })
    }
    objects.push({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { namespace, name: `${name}-${(i * 2654435761) % 100000}`, labels: { 'kubernetes.io/service-name': name } },
      addressType: 'IPv4',
      // An unnamed port is name: "" in a slice, as kubectl prints it.
      ports: ports.map((p) => ({ name: p.name, protocol: p.protocol, port: p.targetPort })),
      endpoints,
    })
  }
  return { objects, stats }
}

/** kubectl's `-o json` for several objects: one List, 4-space indent. */
export function toJson(objects: readonly Json[]): string {
  return `${JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects, metadata: { resourceVersion: '' } }, null, 4)}\n`
}

/** Block-style YAML documents, as kubectl prints them (lists not indented under their key). */
export function toYaml(objects: readonly Json[]): string {
  const out: string[] = []
  for (const o of objects) {
    out.push('---')
    emitMap(o as { [key: string]: Json }, '', out)
  }
  out.push('')
  return out.join('\n')
}

function emitMap(map: { [key: string]: Json }, indent: string, out: string[], first = ''): void {
  let prefix = first
  for (const [key, value] of Object.entries(map)) {
    const lead = prefix || indent
    prefix = ''
    if (Array.isArray(value)) {
      if (value.length === 0) out.push(`${lead}${key}: []`)
      else if (value.every((x) => typeof x !== 'object' || x === null)) out.push(`${lead}${key}: [${value.map(scalar).join(', ')}]`)
      else {
        out.push(`${lead}${key}:`)
        for (const item of value) emitMap(item as { [key: string]: Json }, `${indent}  `, out, `${indent}- `)
      }
    } else if (typeof value === 'object' && value !== null) {
      out.push(`${lead}${key}:`)
      emitMap(value, `${indent}  `, out)
    } else out.push(`${lead}${key}: ${scalar(value)}`)
  }
}

function scalar(value: Json): string {
  if (typeof value !== 'string') return String(value)
  // Plain when YAML 1.2 core would read it back as the same string; quoted otherwise.
  return /^[A-Za-z][A-Za-z0-9._/-]*$|^\d+\.\d+\.\d+\.\d+(\/\d+)?$/.test(value) && !/^(true|false|null|yes|no|on|off|y|n)$/i.test(value) ? value : JSON.stringify(value)
}

/** The cluster as text in either input format. */
export function generateCluster(spec: ClusterSpec, format: 'yaml' | 'json' = 'yaml'): { text: string; stats: ClusterStats } {
  const { objects, stats } = generateObjects(spec)
  return { text: format === 'json' ? toJson(objects) : toYaml(objects), stats }
}
