// The compiler's input: file contents with a display path. The CLI reads files; tests pass literals.

export interface Source {
  /** Display path (relative, '/'-separated); only a label. "<stdin>" for standard input. */
  readonly path: string
  readonly text: string
}
