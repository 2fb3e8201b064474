// `svcc compile`: print the ruleset (stdout carries nothing else) or write it atomically with -o.
import type { Io } from '../io.ts'
import type { CompileFlags } from '../options.ts'
import { buildRuleset, EXIT, report, type ExitCode } from '../ruleset.ts'

export function compileCommand(files: readonly string[], flags: CompileFlags, io: Io): ExitCode {
  const built = buildRuleset(files, flags, io)
  if (!built.ok) return built.exitCode
  const { rendered } = built.ruleset
  const chunks = rendered.chunks ?? [rendered.text]
  if (flags.output === undefined) {
    for (const chunk of chunks) io.stdout(chunk)
    return EXIT.ok
  }
  try {
    io.writeFileAtomic(flags.output, chunks)
  } catch (e) {
    // The temporary file is gone and the target untouched: nothing partial is left behind.
    const reason = (e as { code?: string }).code ?? (e instanceof Error ? e.message : String(e))
    report([{ severity: 'error', code: 'OUTPUT_UNWRITABLE', message: `cannot write the ruleset (${reason})`, file: flags.output }], [], flags, io)
    return EXIT.invalidInput
  }
  return EXIT.ok
}
