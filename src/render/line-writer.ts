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
    this.#lines.push(words.flat().filter((w) => w !== '').join(' '))
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
    return { text: this.#lines.map((l) => `${l}\n`).join(''), origins: [...this.#origins] }
  }
}
