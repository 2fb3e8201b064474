// Literal block scalars (`|`, `|-`, `|+`): where yaml ends one and the text it gives, for the fast reader.
//
// Ported from yaml 2.x: Lexer.parseBlockScalar decides which lines belong to the scalar (its
// "source", which also sets the node's range), and resolveBlockScalar turns them into the value.
// Only the case without an explicit indentation indicator, with at least one non-empty line.

const TAB = 0x09
const NL = 0x0a
const SPACE = 0x20

export type Chomp = 'clip' | 'strip' | 'keep'

export interface LiteralScalar {
  readonly value: string
  /** Offset just past the scalar's source: yaml's node.range[1]. */
  readonly end: number
  /** Offset of the line after the scalar (the text's length at its end). */
  readonly next: number
}

/**
 * The literal scalar whose lines start at `sourceStart` (the line after its header), inside a
 * collection at column `ownerCol`; undefined where yaml reports an error or the rule here is not
 * certain: an empty scalar, tabs in indentation, longer empty lines before the first line, and a
 * last line of spaces with no line break.
 */
export function readLiteral(text: string, sourceStart: number, ownerCol: number, chomp: Chomp): LiteralScalar | undefined {
  if (sourceStart >= text.length) return undefined
  // The first non-empty line sets the content indentation; empty lines before it may not be longer.
  let lineAt = sourceStart
  let longestEmpty = 0
  let indent: number
  for (;;) {
    let j = lineAt
    while (text.charCodeAt(j) === SPACE) j++
    const c = text.charCodeAt(j)
    if (j >= text.length || c === TAB) return undefined
    if (c !== NL) {
      indent = j - lineAt
      break
    }
    longestEmpty = Math.max(longestEmpty, j - lineAt)
    lineAt = j + 1
  }
  if (indent <= ownerCol || longestEmpty > indent) return undefined

  // The scalar goes on while lines are empty or indented at least as much (the lexer's continueScalar).
  let next = text.length
  for (lineAt = text.indexOf('\n', lineAt) + 1; lineAt > 0 && lineAt < text.length; lineAt = text.indexOf('\n', lineAt) + 1) {
    let j = lineAt
    while (text.charCodeAt(j) === SPACE) j++
    const c = text.charCodeAt(j)
    if (j >= text.length) return undefined
    if (c === NL || j - lineAt >= indent) continue
    if (c === TAB) return undefined
    next = lineAt
    break
  }

  // Unless kept, trailing empty lines no longer than the indentation are left out of the source.
  let nl = next === text.length && text.charCodeAt(text.length - 1) !== NL ? text.length : next - 1
  if (chomp !== 'keep') {
    for (;;) {
      let k = nl - 1
      const lastChar = k
      while (text.charCodeAt(k) === SPACE) k--
      if (text.charCodeAt(k) === NL && k >= sourceStart && k + 1 + indent > lastChar) nl = k
      else break
    }
  }
  const end = Math.min(nl + 1, text.length)
  return { value: literalValue(text.slice(sourceStart, end), indent, chomp), end, next }
}

/** resolveBlockScalar for a literal scalar whose content indentation is known and whose leading empty lines are short. */
function literalValue(source: string, indent: number, chomp: Chomp): string {
  const lines = splitLines(source)
  let chompStart = lines.length
  for (let i = lines.length - 1; i >= 0; --i) {
    if (lines[i]![1] === '') chompStart = i
    else break
  }
  let contentStart = 0
  while (contentStart < chompStart && lines[contentStart]![1] === '') contentStart++
  // Trailing empty lines indented more than the content are content.
  for (let i = lines.length - 1; i >= chompStart; --i) if (lines[i]![0].length > indent) chompStart = i + 1
  let value = '\n'.repeat(contentStart)
  let sep = ''
  for (let i = contentStart; i < chompStart; ++i) {
    const [spaces, content] = lines[i]!
    value += sep + spaces.slice(indent) + content
    sep = '\n'
  }
  if (chomp === 'keep') {
    for (let i = chompStart; i < lines.length; ++i) value += '\n' + lines[i]![0].slice(indent)
    if (value[value.length - 1] !== '\n') value += '\n'
  } else if (chomp === 'clip') value += '\n'
  return value
}

/** Lines as [indentation, content] pairs, as yaml's splitLines gives them. */
function splitLines(source: string): [string, string][] {
  const split = source.split(/\n( *)/)
  const first = split[0]!
  const m = /^( *)/.exec(first)
  const lines: [string, string][] = [m?.[1] ? [m[1], first.slice(m[1].length)] : ['', first]]
  for (let i = 1; i < split.length; i += 2) lines.push([split[i]!, split[i + 1]!])
  return lines
}
