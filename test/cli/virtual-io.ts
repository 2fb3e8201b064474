// captureIo over an in-memory file tree, so CLI tests and the fuzzer never touch the disk.
import { posix } from 'node:path'
import type { Io } from '../../src/cli/io.ts'
import { captureIo, type CapturedIo } from '../helpers/memory-io.ts'

export interface VirtualIo extends CapturedIo {
  /** The tree after the run: written files included. */
  readonly files: Map<string, string>
}

const CWD = '/virtual'

/** Paths are relative to /virtual; folders exist implicitly. Writes fail when `failWrites` is set. */
export function virtualIo(files: Readonly<Record<string, string>>, overrides: Partial<Io> & { failWrites?: string } = {}): VirtualIo {
  const tree = new Map(Object.entries(files).map(([p, t]) => [key(p), t]))
  const { failWrites, ...rest } = overrides
  const io = captureIo({
    cwd: CWD,
    readFile(path) {
      const text = tree.get(key(path))
      if (text === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' })
      return text
    },
    kind(path) {
      const k = key(path)
      if (tree.has(k)) return 'file'
      if (k === '' || [...tree.keys()].some((p) => p.startsWith(`${k}/`))) return 'dir'
      return undefined
    },
    list(path) {
      const k = key(path)
      const names = new Set<string>()
      for (const p of tree.keys()) if (k === '' || p.startsWith(`${k}/`)) names.add(p.slice(k === '' ? 0 : k.length + 1).split('/')[0]!)
      return [...names]
    },
    writeFileAtomic(path, chunks) {
      if (failWrites !== undefined) throw Object.assign(new Error(failWrites), { code: failWrites })
      tree.set(key(path), chunks.join(''))
    },
    ...rest,
  })
  return Object.assign(io, { files: tree })
}

function key(path: string): string {
  const abs = posix.resolve(CWD, path)
  return abs === CWD ? '' : posix.relative(CWD, abs)
}
