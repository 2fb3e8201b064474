// Rendered text in chunks: joined, the chunks are exactly the lines, each ending in "\n".
import { describe, expect, it } from 'vitest'
import { LineWriter, renderedLines } from '../../src/render/line-writer.ts'

describe('renderedLines', () => {
  it.each([0, 1, 4095, 4096, 4097, 10000])('%i lines: chunks of whole lines that join to the text', (count) => {
    const lines = Array.from({ length: count }, (_, i) => `line ${i}`)
    const rendered = renderedLines(lines, [])
    const expected = lines.map((l) => `${l}\n`).join('')
    expect(rendered.chunks!.join('')).toBe(expected)
    expect(rendered.text).toBe(expected)
    expect(rendered.chunks!.every((c) => c.endsWith('\n'))).toBe(true)
    expect(rendered.chunks!.length).toBe(Math.ceil(count / 4096))
  })

  it('LineWriter.finish() gives the same text and keeps one origin per line', () => {
    const w = new LineWriter()
    for (let i = 0; i < 5000; i++) w.line(undefined, `add rule r${i}`)
    const rendered = w.finish()
    expect(rendered.text.split('\n').length - 1).toBe(5000)
    expect(rendered.origins).toHaveLength(5000)
    expect(rendered.text.startsWith('add rule r0\nadd rule r1\n')).toBe(true)
  })
})
