// Loads an nft ruleset as one atomic `nft -f -` transaction that replaces svcc's kube-proxy tables and nothing else.
import { invoke, type Context } from './invoke.ts'
import { targetLabel } from './netns.ts'
import { foreignNftLines, foreignNftTables, ownedNftTables, readNftState, tablesWritten } from './nft-state.ts'
import { NFT_MARK, notOwnedMessage } from './ownership.ts'
import { addedLine, payloadText, renderedLines, type PayloadLine } from './payload.ts'
import { Abort, usage } from './problem.ts'
import { parseNftErrors, rejection, sourceOf } from './restore-error.ts'
import { rulesetLabel, type ApplyRuleset } from './ruleset.ts'

export interface NftReport {
  /** Tables written, e.g. ["ip kube-proxy"]. */
  readonly tables: readonly string[]
  /** svcc-marked tables of families the ruleset no longer has, deleted in the same transaction. */
  readonly staleTables: readonly string[]
  /** kube-proxy tables svcc did not write, present before (replaced only when written, with --force). */
  readonly foreign: readonly string[]
}

/**
 * Appends, after the rendered text: the ownership mark in each written table, and "delete table"
 * for svcc's tables of families no longer present. A file that does not replace a table itself
 * (no "delete table … kube-proxy") gets kube-proxy's "add + delete" pair in front, so a load
 * always replaces and never merges. Line numbers of the rendered text stay those of the payload.
 */
export function planNft(ruleset: ApplyRuleset, owned: readonly string[]): { payload: PayloadLine[]; tables: string[]; staleTables: string[] } {
  const label = rulesetLabel(ruleset)
  const text = ruleset.rendered.text
  const bad = foreignNftLines(text)
  if (bad.length > 0) throw usage(`${label}: line ${bad.join(', ')}: svcc applies only the ip and ip6 kube-proxy tables; this changes something else`)
  const tables = tablesWritten(text)
  if (tables.length === 0) throw usage(`${label}: creates no ip or ip6 kube-proxy table`)
  const front = tables
    .filter((t) => !new RegExp(`^\\s*delete\\s+table\\s+${t.replace(' ', '\\s+')}\\s*$`, 'm').test(text))
    .flatMap((t) => [addedLine(`add table ${t}`, 'replaces the whole table'), addedLine(`delete table ${t}`, 'replaces the whole table')])
  const marks = tables.map((t) => addedLine(`add chain ${t} ${NFT_MARK}`, 'ownership mark'))
  const staleTables = owned.filter((t) => !tables.includes(t))
  const stale = staleTables.map((t) => addedLine(`delete table ${t}`, 'stale table of a family no longer in the ruleset'))
  return { payload: [...front, ...renderedLines(ruleset.rendered), ...marks, ...stale], tables, staleTables }
}

/** `check` runs `nft -c`: the kernel validates the same transaction against the live state and commits nothing. */
export async function applyNft(ctx: Context, ruleset: ApplyRuleset, options: { readonly force: boolean; readonly check: boolean }): Promise<NftReport> {
  const state = await readNftState(ctx)
  const foreign = foreignNftTables(state)
  if (foreign.length > 0 && !options.force) {
    throw new Abort({ kind: 'not-owned', message: notOwnedMessage(targetLabel(ctx.target), foreign, options.check ? 'check' : 'apply'), objects: foreign })
  }
  const planned = planNft(ruleset, ownedNftTables(state))
  const argv: [string, ...string[]] = options.check ? ['nft', '-c', '-f', '-'] : ['nft', '-f', '-']
  const r = await invoke(ctx, argv, payloadText(planned.payload))
  if (r.exitCode !== 0) {
    const [first, ...rest] = parseNftErrors(r.stderr).map((e) => rejection('nft', sourceOf(ruleset), planned.payload, e, targetLabel(ctx.target)))
    throw new Abort(first!, ...rest)
  }
  return { tables: planned.tables, staleTables: planned.staleTables, foreign }
}
