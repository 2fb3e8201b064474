// A lab case is data (manifests, node settings, probes with expected outcomes); this runs one through the kernel.
import { compile } from '../../src/compile.ts'
import { formatDiagnostics } from '../../src/diagnostics/format.ts'
import type { Source } from '../../src/manifest/source.ts'
import type { SettingsInput } from '../../src/model/settings.ts'
import type { Plan } from '../../src/plan/types.ts'
import { renderIptables } from '../../src/render/iptables/render.ts'
import { renderNftFast } from '../../src/render/nft/fast.ts'
import { renderNft } from '../../src/render/nft/render.ts'
import { judge, probeShape, summarize, type Expect } from './expect.ts'
import type { Lab, LabSpec, PodSpec, ProbeRequest } from './lab.ts'
import { formatOf, type Format, type RenderedRules, type Variant } from './load.ts'
import { compareTrace, observe, type Observation } from './observe.ts'
import { canonical, placeSource } from './topology.ts'
import { tracerFor, type ProbeTrace, type Tracer } from './traced.ts'

/** A value that is the same for both formats, or differs with a stated reason. */
export type PerFormat<T> = T | { readonly nft: T; readonly iptables: T; readonly why: string }

export interface LabProbe {
  readonly name: string
  readonly from: string
  readonly to: string
  readonly port: number
  readonly protocol?: 'TCP' | 'UDP'
  readonly expect: PerFormat<Expect>
  /** Why real packets cannot reproduce this probe; it is counted as skipped, never run. */
  readonly skip?: string
  /** Why `svcc trace` has nothing to say about this probe (rules svcc did not write); it is counted as untraced. */
  readonly untraced?: string
}

export interface LabCase {
  readonly name: string
  readonly sources: readonly Source[]
  readonly settings: SettingsInput | ((format: Format) => SettingsInput)
  readonly probes: readonly LabProbe[]
}

/** Replaces the node namespace's rules (and conntrack state) with these, and returns what it loaded; the suites use svcc's applier (load.ts). */
export type Loader = (lab: Lab, rules: RenderedRules) => Promise<RenderedRules>

/** How many probes `svcc trace` judged; every one is traced on the text the node was loaded with (traced.ts). */
export interface TraceCount {
  /** Traced on the loaded text and compared with what the kernel did. */
  readonly loaded: number
  /** Declared untraced (LabProbe.untraced). */
  readonly untraced: number
  /** Of the endpoint probes, those whose kernel set was a sample (a subset of trace's, missing ones not yet unlikely). */
  readonly sampled: number
}

export interface ProbeReport {
  /** One entry per probe that saw something other than its expectation, with what was seen. */
  readonly failures: readonly string[]
  /** One entry per probe where `svcc trace` on the loaded text says something other than what the kernel did. */
  readonly disagreements: readonly string[]
  readonly traced: TraceCount
  /** What the kernel did, per traced probe: to hold other traces against (matrix.test.ts). */
  readonly observed: readonly { readonly probe: LabProbe; readonly observation: Observation }[]
}

export interface CaseOutcome extends ProbeReport {
  readonly ran: number
  readonly skipped: readonly { readonly probe: string; readonly reason: string }[]
}

export function pick<T>(value: PerFormat<T>, format: Format): T {
  return typeof value === 'object' && value !== null && 'why' in value && 'nft' in value ? value[format] : (value as T)
}

const compiled = new WeakMap<LabCase, Map<Format, Plan>>()

/** Compiles once per case and format; a case that does not compile is a test failure, with svcc's diagnostics. */
export function planFor(c: LabCase, format: Format): Plan {
  const plans = compiled.get(c) ?? new Map<Format, Plan>()
  compiled.set(c, plans)
  const cached = plans.get(format)
  if (cached) return cached
  const settings = typeof c.settings === 'function' ? c.settings(format) : c.settings
  const result = compile(c.sources, { format, settings })
  if (!result.ok) throw new Error(`${c.name} (${format}) does not compile:\n${formatDiagnostics(result.diagnostics)}`)
  plans.set(format, result.plan)
  return result.plan
}

export function render(plan: Plan, variant: Variant): RenderedRules {
  if (variant === 'nft') return { format: 'nft', variant, rendered: renderNft(plan) }
  if (variant === 'nft-fast') return { format: 'nft', variant, rendered: renderNftFast(plan) }
  return { format: 'iptables', variant, families: plan.families.map((f) => ({ family: f.family, rendered: renderIptables(f) })) }
}

/** Everything the lab must have for these cases: a pod per endpoint address, the pod clients, the node's ports. */
export function labSpecFor(tag: string, cases: readonly LabCase[], formats: readonly Format[]): LabSpec {
  const pods = new Map<string, { tcp: Set<number>; udp: Set<number> }>()
  for (const c of cases)
    for (const format of formats)
      for (const family of planFor(c, format).families)
        for (const sp of family.servicePorts)
          for (const ep of sp.allEndpoints) {
            if (sp.protocol === 'sctp') continue
            const pod = pods.get(ep.ip.text) ?? { tcp: new Set(), udp: new Set() }
            pod[sp.protocol].add(ep.port)
            pods.set(ep.ip.text, pod)
          }
  const podIPs = new Set(pods.keys())
  const podClients = new Set<string>()
  const nodePorts = new Set<number>()
  for (const c of cases)
    for (const p of c.probes) {
      if (p.skip) continue
      if (placeSource(p.from, podIPs) === 'pod-client') podClients.add(canonical(p.from))
      nodePorts.add(p.port)
    }
  const podSpecs: PodSpec[] = [...pods].map(([ip, ports]) => ({ ip, tcp: [...ports.tcp].sort((a, b) => a - b), udp: [...ports.udp].sort((a, b) => a - b) }))
  return { tag, pods: podSpecs, podClients: [...podClients], nodeTcpPorts: [...nodePorts].sort((a, b) => a - b) }
}

/** Loads the case's rules for `variant` into the node and sends every probe; never throws for a wrong outcome. */
export async function runCase(lab: Lab, c: LabCase, variant: Variant, load: Loader): Promise<CaseOutcome> {
  const plan = planFor(c, formatOf(variant))
  const loaded = await load(lab, render(plan, variant))
  const active = c.probes.filter((p) => !p.skip)
  const report = await sendProbes(lab, active, variant, tracerFor(loaded, plan))
  return { ran: active.length, skipped: c.probes.filter((p) => p.skip).map((p) => ({ probe: p.name, reason: p.skip! })), ...report }
}

/**
 * Sends the probes as they are (whatever rules the node has) and judges each twice: against its
 * expectation, and (unless the probe is declared untraced) `svcc trace` through `tracer` against
 * what the kernel did (observe.ts). A probe that should reach endpoints keeps
 * connecting until trace's endpoints answered too (within its bound), so an endpoint only trace
 * gives shows up as never chosen.
 */
export async function sendProbes(lab: Lab, probes: readonly LabProbe[], variant: Variant, tracer: Tracer): Promise<ProbeReport> {
  const format = formatOf(variant)
  await lab.setExternalSources([...new Set(probes.filter((p) => lab.placement(p.from) === 'external').map((p) => canonical(p.from)))])
  const traces: (ProbeTrace | undefined)[] = probes.map((p) => (p.untraced === undefined ? tracer(p) : undefined))
  const requests: ProbeRequest[] = probes.map((p, i) => {
    const shape = probeShape(pick(p.expect, format), p)
    const traced = traces[i]?.result.endpoints.filter((e) => e.probability > 0).map((e) => e.endpoint) ?? []
    const until = shape.until && [...new Set([...shape.until, ...traced])]
    return { id: String(i), from: p.from, to: p.to, port: p.port, protocol: p.protocol === 'UDP' ? 'udp' : 'tcp', ...shape, ...(until ? { until } : {}) }
  })
  const results = await lab.probe(requests)
  // Where nothing answered, conntrack tells what the rules did (observe.ts).
  const unanswered = [...results.values()].some((attempts) => attempts.some((a) => !a.ok))
  const connections = unanswered ? await lab.connections() : []

  const failures: string[] = []
  const disagreements: string[] = []
  const count = { loaded: 0, untraced: 0, sampled: 0 }
  const observed: { probe: LabProbe; observation: Observation }[] = []
  probes.forEach((p, i) => {
    const attempts = results.get(String(i)) ?? []
    const label = `${p.name} [${p.from} → ${p.to}:${p.port}/${p.protocol ?? 'TCP'}]`
    const problems = judge(pick(p.expect, format), p, attempts)
    if (problems.length > 0) failures.push(`${label}\n    ${problems.join('\n    ')}\n    saw: ${summarize(attempts)}`)
    const t = traces[i]
    if (!t) {
      count.untraced++
      return
    }
    count.loaded++
    const observation = observe({ ...p, attempts, connections })
    observed.push({ probe: p, observation })
    const compared = compareTrace(observation, t.result)
    if (compared.fullSet === false) count.sampled++
    if (compared.problems.length > 0)
      disagreements.push(`${label}: svcc trace (loaded text) disagrees with the kernel\n    ${compared.problems.join('\n    ')}\n    saw: ${summarize(attempts)}`)
  })
  return { failures, disagreements, traced: count, observed }
}

