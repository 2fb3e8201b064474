// `svcc check`: validate the inputs and settings; print nothing on success but warnings (notices are left out).
import type { Io } from '../io.ts'
import type { CompileFlags } from '../options.ts'
import { buildRuleset, EXIT, type ExitCode } from '../ruleset.ts'

export function checkCommand(files: readonly string[], flags: CompileFlags, io: Io): ExitCode {
  const built = buildRuleset(files, flags, io, { notices: false })
  return built.ok ? EXIT.ok : built.exitCode
}
