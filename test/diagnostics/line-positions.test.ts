// LinePositions answers as a full split of the text would, in any order of asking.
import { describe, expect, it } from 'vitest'
import { LinePositions } from '../../src/diagnostics/line-positions.ts'
import { prng } from '../helpers/prng.ts'

const texts = {
  'ends with a newline': 'a\nbb\n\nccc\r\nd\n',
  'no final newline': 'first\nsecond',
  empty: '',
  'only newlines': '\n\n\n',
}

describe('LinePositions', () => {
  it.each(Object.entries(texts))('lineText and linePos agree with split() for %s, asked at random', (_name, text) => {
    const lines = text.split('\n')
    const positions = new LinePositions(text)
    const rand = prng(7)
    for (let k = 0; k < 200; k++) {
      const line = Math.floor(rand() * (lines.length + 3)) - 1
      expect(positions.lineText(line), `line ${line}`).toBe(lines[line - 1])
      const offset = Math.floor(rand() * (text.length + 1))
      const before = text.slice(0, offset).split('\n')
      expect(positions.linePos(offset), `offset ${offset}`).toEqual({ line: before.length, col: before[before.length - 1]!.length + 1 })
    }
  })

  it('refuses line numbers that are not whole and positive', () => {
    const positions = new LinePositions('a\nb\n')
    expect([positions.lineText(0), positions.lineText(1.5), positions.lineText(-1)]).toEqual([undefined, undefined, undefined])
  })
})
