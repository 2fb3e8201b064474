// Inputs + flags → a rendered ruleset, with diagnostics printed to stderr: the part compile, check and apply share.
import { compile, type CompileResult } from '../compile.ts'
import { hasErrors, sortDiagnostics, type Diagnostic, type Severity } from '../diagnostics/diagnostic.ts'
import { formatDiagnostics } from '../diagnostics/format.ts'
import { lintRuleset } from '../lint/index.ts'
import type { Source } from '../manifest/source.ts'
import type { IpFamily } from '../model/ip.ts'
import { checkSettingsInput, type Format } from '../model/settings.ts'
import type { FamilyPlan, Plan } from '../plan/types.ts'
import { renderIptables } from '../render/iptables/render.ts'
import type { Rendered } from '../render/line-writer.ts'
import { renderNftFast } from '../render/nft/fast.ts'
import { renderNft } from '../render/nft/render.ts'
import { readInputs } from './inputs.ts'
import type { Io } from './io.ts'
import { settingsFromFlags, type CompileFlags } from './options.ts'

/** 0 success (warnings allowed), 1 invalid input, 2 usage (including bad flag values), 3 the kernel tool refused. */
export const EXIT = { ok: 0, invalidInput: 1, usage: 2, kernel: 3 } as const
export type ExitCode = (typeof EXIT)[keyof typeof EXIT]

export interface Ruleset {
  readonly format: Format
  /** iptables only: the family this payload is for (ip6tables-restore when ipv6). */
  readonly family: IpFamily | undefined
  readonly rendered: Rendered
  readonly plan: Plan
}

export type BuildResult = { readonly ok: true; readonly ruleset: Ruleset } | { readonly ok: false; readonly exitCode: ExitCode }

export interface BuildOptions {
  /** Print notices (defaults taken, conditions defaulted). `check` leaves them out: it answers "is this valid?". */
  readonly notices?: boolean
}

/**
 * Reads, compiles, renders and lints; prints every diagnostic once, sorted. Never writes to stdout.
 * Bad flag values are found before any file is read and exit 2 (usage); bad manifests exit 1.
 */
export function buildRuleset(files: readonly string[], flags: CompileFlags, io: Io, options: BuildOptions = {}): BuildResult {
  const shows = showsSeverity(flags, options.notices !== false)
  const shown = (diagnostics: readonly Diagnostic[]) => diagnostics.filter((d) => shows(d.severity))
  const compiled = compileInputs(files, flags, io)
  if (!compiled.ok) return compiled
  const { result, sources } = compiled

  let family: FamilyPlan | undefined
  const extra: Diagnostic[] = []
  if (flags.format === 'iptables') {
    const families = result.plan.families
    const wanted = flags.ipFamily ?? families[0]!.family
    family = families.find((f) => f.family === wanted)
    if (!family) {
      const message = `--ip-family ${wanted}: the input has no ${wanted === 'ipv4' ? 'IPv4' : 'IPv6'} Services or node IPs`
      report([{ severity: 'error', code: 'INVALID_SETTING', message, file: '<settings>' }], [], flags, io)
      return { ok: false, exitCode: EXIT.usage }
    }
    if (!flags.ipFamily && families.length > 1)
      extra.push({
        severity: 'notice',
        code: 'SETTING_DEFAULTED',
        message: 'the input is dual-stack; printing the IPv4 ruleset (use --ip-family ipv6 for the ip6tables-restore one)',
        file: '<settings>',
      })
  }
  const lint = lintRuleset(family ? [family] : result.plan.families, flags.format, flags.profile ?? 'kube-proxy', shows)
  report(sortDiagnostics(shown([...result.diagnostics, ...extra, ...lint])), sources, flags, io)
  if (hasErrors(lint)) return { ok: false, exitCode: EXIT.invalidInput }

  const ruleset: Ruleset = family
    ? { format: 'iptables', family: family.family, rendered: renderIptables(family), plan: result.plan }
    : { format: 'nft', family: undefined, rendered: flags.profile === 'fast' ? renderNftFast(result.plan) : renderNft(result.plan), plan: result.plan }
  return { ok: true, ruleset }
}

/** What compileInputs hands on: the compiled plan and model, and the sources (for code frames). */
export type CompiledInputs =
  | { readonly ok: true; readonly result: Extract<CompileResult, { ok: true }>; readonly sources: readonly Source[] }
  | { readonly ok: false; readonly exitCode: ExitCode }

/**
 * Checks the flag values (before any file is read: exit 2), reads the inputs and compiles them.
 * On failure it prints the errors (notices explain how a ruleset was made; with no ruleset they
 * would only hide the errors); on success it prints nothing, and the caller reports.
 */
export function compileInputs(files: readonly string[], flags: CompileFlags, io: Io, noInputs = 'no inputs: give files, folders or - for stdin (as arguments or with -f)'): CompiledInputs {
  const settings = settingsFromFlags(flags, io.hostname)
  const badFlags = checkSettingsInput(settings)
  if (badFlags.length > 0) {
    report(badFlags, [], flags, io)
    return { ok: false, exitCode: EXIT.usage }
  }
  const args = [...files, ...(flags.filename ?? [])]
  if (args.length === 0) {
    report([{ severity: 'error', code: 'INVALID_SETTING', message: noInputs, file: '<arguments>' }], [], flags, io)
    return { ok: false, exitCode: EXIT.usage }
  }
  const inputs = readInputs(flags.config ? [...args, flags.config] : args, io)
  if (inputs.diagnostics.length > 0) {
    report(inputs.diagnostics, inputs.sources, flags, io)
    return { ok: false, exitCode: EXIT.invalidInput }
  }
  const result = compile(inputs.sources, { format: flags.format, settings })
  if (!result.ok) {
    report(result.diagnostics.filter((d) => d.severity !== 'notice'), inputs.sources, flags, io)
    return { ok: false, exitCode: EXIT.invalidInput }
  }
  return { ok: true, result, sources: inputs.sources }
}

/** Prints diagnostics to stderr with code frames; colour only on a terminal, and never with NO_COLOR or TERM=dumb. */
export function report(diagnostics: readonly Diagnostic[], sources: readonly Source[], flags: Pick<CompileFlags, 'quiet'>, io: Io): void {
  const shows = showsSeverity(flags)
  const shown = diagnostics.filter((d) => shows(d.severity))
  if (shown.length === 0) return
  io.stderr(formatDiagnostics(shown, { sources: new Map(sources.map((s) => [s.path, s.text])), color: useColor(io) }))
}

/** What the CLI prints: errors always; warnings unless --quiet; notices unless --quiet or a command leaves them out. */
function showsSeverity(flags: Pick<CompileFlags, 'quiet'>, notices = true): (severity: Severity) => boolean {
  return (severity) => severity === 'error' || (!flags.quiet && (severity === 'warning' || notices))
}

/** https://no-color.org: NO_COLOR set to anything but the empty string turns colour off. */
export function useColor(io: Pick<Io, 'stderrIsTTY' | 'env'>): boolean {
  return io.stderrIsTTY && !io.env.NO_COLOR && io.env.TERM !== 'dumb'
}
