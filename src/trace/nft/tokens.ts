// Splits `nft -f` lines into tokens and walks them: the lexical layer of the nft parser.

const TOKEN = /"(?:[^"\\]|\\.)*"|[{},;]|[^\s{},;"]+/y

/** Words, quoted strings (kept with their quotes) and the punctuation `{ } , ;`; a leading `#` line is one token. */
export function tokenize(line: string, n: number): string[] {
  const tokens: string[] = []
  let i = 0
  for (;;) {
    while (i < line.length && /\s/.test(line[i]!)) i++
    if (i >= line.length || (tokens.length === 0 && line[i] === '#')) {
      if (i < line.length) tokens.push(line.slice(i))
      return tokens
    }
    TOKEN.lastIndex = i
    const m = TOKEN.exec(line)
    if (!m) throw new Error(`nft-trace: cannot read line ${n} at column ${i + 1}: ${line}`)
    tokens.push(m[0])
    i = TOKEN.lastIndex
  }
}

export class Cursor {
  readonly #tokens: readonly string[]
  readonly where: string
  /** The line the tokens come from. */
  readonly line: number
  #i = 0

  constructor(tokens: readonly string[], where: string, line: number) {
    this.#tokens = tokens
    this.where = where
    this.line = line
  }

  peek(ahead = 0): string | undefined {
    return this.#tokens[this.#i + ahead]
  }

  next(): string {
    const t = this.#tokens[this.#i++]
    if (t === undefined) throw new Error(`nft-trace: unexpected end of line at ${this.where}`)
    return t
  }

  expect(...choices: string[]): string {
    const t = this.next()
    if (!choices.includes(t)) throw new Error(`nft-trace: expected ${choices.join(' or ')} but found ${JSON.stringify(t)} at ${this.where}`)
    return t
  }

  rest(): string {
    return this.#tokens.slice(this.#i).join(' ')
  }

  done(): boolean {
    return this.#i >= this.#tokens.length
  }

  end(): void {
    if (!this.done()) throw new Error(`nft-trace: unexpected ${JSON.stringify(this.rest())} at ${this.where}`)
  }
}

/** The tokens between `{` and its `}` (no nesting is needed for declarations). */
export function braces(c: Cursor): string[] {
  c.expect('{')
  const inner: string[] = []
  for (let t = c.next(); t !== '}'; t = c.next()) inner.push(t)
  return inner
}

/** `name value ;` clauses of a declaration, e.g. type, hook, flags, comment. */
export function clauses(tokens: readonly string[]): Map<string, string[]> {
  const out = new Map<string, string[]>()
  let current: string[] = []
  for (const t of tokens) {
    if (t === ';') {
      const [name, ...value] = current
      if (name !== undefined) out.set(name, value)
      current = []
    } else current.push(t)
  }
  if (current.length > 0) out.set(current[0]!, current.slice(1))
  return out
}

/** "a . b . c" as tokens → [a, b, c]. */
export function splitDots(tokens: readonly string[], where: string): string[] {
  const out: string[] = []
  tokens.forEach((t, i) => {
    if ((i % 2 === 1) !== (t === '.')) throw new Error(`nft-trace: malformed concatenation ${tokens.join(' ')} at ${where}`)
    if (i % 2 === 0) out.push(t)
  })
  if (tokens.length % 2 === 0) throw new Error(`nft-trace: malformed concatenation ${tokens.join(' ')} at ${where}`)
  return out
}

/** A double-quoted string token, returned without its quotes (nft writes no escapes in kube-proxy's comments). */
export function quoted(c: Cursor): string {
  const t = c.next()
  if (!t.startsWith('"')) throw new Error(`nft-trace: expected a quoted string at ${c.where}`)
  return t.slice(1, -1)
}

export function parseNumber(c: Cursor): number {
  const t = c.next()
  if (!/^(0x[0-9a-f]+|[0-9]+)$/i.test(t)) throw new Error(`nft-trace: expected a number but found ${JSON.stringify(t)} at ${c.where}`)
  return Number(t)
}
