// fixtures/cases/<case>/ → golden/cases/<case>/: every fixture through the real CLI, for every format.
// `npm run test:update` rewrites the goldens; review them in `git diff`. CI (CI=true) never writes them.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { run } from '../src/cli/main.ts'
import { captureIo } from './helpers/memory-io.ts'

const root = fileURLToPath(new URL('..', import.meta.url))
const at = (...p: string[]) => `${root}${p.join('/')}`
const cases = readdirSync(at('fixtures/cases')).sort()

/** Extra CLI arguments a case needs, from fixtures/cases/<case>/args (not a *.yaml, so the CLI never reads it as a manifest). */
function argsOf(name: string): string[] {
  const file = at('fixtures/cases', name, 'args')
  return existsSync(file) ? readFileSync(file, 'utf8').split(/\s+/).filter(Boolean) : []
}

async function compileCase(name: string, extra: string[]) {
  const io = captureIo({ cwd: root })
  const code = await run(['compile', `fixtures/cases/${name}`, ...argsOf(name), ...extra], io)
  return { code, out: io.out(), err: io.err() }
}

describe.each(cases)('%s', (name) => {
  it('compiles to nft as in its golden file, with its diagnostics', async () => {
    const { code, out, err } = await compileCase(name, ['--format', 'nft'])
    if (code !== 0) {
      expect(out).toBe('')
      await expect(`exit ${code}\n${err}`).toMatchFileSnapshot(at('golden/cases', name, 'diagnostics.txt'))
      return
    }
    await expect(out).toMatchFileSnapshot(at('golden/cases', name, 'ruleset.nft'))
    if (err !== '') await expect(err).toMatchFileSnapshot(at('golden/cases', name, 'diagnostics.txt'))
    else expect(existsSync(at('golden/cases', name, 'diagnostics.txt'))).toBe(false)
  })

  it('compiles to iptables-restore text as in its golden files', async () => {
    const nft = await compileCase(name, ['--format', 'nft'])
    if (nft.code !== 0) return // an error case: its diagnostics are pinned above
    for (const family of ['ipv4', 'ipv6'] as const) {
      const hasFamily = nft.out.includes(`add table ${family === 'ipv4' ? 'ip' : 'ip6'} kube-proxy`)
      const file = at('golden/cases', name, family === 'ipv4' ? 'iptables.rules' : 'ip6tables.rules')
      if (!hasFamily) {
        expect(existsSync(file), `${file} is stale: the case has no ${family} rules`).toBe(false)
        continue
      }
      const { code, out } = await compileCase(name, ['--format', 'iptables', '--ip-family', family])
      expect(code).toBe(0)
      await expect(out).toMatchFileSnapshot(file)
    }
  })
})

it('has a golden folder for every fixture and no orphans', () => {
  expect(readdirSync(at('golden/cases')).sort()).toEqual(cases)
})
