// `svcc compile`: print the ruleset (stdout carries nothing else) or write it atomically with -o.
import type { Io } from '../io.ts'
import type { CompileFlags } from '../options.ts'
import { buildRuleset, EXIT, type ExitCode } from '../ruleset.ts'

export function compileCommand(files: readonly string[], flags: CompileFlags, io: Io): ExitCode {
  const built = buildRuleset(files, flags, io)
  if (!built.ok) return built.exitCode
  const text = built.ruleset.rendered.text
  if (flags.output === undefined) {
    io.stdout(text)
    return EXIT.ok
  }
  try {
    io.writeFileAtomic(flags.output, text)
  } catch (e) {
    io.stderr(`${flags.output}: error: cannot write the ruleset (${(e as { code?: string }).code ?? String(e)}) [INPUT_UNREADABLE]\n`)
    return EXIT.invalidInput
  }
  return EXIT.ok
}
