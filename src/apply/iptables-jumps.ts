// kube-proxy's jump rules from the built-in chains (spec §4): ensured with -C/-I, never part of its restore payload.
import { words } from './iptables-save.ts'

export type IptablesTable = 'filter' | 'nat'

export interface JumpRule {
  readonly table: IptablesTable
  /** The built-in chain the rule sits in. */
  readonly chain: string
  readonly target: string
  /** Everything after the chain name, one argv word each: matches, the comment (one word, unquoted), -j target. */
  readonly args: readonly string[]
}

function jump(table: IptablesTable, chain: string, target: string, comment: string | undefined, extra: readonly string[] = []): JumpRule {
  return { table, chain, target, args: [...extra, ...(comment !== undefined ? ['-m', 'comment', '--comment', comment] : []), '-j', target] }
}

const NEW = ['-m', 'conntrack', '--ctstate', 'NEW']

/**
 * In kube-proxy's order (iptablesJumpChains, then the two kubelet-copied KUBE-FIREWALL rows). Each
 * one is inserted at position 1, so later rows end up above earlier ones, as on a kube-proxy node.
 * kube-proxy ensures all of them for both families, whether or not its payload declares KUBE-FIREWALL.
 */
export const JUMP_RULES: readonly JumpRule[] = [
  jump('filter', 'INPUT', 'KUBE-EXTERNAL-SERVICES', 'kubernetes externally-visible service portals', NEW),
  jump('filter', 'FORWARD', 'KUBE-EXTERNAL-SERVICES', 'kubernetes externally-visible service portals', NEW),
  jump('filter', 'INPUT', 'KUBE-NODEPORTS', 'kubernetes health check service ports'),
  jump('filter', 'FORWARD', 'KUBE-SERVICES', 'kubernetes service portals', NEW),
  jump('filter', 'OUTPUT', 'KUBE-SERVICES', 'kubernetes service portals', NEW),
  jump('filter', 'FORWARD', 'KUBE-FORWARD', 'kubernetes forwarding rules'),
  jump('filter', 'INPUT', 'KUBE-PROXY-FIREWALL', 'kubernetes load balancer firewall', NEW),
  jump('filter', 'OUTPUT', 'KUBE-PROXY-FIREWALL', 'kubernetes load balancer firewall', NEW),
  jump('filter', 'FORWARD', 'KUBE-PROXY-FIREWALL', 'kubernetes load balancer firewall', NEW),
  jump('nat', 'OUTPUT', 'KUBE-SERVICES', 'kubernetes service portals'),
  jump('nat', 'PREROUTING', 'KUBE-SERVICES', 'kubernetes service portals'),
  jump('nat', 'POSTROUTING', 'KUBE-POSTROUTING', 'kubernetes postrouting rules'),
  jump('filter', 'INPUT', 'KUBE-FIREWALL', undefined),
  jump('filter', 'OUTPUT', 'KUBE-FIREWALL', undefined),
]

/** `iptables -t TABLE -C CHAIN …`: exit 0 when the rule exists, 1 when it does not (kube-proxy's EnsureRule). */
export function checkArgv(iptables: string, rule: JumpRule): [string, ...string[]] {
  return [iptables, '-t', rule.table, '-C', rule.chain, ...rule.args]
}

/** The rule as a restore line: "-I CHAIN …" (or -A/-D), quoting words with spaces as iptables-save does. */
export function restoreLine(verb: '-I' | '-A' | '-D', rule: JumpRule): string {
  return [verb, rule.chain, ...rule.args.map((w) => (/\s/.test(w) ? `"${w}"` : w))].join(' ')
}

/** Used by tests: a restore line splits back into the rule's argv. */
export function unquotedWords(line: string): string[] {
  return words(line).map((w) => (w.startsWith('"') ? w.slice(1, -1) : w))
}
