// One iptables table being built: declared chains and their rules, printed in kube-proxy's canonical order.
import type { Origin } from '../../model/types.ts'
import type { LineWriter } from '../line-writer.ts'
import { joinWords } from './words.ts'

interface Rule {
  /** The finished "-A chain words…" line. */
  readonly text: string
  readonly origin: Origin | undefined
}

export class IptablesTable {
  readonly #chains = new Map<string, Rule[]>()
  readonly name: string

  constructor(name: 'filter' | 'nat', fixedChains: readonly string[]) {
    this.name = name
    for (const chain of fixedChains) this.declare(chain)
  }

  declare(chain: string): void {
    if (!this.#chains.has(chain)) this.#chains.set(chain, [])
  }

  /** Appends "-A chain words…"; the chain must have been declared. */
  rule(origin: Origin | undefined, chain: string, ...words: readonly (string | readonly string[])[]): void {
    const rules = this.#chains.get(chain)
    if (!rules) throw new Error(`svcc internal error: rule for undeclared chain ${chain}`)
    // Joined once here (the same words and spacing LineWriter.line would make from '-A', chain, words).
    const rest = joinWords(words)
    rules.push({ text: rest === '' ? `-A ${chain}` : `-A ${chain} ${rest}`, origin })
  }

  /**
   * Writes "*table", the declarations, the rules chain by chain, "COMMIT". Chains come in the
   * order kube-proxy's tests normalise to (KUBE-NODEPORTS, KUBE-SERVICES, other KUBE-* chains,
   * then the rest, each group by name), so the text is byte-comparable with kube-proxy's.
   */
  write(w: LineWriter): void {
    const chains = sortChains([...this.#chains.keys()])
    w.line(undefined, `*${this.name}`)
    for (const chain of chains) w.line(undefined, `:${chain} - [0:0]`)
    for (const chain of chains) for (const rule of this.#chains.get(chain)!) w.line(rule.origin, rule.text)
    w.line(undefined, 'COMMIT')
  }
}

function chainRank(chain: string): number {
  if (chain === 'KUBE-NODEPORTS') return 0
  if (chain === 'KUBE-SERVICES') return 1
  return chain.startsWith('KUBE-') ? 2 : 3
}

/**
 * Sorted by rank, then by name in code-unit order (compareStrings). The rank is prefixed as one
 * digit and the default sort (which compares UTF-16 code units, as compareStrings does) runs
 * natively: a comparator function costs about a second per 100k chains.
 */
function sortChains(chains: string[]): string[] {
  return chains
    .map((c) => `${chainRank(c)}${c}`)
    .sort()
    .map((c) => c.slice(1))
}
