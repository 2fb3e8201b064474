// One-line YAML scalars → values, exactly as the yaml library resolves them (YAML 1.2 core schema).
//
// Ported from yaml 2.x: schema/core/{bool,int,float}.ts, schema/common/null.ts (tested in this
// order, as the core schema lists them) and compose/resolve-flow-scalar.ts (double-quoted escapes).
// Anything yaml would report as an error gives undefined, so the caller falls back to yaml.

const OCT = /^0o[0-7]+$/
const INT = /^[-+]?[0-9]+$/
const HEX = /^0x[0-9a-fA-F]+$/
const NAN_INF = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/
const FLOAT_EXP = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/

/** The value of a non-empty plain scalar: null, boolean, number or (most often) the text itself. */
export function resolvePlain(text: string): unknown {
  switch (text.charCodeAt(0)) {
    case 0x7e /* ~ */:
      return text === '~' ? null : text
    case 0x6e /* n */:
    case 0x4e /* N */:
      return text === 'null' || text === 'Null' || text === 'NULL' ? null : text
    case 0x74 /* t */:
    case 0x54 /* T */:
      return text === 'true' || text === 'True' || text === 'TRUE' ? true : text
    case 0x66 /* f */:
    case 0x46 /* F */:
      return text === 'false' || text === 'False' || text === 'FALSE' ? false : text
    case 0x2b /* + */:
    case 0x2d /* - */:
    case 0x2e /* . */:
      return resolveNumber(text)
    default: {
      const c = text.charCodeAt(0)
      return c >= 0x30 && c <= 0x39 ? resolveNumber(text) : text
    }
  }
}

/** yaml's int and float tags: parseInt/parseFloat of the text, so large ints lose precision as in yaml. */
function resolveNumber(text: string): unknown {
  if (OCT.test(text)) return parseInt(text.substring(2), 8)
  if (INT.test(text)) return parseInt(text, 10)
  if (HEX.test(text)) return parseInt(text.substring(2), 16)
  if (NAN_INF.test(text)) return text.slice(-3).toLowerCase() === 'nan' ? NaN : text[0] === '-' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY
  if (FLOAT_EXP.test(text) || FLOAT.test(text)) return parseFloat(text)
  return text
}

const ESCAPES: Readonly<Record<string, string>> = {
  '0': '\0',
  a: '\x07',
  b: '\b',
  e: '\x1b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  N: '\u0085',
  _: '\u00a0',
  L: '\u2028',
  P: '\u2029',
  ' ': ' ',
  '"': '"',
  '/': '/',
  '\\': '\\',
  '\t': '\t',
}

const HEX_DIGITS = /^[0-9a-fA-F]+$/

/**
 * The value of a one-line double-quoted scalar from the text between its quotes (which holds at
 * least one backslash), or undefined for an escape yaml rejects (BAD_DQ_ESCAPE).
 */
export function unescapeDoubleQuoted(body: string): string | undefined {
  let out = ''
  let from = 0
  for (let i = body.indexOf('\\'); i >= 0; i = body.indexOf('\\', from)) {
    out += body.slice(from, i)
    const e = body[i + 1]
    if (e === undefined) return undefined
    const simple = ESCAPES[e]
    if (simple !== undefined) {
      out += simple
      from = i + 2
      continue
    }
    const length = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : 0
    const digits = body.substr(i + 2, length)
    if (length === 0 || digits.length !== length || !HEX_DIGITS.test(digits)) return undefined
    const code = parseInt(digits, 16)
    if (code > 0x10ffff) return undefined // String.fromCodePoint throws there, and yaml reports it
    out += String.fromCodePoint(code)
    from = i + 2 + length
  }
  return out + body.slice(from)
}
