// A lab case is data (manifests, node settings, probes with expected outcomes); this runs one through the kernel.
import { compile } from '../../src/compile.ts'
import { formatDiagnostics } from '../../src/diagnostics/format.ts'
import type { Source } from '../../src/manifest/source.ts'
import type { SettingsInput } from '../../src/model/settings.ts'
import type { Plan } from '../../src/plan/types.ts'
import { renderIptables } from '../../src/render/iptables/render.ts'
import { renderNft } from '../../src/render/nft/render.ts'
import { judge, probeShape, summarize, type Expect } from './expect.ts'
import type { Lab, LabSpec, PodSpec, ProbeRequest } from './lab.ts'
import type { Format, RenderedRules } from './load.ts'
import { canonical, placeSource } from './topology.ts'

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
}

export interface LabCase {
  readonly name: string
  readonly sources: readonly Source[]
  readonly settings: SettingsInput | ((format: Format) => SettingsInput)
  readonly probes: readonly LabProbe[]
}

/** Replaces the node namespace's rules (and conntrack state) with these; the suites use svcc's applier (load.ts). */
export type Loader = (lab: Lab, rules: RenderedRules) => Promise<void>

export interface CaseOutcome {
  readonly ran: number
  readonly skipped: readonly { readonly probe: string; readonly reason: string }[]
  /** One entry per failing probe, with what was seen. */
  readonly failures: readonly string[]
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

export function render(plan: Plan, format: Format): RenderedRules {
  if (format === 'nft') return { format, rendered: renderNft(plan) }
  return { format, families: plan.families.map((f) => ({ family: f.family, rendered: renderIptables(f) })) }
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

/** Loads the case's rules for `format` into the node and sends every probe; never throws for a wrong outcome. */
export async function runCase(lab: Lab, c: LabCase, format: Format, load: Loader): Promise<CaseOutcome> {
  await load(lab, render(planFor(c, format), format))
  const active = c.probes.filter((p) => !p.skip)
  return { ran: active.length, skipped: c.probes.filter((p) => p.skip).map((p) => ({ probe: p.name, reason: p.skip! })), failures: await sendProbes(lab, active, format) }
}

/** Sends the probes as they are (whatever rules the node has) and returns one entry per probe that saw the wrong thing. */
export async function sendProbes(lab: Lab, probes: readonly LabProbe[], format: Format): Promise<string[]> {
  await lab.setExternalSources([...new Set(probes.filter((p) => lab.placement(p.from) === 'external').map((p) => canonical(p.from)))])
  const requests: ProbeRequest[] = probes.map((p, i) => ({
    id: String(i),
    from: p.from,
    to: p.to,
    port: p.port,
    protocol: p.protocol === 'UDP' ? 'udp' : 'tcp',
    ...probeShape(pick(p.expect, format), p),
  }))
  const results = await lab.probe(requests)
  const failures: string[] = []
  probes.forEach((p, i) => {
    const attempts = results.get(String(i)) ?? []
    const problems = judge(pick(p.expect, format), p, attempts)
    if (problems.length > 0)
      failures.push(`${p.name} [${p.from} → ${p.to}:${p.port}/${p.protocol ?? 'TCP'}]\n    ${problems.join('\n    ')}\n    saw: ${summarize(attempts)}`)
  })
  return failures
}
