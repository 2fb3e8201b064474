// Kernel-tool stderr → the failing payload line → the manifest field that produced it, with ±3 lines of context.
import type { Diagnostic } from '../diagnostics/diagnostic.ts'
import { diagnosticAt } from '../manifest/validate.ts'
import type { Origin } from '../model/types.ts'
import type { PayloadLine } from './payload.ts'
import type { ApplyProblem } from './problem.ts'
import { rulesetLabel, type ApplyRuleset } from './ruleset.ts'

/** What the payload's rendered lines came from: a name for messages and the per-line origins. */
export interface LineSource {
  readonly label: string
  readonly origins: readonly (Origin | undefined)[]
}

export function sourceOf(ruleset: ApplyRuleset): LineSource {
  return { label: rulesetLabel(ruleset), origins: ruleset.rendered.origins }
}

export interface ToolError {
  /** 1-based line of the payload the tool read, when it said. */
  readonly line: number | undefined
  readonly column: number | undefined
  readonly length: number | undefined
  readonly message: string
}

/** kube-proxy shows this many lines either side of a failing restore line (utilproxy.ExtractLines). */
export const CONTEXT_LINES = 3

const VERSION_PREFIX = /^(\S+) v[\d.]+ \([^)]*\):\s*/

/**
 * iptables-restore names the line three ways: "Error occurred at line: N" (parse errors and, with the
 * nf_tables backend, unknown chains), "line N: RULE_APPEND failed (…)" (nf_tables commit errors) and
 * "iptables-restore: line N failed" (legacy commit errors).
 */
export function parseIptablesRestoreError(stderr: string): ToolError {
  const m = /Error occurred at line: (\d+)/.exec(stderr) ?? /^line (\d+): /m.exec(stderr) ?? /\bline (\d+) failed/.exec(stderr)
  const message = stderr
    .split('\n')
    .map((l) => l.trim().replace(VERSION_PREFIX, ''))
    .filter((l) => l !== '' && !l.startsWith('Error occurred at line') && !l.startsWith('Try `') && !/^(\S+: )?line \d+ failed$/.test(l))
    .map((l) => l.replace(/^line \d+: /, ''))
    .join('; ')
  return { line: m ? Number(m[1]) : undefined, column: undefined, length: undefined, message: message || 'the kernel refused it (no reason given)' }
}

/**
 * iptables-nft finds an undefined jump target only at COMMIT and reports the COMMIT line. The
 * message names the chain, so point at the first rule of that table that jumps to it instead.
 */
export function pinMissingChain(payload: readonly PayloadLine[], error: ToolError): ToolError {
  const chain = /Chain '([^']+)' does not exist/.exec(error.message)?.[1]
  if (error.line === undefined || chain === undefined || payload[error.line - 1]?.text.trim() !== 'COMMIT') return error
  let start = error.line - 1
  while (start > 0 && !payload[start - 1]!.text.startsWith('*')) start--
  const jump = new RegExp(`\\s(-j|--jump|-g|--goto)\\s+${chain.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(\\s|$)`)
  const at = payload.slice(start, error.line - 1).findIndex((l) => jump.test(l.text))
  return at < 0 ? error : { ...error, line: start + at + 1 }
}

const NFT_ERROR = /^[^\s:]+:(\d+):(\d+)(?:-(\d+))?: Error: (.*)$/gm

/** nft prints "/dev/stdin:L:C1-C2: Error: …" per problem (then the line and a ^^^ marker); plain "Error: …" otherwise. */
export function parseNftErrors(stderr: string): ToolError[] {
  const located = [...stderr.matchAll(NFT_ERROR)].map((m) => {
    const column = Number(m[2])
    return { line: Number(m[1]), column, length: m[3] !== undefined ? Number(m[3]) - column + 1 : undefined, message: m[4]!.trim() }
  })
  if (located.length > 0) return located
  const plain = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('Error:') || l.startsWith('netlink:'))
    .map((l) => l.replace(/^Error:\s*/, ''))
  return [{ line: undefined, column: undefined, length: undefined, message: plain.join('; ') || stderr.trim() || 'no message' }]
}

/**
 * One APPLY_REJECTED problem. A rendered line with an origin is reported at the manifest field;
 * one without (COMMIT, fixed chains, a --rules file) at the rendered line of `label`; a line the
 * applier added, at the target.
 */
export function rejection(tool: string, source: LineSource, payload: readonly PayloadLine[], error: ToolError, where: string): ApplyProblem {
  const label = source.label
  const line = error.line !== undefined ? payload[error.line - 1] : undefined
  if (error.line === undefined || line === undefined)
    return { kind: 'diagnostic', diagnostic: { severity: 'error', code: 'APPLY_REJECTED', message: `${tool} rejected ${label}: ${error.message}`, file: where }, excerpt: [] }

  const excerpt = extractLines(payload, error.line, label)
  if (line.renderedLine === undefined) {
    const message = `${tool} rejected a line svcc apply added (${line.added ?? 'svcc'}): ${error.message}`
    return { kind: 'diagnostic', diagnostic: { severity: 'error', code: 'APPLY_REJECTED', message, file: where }, excerpt }
  }
  const origin = source.origins[line.renderedLine - 1]
  if (origin) {
    const message = `${tool} rejected the rule made from this field (${label} line ${line.renderedLine}): ${error.message}`
    const diagnostic = diagnosticAt(origin.object.source, origin.path, 'APPLY_REJECTED', message, { object: origin.object.object })
    const sourceLine = diagnostic.line !== undefined ? origin.object.source.sourceLine(diagnostic.line) : undefined
    return { kind: 'diagnostic', diagnostic, excerpt, ...(sourceLine !== undefined ? { sourceLine } : {}) }
  }
  const diagnostic: Diagnostic = {
    severity: 'error',
    code: 'APPLY_REJECTED',
    message: `${tool} rejected line ${line.renderedLine}: ${error.message}`,
    file: label,
    line: line.renderedLine,
    column: error.column ?? 1,
    ...(error.length !== undefined ? { length: error.length } : {}),
  }
  return { kind: 'diagnostic', diagnostic, excerpt }
}

/** ±CONTEXT_LINES payload lines, numbered as in the rendered text ("+" for added lines), the failing one marked ">". */
export function extractLines(payload: readonly PayloadLine[], line: number, label: string): string[] {
  const from = Math.max(1, line - CONTEXT_LINES)
  const to = Math.min(payload.length, line + CONTEXT_LINES)
  const shown = payload.slice(from - 1, to)
  const width = Math.max(1, ...shown.map((l) => String(l.renderedLine ?? '+').length))
  const out = [`${label}, as loaded (+ marks lines svcc apply added):`]
  shown.forEach((l, i) => {
    const mark = from + i === line ? '>' : ' '
    out.push(`${mark} ${String(l.renderedLine ?? '+').padStart(width)} | ${sanitize(l.text)}`)
  })
  return out
}

/** Control characters from a --rules file must not reach the terminal raw. */
function sanitize(text: string): string {
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f\u009b]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
}
