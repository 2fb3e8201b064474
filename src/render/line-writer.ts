// Accumulates output lines and remembers which manifest field produced each one (a tiny source map).
import type { Origin } from '../model/types.ts'

export interface Rendered {
  readonly text: string
  /** origins[i] produced line i + 1 (undefined for fixed lines). */
  readonly origins: readonly (Origin | undefined)[]
  /**
   * The same text as consecutive runs of whole lines, when a renderer made it so. Output writers
   * take these: one 37 MB string (iptables at 10k Services) and its UTF-8 copy cost ~0.3 s more.
   */
  readonly chunks?: readonly string[]
}

/** Lines per chunk: a few hundred kB of text. */
const CHUNK_LINES = 4096

/** Rendered text kept in chunks; the whole string is joined only if someone asks for it. */
class ChunkedText implements Rendered {
  #text: string | undefined
  readonly chunks: readonly string[]
  readonly origins: readonly (Origin | undefined)[]

  constructor(chunks: readonly string[], origins: readonly (Origin | undefined)[]) {
    this.chunks = chunks
    this.origins = origins
  }

  get text(): string {
    return (this.#text ??= this.chunks.join(''))
  }
}

/** Lines (without their "\n") → Rendered, every line ending in "\n". */
export function renderedLines(lines: readonly string[], origins: readonly (Origin | undefined)[]): Rendered {
  const chunks: string[] = []
  for (let i = 0; i < lines.length; i += CHUNK_LINES) chunks.push(`${lines.slice(i, i + CHUNK_LINES).join('\n')}\n`)
  return new ChunkedText(chunks, origins)
}

export class LineWriter {
  readonly #lines: string[] = []
  readonly #origins: (Origin | undefined)[] = []

  /** One finished line, without its "\n". */
  line(origin: Origin | undefined, text: string): void {
    this.#lines.push(text)
    this.#origins.push(origin)
  }

  finish(): Rendered {
    return renderedLines(this.#lines, [...this.#origins])
  }
}
