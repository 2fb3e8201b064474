// An in-memory Io for command tests: files from a map, stdout/stderr collected as text.
import type { Io } from '../../src/cli/io.ts'

export interface MemoryIo extends Io {
  readonly out: () => string
  readonly err: () => string
}

export function memoryIo(files: Readonly<Record<string, string>> = {}, stdin = ''): MemoryIo {
  let out = ''
  let err = ''
  const missing = (path: string) => Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' })
  return {
    stdout: (t) => void (out += t),
    stderr: (t) => void (err += t),
    readFile(path) {
      const text = files[path]
      if (text === undefined) throw missing(path)
      return text
    },
    readStdin: () => stdin,
    kind: (path) => (files[path] !== undefined ? 'file' : undefined),
    list: () => [],
    writeFileAtomic() {
      throw new Error('not in these tests')
    },
    cwd: '/work',
    hostname: 'node-a',
    env: {},
    stdoutIsTTY: false,
    stderrIsTTY: false,
    out: () => out,
    err: () => err,
  }
}
