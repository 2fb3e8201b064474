// Finds a service port's and its endpoints' lines in the rendered text (parsed back), by kube-proxy's names for them.
import { joinHostPort } from '../model/ip.ts'
import { iptablesNames, nftEndpointBase, nftNames, nftServiceBase } from '../plan/names.ts'
import type { ServicePortPlan } from '../plan/types.ts'
import { truncateComment } from '../render/nft/table.ts'
import { spnOf } from '../trace/iptables/classify.ts'
import type { IptablesRule, IptablesRuleset } from '../trace/iptables/parse.ts'
import type { NftElement, NftRule, NftTable, Verdict } from '../trace/nft/types.ts'
import { formatVerdict } from '../trace/nft/values.ts'
import type { RulesetLine } from './types.ts'

export interface Located {
  readonly port: readonly RulesetLine[]
  /** By endpoint string. */
  readonly endpoints: ReadonlyMap<string, readonly RulesetLine[]>
}

/** The port's chains, the map elements that lead to them or stand for it, and per endpoint its dispatch entries and chains. */
export function locateNft(table: NftTable, sp: ServicePortPlan): Located {
  const base = nftServiceBase(sp.namespace, sp.name, sp.protocol, sp.portName)
  const chains = new Set([nftNames.service(base), nftNames.local(base), nftNames.external(base), nftNames.firewall(base)].filter((c) => table.chains.has(c)))
  const comment = truncateComment(sp.spn)
  const port: RulesetLine[] = []
  const endpoints = new Map<string, RulesetLine[]>()
  const epChains = new Map<string, { chain: string; set: string; endpoint: string }>()
  for (const ep of sp.reachableEndpoints) {
    const epBase = nftEndpointBase(sp.namespace, sp.name, sp.protocol, sp.portName, ep.ip.text, ep.port)
    epChains.set(nftNames.endpoint(epBase), { chain: nftNames.endpoint(epBase), set: nftNames.affinity(epBase), endpoint: ep.endpoint })
    endpoints.set(ep.endpoint, [])
  }

  for (const chain of chains)
    for (const rule of table.chains.get(chain)!.rules) {
      const owners = endpointsOfNftRule(rule, epChains)
      if (owners.length === 0) port.push(nftRuleLine(rule))
      for (const owner of owners) endpoints.get(owner)?.push(nftRuleLine(rule))
    }
  for (const { chain, endpoint } of epChains.values()) for (const rule of table.chains.get(chain)?.rules ?? []) endpoints.get(endpoint)!.push(nftRuleLine(rule))

  for (const container of table.containers.values())
    for (const e of container.elements) {
      if (e.line === undefined) continue
      const target = e.verdict && (e.verdict.kind === 'goto' || e.verdict.kind === 'jump') ? e.verdict.chain : undefined
      const mine =
        (target !== undefined && chains.has(target)) ||
        (e.comment === comment && (container.name === 'no-endpoint-services' || container.name === 'no-endpoint-nodeports')) ||
        (container.name === 'cluster-ips' && e.key[0] === sp.clusterIP.text)
      if (mine) port.push(nftElementLine(container.name, e))
      if (container.name === 'hairpin-connections')
        for (const ep of sp.reachableEndpoints)
          if (e.key.join(' . ') === `${ep.ip.text} . ${ep.ip.text} . ${sp.protocol} . ${ep.port}`) endpoints.get(ep.endpoint)!.push(nftElementLine(container.name, e))
    }
  return { port: byLine(port), endpoints: new Map([...endpoints].map(([k, v]) => [k, byLine(v)])) }
}

/** Endpoints a dispatch rule names: numgen entries to their chains, DNAT targets, affinity-set checks. */
function endpointsOfNftRule(rule: NftRule, epChains: ReadonlyMap<string, { chain: string; set: string; endpoint: string }>): string[] {
  const out: string[] = []
  const viaChain = (v: Verdict | undefined) => {
    const endpoint = v && (v.kind === 'goto' || v.kind === 'jump') ? epChains.get(v.chain)?.endpoint : undefined
    if (endpoint !== undefined) out.push(endpoint)
  }
  for (const item of rule.items) {
    if (item.kind === 'numgen') for (const e of item.entries) viaChain(e.verdict)
    if (item.kind === 'verdict') viaChain(item.verdict)
    if (item.kind === 'dnat') out.push(...item.targets.map((t) => joinHostPort(t.ip, t.port)))
  }
  return out
}

function nftRuleLine(rule: NftRule): RulesetLine {
  return { line: rule.line, object: rule.chain, text: rule.text }
}

function nftElementLine(set: string, e: NftElement): RulesetLine {
  return { line: e.line!, object: `@${set}`, text: `{ ${e.key.join(' . ')}${e.verdict ? ` : ${formatVerdict(e.verdict)}` : ''} }` }
}

/** The port's chains, the rules that jump to them or name it in their comment, and per endpoint its KUBE-SEP chain and the jumps to it. */
export function locateIptables(ruleset: IptablesRuleset, sp: ServicePortPlan): Located {
  const names = iptablesNames
  const chains = new Set(Object.values(names.serviceChains(sp.spn, sp.protocol)))
  const seps = new Map(sp.reachableEndpoints.map((ep) => [names.endpoint(sp.spn, sp.protocol, ep.endpoint), ep.endpoint]))
  const port: RulesetLine[] = []
  const endpoints = new Map<string, RulesetLine[]>(sp.reachableEndpoints.map((ep) => [ep.endpoint, []]))
  for (const table of ruleset.tables.values())
    for (const [chain, rules] of table) {
      if (!chains.has(chain) && !seps.has(chain) && !rules.some((r) => mentions(r, sp.spn, chains))) continue
      for (const rule of rules) {
        const owner = seps.get(chain) ?? (rule.jump === undefined ? undefined : seps.get(rule.jump))
        if (owner !== undefined) endpoints.get(owner)!.push(iptablesLine(rule))
        else if (chains.has(chain) || mentions(rule, sp.spn, chains)) port.push(iptablesLine(rule))
      }
    }
  return { port: byLine(port), endpoints: new Map([...endpoints].map(([k, v]) => [k, byLine(v)])) }
}

function mentions(rule: IptablesRule, spn: string, chains: ReadonlySet<string>): boolean {
  return (rule.jump !== undefined && chains.has(rule.jump)) || spnOf(rule) === spn
}

function iptablesLine(rule: IptablesRule): RulesetLine {
  return { line: rule.line, object: `${rule.table} ${rule.chain}`, text: rule.text }
}

function byLine(lines: readonly RulesetLine[]): RulesetLine[] {
  const seen = new Set<number>()
  return [...lines].sort((a, b) => a.line - b.line).filter((l) => (seen.has(l.line) ? false : (seen.add(l.line), true)))
}
