// Reads `iptables-save -t TABLE` output: which chains exist and which rules jump where.
export interface SavedRule {
  readonly chain: string
  /** The rule after "-A CHAIN ", exactly as saved: valid after "-D CHAIN " in a restore payload. */
  readonly spec: string
  /** The -j/-g target, if any. */
  readonly target: string | undefined
}

export interface SavedTable {
  /** Chain name → true for built-in chains (those with a policy). */
  readonly chains: ReadonlyMap<string, boolean>
  readonly rules: readonly SavedRule[]
}

export const EMPTY_TABLE: SavedTable = { chains: new Map(), rules: [] }

/** Only the named table's section is read; a missing section is an empty table. */
export function parseIptablesSave(stdout: string, table: string): SavedTable {
  const chains = new Map<string, boolean>()
  const rules: SavedRule[] = []
  let inTable = false
  for (const raw of stdout.split('\n')) {
    const line = raw.trimEnd()
    if (line.startsWith('*')) inTable = line.slice(1) === table
    else if (!inTable || line === '' || line.startsWith('#')) continue
    else if (line === 'COMMIT') inTable = false
    else if (line.startsWith(':')) {
      const [name, policy] = line.slice(1).split(' ')
      if (name) chains.set(name, policy !== undefined && policy !== '-')
    } else if (line.startsWith('-A ')) {
      const rest = line.slice(3)
      const space = rest.indexOf(' ')
      const chain = space < 0 ? rest : rest.slice(0, space)
      const spec = space < 0 ? '' : rest.slice(space + 1)
      rules.push({ chain, spec, target: targetOf(spec) })
    }
  }
  return { chains, rules }
}

/** Words as iptables-restore splits them: double-quoted strings (with \" escapes) stay whole. */
export function words(spec: string): string[] {
  return spec.match(/"(?:[^"\\]|\\.)*"|\S+/g) ?? []
}

function targetOf(spec: string): string | undefined {
  const w = words(spec)
  const i = w.findIndex((x) => x === '-j' || x === '--jump' || x === '-g' || x === '--goto')
  return i >= 0 ? w[i + 1] : undefined
}
