// Decides whether the kernel lab can run here (root, the tools); when not, says so loudly on stderr.
import { spawnSync } from 'node:child_process'

const TOOLS = ['ip', 'nft', 'iptables-restore', 'ip6tables-restore', 'nfacct', 'conntrack', 'node'] as const

export interface LabAvailability {
  readonly ok: boolean
  readonly why: string
}

export function labAvailability(): LabAvailability {
  if (process.getuid?.() !== 0) return { ok: false, why: 'not root (the lab creates network namespaces)' }
  const missing = TOOLS.filter((t) => spawnSync('sh', ['-c', `command -v ${t}`], { stdio: 'ignore' }).status !== 0)
  if (missing.length > 0) return { ok: false, why: `missing tools: ${missing.join(', ')}` }
  return { ok: true, why: '' }
}

/** Call at describe level: prints the skip reason where a human will see it (console.* fails tests here). */
export function announceSkip(suite: string, availability: LabAvailability): void {
  if (availability.ok) return
  const bar = '!'.repeat(78)
  process.stderr.write(`\n${bar}\n!! SKIPPED: ${suite}\n!! ${availability.why}. Run the suite as root to let the kernel judge svcc's rules.\n${bar}\n\n`)
}
