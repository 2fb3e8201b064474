// Packages loaded on first use. Most compiles never need them (the fast YAML and JSON readers take
// most inputs; IPv4 is parsed by hand), and importing them cost every start-up: yaml ~0.1 s, ipaddr.js ~0.05 s.
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)

function onFirstUse<T>(name: string): () => T {
  let loaded: T | undefined
  return () => (loaded ??= require(name) as T)
}

export const yamlLibrary = onFirstUse<typeof import('yaml')>('yaml')
export const ipaddrLibrary = onFirstUse<typeof import('ipaddr.js')>('ipaddr.js')
