// What can stop an apply or delete, as data: usage errors (exit 2), refusals and kernel-tool failures (exit 3).
import type { Diagnostic } from '../diagnostics/diagnostic.ts'

export type ApplyProblem =
  /** The invocation must change (no target, bad or missing namespace, unreadable --rules file): exit 2. */
  | { readonly kind: 'usage'; readonly message: string }
  /** The target holds kube-proxy-named objects svcc did not write, and --force was not given: exit 3. */
  | { readonly kind: 'not-owned'; readonly message: string; readonly objects: readonly string[] }
  /**
   * A kernel tool rejected the rules or could not run: exit 3. `excerpt` is the rendered context
   * (may be empty); `sourceLine` the manifest line the diagnostic points at, for its code frame.
   */
  | { readonly kind: 'diagnostic'; readonly diagnostic: Diagnostic; readonly excerpt: readonly string[]; readonly sourceLine?: string }

/** 2 when any problem is a usage error (nothing was attempted), else 3. */
export function exitCodeOf(problems: readonly ApplyProblem[]): 2 | 3 {
  return problems.some((p) => p.kind === 'usage') ? 2 : 3
}

/**
 * Carries a problem up the applier's call stack to applyRulesets/deleteOwned, which return it as data.
 * It never escapes src/apply; any other exception is a bug.
 */
export class Abort extends Error {
  readonly problems: readonly ApplyProblem[]
  constructor(...problems: [ApplyProblem, ...ApplyProblem[]]) {
    const first = problems[0]
    super(first.kind === 'diagnostic' ? first.diagnostic.message : first.message)
    this.problems = problems
  }
}

export function usage(message: string): Abort {
  return new Abort({ kind: 'usage', message })
}

/** A tool-level failure that belongs to no manifest line: located at the target ("netns blue"). */
export function toolProblem(where: string, code: 'APPLY_REJECTED' | 'APPLY_COMMAND_NOT_FOUND', message: string, excerpt: readonly string[] = []): Abort {
  return new Abort({ kind: 'diagnostic', diagnostic: { severity: 'error', code, message, file: where }, excerpt })
}

export type Outcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problems: readonly ApplyProblem[] }

/** Awaits `work`, turning an Abort into `{ ok: false }`; other errors are bugs and propagate. */
export async function catchAbort<T>(work: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await work() }
  } catch (e) {
    if (e instanceof Abort) return { ok: false, problems: e.problems }
    throw e
  }
}
