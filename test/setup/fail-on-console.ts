// Any console.* call in a test is a failure: the core must not log (zod's scripts/fail-on-console.ts).
import { afterEach, vi } from 'vitest'

const methods = ['log', 'info', 'warn', 'error', 'debug'] as const
const calls: string[] = []
for (const method of methods) {
  vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
    calls.push(`console.${method}(${args.map(String).join(' ')})`)
  })
}
afterEach(() => {
  if (calls.length > 0) {
    const found = calls.splice(0)
    throw new Error(`unexpected console output:\n${found.join('\n')}`)
  }
})
