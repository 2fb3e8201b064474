// Runs packet states through nft chains: matches, verdicts, and a fork for every random pick (numgen).
import { cidrContains, joinHostPort, parseCidr, parseIp, type Ip } from '../../model/ip.ts'
import type { AffinityEntry, MasqueradeReason, TraceElement, TracePick, TraceStep, VerdictReason } from '../types.ts'
import type { DnatTarget, Item, NftElement, NftRule, NftTable, Selector, SetRef, Verdict } from './types.ts'
import { formatVerdict } from './values.ts'

export interface NftPacketState {
  readonly src: Ip
  readonly dst: Ip
  readonly proto: string
  readonly dport: number
  /** Unknown when undefined: `iif` matches then hold either way, as the iptables tracer's `-i` does. */
  readonly iif: string | undefined
}

/** One possible execution: forked at each random pick, so every field is this branch's alone. */
export interface State {
  mass: number
  steps: TraceStep[]
  mark: number
  /** Some rule set the masquerade mark (`mark set mark or …`). */
  marked: boolean
  /** nat-postrouting reached a masquerade statement. */
  masqueraded: boolean
  dnat: DnatTarget | undefined
  pkt: NftPacketState
}

export type End = 'accept' | 'drop' | 'reject'

export interface Walk {
  readonly table: NftTable
  readonly localIPs: readonly Ip[]
  /** Affinity checks met on the way (never matching: a new client is in no set), by set and endpoint number. */
  readonly affinity: Map<string, AffinityEntry>
  /** "chain: rule" for every rule that acted, in the order met: for failure messages. */
  readonly log: string[]
}

interface Continuations {
  /** The rule is done with this state: go on with the next rule. */
  cont(s: State): void
  /** The chain returns (return, or the end of a goto'd chain). */
  ret(s: State): void
  end(s: State, outcome: End): void
}

const MAX_DEPTH = 32

export function fork(s: State, mass: number): State {
  return { ...s, mass, steps: [...s.steps] }
}

/** Runs `states` through chain `name`; returns those that fall off its end or return, in order. */
export function runChain(w: Walk, name: string, states: readonly State[], depth: number, end: Continuations['end']): State[] {
  if (depth > MAX_DEPTH) throw new Error(`nft-trace: chain nesting deeper than ${MAX_DEPTH} at ${name} (a loop?)`)
  const chain = w.table.chains.get(name)
  if (!chain) throw new Error(`nft-trace: no chain ${name}`)
  let live = [...states]
  const back: State[] = []
  for (const rule of chain.rules) {
    const next: State[] = []
    for (const s of live) runRule(w, rule, s, depth, { cont: (x) => next.push(x), ret: (x) => back.push(x), end })
    live = next
    if (live.length === 0) break
  }
  return [...back, ...live]
}

function runRule(w: Walk, rule: NftRule, s: State, depth: number, k: Continuations): void {
  let element: TraceElement | undefined
  let masquerade: MasqueradeReason | undefined
  const act = (st: State, action: string, extra: { element?: TraceElement | undefined; pick?: TracePick; reason?: VerdictReason | undefined } = {}) => {
    const el = extra.element ?? element
    st.steps.push({
      table: `${w.table.family} ${w.table.name}`,
      chain: rule.chain,
      line: rule.line,
      rule: rule.text,
      action,
      ...(el ? { element: el } : {}),
      ...(extra.pick ? { pick: extra.pick } : {}),
      ...(masquerade ? { masquerade } : {}),
      ...(extra.reason ? { reason: extra.reason } : {}),
    })
    w.log.push(`${rule.chain}: ${rule.text}`)
  }
  for (const item of rule.items) {
    switch (item.kind) {
      case 'lookup': {
        const found = lookup(w.table, item.set, item.fields, s.pkt)
        if ((found !== undefined) === item.negate) {
          noteAffinity(w, rule, item)
          // The fast profile's firewall: the destination matched @firewall-ips, and @firewall-allow
          // holds the source, so no drop; kept in the path, as kube-proxy's per-service chain is.
          if (found && element && 'named' in item.set) act(s, `no match: @${item.set.named} holds the packet`, { element: describe(item.set.named, found) })
          return k.cont(s)
        }
        if (found && !element && 'named' in item.set) element = describe(item.set.named, found)
        break
      }
      case 'ctStateNew':
        break
      case 'ctStatusDnat':
        if (!s.dnat) return k.cont(s)
        break
      case 'fibLocal': {
        const ip = item.field === 'saddr' ? s.pkt.src : s.pkt.dst
        if (!w.localIPs.some((l) => sameIp(l, ip))) return k.cont(s)
        break
      }
      case 'iif':
        if (s.pkt.iif !== undefined && interfaceMatches(item.name, s.pkt.iif) === item.negate) return k.cont(s)
        break
      case 'markTest':
        if ((((s.mark & item.mask) >>> 0) === item.value) !== item.equal) return k.cont(s)
        break
      case 'markSet':
        if (item.op === 'or') {
          s.mark = (s.mark | item.value) >>> 0
          s.marked = true
          masquerade = masqueradeReason(rule)
        } else s.mark = (s.mark ^ item.value) >>> 0
        break
      case 'update':
        break
      case 'vmap': {
        const found = lookup(w.table, item.map, item.fields, s.pkt)
        if (!found) return k.cont(s)
        const el = describe('named' in item.map ? item.map.named : '{…}', found)
        act(s, formatVerdict(found.verdict!), { element: el, reason: elementReason(el.set, found.verdict!) })
        return runVerdict(w, found.verdict!, s, depth, k)
      }
      case 'verdict':
        act(s, formatVerdict(item.verdict), { reason: ruleReason(rule, item.verdict) })
        return runVerdict(w, item.verdict, s, depth, k)
      case 'masquerade':
        if (element?.set === '@hairpin-connections') masquerade = 'hairpin'
        act(s, 'masquerade')
        s.masqueraded = true
        return k.end(s, 'accept')
      case 'dnat': {
        const n = item.targets.length
        const from = item.from
        item.targets.forEach((target, index) => {
          const branch = n === 1 ? s : fork(s, s.mass / n)
          const picked = from ? { element: describe(from.map, from.elements[index]!) } : {}
          act(branch, `dnat to ${joinHostPort(target.ip, target.port)}`, n === 1 ? picked : { ...picked, pick: { probability: 1 / n, index, of: n } })
          branch.dnat = target
          k.end(branch, 'accept')
        })
        return
      }
      case 'numgen': {
        const n = item.entries.length
        item.entries.forEach((entry, index) => {
          const branch = fork(s, s.mass / n)
          act(branch, formatVerdict(entry.verdict!), { pick: { probability: 1 / n, index, of: n }, ...(item.map ? { element: describe(item.map, entry) } : {}) })
          runVerdict(w, entry.verdict!, branch, depth, k)
        })
        return
      }
    }
  }
  const update = rule.items.find((i) => i.kind === 'update')
  act(s, update ? `remember the client in @${update.set}` : masquerade ? 'mark for masquerade' : 'match')
  k.cont(s)
}

function runVerdict(w: Walk, verdict: Verdict, s: State, depth: number, k: Continuations): void {
  switch (verdict.kind) {
    case 'accept':
    case 'drop':
    case 'reject':
      return k.end(s, verdict.kind)
    case 'return':
      return k.ret(s)
    case 'jump':
      // Back in the calling chain after the jump: on with its next rule.
      for (const back of runChain(w, verdict.chain, [s], depth + 1, k.end)) k.cont(back)
      return
    case 'goto':
      // goto does not come back: when the target chain ends, so does this one.
      for (const back of runChain(w, verdict.chain, [s], depth + 1, k.end)) k.ret(back)
  }
}

/** kube-proxy's masquerade requests, told apart by the chain they stand in and what they match. */
function masqueradeReason(rule: NftRule): MasqueradeReason {
  if (rule.chain === 'services')
    return rule.items.some((i) => (i.kind === 'lookup' && i.negate) || (i.kind === 'iif' && i.negate)) ? 'notFromCluster' : 'masqueradeAll'
  if (rule.chain.startsWith('external-')) return rule.items.some((i) => i.kind === 'fibLocal' && i.field === 'saddr') ? 'localSource' : 'externalTraffic'
  return 'other'
}

/** The no-endpoint maps: kube-proxy rejects when a service has no endpoints, and drops when only local ones are missing. */
function elementReason(map: string, verdict: Verdict): VerdictReason | undefined {
  if (map !== '@no-endpoint-services' && map !== '@no-endpoint-nodeports') return undefined
  return verdict.kind === 'drop' ? 'noLocalEndpoints' : 'noEndpoints'
}

function ruleReason(rule: NftRule, verdict: Verdict): VerdictReason | undefined {
  if (rule.chain === 'cluster-ips-check') return verdict.kind === 'reject' ? 'invalidClusterIPPort' : verdict.kind === 'drop' ? 'unallocatedClusterIP' : undefined
  if (rule.chain.startsWith('firewall-') && verdict.kind === 'drop') return 'sourceNotAllowed'
  return undefined
}

/**
 * A failed lookup in a dynamic set is a session-affinity check: a returning client would skip
 * the random pick. kube-proxy has a set per endpoint; the fast profile one per service port,
 * keyed by client and endpoint number, so an entry is the set and the constants of the key.
 */
function noteAffinity(w: Walk, rule: NftRule, item: Extract<Item, { kind: 'lookup' }>): void {
  if (!('named' in item.set) || item.negate) return
  const set = w.table.containers.get(item.set.named)!
  const id = [set.name, ...item.fields.flatMap((f) => (typeof f === 'string' ? [] : [f.constant]))].join(' ')
  if (!set.flags.includes('dynamic') || w.affinity.has(id)) return
  const last = rule.items[rule.items.length - 1]
  const target = last?.kind === 'verdict' && (last.verdict.kind === 'goto' || last.verdict.kind === 'jump') ? last.verdict.chain : undefined
  const dnat = target === undefined ? undefined : w.table.chains.get(target)?.rules.flatMap((r) => r.items).find((i) => i.kind === 'dnat')
  const endpoint = dnat?.kind === 'dnat' && dnat.targets.length === 1 ? joinHostPort(dnat.targets[0]!.ip, dnat.targets[0]!.port) : undefined
  w.affinity.set(id, { kind: 'set', name: set.name, endpoint, timeoutSeconds: set.timeout, checkLine: rule.line })
}

function describe(set: string, e: NftElement): TraceElement {
  const name = set.startsWith('@') || set.startsWith('{') ? set : `@${set}`
  return { set: name, key: e.key.join(' . '), ...(e.line !== undefined ? { line: e.line } : {}), ...(e.comment !== undefined ? { comment: e.comment } : {}) }
}

function lookup(table: NftTable, ref: SetRef, fields: readonly Selector[], pkt: NftPacketState): NftElement | undefined {
  const elements = 'named' in ref ? table.containers.get(ref.named)!.elements : ref.anonymous
  return elements.find((e) => e.key.every((part, i) => fieldMatches(fields[i]!, part, pkt)))
}

/** A part with a `/` is a range (interval sets, anonymous sets): the packet's address must lie in it. */
function fieldMatches(field: Selector, part: string, pkt: NftPacketState): boolean {
  if (typeof field !== 'string') return Number(part) === field.constant
  switch (field) {
    case 'l4proto':
      return part === pkt.proto
    case 'dport':
      return Number(part) === pkt.dport
    case 'saddr':
    case 'daddr': {
      const ip = field === 'saddr' ? pkt.src : pkt.dst
      if (part.includes('/')) return cidrContains(parseCidr(part)!, ip)
      return sameIp(parseIp(part)!, ip)
    }
  }
}

/** `iif veth*` is a prefix match (InterfaceNamePrefix). */
function interfaceMatches(pattern: string, name: string): boolean {
  return pattern.endsWith('*') ? name.startsWith(pattern.slice(0, -1)) : name === pattern
}

export function sameIp(a: Ip, b: Ip): boolean {
  return a.family === b.family && a.bytes.every((x, i) => x === b.bytes[i])
}
