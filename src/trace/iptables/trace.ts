// Traces a packet through parsed iptables-restore rules as kube-proxy's test tracer does, keeping every random branch apart.
import { compareIps, parseIp, type Ip } from '../../model/ip.ts'
import type { AffinityEntry, BranchOutcome, Frontend, MasqueradeReason, TraceBranch, TracePick, TraceStep, VerdictReason } from '../types.ts'
import { frontendOf, masqueradeReason, spnOf, verdictReason } from './classify.ts'
import { hostOf, matchHolds, type TracedPacket } from './match.ts'
import type { IptablesRule, IptablesRuleset } from './parse.ts'

export interface Packet {
  readonly source: string
  readonly destination: string
  readonly destinationPort: number
  /** Lower-case protocol name; "tcp" when not given, as in kube-proxy's flow tests. */
  readonly protocol?: string
  /** When given, "-i" matches are checked; otherwise they count as matching, as kube-proxy's tracer does. */
  readonly inInterface?: string
}

export interface TraceOptions {
  /** Addresses that "-m addrtype --src-type/--dst-type LOCAL" treat as the node's own. */
  readonly localIps: readonly string[]
}

export type Verdict = 'ACCEPT' | 'REJECT' | 'DROP'

/** kube-proxy's tracePacket view of a trace. */
export interface IptablesHarnessResult {
  /** Every rule whose matches held and that had a target, in the order the tracer met them. */
  readonly matched: readonly IptablesRule[]
  /** DNAT targets ("ip:port", "[ip]:port") and verdicts, in the order they were reached. */
  readonly outputs: readonly string[]
  /** The DNAT targets alone: every endpoint a load-balanced packet could reach, in rule order. */
  readonly endpoints: readonly string[]
  /** The first verdict reached, if any. */
  readonly verdict: Verdict | undefined
  /** A KUBE-MARK-MASQ jump was taken. */
  readonly masq: boolean
  /** `outputs` joined with ", " ("" when nothing matched): kube-proxy's tracePacket string. */
  readonly output: string
}

export interface IptablesRun {
  /** Disjoint ways the packet can go, with absolute probabilities, in rule order. */
  readonly branches: readonly TraceBranch[]
  readonly affinity: readonly AffinityEntry[]
  /** The kind of service address hit, and kube-proxy's name of the service port, from the rules' comments. */
  readonly frontend: Frontend | undefined
  readonly spn: string | undefined
  readonly harness: IptablesHarnessResult
}

/**
 * kube-proxy's filter chains, run directly (not through INPUT/FORWARD/OUTPUT), in its tracer's
 * order; their built-in jumps all need conntrack state NEW, which a tracer cannot decide.
 */
const FILTER_CHAINS = ['KUBE-SERVICES', 'KUBE-EXTERNAL-SERVICES', 'KUBE-NODEPORTS', 'KUBE-PROXY-FIREWALL'] as const
/** iptables itself caps nesting; this only turns a jump loop into an error instead of a hang. */
const MAX_DEPTH = 64

/**
 * Traces one packet as kube-proxy's tracePacket does: nat KUBE-SERVICES (the built-in jump of
 * PREROUTING), then, with the destination rewritten to the first DNAT target, the filter chains.
 * A --probability jump never ends its chain, so every endpoint is collected. Two deliberate
 * differences, neither reachable by a kube-proxy ruleset: RETURN returns (kube-proxy's tracer
 * ignores it), and jumps to undeclared chains are rejected when parsing.
 */
export function traceIptables(ruleset: IptablesRuleset, packet: Packet, options: TraceOptions): IptablesHarnessResult {
  return runIptables(ruleset, packet, options).harness
}

interface State {
  mass: number
  steps: TraceStep[]
  marked: boolean
}

type NatEnd = { readonly state: State } & ({ readonly kind: 'dnat'; readonly target: string } | { readonly kind: 'verdict'; readonly verdict: Verdict } | { readonly kind: 'none' })

/**
 * The same walk with each --probability jump split in two: the branch that jumps carries the
 * rule's probability of what is left, the one that falls through the rest. Every branch then
 * goes through the filter chains with its own DNAT target as destination.
 */
export function runIptables(ruleset: IptablesRuleset, packet: Packet, options: TraceOptions): IptablesRun {
  const localIps = options.localIps.map((text) => parseIp(text) ?? traceError(`local IP ${text}`))
  const isLocal = (ip: Ip) => localIps.some((local) => compareIps(local, ip) === 0)
  const natLog: IptablesRule[] = []
  const natOutputs: string[] = []
  const ends: NatEnd[] = []
  const affinity = new Map<string, AffinityEntry>()
  const pkt: TracedPacket = {
    source: parseIp(packet.source) ?? traceError(`source ${packet.source}`),
    destination: parseIp(packet.destination) ?? traceError(`destination ${packet.destination}`),
    port: packet.destinationPort,
    protocol: (packet.protocol ?? 'tcp').toLowerCase(),
    inInterface: packet.inInterface,
  }

  /** True when the state ended (DNAT or verdict); false when it falls off the chain or returns. */
  const run = (chain: string, st: State, depth: number): boolean => {
    if (depth > MAX_DEPTH) traceError(`jumps nest deeper than ${MAX_DEPTH} at nat ${chain}`)
    for (const rule of ruleset.tables.get('nat')?.get(chain) ?? []) {
      if (rule.recent?.mode === 'rcheck') noteAffinity(ruleset, rule, pkt, isLocal, affinity)
      if (rule.jump === undefined || !rule.matches.every((m) => matchHolds(m, pkt, isLocal))) continue
      natLog.push(rule)
      switch (rule.jump) {
        case 'KUBE-MARK-MASQ':
          // By name, as kube-proxy's tracer: the chain only sets the mark KUBE-POSTROUTING masquerades.
          st.steps.push(step(rule, 'mark for masquerade', { masquerade: masqueradeReason(rule) }))
          st.marked = true
          continue
        case 'ACCEPT':
        case 'REJECT':
        case 'DROP':
          natOutputs.push(rule.jump)
          st.steps.push(step(rule, rule.jump))
          ends.push({ state: st, kind: 'verdict', verdict: rule.jump })
          return true
        case 'DNAT':
          natOutputs.push(rule.toDestination!)
          st.steps.push(step(rule, `DNAT to ${rule.toDestination!}`))
          ends.push({ state: st, kind: 'dnat', target: rule.toDestination! })
          return true
        case 'RETURN':
          st.steps.push(step(rule, 'RETURN'))
          return false
        case 'MARK':
        case 'SNAT':
        case 'MASQUERADE':
          st.steps.push(step(rule, rule.jump))
          continue
        default: {
          if (rule.probability === undefined) {
            st.steps.push(step(rule, `jump ${rule.jump}`))
            if (run(rule.jump, st, depth + 1)) return true
            continue
          }
          const p = Number(rule.probability)
          const taken: State = { mass: st.mass * p, steps: [...st.steps, step(rule, `jump ${rule.jump}`, { pick: { probability: p, taken: true } })], marked: st.marked }
          const ended = run(rule.jump, taken, depth + 1)
          // What the jump did not end comes back and goes on with the branch that did not jump.
          st.mass = st.mass * (1 - p) + (ended ? 0 : taken.mass)
          st.marked ||= !ended && taken.marked
          st.steps.push(step(rule, `pass ${rule.jump}`, { pick: { probability: 1 - p, taken: false } }))
        }
      }
    }
    return false
  }

  const root: State = { mass: 1, steps: [], marked: false }
  if (!run('KUBE-SERVICES', root, 0)) ends.push({ state: root, kind: 'none' })

  const filterFor = new Map<string, FilterRun>()
  const filter = (destination: Ip): FilterRun => {
    const cached = filterFor.get(destination.text)
    if (cached) return cached
    const result = runFilter(ruleset, { ...pkt, destination }, isLocal)
    filterFor.set(destination.text, result)
    return result
  }
  const branches = ends
    .filter((e) => e.state.mass > 0)
    .map((e): TraceBranch => {
      if (e.kind === 'verdict') return { probability: e.state.mass, outcome: outcomeOf(e.verdict), masqueraded: false, steps: e.state.steps }
      const f = filter(e.kind === 'dnat' ? (parseIp(hostOf(e.target)) ?? traceError(`DNAT target ${e.target}`)) : pkt.destination)
      const first = f.verdicts[0]
      const steps = [...e.state.steps, ...f.steps.slice(0, first === undefined ? f.steps.length : f.firstVerdictStep + 1)]
      const outcome: BranchOutcome = first === 'REJECT' || first === 'DROP' ? outcomeOf(first) : e.kind === 'dnat' ? 'dnat' : first === 'ACCEPT' ? 'accept' : 'none'
      return {
        probability: e.state.mass,
        outcome,
        ...(e.kind === 'dnat' ? { endpoint: e.target } : {}),
        masqueraded: e.state.marked && outcome !== 'reject' && outcome !== 'drop',
        steps,
      }
    })

  // kube-proxy's tracer runs the filter chains once, for the first DNAT target.
  const firstDnat = ends.find((e) => e.kind === 'dnat')
  const harnessFilter = filter(firstDnat ? (parseIp(hostOf(firstDnat.target)) ?? traceError(`DNAT target ${firstDnat.target}`)) : pkt.destination)
  const outputs = [...natOutputs, ...harnessFilter.verdicts]
  const verdicts = [...ends.flatMap((e) => (e.kind === 'verdict' ? [e.verdict] : [])), ...harnessFilter.verdicts]
  const harness: IptablesHarnessResult = {
    matched: [...natLog, ...harnessFilter.log],
    outputs,
    endpoints: ends.flatMap((e) => (e.kind === 'dnat' ? [e.target] : [])),
    verdict: verdicts[0],
    masq: natLog.some((r) => r.jump === 'KUBE-MARK-MASQ'),
    output: outputs.join(', '),
  }
  const rules = [...natLog, ...[...filterFor.values()].flatMap((f) => f.log)]
  const frontend = rules.map(frontendOf).find((f) => f !== undefined)
  const spn = rules.map(spnOf).find((f) => f !== undefined)
  return { branches, affinity: [...affinity.values()], frontend, spn, harness }
}

interface FilterRun {
  readonly log: IptablesRule[]
  readonly steps: TraceStep[]
  readonly verdicts: Verdict[]
  /** Index in `steps` of the first verdict. */
  firstVerdictStep: number
}

/** The filter chains in the tracer's order; each runs even after another one's verdict, as kube-proxy's tracer does. */
function runFilter(ruleset: IptablesRuleset, pkt: TracedPacket, isLocal: (ip: Ip) => boolean): FilterRun {
  const out: FilterRun = { log: [], steps: [], verdicts: [], firstVerdictStep: -1 }
  const run = (chain: string, depth: number): boolean => {
    if (depth > MAX_DEPTH) traceError(`jumps nest deeper than ${MAX_DEPTH} at filter ${chain}`)
    for (const rule of ruleset.tables.get('filter')?.get(chain) ?? []) {
      if (rule.jump === undefined || !rule.matches.every((m) => matchHolds(m, pkt, isLocal))) continue
      out.log.push(rule)
      switch (rule.jump) {
        case 'ACCEPT':
        case 'REJECT':
        case 'DROP':
          if (out.verdicts.length === 0) out.firstVerdictStep = out.steps.length
          out.steps.push(step(rule, rule.jump, { reason: verdictReason(rule) }))
          out.verdicts.push(rule.jump)
          return true
        case 'RETURN':
          out.steps.push(step(rule, 'RETURN'))
          return false
        case 'MARK':
          out.steps.push(step(rule, rule.jump))
          continue
        case 'DNAT':
        case 'SNAT':
        case 'MASQUERADE':
          return traceError(`${rule.jump} in the filter table (line ${rule.line})`)
        default:
          // kube-proxy spreads load only in nat; a random jump here would need branches the filter run does not keep.
          if (rule.probability !== undefined) traceError(`--probability jump in the filter table (line ${rule.line})`)
          out.steps.push(step(rule, `jump ${rule.jump}`))
          if (run(rule.jump, depth + 1)) return true
      }
    }
    return false
  }
  for (const chain of FILTER_CHAINS) run(chain, 0)
  return out
}

function step(rule: IptablesRule, action: string, extra: { masquerade?: MasqueradeReason; reason?: VerdictReason | undefined; pick?: TracePick } = {}): TraceStep {
  return {
    table: rule.table,
    chain: rule.chain,
    line: rule.line,
    rule: rule.text,
    action,
    ...(extra.pick ? { pick: extra.pick } : {}),
    ...(extra.masquerade ? { masquerade: extra.masquerade } : {}),
    ...(extra.reason ? { reason: extra.reason } : {}),
  }
}

function outcomeOf(v: Verdict): BranchOutcome {
  return v === 'ACCEPT' ? 'accept' : v === 'REJECT' ? 'reject' : 'drop'
}

/** `-m recent --rcheck`: a returning client would go straight to the named endpoint chain; a new one never does. */
function noteAffinity(ruleset: IptablesRuleset, rule: IptablesRule, pkt: TracedPacket, isLocal: (ip: Ip) => boolean, affinity: Map<string, AffinityEntry>): void {
  const recent = rule.recent!
  if (affinity.has(recent.name) || !rule.matches.every((m) => m.kind === 'history' || matchHolds(m, pkt, isLocal))) return
  const dnat = rule.jump === undefined ? undefined : ruleset.tables.get(rule.table)?.get(rule.jump)?.find((r) => r.jump === 'DNAT')
  affinity.set(recent.name, { kind: 'recent', name: recent.name, endpoint: dnat?.toDestination, timeoutSeconds: recent.seconds, checkLine: rule.line })
}

function traceError(what: string): never {
  throw new Error(`iptables trace: cannot use ${what}`)
}
