// `svcc apply`: compile (or read --rules), then load the ruleset into --netns NAME or, said explicitly, --host.
import { applyRulesets } from '../../apply/apply.ts'
import { resolveTarget } from '../../apply/netns.ts'
import { exitCodeOf } from '../../apply/problem.ts'
import { formatProblems } from '../../apply/report.ts'
import { rulesetFromFile, type ApplyRuleset } from '../../apply/ruleset.ts'
import type { Runner } from '../../apply/runner.ts'
import { renderIptables } from '../../render/iptables/render.ts'
import type { Io } from '../io.ts'
import type { CompileFlags } from '../options.ts'
import { buildRuleset, EXIT, type ExitCode } from '../ruleset.ts'

export interface ApplyFlags extends CompileFlags {
  netns?: string
  host?: boolean
  /** Validate with the kernel tools, commit nothing. */
  check?: boolean
  /** Replace kube-proxy objects svcc did not write. */
  force?: boolean
  /** An already compiled ruleset instead of manifests. */
  rules?: string
  /** True when --format was given on the command line (commander's default is nft). */
  formatGiven?: boolean
}

/** Test hooks: a fixed clock and throwaway-namespace name make the summary line predictable. */
export interface ApplyHooks {
  readonly now?: () => number
  readonly throwawayName?: () => string
}

/**
 * Exit codes: 0 applied (or checked), 1 invalid manifests, 2 usage (no --netns/--host, bad or
 * missing namespace, unreadable --rules file), 3 refused (foreign kube-proxy objects) or rejected
 * by the kernel tool. The target is checked before anything is compiled.
 */
export async function applyCommand(files: readonly string[], flags: ApplyFlags, io: Io, runner: Runner, hooks: ApplyHooks = {}): Promise<ExitCode> {
  const target = resolveTarget(flags)
  if (!target.ok) return usageError(io, target.message)
  if (flags.rules !== undefined && files.length > 0) return usageError(io, 'give manifests or --rules FILE, not both')

  let rulesets: ApplyRuleset[]
  const sources = new Map<string, string>()
  if (flags.rules !== undefined) {
    let text: string
    try {
      text = flags.rules === '-' ? io.readStdin() : io.readFile(flags.rules)
    } catch (e) {
      return usageError(io, `${flags.rules}: cannot read the ruleset (${(e as { code?: string }).code ?? String(e)})`)
    }
    const label = flags.rules === '-' ? '<stdin>' : flags.rules
    const read = rulesetFromFile(label, text, { format: flags.formatGiven ? flags.format : undefined, family: flags.ipFamily })
    if (!read.ok) return usageError(io, read.message)
    rulesets = [read.ruleset]
    sources.set(label, text)
  } else {
    if (files.length === 0) return usageError(io, 'give manifests to compile, or --rules FILE')
    const built = buildRuleset(files, flags, io)
    if (!built.ok) return built.exitCode
    rulesets = [built.ruleset]
    // kube-proxy runs one proxier per family: without --ip-family, apply loads every family the input has.
    if (built.ruleset.format === 'iptables' && flags.ipFamily === undefined)
      for (const family of built.ruleset.plan.families.slice(1))
        rulesets.push({ format: 'iptables', family: family.family, rendered: renderIptables(family) })
  }

  const outcome = await applyRulesets(rulesets, {
    runner,
    target: target.target,
    check: flags.check ?? false,
    force: flags.force ?? false,
    ...(hooks.now ? { now: hooks.now } : {}),
    ...(hooks.throwawayName ? { throwawayName: hooks.throwawayName } : {}),
  })
  if (!outcome.ok) {
    io.stderr(formatProblems(outcome.problems, { color: colorFor(io), sources }))
    return exitCodeOf(outcome.problems)
  }
  if (!flags.quiet) io.stderr(`${outcome.value}\n`)
  return EXIT.ok
}

export function usageError(io: Io, message: string): ExitCode {
  io.stderr(`error: ${message}\n`)
  return EXIT.usage
}

export function colorFor(io: Io): boolean {
  return io.stderrIsTTY && io.env.NO_COLOR === undefined
}
