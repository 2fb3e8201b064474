// An Io that reads the real file system but captures stdout and stderr, for calling the CLI in-process.
import { nodeIo, type Io } from '../../src/cli/io.ts'

export interface CapturedIo extends Io {
  readonly out: () => string
  readonly err: () => string
}

export function captureIo(overrides: Partial<Io> = {}): CapturedIo {
  let out = ''
  let err = ''
  return {
    ...nodeIo,
    hostname: 'test-host',
    env: {},
    stdoutIsTTY: false,
    stderrIsTTY: false,
    readStdin: () => '',
    ...overrides,
    stdout: (text: string) => void (out += text),
    stderr: (text: string) => void (err += text),
    out: () => out,
    err: () => err,
  }
}
