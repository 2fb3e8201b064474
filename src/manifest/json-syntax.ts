// Finds the first JSON syntax error and its exact offset: JSON.parse's messages carry no position on Node 20.

export interface JsonSyntaxError {
  /** 0-based offset of the offending character (the text's length for an early end). */
  readonly offset: number
  readonly message: string
}

/** JSON files by name, or any text whose first significant character opens an object or a list (as kubectl sniffs). */
export function looksLikeJson(path: string, text: string): boolean {
  if (/\.json$/i.test(path)) return true
  const first = /^[\ufeff\s]*(.)/.exec(text)?.[1]
  return first === '{' || first === '['
}

const WHITESPACE = new Set([' ', '\t', '\n', '\r'])
const ESCAPES = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't'])
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?/y

/**
 * RFC 8259 syntax only (values are not built). Iterative, so deeply nested input cannot
 * overflow the stack. A leading byte-order mark is allowed, as in kubectl.
 */
export function findJsonSyntaxError(text: string): JsonSyntaxError | undefined {
  let i = text.startsWith('\ufeff') ? 1 : 0
  const fail = (message: string, at = i): JsonSyntaxError => ({ offset: at, message })
  /** "expected X, found Y", or "unexpected end of JSON input (expected X)". */
  const expected = (what: string) => fail(i >= text.length ? `unexpected end of JSON input (expected ${what})` : `expected ${what}, found ${found()}`)
  const skip = () => {
    while (i < text.length && WHITESPACE.has(text[i]!)) i++
  }
  const found = () => describe(text.codePointAt(i)!)
  // What the parser expects next, innermost container last.
  const stack: ('object' | 'array')[] = []

  const value = (): JsonSyntaxError | undefined => {
    skip()
    const c = text[i]
    if (c === '"') return string()
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) {
      NUMBER.lastIndex = i
      const m = NUMBER.exec(text)
      if (!m) return fail(`invalid number`)
      i += m[0].length
      return undefined
    }
    for (const word of ['true', 'false', 'null']) {
      if (text.startsWith(word, i)) {
        i += word.length
        return undefined
      }
    }
    return expected('a value')
  }

  const string = (): JsonSyntaxError | undefined => {
    const start = i
    i++
    while (i < text.length) {
      const c = text[i]!
      if (c === '"') {
        i++
        return undefined
      }
      if (c === '\\') {
        const e = text[i + 1]
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) return fail('invalid \\u escape in a string')
          i += 6
          continue
        }
        if (e === undefined || !ESCAPES.has(e)) return fail('invalid escape in a string')
        i += 2
        continue
      }
      if (c < ' ') return fail(`raw control character ${describe(c.charCodeAt(0))} in a string (write it as an escape)`)
      i++
    }
    return fail('unexpected end of JSON input (the string is not closed)', start)
  }

  skip()
  if (i >= text.length) return undefined // an empty file is an empty stream, as in YAML
  for (;;) {
    skip()
    const c = text[i]
    if (c === '{') {
      i++
      skip()
      if (text[i] === '}') {
        i++
      } else {
        stack.push('object')
        const key = objectKey()
        if (key) return key
        continue
      }
    } else if (c === '[') {
      i++
      skip()
      if (text[i] === ']') {
        i++
      } else {
        stack.push('array')
        continue
      }
    } else {
      const error = value()
      if (error) return error
    }
    // A value is complete: close containers or move to the next member.
    for (;;) {
      skip()
      const top = stack[stack.length - 1]
      if (top === undefined) {
        if (i < text.length) return fail(`unexpected ${found()} after the JSON value (one file holds one JSON document)`)
        return undefined
      }
      const closer = top === 'object' ? '}' : ']'
      if (text[i] === closer) {
        i++
        stack.pop()
        continue
      }
      if (text[i] !== ',') return expected(`',' or '${closer}'`)
      i++
      if (top === 'object') {
        const key = objectKey()
        if (key) return key
      }
      break
    }
  }

  function objectKey(): JsonSyntaxError | undefined {
    skip()
    if (text[i] !== '"') return expected('a double-quoted property name')
    const error = string()
    if (error) return error
    skip()
    if (text[i] !== ':') return expected("':' after the property name")
    i++
    return undefined
  }
}

function describe(codePoint: number): string {
  const c = String.fromCodePoint(codePoint)
  return codePoint < 0x20 || codePoint === 0x7f ? `U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}` : `'${c}'`
}
