// What a probe should see, how many attempts that takes, and the verdict on what it saw (pure).
import type { Attempt, ProbeRequest } from './lab.ts'
import { canonical, isNodeAddress } from './topology.ts'

export type Expect =
  /**
   * Only these endpoints ("ip:port") answer, each at least once (with `sticky`, one of them every
   * time); masquerade says whether the pod saw a node address instead of the client's.
   */
  | {
      readonly kind: 'endpoints'
      readonly endpoints: readonly string[]
      readonly masquerade: boolean
      /** Fair share: a fixed number of attempts, and each endpoint gets at least this fraction. */
      readonly minShare?: number
      /** Session affinity: every attempt lands on one endpoint. */
      readonly sticky?: boolean
      readonly attempts?: number
    }
  /** REJECT: connection refused, well before the timeout. */
  | { readonly kind: 'refused' }
  /** DROP: nothing comes back. */
  | { readonly kind: 'dropped' }
  /** No rule touched it and it was for the node: the node's own server answers, untranslated. */
  | { readonly kind: 'node' }
  /** No rule touched it and it was not for the node: it left towards the upstream, which drops it. */
  | { readonly kind: 'unrouted' }

export const reach = (endpoints: readonly string[], masquerade: boolean, more: Partial<Extract<Expect, { kind: 'endpoints' }>> = {}): Expect => ({
  kind: 'endpoints',
  endpoints,
  masquerade,
  ...more,
})
export const refused: Expect = { kind: 'refused' }
export const dropped: Expect = { kind: 'dropped' }
export const node: Expect = { kind: 'node' }
export const unrouted: Expect = { kind: 'unrouted' }

/** Per attempt that should be answered: a DNAT'd answer takes milliseconds, so 1 s only absorbs a busy machine. */
export const TIMEOUT_MS = 1_000
/**
 * Per attempt that should get no answer (DROP, unrouted). The wait is pure cost: a wrong rule that
 * lets the packet through is answered within milliseconds, long before this.
 */
export const SILENCE_MS = 500
/** A REJECT must come back this fast to count as "refused at once". */
export const REFUSED_WITHIN_MS = 300
/**
 * IPv6 TCP is the exception, and the kernel's doing: the ICMPv6 error of a REJECT on the same
 * machine arrives while connect() still holds the socket lock and is dropped (TcpExtLockDroppedIcmps
 * counts it); the retransmitted SYN, about 1 s later, gets the refusal. IPv4 counts the same drop
 * but still fails the connect at once (seen on this 6.18 kernel). A kube-proxy node behaves the
 * same for its own pods.
 */
export const REFUSED_WITHIN_MS_TCP6 = 1_500

function refusedWithin(target: ProbeTarget): number {
  return target.to.includes(':') && target.protocol !== 'UDP' ? REFUSED_WITHIN_MS_TCP6 : REFUSED_WITHIN_MS
}

export function probeShape(expect: Expect, target: ProbeTarget): Pick<ProbeRequest, 'min' | 'max' | 'parallel' | 'timeoutMs'> & { until?: readonly string[] } {
  switch (expect.kind) {
    case 'endpoints': {
      if (expect.minShare !== undefined) {
        const n = expect.attempts ?? 300
        return { min: n, max: n, parallel: 10, timeoutMs: TIMEOUT_MS }
      }
      // Sequential, so every connection after the first finds the affinity entry already there.
      if (expect.sticky) return { min: expect.attempts ?? 20, max: expect.attempts ?? 20, parallel: 1, timeoutMs: TIMEOUT_MS }
      // Stop once every endpoint answered; 12 + 12n attempts miss one of n with odds below 1e-5.
      return { min: 3, max: 12 + 12 * expect.endpoints.length, until: expect.endpoints, parallel: 4, timeoutMs: TIMEOUT_MS }
    }
    case 'refused':
      return { min: 3, max: 3, parallel: 3, timeoutMs: refusedWithin(target) + TIMEOUT_MS }
    case 'node':
      return { min: 2, max: 2, parallel: 2, timeoutMs: TIMEOUT_MS }
    case 'dropped':
      return { min: 2, max: 2, parallel: 2, timeoutMs: SILENCE_MS }
    case 'unrouted':
      return { min: 1, max: 1, parallel: 1, timeoutMs: SILENCE_MS }
  }
}

export interface ProbeTarget {
  readonly from: string
  readonly to: string
  readonly port: number
  readonly protocol?: 'TCP' | 'UDP'
}

/** Returns what is wrong with the attempts, or [] when they match the expectation. */
export function judge(expect: Expect, target: ProbeTarget, attempts: readonly Attempt[]): string[] {
  if (attempts.length === 0) return ['no attempt was made']
  const from = canonical(target.from)
  const problems: string[] = []
  switch (expect.kind) {
    case 'endpoints': {
      const allowed = new Set(expect.endpoints)
      const counts = new Map<string, number>()
      for (const a of attempts) {
        if (!a.ok) {
          problems.push(`an attempt failed: ${a.error} after ${Math.round(a.ms)} ms`)
          continue
        }
        if (a.name === 'node' || !allowed.has(a.ep)) problems.push(`answered by ${a.name === 'node' ? 'the node itself' : 'a pod'} at ${a.ep}, not an expected endpoint`)
        counts.set(a.ep, (counts.get(a.ep) ?? 0) + 1)
        if (expect.masquerade && (a.src === from || !isNodeAddress(a.src))) problems.push(`${a.ep} saw source ${a.src}, expected a node address (masquerade)`)
        if (!expect.masquerade && a.src !== from) problems.push(`${a.ep} saw source ${a.src}, expected the client's ${from} (no masquerade)`)
      }
      if (!expect.sticky) for (const ep of expect.endpoints) if (!counts.has(ep)) problems.push(`endpoint ${ep} never answered`)
      if (expect.minShare !== undefined)
        for (const [ep, n] of counts)
          if (n / attempts.length < expect.minShare) problems.push(`${ep} got ${n} of ${attempts.length} (< ${expect.minShare * 100}%)`)
      if (expect.sticky && counts.size > 1) problems.push(`affinity broken: answers came from ${[...counts.keys()].join(', ')}`)
      break
    }
    case 'refused':
      for (const a of attempts) {
        if (a.ok) problems.push(`expected REJECT, but ${a.name === 'node' ? 'the node' : a.ep} answered`)
        else if (a.error !== 'ECONNREFUSED') problems.push(`expected connection refused, got ${a.error} after ${Math.round(a.ms)} ms`)
        else if (a.ms > refusedWithin(target)) problems.push(`refused only after ${Math.round(a.ms)} ms (REJECT must answer within ${refusedWithin(target)} ms)`)
      }
      break
    case 'dropped':
      for (const a of attempts) {
        if (a.ok) problems.push(`expected DROP, but ${a.name === 'node' ? 'the node' : a.ep} answered`)
        else if (a.error !== 'TIMEOUT') problems.push(`expected a timeout (DROP), got ${a.error} after ${Math.round(a.ms)} ms`)
      }
      break
    case 'node': {
      const untranslated = endpointString(canonical(target.to), target.port)
      for (const a of attempts) {
        if (!a.ok) problems.push(`expected the node itself to answer, got ${a.error} after ${Math.round(a.ms)} ms`)
        else if (a.name !== 'node' || a.ep !== untranslated) problems.push(`expected the node to answer on ${untranslated}, but ${a.name} answered on ${a.ep}`)
        else if (a.src !== from) problems.push(`the node saw source ${a.src}, expected ${from}`)
      }
      break
    }
    case 'unrouted':
      for (const a of attempts) {
        if (a.ok) problems.push(`expected no rule to catch it, but ${a.name === 'node' ? 'the node' : a.ep} answered`)
        else if (!['TIMEOUT', 'EHOSTUNREACH', 'ENETUNREACH'].includes(a.error)) problems.push(`expected it to leave the node unanswered, got ${a.error}`)
      }
      break
  }
  const distinct = [...new Set(problems)]
  return distinct.length > MAX_PROBLEMS ? [...distinct.slice(0, MAX_PROBLEMS), `… and ${distinct.length - MAX_PROBLEMS} more`] : distinct
}

/** A probe of 300 attempts that all go wrong should not print 300 lines. */
const MAX_PROBLEMS = 6

/** One entry per distinct outcome, for failure messages: "10.180.0.1:80 src 10.0.0.2 ×7, TIMEOUT ×1 (≤1001 ms)". */
export function summarize(attempts: readonly Attempt[]): string {
  const groups = new Map<string, { n: number; ms: number; failed: boolean }>()
  for (const a of attempts) {
    const key = a.ok ? `${a.name === 'node' ? 'node ' : ''}${a.ep} src ${a.src}` : a.error
    const g = groups.get(key) ?? { n: 0, ms: 0, failed: !a.ok }
    groups.set(key, { n: g.n + 1, ms: Math.max(g.ms, a.ms), failed: g.failed })
  }
  return [...groups].map(([k, g]) => `${k} ×${g.n}${g.failed ? ` (≤${Math.round(g.ms)} ms)` : ''}`).join(', ')
}

export function endpointString(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`
}
