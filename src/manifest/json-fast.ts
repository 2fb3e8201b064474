// JSON text → plain values with JSON.parse, or undefined when only the yaml path can answer exactly.
import { MAX_NESTING } from './parse.ts'

/**
 * Why: yaml builds a full Document for the same text at ~0.5 MB/s (32 s for a 10k-Service
 * `kubectl -o json` List); JSON.parse reads it 30-70× faster. The values are the same for valid
 * JSON (JSON is YAML 1.2, and yaml's core schema reads JSON scalars as JSON does). What
 * JSON.parse treats differently is sent back (undefined): a syntax error (reported with its
 * position by the yaml path), a duplicated key (JSON.parse keeps the last, yaml refuses it) and
 * nesting near MAX_NESTING (refused by the yaml path).
 */
export function parseJsonFast(text: string): unknown {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text // kubectl allows a byte-order mark
  let value: unknown
  try {
    value = JSON.parse(body)
  } catch {
    return undefined
  }
  const counted = countKeys(value)
  if (counted === undefined || counted !== countKeysInText(body)) return undefined
  return value
}

/** Keys of every object in a parsed value, or undefined when it nests deeper than half of MAX_NESTING. */
function countKeys(root: unknown): number | undefined {
  let n = 0
  const stack: { value: unknown; depth: number }[] = [{ value: root, depth: 0 }]
  while (stack.length > 0) {
    const { value, depth } = stack.pop()!
    if (typeof value !== 'object' || value === null) continue
    // Far from the limit on purpose: the yaml path counts depth in its own tokens.
    if (depth > MAX_NESTING / 2) return undefined
    if (Array.isArray(value)) {
      for (const x of value) if (typeof x === 'object' && x !== null) stack.push({ value: x, depth: depth + 1 })
      continue
    }
    for (const k in value) {
      n++
      const x = (value as Record<string, unknown>)[k]
      if (typeof x === 'object' && x !== null) stack.push({ value: x, depth: depth + 1 })
    }
  }
  return n
}

const QUOTE = 0x22
const BACKSLASH = 0x5c
const COLON = 0x3a

/**
 * Keys written in valid JSON text: strings followed (after whitespace) by a colon. Outside strings
 * valid JSON has no quotes, so walking string tokens in order never starts one inside a string.
 */
function countKeysInText(text: string): number {
  let n = 0
  let i = text.indexOf('"')
  while (i >= 0) {
    // i is an opening quote: find its closing quote, skipping escapes.
    let j = i + 1
    for (;;) {
      const c = text.charCodeAt(j)
      if (c === QUOTE) break
      j += c === BACKSLASH ? 2 : 1
      if (j >= text.length) return -1 // cannot happen for text JSON.parse accepted
    }
    let k = j + 1
    for (let c = text.charCodeAt(k); c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d; c = text.charCodeAt(++k));
    if (text.charCodeAt(k) === COLON) n++
    i = text.indexOf('"', k)
  }
  return n
}
