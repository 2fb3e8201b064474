// --profile fast (src/render/nft/fast.ts): the same decisions as kube-proxy's text, in a shape the kernel loads in linear time.
// Every golden fixture, plus a generated cluster, through compile() and both nft renderers: the
// texts are compared fact by fact (DNAT targets per chain, set and map contents, firewall
// ranges, affinity order), and as root the fast text is loaded into a fresh namespace.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Command } from 'commander'
import { afterAll, describe, expect, it } from 'vitest'
import { BENCH_ARGS, generateCluster } from '../../bench/generate.ts'
import { addCompileOptions, settingsFromFlags, type CompileFlags } from '../../src/cli/options.ts'
import { compile } from '../../src/compile.ts'
import type { Plan } from '../../src/plan/types.ts'
import { renderNftFast, RULES_PER_MAP } from '../../src/render/nft/fast.ts'
import { renderNft } from '../../src/render/nft/render.ts'
import { inFreshNetns, IS_ROOT, warnIfNotRoot } from '../helpers/kernel.ts'

const root = fileURLToPath(new URL('../..', import.meta.url))
const scratch = mkdtempSync(join(tmpdir(), 'svcc-fast-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

function flagsOf(args: readonly string[]): CompileFlags {
  let flags: CompileFlags | undefined
  addCompileOptions(new Command('svcc').argument('[inputs...]'))
    .exitOverride()
    .action((_inputs: string[], f: CompileFlags) => {
      flags = f
    })
    .parse(['node', 'svcc', ...args])
  return flags!
}

function planOf(sources: { path: string; text: string }[], args: readonly string[]): Plan | undefined {
  const r = compile(sources, { format: 'nft', settings: settingsFromFlags({ ...flagsOf(args), format: 'nft' }, 'test-host') })
  return r.ok ? r.plan : undefined
}

const cases: { name: string; plan: Plan }[] = []
for (const name of readdirSync(join(root, 'fixtures/cases')).sort()) {
  const dir = join(root, 'fixtures/cases', name)
  const files = readdirSync(dir).filter((f) => /\.(ya?ml|json)$/i.test(f)).sort()
  const args = existsSync(join(dir, 'args')) ? readFileSync(join(dir, 'args'), 'utf8').split(/\s+/).filter(Boolean) : []
  const plan = planOf(files.map((f) => ({ path: `fixtures/cases/${name}/${f}`, text: readFileSync(join(dir, f), 'utf8') })), args)
  if (plan) cases.push({ name, plan })
}
// More Services than RULES_PER_MAP, so several shared maps; affinity, firewalls, eTP Local all occur.
const generated = planOf([{ path: 'cluster.json', text: generateCluster({ services: 300, endpointsPerService: 10, seed: 3 }, 'json').text }], BENCH_ARGS)!
cases.push({ name: 'generated-300', plan: generated })

/** The parts of an nft text these checks look at, per table ("ip" / "ip6"). */
interface Parsed {
  chains: Set<string>
  rules: Map<string, string[]>
  /** Element texts per set or map, comments removed. */
  elements: Map<string, string[]>
  declarations: Map<string, string>
}

function parse(text: string): Map<string, Parsed> {
  const tables = new Map<string, Parsed>()
  const table = (family: string) => {
    let t = tables.get(family)
    if (!t) tables.set(family, (t = { chains: new Set(), rules: new Map(), elements: new Map(), declarations: new Map() }))
    return t
  }
  const push = <T>(m: Map<string, T[]>, k: string, v: T) => (m.get(k) ?? m.set(k, []).get(k)!).push(v)
  const clean = (e: string) => e.replace(/ comment "[^"]*"/, '').trim()
  let block: { t: Parsed; set: string } | undefined
  for (const line of text.split('\n')) {
    if (block) {
      if (line === '}') block = undefined
      else push(block.t.elements, block.set, clean(line.replace(/,$/, '')))
      continue
    }
    const m = /^add (chain|rule|element|set|map) (ip6?) kube-proxy (\S+) ?(.*)$/.exec(line)
    if (!m) continue
    const [, what, family, name, rest] = m as unknown as [string, string, string, string, string]
    const t = table(family)
    if (what === 'chain') t.chains.add(name)
    else if (what === 'rule') push(t.rules, name, rest)
    else if (what === 'set' || what === 'map') t.declarations.set(name, rest)
    else if (rest === '{') block = { t, set: name }
    else push(t.elements, name, clean(rest.replace(/^\{ (.*) \}$/, '$1')))
  }
  return tables
}

/** kube-proxy's `dnat … to numgen random mod N map { 0 : a . p , … }` → ["a . p", …]; fast's offset form resolved through its map. */
function dnatTargets(rules: readonly string[], t: Parsed): string[] | undefined {
  for (const rule of rules) {
    const single = /dnat to (\S+)$/.exec(rule)
    if (single && !rule.startsWith('update')) return [single[1]!]
    const anon = /numgen random mod (\d+) map \{ (.*) \}$/.exec(rule)
    if (anon) return anon[2]!.split(' , ').map((e) => e.replace(/^\d+ : /, ''))
    const shared = /numgen random mod (\d+) offset (\d+) map @(\S+)$/.exec(rule)
    if (shared) {
      const [n, offset, map] = [Number(shared[1]), Number(shared[2]), shared[3]!]
      const byKey = new Map((t.elements.get(map) ?? []).map((e) => [Number(e.split(' : ')[0]), e.split(' : ')[1]!]))
      return Array.from({ length: n }, (_, i) => byKey.get(offset + i) ?? `missing key ${offset + i} in @${map}`)
    }
  }
  return undefined
}

/** The endpoint chains an affinity dispatch tries, in order, then the ones its numgen picks from. */
function affinityOrder(rules: readonly string[], t: Parsed): { sticky: string[]; random: string[] } | undefined {
  const sticky = rules.map((r) => /saddr (?:\S+ )*@\S+ goto (endpoint-\S+)$/.exec(r)?.[1]).filter((x): x is string => x !== undefined)
  const last = rules[rules.length - 1] ?? ''
  const anon = /numgen random mod \d+ vmap \{ (.*) \}$/.exec(last)
  const shared = /numgen random mod (\d+) offset (\d+) vmap @(\S+)$/.exec(last)
  if (anon) return { sticky, random: anon[1]!.split(' , ').map((e) => e.replace(/^\d+ : goto /, '')) }
  if (shared) {
    const byKey = new Map((t.elements.get(shared[3]!) ?? []).map((e) => [Number(e.split(' : ')[0]), e.split(' : goto ')[1]!]))
    return { sticky, random: Array.from({ length: Number(shared[1]) }, (_, i) => byKey.get(Number(shared[2]) + i) ?? 'missing') }
  }
  return undefined
}

warnIfNotRoot('loading the --profile fast rulesets into the kernel')

const SAME_ELEMENTS = ['cluster-ips', 'hairpin-connections', 'nodeport-ips', 'no-endpoint-services', 'no-endpoint-nodeports', 'service-ips', 'service-nodeports']

describe.each(cases)('$name', ({ plan }) => {
  const kube = parse(renderNft(plan).text)
  const fastText = renderNftFast(plan).text
  const fast = parse(fastText)

  it('has the same tables', () => expect([...fast.keys()]).toEqual([...kube.keys()]))

  it('uses no anonymous set or map in a rule, apart from the service-CIDR drop', () => {
    for (const t of fast.values())
      for (const rules of t.rules.values())
        for (const rule of rules) if (!rule.includes('comment "Drop traffic to unallocated ClusterIPs"')) expect(rule).not.toMatch(/\{ (?!ip6? saddr)/)
  })

  it('has kube-proxy’s chains, without the per-Service firewall chains', () => {
    for (const [family, k] of kube) expect([...fast.get(family)!.chains].sort()).toEqual([...k.chains].filter((c) => !c.startsWith('firewall-') || c === 'firewall-check').sort())
  })

  it('fills the service, no-endpoint, cluster-IP, NodePort and hairpin sets and maps identically', () => {
    for (const [family, k] of kube)
      for (const name of SAME_ELEMENTS) expect([...(fast.get(family)!.elements.get(name) ?? [])].sort(), `${family} ${name}`).toEqual([...(k.elements.get(name) ?? [])].sort())
  })

  it('sends every service, local and endpoint chain to the same DNAT targets, in the same order', () => {
    for (const [family, k] of kube) {
      const f = fast.get(family)!
      for (const [chain, rules] of k.rules) {
        if (!/^(service|local|endpoint)-/.test(chain)) continue
        expect(dnatTargets(f.rules.get(chain) ?? [], f), `${family} ${chain}`).toEqual(dnatTargets(rules, k))
      }
    }
  })

  it('keeps the same rules in external chains and the static chains', () => {
    for (const [family, k] of kube)
      for (const [chain, rules] of k.rules)
        if (/^external-/.test(chain) || ['masquerading', 'services', 'nat-prerouting', 'nat-output', 'filter-input', 'cluster-ips-check'].includes(chain))
          expect(fast.get(family)!.rules.get(chain), `${family} ${chain}`).toEqual(rules)
  })

  it('tries remembered endpoints in kube-proxy’s order and picks among the same ones', () => {
    for (const [family, k] of kube) {
      const f = fast.get(family)!
      for (const [chain, rules] of k.rules) {
        const order = affinityOrder(rules, k)
        if (order) expect(affinityOrder(f.rules.get(chain) ?? [], f), `${family} ${chain}`).toEqual(order)
      }
    }
  })

  it('drops the same sources for every firewalled destination', () => {
    for (const [family, k] of kube) {
      const f = fast.get(family)!
      const frontends = (k.elements.get('firewall-ips') ?? []).map((e) => e.split(' : goto '))
      expect([...(f.elements.get('firewall-ips') ?? [])].sort()).toEqual(frontends.map(([key]) => key!).sort())
      for (const [key, chain] of frontends) {
        const kubeRanges = /saddr != \{ (.*) \} drop$/.exec(k.rules.get(chain!)![0]!)![1]!.split(' , ')
        const fastRanges = (f.elements.get('firewall-allow') ?? []).filter((e) => e.startsWith(`${key} . `)).map((e) => e.slice(key!.length + 3))
        // Ranges inside another range of the same destination are left out; each kept one is kube-proxy's.
        for (const r of fastRanges) expect(kubeRanges.map((x) => x.replace(/\/(32|128)$/, ''))).toContain(r)
        expect(fastRanges.length).toBeGreaterThan(0)
      }
    }
  })

  it('shares each DNAT or affinity map among at most RULES_PER_MAP rules, each with its own keys', () => {
    for (const t of fast.values()) {
      const users = new Map<string, number>()
      const keys = new Map<string, number[]>()
      for (const rules of t.rules.values())
        for (const rule of rules) {
          const m = /numgen random mod (\d+) offset (\d+) v?map @(\S+)$/.exec(rule)
          if (!m) continue
          users.set(m[3]!, (users.get(m[3]!) ?? 0) + 1)
          for (let i = 0; i < Number(m[1]); i++) (keys.get(m[3]!) ?? keys.set(m[3]!, []).get(m[3]!)!).push(Number(m[2]) + i)
        }
      for (const [map, n] of users) {
        expect(n).toBeLessThanOrEqual(RULES_PER_MAP)
        const elementKeys = (t.elements.get(map) ?? []).map((e) => Number(e.split(' : ')[0]))
        expect(elementKeys.sort((a, b) => a - b)).toEqual(keys.get(map)!.sort((a, b) => a - b))
      }
    }
  })

  it.skipIf(!IS_ROOT)('loads into a fresh namespace, reloads to the same ruleset, and replaces (and is replaced by) the kube-proxy text', () => {
    const dir = mkdtempSync(join(scratch, 'case-'))
    writeFileSync(join(dir, 'fast.nft'), fastText)
    writeFileSync(join(dir, 'kube.nft'), renderNft(plan).text)
    const r = inFreshNetns(
      [
        'nft -f "$D/fast.nft"',
        'nft list ruleset > "$D/first"',
        'nft -f "$D/fast.nft"',
        'nft list ruleset > "$D/second"',
        'cmp "$D/first" "$D/second"',
        'nft -f "$D/kube.nft"',
        'nft -f "$D/fast.nft"',
        'nft list ruleset | cmp - "$D/first"',
        'nft list tables',
        'nft list maps | grep -c "^\\s*map dnat-targets-" || true',
      ].join('\n'),
      { D: dir },
      120_000,
    )
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    for (const family of fast.keys()) expect(r.stdout).toContain(`table ${family} kube-proxy`)
    const dnatMaps = [...fast.values()].reduce((n, t) => n + [...t.declarations.keys()].filter((k) => k.startsWith('dnat-targets-')).length, 0)
    expect(Number(r.stdout.trim().split('\n').pop())).toBe(dnatMaps)
  })
})

it('splits a large cluster over several shared maps', () => {
  const t = parse(renderNftFast(generated).text).get('ip')!
  expect([...t.declarations.keys()].filter((k) => k.startsWith('dnat-targets-')).length).toBeGreaterThan(1)
  expect([...t.declarations.keys()].some((k) => k.startsWith('affinity-'))).toBe(true)
  expect(t.elements.get('firewall-allow')?.length ?? 0).toBeGreaterThan(0)
})
