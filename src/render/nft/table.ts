// One nftables table being built, written in knftables' dump order so the file loads in one pass.
import { compareStrings } from '../../model/compare.ts'
import type { Origin } from '../../model/types.ts'
import type { LineWriter } from '../line-writer.ts'

interface Line {
  readonly text: string
  readonly origin: Origin | undefined
}

interface Element extends Line {
  /** Canonical order of elements inside their set or map. */
  readonly sortKey: string
}

/** knftables' CommentLengthMax: kube-proxy cuts element comments to this many bytes. */
export const COMMENT_MAX = 128

/** nft comments are double-quoted strings; validation guarantees no quote or newline reaches here. */
export function quote(text: string): string {
  if (/["\n\r\\]/.test(text)) throw new Error(`svcc internal error: comment ${JSON.stringify(text)} cannot be written safely`)
  return `"${text}"`
}

export function truncateComment(text: string): string {
  const bytes = new TextEncoder().encode(text)
  return bytes.length <= COMMENT_MAX ? text : new TextDecoder().decode(bytes.slice(0, COMMENT_MAX)).replace(/\uFFFD$/, '')
}

export class NftTable {
  readonly #family: 'ip' | 'ip6'
  readonly #chains = new Map<string, { spec: string; rules: Line[] }>()
  readonly #sets = new Map<string, string>()
  readonly #maps = new Map<string, string>()
  readonly #elements = new Map<string, Map<string, Element>>()

  constructor(family: 'ip' | 'ip6') {
    this.#family = family
  }

  /** `spec` is the text inside braces, e.g. "type filter hook input priority 0 ;". */
  chain(name: string, spec = ''): void {
    if (!this.#chains.has(name)) this.#chains.set(name, { spec, rules: [] })
  }

  set(name: string, spec: string): void {
    this.#sets.set(name, spec)
    if (!this.#elements.has(name)) this.#elements.set(name, new Map())
  }

  map(name: string, spec: string): void {
    this.#maps.set(name, spec)
    if (!this.#elements.has(name)) this.#elements.set(name, new Map())
  }

  rule(origin: Origin | undefined, chain: string, text: string): void {
    const c = this.#chains.get(chain)
    if (!c) throw new Error(`svcc internal error: rule for undeclared chain ${chain}`)
    c.rules.push({ text, origin })
  }

  /** Adds `{ text }` to a set or map once; a second add of the same key keeps the first. */
  element(origin: Origin | undefined, container: string, key: string, text: string, sortKey: string): void {
    const elements = this.#elements.get(container)
    if (!elements) throw new Error(`svcc internal error: element for undeclared set ${container}`)
    if (!elements.has(key)) elements.set(key, { text, origin, sortKey })
  }

  /**
   * Writes "add table", a "delete table" that makes the file replace an earlier copy of the
   * table in the same transaction, then table, chains, sets, maps, rules and elements, each
   * group sorted by name (knftables' Fake.Dump order, which nft accepts in one pass).
   */
  write(w: LineWriter): void {
    const t = `${this.#family} kube-proxy`
    w.line(undefined, `add table ${t} { comment "rules for kube-proxy" ; }`)
    w.line(undefined, `delete table ${t}`)
    w.line(undefined, `add table ${t} { comment "rules for kube-proxy" ; }`)
    // sort() without a comparator orders strings by UTF-16 code units, as compareStrings does, natively.
    const chains = [...this.#chains.keys()].sort()
    for (const name of chains) {
      const spec = this.#chains.get(name)!.spec
      w.line(undefined, `add chain ${t} ${name}${spec ? ` { ${spec} }` : ''}`)
    }
    const sets = [...this.#sets.keys()].sort()
    const maps = [...this.#maps.keys()].sort()
    for (const name of sets) w.line(undefined, `add set ${t} ${name} { ${this.#sets.get(name)!} }`)
    for (const name of maps) w.line(undefined, `add map ${t} ${name} { ${this.#maps.get(name)!} }`)
    for (const name of chains) for (const rule of this.#chains.get(name)!.rules) w.line(rule.origin, `add rule ${t} ${name} ${rule.text}`)
    for (const name of [...sets, ...maps]) {
      const elements = [...this.#elements.get(name)!.values()].sort((a, b) => compareStrings(a.sortKey, b.sortKey))
      for (const e of elements) w.line(e.origin, `add element ${t} ${name} { ${e.text} }`)
    }
  }
}
