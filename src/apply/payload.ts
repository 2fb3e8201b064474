// The text a tool reads on stdin: rendered lines plus the few lines the applier adds, each remembering where it came from.
import type { Rendered } from '../render/line-writer.ts'

export interface PayloadLine {
  readonly text: string
  /** 1-based line of the rendered ruleset, or undefined for a line svcc apply added. */
  readonly renderedLine: number | undefined
  /** For added lines: why they are there ("stale chain", "jump rule"…), shown in errors. */
  readonly added: string | undefined
}

export function renderedLines(rendered: Rendered): PayloadLine[] {
  const lines = rendered.text.split('\n')
  if (lines[lines.length - 1] === '') lines.pop()
  return lines.map((text, i) => ({ text, renderedLine: i + 1, added: undefined }))
}

export function addedLine(text: string, why: string): PayloadLine {
  return { text, renderedLine: undefined, added: why }
}

export function payloadText(lines: readonly PayloadLine[]): string {
  return lines.map((l) => `${l.text}\n`).join('')
}
