// A scripted Runner (knftables' fakeExec): each call must match the next expected argv and stdin exactly.
import type { Runner, RunResult } from '../../src/apply/runner.ts'

export interface ExpectedCall {
  readonly argv: readonly string[]
  /** Exact stdin; omitted means empty. */
  readonly input?: string
  /** Defaults to exit 0 with no output. */
  readonly result?: Partial<RunResult>
}

export interface RecordedCall {
  readonly argv: readonly string[]
  readonly input: string
}

export interface FakeRunner extends Runner {
  readonly calls: RecordedCall[]
  /** Throws unless every expected call was made. */
  assertDone(): void
}

export function fakeRunner(expected: readonly ExpectedCall[]): FakeRunner {
  const queue = [...expected]
  const calls: RecordedCall[] = []
  return {
    calls,
    async run(argv, input) {
      calls.push({ argv: [...argv], input })
      const next = queue.shift()
      if (!next) throw new Error(`fake runner: unexpected call #${calls.length}: ${argv.join(' ')}`)
      if (JSON.stringify(next.argv) !== JSON.stringify(argv))
        throw new Error(`fake runner: call #${calls.length} argv\n  expected: ${next.argv.join(' ')}\n  actual:   ${argv.join(' ')}`)
      const want = next.input ?? ''
      if (want !== input) throw new Error(`fake runner: call #${calls.length} (${argv.join(' ')}) stdin\n--- expected\n${want}--- actual\n${input}---`)
      return { exitCode: 0, stdout: '', stderr: '', ...next.result }
    },
    assertDone() {
      if (queue.length > 0) throw new Error(`fake runner: ${queue.length} expected call(s) not made, next: ${queue[0]!.argv.join(' ')}`)
    },
  }
}

export const ok = (stdout = ''): Partial<RunResult> => ({ exitCode: 0, stdout })
export const fails = (exitCode: number, stderr: string): Partial<RunResult> => ({ exitCode, stderr })
export const enoent: Partial<RunResult> = { exitCode: undefined, spawnError: 'ENOENT' }

/** `argv` as run inside `ip netns exec NAME`. */
export const netnsArgv = (name: string, ...argv: string[]): string[] => ['ip', 'netns', 'exec', name, ...argv]
