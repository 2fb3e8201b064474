// Traces a packet through a parsed nft ruleset hook by hook, as kube-proxy's nftables test tracer does, branch by branch.
import { joinHostPort, parseIp, type Ip } from '../../model/ip.ts'
import type { AffinityEntry, BranchOutcome, Frontend, TraceBranch } from '../types.ts'
import { frontendOf, spnOf } from './classify.ts'
import { PROTOCOLS, type NftRuleset, type NftTable, type TableFamily } from './types.ts'
import { runChain, type End, type NftPacketState, type State, type Walk } from './walk.ts'

export interface NftPacket {
  readonly sourceIP: string
  readonly destIP: string
  readonly destPort: number
  /** tcp (default), udp or sctp; any case. */
  readonly protocol?: string
  /** The input interface, for `iif` matches; unknown (every `iif` match holds) when not given. */
  readonly inInterface?: string
}

export interface NftTraceResult {
  /** DNAT targets joined with ", " (every numgen entry, in index order), or DROP / REJECT, or "". */
  readonly output: string
  readonly masq: boolean
  /** "chain: rule" for every rule that acted, in order: for failure messages. */
  readonly matched: readonly string[]
}

export interface NftRun {
  /** Disjoint ways the packet can go, in the order the tracer met them. */
  readonly branches: readonly TraceBranch[]
  readonly affinity: readonly AffinityEntry[]
  /** The kind of service address hit, and kube-proxy's name of the service port, from map elements and chain names. */
  readonly frontend: Frontend | undefined
  readonly spn: string | undefined
  /** kube-proxy's tracer view of the same run. */
  readonly harness: NftTraceResult
}

const HOOKS: readonly [string, string, string][] = [
  ['filter-prerouting-pre-dnat', 'filter', 'prerouting'],
  ['nat-prerouting', 'nat', 'prerouting'],
  ['filter-forward', 'filter', 'forward'],
  ['filter-input', 'filter', 'input'],
  ['nat-postrouting', 'nat', 'postrouting'],
]

/**
 * kube-proxy's nftables test tracer: filter-prerouting-pre-dnat, then nat-prerouting (a numgen
 * DNAT is followed into every entry), then — with the destination replaced by the first DNAT
 * target — filter-forward and filter-input, stopping at drop or reject. `masq` is true when a
 * rule set a mark (kube-proxy marks only for masquerading), or when nat-postrouting would
 * masquerade the connection to one of the DNAT targets (the hairpin set matches the
 * translated destination). `fib … type local` is true for `localIPs`; dynamic affinity sets
 * are empty. The table is the one of the packet's family (`ip` or `ip6`).
 */
export function traceNft(ruleset: NftRuleset, packet: NftPacket, localIPs: readonly string[]): NftTraceResult {
  return runNft(ruleset, packet, localIPs).harness
}

/**
 * The same walk, kept per branch: every random pick forks the packet, and each branch goes
 * through the filter hooks and nat-postrouting with its own translated destination, so each
 * endpoint has its own path, probability and masquerade decision.
 */
export function runNft(ruleset: NftRuleset, packet: NftPacket, localIPs: readonly string[]): NftRun {
  const src = mustIp(packet.sourceIP)
  const dst = mustIp(packet.destIP)
  if (src.family !== dst.family) throw new Error(`nft-trace: ${packet.sourceIP} → ${packet.destIP} mixes IP families`)
  const proto = (packet.protocol ?? 'tcp').toLowerCase()
  if (!PROTOCOLS.has(proto)) throw new Error(`nft-trace: unsupported protocol ${proto}`)
  const family: TableFamily = src.family === 'ipv4' ? 'ip' : 'ip6'
  const tables = ruleset.tables.filter((t) => t.family === family)
  if (tables.length !== 1) throw new Error(`nft-trace: expected one ${family} table, found ${tables.length}`)
  const table = tables[0]!
  checkHooks(table)

  const w: Walk = { table, localIPs: localIPs.map(mustIp), affinity: new Map(), log: [] }
  const pkt: NftPacketState = { src, dst, proto, dport: packet.destPort, iif: packet.inInterface }
  const root: State = { mass: 1, steps: [], mark: 0, marked: false, masqueraded: false, dnat: undefined, pkt }
  const stopped: { state: State; outcome: 'drop' | 'reject'; phase: number }[] = []
  const hook = (name: string, states: readonly State[], phase: number) => runHook(w, name, states, (state, outcome) => stopped.push({ state, outcome, phase }))

  let states = hook('filter-prerouting-pre-dnat', [root], 0)
  states = hook('nat-prerouting', states, 1)
  // Filtering after DNAT sees the translated destination.
  for (const s of states) if (s.dnat) s.pkt = { ...s.pkt, dst: s.dnat.ip, dport: s.dnat.port }
  const afterDnat = states
  states = hook('filter-forward', states, 2)
  states = hook('filter-input', states, 2)
  for (const s of states) hook('nat-postrouting', [s], 3)

  const branch = (s: State, outcome: BranchOutcome): TraceBranch => ({
    probability: s.mass,
    outcome,
    ...(s.dnat ? { endpoint: joinHostPort(s.dnat.ip, s.dnat.port) } : {}),
    masqueraded: outcome !== 'drop' && outcome !== 'reject' && (s.marked || s.masqueraded),
    steps: s.steps,
  })
  const branches = [
    ...stopped.map((x) => branch(x.state, x.outcome)),
    ...states.map((s) => branch(s, s.dnat ? 'dnat' : 'none')),
  ]

  // kube-proxy's tracer stops at the first drop or reject before DNAT, and filters only the first DNAT target.
  const early = stopped.find((x) => x.phase < 2)
  const late = stopped.find((x) => x.phase === 2 && x.state === afterDnat[0])
  const verdict = (early ?? late)?.outcome
  const outputs = afterDnat.flatMap((s) => (s.dnat ? [joinHostPort(s.dnat.ip, s.dnat.port)] : []))
  if (verdict) outputs.push(verdict.toUpperCase())
  const all = [...stopped.map((x) => x.state), ...states]
  const masq = all.some((s) => s.marked) || (verdict === undefined && states.some((s) => s.masqueraded))
  const steps = branches.flatMap((b) => b.steps)
  return {
    branches,
    affinity: [...w.affinity.values()],
    frontend: frontendOf(table, steps, dst),
    spn: steps.map(spnOf).find((x) => x !== undefined),
    harness: { output: outputs.join(', '), masq, matched: w.log },
  }
}

/** Runs a base chain; returns the states it lets through (accepted, or fallen to an accept policy). */
function runHook(w: Walk, name: string, states: readonly State[], stop: (s: State, outcome: 'drop' | 'reject') => void): State[] {
  const passed: State[] = []
  const end = (s: State, outcome: End) => (outcome === 'accept' ? passed.push(s) : stop(s, outcome))
  const fell = runChain(w, name, states, 0, end)
  const policy = w.table.chains.get(name)!.base!.policy
  if (policy !== 'accept' && policy !== 'drop') throw new Error(`nft-trace: unsupported policy ${policy} on ${name}`)
  for (const s of fell) end(s, policy)
  return passed
}

function mustIp(text: string): Ip {
  const ip = parseIp(text)
  if (!ip || ip.text !== text) throw new Error(`nft-trace: ${JSON.stringify(text)} is not a canonical IP address`)
  return ip
}

/** The chains the tracer starts from must exist and hook where kube-proxy hooks them. */
function checkHooks(table: NftTable): void {
  for (const [name, type, hook] of HOOKS) {
    const base = table.chains.get(name)?.base
    if (!base || base.type !== type || base.hook !== hook) throw new Error(`nft-trace: ${table.family} ${table.name} has no base chain ${name} (type ${type} hook ${hook})`)
  }
  // The source-range firewall must see the destination before DNAT rewrites it.
  if (table.chains.get('filter-prerouting-pre-dnat')!.base!.priority >= table.chains.get('nat-prerouting')!.base!.priority)
    throw new Error('nft-trace: filter-prerouting-pre-dnat does not run before nat-prerouting')
}
