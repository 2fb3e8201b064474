// A write-once nft table for the fast profile: objects in creation order, each set's elements in one command.
import type { Origin } from '../../model/types.ts'

/**
 * Unlike NftTable (knftables' dump order, one `add element` per element), this writes:
 * table, chains, sets and maps in the order they were declared, rules in the order they were
 * added, then one multi-line `add element … { … }` command per set, one element per line so an
 * nft error still points at the line (and so the manifest field) that produced the element.
 * One command per set means one set lookup by name in the kernel instead of one per element
 * (the kernel keeps a table's sets in a list and compares names one by one).
 * Nothing is sorted: the plan is already in a canonical order, and sorting 100k strings is
 * a noticeable part of the render time.
 */
export class FastTable {
  readonly #name: string
  readonly #chains: string[] = []
  readonly #chainSet = new Set<string>()
  readonly #sets: string[] = []
  readonly #lateSets: string[] = []
  readonly #elements = new Map<string, { keys: Set<string>; lines: string[]; origins: (Origin | undefined)[] }>()
  readonly #rules: string[] = []
  readonly #ruleOrigins: (Origin | undefined)[] = []

  constructor(family: 'ip' | 'ip6') {
    this.#name = `${family} kube-proxy`
  }

  /** `spec` is the text inside braces, e.g. "type filter hook input priority 0 ;". */
  chain(name: string, spec = ''): void {
    if (this.#chainSet.has(name)) return
    this.#chainSet.add(name)
    this.#chains.push(`add chain ${this.#name} ${name}${spec ? ` { ${spec} }` : ''}`)
  }

  /**
   * `kind` is "set" or "map"; `spec` the text inside braces. `late` sets are declared after all
   * others: the kernel finds a set by walking the table's sets in creation order, so thousands of
   * per-endpoint sets go last, where they do not lengthen the lookups of the shared ones.
   */
  set(kind: 'set' | 'map', name: string, spec: string, late = false): void {
    if (this.#elements.has(name)) return
    ;(late ? this.#lateSets : this.#sets).push(`add ${kind} ${this.#name} ${name} { ${spec} }`)
    this.#elements.set(name, { keys: new Set(), lines: [], origins: [] })
  }

  rule(origin: Origin | undefined, chain: string, text: string): void {
    this.#rules.push(`add rule ${this.#name} ${chain} ${text}`)
    this.#ruleOrigins.push(origin)
  }

  /** Adds an element once; a second add of the same key keeps the first (as NftTable does). */
  element(origin: Origin | undefined, set: string, key: string, text: string = key): void {
    const e = this.#elements.get(set)
    if (!e) throw new Error(`svcc internal error: element for undeclared set ${set}`)
    if (e.keys.has(key)) return
    e.keys.add(key)
    e.lines.push(`\t${text},`)
    e.origins.push(origin)
  }

  write(lines: string[], origins: (Origin | undefined)[]): void {
    const fixed = (text: string) => {
      lines.push(text)
      origins.push(undefined)
    }
    fixed(`add table ${this.#name} { comment "rules for kube-proxy" ; }`)
    fixed(`delete table ${this.#name}`)
    fixed(`add table ${this.#name} { comment "rules for kube-proxy" ; }`)
    for (const c of this.#chains) fixed(c)
    for (const s of this.#sets) fixed(s)
    for (const s of this.#lateSets) fixed(s)
    for (let i = 0; i < this.#rules.length; i++) {
      lines.push(this.#rules[i]!)
      origins.push(this.#ruleOrigins[i])
    }
    for (const [name, e] of this.#elements) {
      if (e.lines.length === 0) continue
      fixed(`add element ${this.#name} ${name} {`)
      for (let i = 0; i < e.lines.length; i++) {
        lines.push(e.lines[i]!)
        origins.push(e.origins[i])
      }
      fixed('}')
    }
  }
}
