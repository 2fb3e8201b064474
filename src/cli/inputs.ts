// Input arguments → Sources: files, folders (recursive, sorted) and "-" for standard input.
import { posix, relative, resolve, sep } from 'node:path'
import type { Diagnostic } from '../diagnostics/diagnostic.ts'
import type { Source } from '../manifest/source.ts'
import { compareStrings } from '../model/compare.ts'
import type { Io } from './io.ts'

const MANIFEST_FILE = /\.(ya?ml|json)$/i

export interface ReadInputsResult {
  readonly sources: Source[]
  readonly diagnostics: Diagnostic[]
}

/** Folders recurse over *.yaml, *.yml and *.json in sorted order; display paths are relative and '/'-separated. */
export function readInputs(args: readonly string[], io: Io): ReadInputsResult {
  const sources: Source[] = []
  const diagnostics: Diagnostic[] = []
  const fail = (path: string, message: string) => diagnostics.push({ severity: 'error', code: 'INPUT_UNREADABLE', message, file: path })
  for (const arg of args) {
    if (arg === '-') {
      try {
        sources.push({ path: '<stdin>', text: io.readStdin() })
      } catch (e) {
        fail('<stdin>', `cannot read standard input (${(e as { code?: string }).code ?? 'error'})`)
      }
      continue
    }
    const kind = io.kind(arg)
    if (kind === undefined) {
      fail(display(arg, io), 'no such file or directory')
      continue
    }
    const files = kind === 'dir' ? walk(arg, io) : [arg]
    if (kind === 'dir' && files.length === 0) fail(display(arg, io), 'folder holds no *.yaml, *.yml or *.json files')
    for (const file of files) {
      try {
        sources.push({ path: display(file, io), text: io.readFile(file) })
      } catch (e) {
        fail(display(file, io), `cannot read file (${(e as { code?: string }).code ?? 'error'})`)
      }
    }
  }
  return { sources, diagnostics }
}

function walk(dir: string, io: Io): string[] {
  const out: string[] = []
  for (const name of io.list(dir).sort(compareStrings)) {
    if (name.startsWith('.')) continue
    const path = posix.join(dir.split(sep).join('/'), name)
    const kind = io.kind(path)
    if (kind === 'dir') out.push(...walk(path, io))
    else if (kind === 'file' && MANIFEST_FILE.test(name)) out.push(path)
  }
  return out
}

function display(path: string, io: Io): string {
  const rel = relative(io.cwd, resolve(io.cwd, path))
  return (rel === '' ? '.' : rel.startsWith('..') ? resolve(io.cwd, path) : rel).split(sep).join('/')
}
