// The yaml library, loaded on first use: most inputs never need it (yaml-fast.ts and JSON.parse read
// them, and positions come from the text), and importing it cost ~0.1 s of every start-up.
import { createRequire } from 'node:module'

type Yaml = typeof import('yaml')

let loaded: Yaml | undefined

export function yamlLibrary(): Yaml {
  return (loaded ??= createRequire(import.meta.url)('yaml') as Yaml)
}
