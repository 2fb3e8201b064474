// The process seam: the only module that imports execa, so everything else is testable with a fake Runner.
import { execa } from 'execa'

export interface RunResult {
  /** undefined: the process never ran to an exit (see spawnError) or was killed by a signal. */
  readonly exitCode: number | undefined
  readonly stdout: string
  readonly stderr: string
  /** The errno code when the process could not be started at all, e.g. 'ENOENT'. */
  readonly spawnError?: string
}

export interface Runner {
  /** Runs argv[0] with the rest as arguments and `input` on stdin. Never rejects for a failing process. */
  run(argv: readonly [string, ...string[]], input: string): Promise<RunResult>
}

export const execaRunner: Runner = {
  async run([file, ...args], input) {
    // reject: false turns a failing process into data (execa's own advice); C locale keeps the tools' messages parseable.
    const r = await execa(file, args, { input, reject: false, stripFinalNewline: false, env: { LC_ALL: 'C' } })
    const stdout = typeof r.stdout === 'string' ? r.stdout : ''
    const stderr = typeof r.stderr === 'string' ? r.stderr : ''
    const code = (r as { code?: unknown }).code
    if (r.exitCode === undefined && typeof code === 'string') return { exitCode: undefined, stdout, stderr, spawnError: code }
    // Killed or timed out: execa's message says how, where the process had no chance to.
    const message = 'message' in r && typeof r.message === 'string' ? r.message : ''
    return { exitCode: r.exitCode, stdout, stderr: r.exitCode === undefined && stderr === '' ? message : stderr }
  },
}
