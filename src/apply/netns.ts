// Where rules go: a named network namespace (argv prefix `ip netns exec NAME`) or, said explicitly, the current one.
export type Target = { readonly kind: 'netns'; readonly name: string } | { readonly kind: 'host' }

/**
 * iproute2 keeps a namespace as a file under /run/netns, so the name must be a plain file name;
 * a leading '-' would be read as an option by `ip`. Stricter than iproute2, never looser.
 */
export const NETNS_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/

export interface TargetFlags {
  readonly netns?: string | undefined
  readonly host?: boolean | undefined
}

export type TargetResult = { readonly ok: true; readonly target: Target } | { readonly ok: false; readonly message: string }

/** Flags → Target. Touching the current namespace must be asked for with --host: no flag is a usage error. */
export function resolveTarget(flags: TargetFlags): TargetResult {
  if (flags.netns !== undefined && flags.host) return { ok: false, message: 'give either --netns NAME or --host, not both' }
  if (flags.host) return { ok: true, target: { kind: 'host' } }
  if (flags.netns === undefined)
    return { ok: false, message: 'say where the rules go: --netns NAME for a network namespace, or --host for the current one' }
  if (!NETNS_NAME.test(flags.netns))
    return { ok: false, message: `invalid namespace name ${JSON.stringify(flags.netns)}: use 1-64 of A-Z a-z 0-9 _ . - and start with a letter, digit or _` }
  return { ok: true, target: { kind: 'netns', name: flags.netns } }
}

/** "netns blue" / "the current namespace (--host)": how summaries and errors name the target. */
export function describeTarget(target: Target): string {
  return target.kind === 'netns' ? `netns ${target.name}` : 'the current namespace (--host)'
}

/** Short form used as the location of target-level diagnostics: "netns blue" or "host". */
export function targetLabel(target: Target): string {
  return target.kind === 'netns' ? `netns ${target.name}` : 'host'
}

/** The argv that runs `argv` inside the target. */
export function inTarget(target: Target, argv: readonly [string, ...string[]]): [string, ...string[]] {
  return target.kind === 'netns' ? ['ip', 'netns', 'exec', target.name, ...argv] : [...argv]
}

/** Names from `ip netns list`, whose lines look like "blue (id: 0)" or just "blue". */
export function parseNetnsList(stdout: string): string[] {
  return stdout
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0] ?? '')
    .filter((n) => n !== '')
}
