// --profile picks the nft shape: kube-proxy's own text (default) or the fast-loading one of the same plan.
import { readdirSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { run } from '../../src/cli/main.ts'
import { compile } from '../../src/compile.ts'
import { renderNftFast } from '../../src/render/nft/fast.ts'
import { renderNft } from '../../src/render/nft/render.ts'
import { captureIo } from '../helpers/memory-io.ts'

const fixture = 'fixtures/cases/example-shop'
const root = new URL('../../', import.meta.url).pathname

async function compileWith(args: string[]): Promise<{ code: number; out: string }> {
  const io = captureIo({ cwd: root })
  const code = await run(['compile', fixture, ...args], io)
  return { code, out: io.out() }
}

describe('--profile', () => {
  it("prints kube-proxy's text by default, and the fast shape with --profile fast", async () => {
    const byDefault = await compileWith([])
    const kubeProxy = await compileWith(['--profile', 'kube-proxy'])
    const fast = await compileWith(['--profile', 'fast'])
    expect([byDefault.code, kubeProxy.code, fast.code]).toEqual([0, 0, 0])
    expect(byDefault.out).toBe(kubeProxy.out)
    expect(fast.out).not.toBe(kubeProxy.out)
    // Same plan, other renderer: the CLI adds nothing of its own to either text.
    const texts = readdirSync(`${root}${fixture}`).filter((f) => f.endsWith('.yaml')).sort().map((f) => ({ path: f, text: readFileSync(`${root}${fixture}/${f}`, 'utf8') }))
    const result = compile(texts, { format: 'nft', settings: { defaultNodeName: 'test-host' } })
    if (!result.ok) throw new Error('example does not compile')
    expect(fast.out).toBe(renderNftFast(result.plan).text)
    expect(kubeProxy.out).toBe(renderNft(result.plan).text)
  })

  it('refuses an unknown profile as a usage error', async () => {
    expect((await compileWith(['--profile', 'turbo'])).code).toBe(2)
  })
})
