// Inputs + flags → a rendered ruleset, with diagnostics printed to stderr: the part compile, check and apply share.
import { compile } from '../compile.ts'
import type { Diagnostic } from '../diagnostics/diagnostic.ts'
import { formatDiagnostics } from '../diagnostics/format.ts'
import type { Source } from '../manifest/source.ts'
import type { IpFamily } from '../model/ip.ts'
import type { Format } from '../model/settings.ts'
import type { Plan } from '../plan/types.ts'
import { renderIptables } from '../render/iptables/render.ts'
import type { Rendered } from '../render/line-writer.ts'
import { renderNft } from '../render/nft/render.ts'
import { readInputs } from './inputs.ts'
import type { Io } from './io.ts'
import { settingsFromFlags, type CompileFlags } from './options.ts'

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

/** Reads, compiles and renders; prints diagnostics. Never writes to stdout. */
export function buildRuleset(files: readonly string[], flags: CompileFlags, io: Io): BuildResult {
  const inputs = readInputs(flags.config ? [...files, flags.config] : files, io)
  if (inputs.diagnostics.length > 0) {
    report(inputs.diagnostics, inputs.sources, flags, io)
    return { ok: false, exitCode: EXIT.invalidInput }
  }
  const result = compile(inputs.sources, { format: flags.format, settings: settingsFromFlags(flags, io.hostname) })
  report(result.diagnostics, inputs.sources, flags, io)
  if (!result.ok) return { ok: false, exitCode: EXIT.invalidInput }

  if (flags.format === 'nft') return { ok: true, ruleset: { format: 'nft', family: undefined, rendered: renderNft(result.plan), plan: result.plan } }
  const families = result.plan.families
  const wanted = flags.ipFamily ?? families[0]!.family
  const family = families.find((f) => f.family === wanted)
  if (!family) {
    report([{ severity: 'error', code: 'INVALID_SETTING', message: `--ip-family ${wanted}: the input has no ${wanted === 'ipv4' ? 'IPv4' : 'IPv6'} Services or node IPs`, file: '<settings>' }], [], flags, io)
    return { ok: false, exitCode: EXIT.usage }
  }
  if (!flags.ipFamily && families.length > 1 && !flags.quiet)
    io.stderr(`<settings>: notice: the input is dual-stack; printing the IPv4 ruleset (use --ip-family ipv6 for the ip6tables-restore one) [SETTING_DEFAULTED]\n`)
  return { ok: true, ruleset: { format: 'iptables', family: family.family, rendered: renderIptables(family), plan: result.plan } }
}

export function report(diagnostics: readonly Diagnostic[], sources: readonly Source[], flags: Pick<CompileFlags, 'quiet'>, io: Io): void {
  const shown = flags.quiet ? diagnostics.filter((d) => d.severity === 'error') : diagnostics
  if (shown.length === 0) return
  const color = io.stderrIsTTY && io.env.NO_COLOR === undefined
  io.stderr(formatDiagnostics(shown, { sources: new Map(sources.map((s) => [s.path, s.text])), color }))
}
