// Accumulates output lines and remembers which manifest field produced each one (a tiny source map).
import type { Origin } from '../model/types.ts'

export interface Rendered {
  readonly text: string
  /** origins[i] produced line i + 1 (undefined for fixed lines). */
  readonly origins: readonly (Origin | undefined)[]
}

export class LineWriter {
  readonly #lines: string[] = []
  readonly #origins: (Origin | undefined)[] = []

  /** Joins words with single spaces, as kube-proxy's LineBuffer does; empty words are dropped. */
  line(origin: Origin | undefined, ...words: readonly (string | readonly string[])[]): void {
    // Most lines arrive as one finished string; skip the flatten/filter/join arrays for them.
    const only = words.length === 1 ? words[0] : undefined
    this.#lines.push(typeof only === 'string' ? only : joinWords(words))
    this.#origins.push(origin)
  }

  append(rendered: Rendered): void {
    const lines = rendered.text.split('\n')
    lines.pop()
    lines.forEach((l, i) => {
      this.#lines.push(l)
      this.#origins.push(rendered.origins[i])
    })
  }

  finish(): Rendered {
    return { text: this.#lines.length === 0 ? '' : `${this.#lines.join('\n')}\n`, origins: [...this.#origins] }
  }
}

/**
 * words.flat().filter((w) => w !== '').join(' ') with one array instead of three. join() (not +)
 * makes a flat string: a rope of twenty pieces per line costs more to flatten at finish().
 */
export function joinWords(words: readonly (string | readonly string[])[]): string {
  const out: string[] = []
  for (const word of words) {
    if (typeof word === 'string') {
      if (word !== '') out.push(word)
      continue
    }
    for (const w of word) if (w !== '') out.push(w)
  }
  return out.join(' ')
}
