// The lint pass after planning: kernel limits users hit, in the terms of the chosen format.
import { describe, expect, it } from 'vitest'
import { run } from '../../src/cli/main.ts'
import { lintRuleset } from '../../src/lint/index.ts'
import { compileText, SERVICE, SLICE, shape } from '../manifest/helpers.ts'
import { virtualIo } from './virtual-io.ts'

const AFFINITY = SERVICE.replace('  ports:', '  sessionAffinity: ClientIP\n  ports:')
const ARGS = ['--node-name', 'node-a', '--cluster-cidr', '10.244.0.0/16', '--node-ip', '192.168.0.2', '--quiet']

function lint(text: string, format: 'nft' | 'iptables') {
  const result = compileText(text, { nodeName: 'node-a' }, format)
  if (!result.ok) throw new Error('fixture does not compile')
  return lintRuleset(format === 'iptables' ? [result.plan.families[0]!] : result.plan.families, format).map(shape)
}

describe('ClientIP affinity capacity', () => {
  it('iptables: warns at sessionAffinity that xt_recent keeps 100 clients per endpoint', () => {
    expect(lint(`${AFFINITY}---\n${SLICE}`, 'iptables')).toEqual([
      { code: 'KERNEL_LIMIT', severity: 'warning', file: 'in.yaml', line: 8, column: 20, path: 'spec.sessionAffinity', doc: 0, object: 'Service shop/web' },
    ])
  })

  it('nft: notes that the dynamic affinity sets hold 65535 clients', () => {
    expect(lint(`${AFFINITY}---\n${SLICE}`, 'nft')).toEqual([expect.objectContaining({ code: 'KERNEL_LIMIT', severity: 'notice', line: 8, column: 20 })])
  })

  it('nft --profile fast: warns, because its one affinity set per service port holds 65535 clients for all endpoints', () => {
    const result = compileText(`${AFFINITY}---\n${SLICE}`, { nodeName: 'node-a' }, 'nft')
    if (!result.ok) throw new Error('fixture does not compile')
    const found = lintRuleset(result.plan.families, 'nft', 'fast')
    expect(found.map(shape)).toEqual([expect.objectContaining({ code: 'KERNEL_LIMIT', severity: 'warning', line: 8, column: 20 })])
    expect(found[0]!.message).toContain('per service port')
  })

  it('does not make (or locate) diagnostics of a severity that will not be shown', () => {
    const result = compileText(`${AFFINITY}---\n${SLICE}`, { nodeName: 'node-a' }, 'nft')
    if (!result.ok) throw new Error('fixture does not compile')
    expect(lintRuleset(result.plan.families, 'nft', 'kube-proxy', (s) => s !== 'notice')).toEqual([])
    expect(lintRuleset(result.plan.families, 'nft', 'fast', (s) => s !== 'notice')).toHaveLength(1)
  })

  it('is quiet without affinity, and without endpoints (no affinity rules then)', () => {
    expect(lint(`${SERVICE}---\n${SLICE}`, 'iptables')).toEqual([])
    expect(lint(AFFINITY, 'iptables')).toEqual([])
  })

  it('reaches stderr through the CLI, and --quiet hides it', async () => {
    const files = { 'svc.yaml': AFFINITY, 'slice.yaml': SLICE }
    const io = virtualIo(files)
    expect(await run(['compile', 'svc.yaml', 'slice.yaml', '--format', 'iptables', ...ARGS.slice(0, -1)], io)).toBe(0)
    expect(io.err()).toMatch(/^svc\.yaml:8:20: warning: .*\[KERNEL_LIMIT\]$/m)
    const quiet = virtualIo(files)
    expect(await run(['compile', 'svc.yaml', 'slice.yaml', '--format', 'iptables', ...ARGS], quiet)).toBe(0)
    expect(quiet.err()).toBe('')
  })
})

describe('more than 1000 endpoints', () => {
  const big = () => {
    const endpoints = Array.from({ length: 1001 }, (_, i) => `- addresses: [10.244.${Math.floor(i / 250)}.${(i % 250) + 1}]\n  conditions: {ready: true}`).join('\n')
    return `${SERVICE}---\n${SLICE.split('endpoints:')[0]}endpoints:\n${endpoints}\n`
  }
  it('iptables: warns that per-endpoint comments are left out', () => {
    expect(lint(big(), 'iptables')).toEqual([{ code: 'COMMENTS_DROPPED', severity: 'warning', file: '<ruleset>' }])
  })
  it('nft: nothing to say', () => {
    expect(lint(big(), 'nft')).toEqual([])
  })
})
