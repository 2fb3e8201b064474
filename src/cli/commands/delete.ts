// `svcc delete`: removes everything svcc wrote in --netns NAME (or --host), and nothing else.
import { deleteOwned } from '../../apply/delete.ts'
import { resolveTarget } from '../../apply/netns.ts'
import { exitCodeOf } from '../../apply/problem.ts'
import { formatProblems } from '../../apply/report.ts'
import type { Runner } from '../../apply/runner.ts'
import type { Format } from '../../model/settings.ts'
import type { Io } from '../io.ts'
import { EXIT, type ExitCode } from '../ruleset.ts'
import { colorFor, usageError } from './apply.ts'

export interface DeleteFlags {
  netns?: string
  host?: boolean
  /** Only this format (no default): then a missing tool is an error instead of a skipped format. */
  format?: Format
  quiet?: boolean
}

/** Exit codes: 0 deleted (or nothing to delete), 2 usage, 3 a kernel tool failed. Foreign objects are reported, never touched. */
export async function deleteCommand(flags: DeleteFlags, io: Io, runner: Runner, hooks: { readonly now?: () => number } = {}): Promise<ExitCode> {
  const target = resolveTarget(flags)
  if (!target.ok) return usageError(io, target.message)
  const outcome = await deleteOwned({
    runner,
    target: target.target,
    ...(flags.format !== undefined ? { formats: [flags.format] } : {}),
    ...(hooks.now ? { now: hooks.now } : {}),
  })
  if (!outcome.ok) {
    io.stderr(formatProblems(outcome.problems, { color: colorFor(io) }))
    return exitCodeOf(outcome.problems)
  }
  if (!flags.quiet) io.stderr(`${outcome.value}\n`)
  return EXIT.ok
}
