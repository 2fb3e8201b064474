// Deterministic comparison helpers: code-unit string order, never locale order.

export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

export function compareNumbers(a: number, b: number): number {
  return a - b
}

/** Builds a comparator from key extractors, compared left to right. */
export function byKeys<T>(...keys: ((item: T) => string | number)[]): (a: T, b: T) => number {
  return (a, b) => {
    for (const key of keys) {
      const ka = key(a)
      const kb = key(b)
      const c = typeof ka === 'number' && typeof kb === 'number' ? ka - kb : compareStrings(String(ka), String(kb))
      if (c !== 0) return c
    }
    return 0
  }
}

/** Sorted copy without duplicates (by the given key). */
export function uniqueSorted<T>(items: readonly T[], key: (item: T) => string): T[] {
  const seen = new Map<string, T>()
  for (const item of items) if (!seen.has(key(item))) seen.set(key(item), item)
  return [...seen.entries()].sort((a, b) => compareStrings(a[0], b[0])).map(([, v]) => v)
}
