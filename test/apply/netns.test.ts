// Target selection: namespace-name validation, argv prefixes, and telling a missing command from a failing one.
import { describe, expect, it } from 'vitest'
import { notFoundCommand } from '../../src/apply/invoke.ts'
import { inTarget, parseNetnsList, resolveTarget } from '../../src/apply/netns.ts'

describe('resolveTarget', () => {
  it('accepts a plain namespace name or an explicit --host', () => {
    expect(resolveTarget({ netns: 'svcc-t-1a2b.x_y' })).toEqual({ ok: true, target: { kind: 'netns', name: 'svcc-t-1a2b.x_y' } })
    expect(resolveTarget({ host: true })).toEqual({ ok: true, target: { kind: 'host' } })
  })

  it.each(['', '.', '..', '../x', 'a/b', '-x', 'a b', 'a;b', '$(id)', 'x'.repeat(65)])('rejects the unsafe name %j', (name) => {
    expect(resolveTarget({ netns: name }).ok).toBe(false)
  })

  it('never falls back to the current namespace', () => {
    expect(resolveTarget({}).ok).toBe(false)
    expect(resolveTarget({ host: false }).ok).toBe(false)
  })
})

describe('argv building', () => {
  it('prefixes ip netns exec NAME for a namespace and nothing for --host', () => {
    expect(inTarget({ kind: 'netns', name: 'blue' }, ['nft', '-f', '-'])).toEqual(['ip', 'netns', 'exec', 'blue', 'nft', '-f', '-'])
    expect(inTarget({ kind: 'host' }, ['nft', '-f', '-'])).toEqual(['nft', '-f', '-'])
  })

  it('reads names from ip netns list with and without ids', () => {
    expect(parseNetnsList('blue (id: 0)\nred\n\n')).toEqual(['blue', 'red'])
  })

  it('tells "command not found" from an ordinary failure, also behind ip netns exec', () => {
    expect(notFoundCommand(['nft', '-f', '-'], { exitCode: undefined, stdout: '', stderr: '', spawnError: 'ENOENT' })).toBe('nft')
    const exec = ['ip', 'netns', 'exec', 'blue', 'nft'] as const
    expect(notFoundCommand(exec, { exitCode: 1, stdout: '', stderr: 'exec of "nft" failed: No such file or directory\n' })).toBe('nft')
    expect(notFoundCommand(exec, { exitCode: 1, stdout: '', stderr: 'Error: syntax error\n' })).toBeUndefined()
    expect(notFoundCommand(exec, { exitCode: undefined, stdout: '', stderr: '', spawnError: 'ENOENT' })).toBe('ip')
  })
})
