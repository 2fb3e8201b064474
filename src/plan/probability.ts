// Formats 1/n the way kube-proxy's computeProbability does (Go "%0.10f": exact, ties to even).

const SCALE = 10_000_000_000n

/**
 * Exact decimal rounding with BigInt. JavaScript's (1 / n).toFixed(10) differs from Go for
 * n = 2048 (0.00048828125 is an exact tie; Go rounds it to even, 0.0004882812).
 */
export function formatProbability(n: number): string {
  // BigInt division costs microseconds and every endpoint rule asks; services share a few n.
  const known = formatted.get(n)
  if (known !== undefined) return known
  const text = compute(n)
  formatted.set(n, text)
  return text
}

const formatted = new Map<number, string>()

function compute(n: number): string {
  if (!Number.isInteger(n) || n < 1) throw new Error(`svcc internal error: probability of 1/${n}`)
  const d = BigInt(n)
  let q = SCALE / d
  const twiceRest = (SCALE % d) * 2n
  if (twiceRest > d || (twiceRest === d && q % 2n === 1n)) q += 1n
  const digits = q.toString().padStart(11, '0')
  return `${digits.slice(0, -10)}.${digits.slice(-10)}`
}
