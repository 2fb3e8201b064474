// Where the compiler's time goes: runs compile()'s phases one by one on a generated cluster and times each.
// Usage: npx tsx bench/phases.ts [services=10000] [--json]
//   --json       the input is kubectl's `-o json` List instead of YAML documents
// Runs the TypeScript sources in-process (tsx). Prints wall and CPU milliseconds per phase; on a
// busy machine the CPU column is the steadier one.
import { performance } from 'node:perf_hooks'
import { settingsFromFlags } from '../src/cli/options.ts'
import { loadManifests } from '../src/manifest/load.ts'
import { validateManifests } from '../src/manifest/validate.ts'
import { buildModel } from '../src/model/build.ts'
import { checkModel } from '../src/model/rules/index.ts'
import { resolveSettings } from '../src/model/settings.ts'
import { buildPlan } from '../src/plan/build.ts'
import { renderIptables } from '../src/render/iptables/render.ts'
import { renderNftFast } from '../src/render/nft/fast.ts'
import { renderNft } from '../src/render/nft/render.ts'
import { generateCluster } from './generate.ts'

const args = process.argv.slice(2)
const services = Number(args.find((a) => /^\d+$/.test(a)) ?? 10000)
const json = args.includes('--json')
const { text } = generateCluster({ services, endpointsPerService: 10 }, json ? 'json' : 'yaml')
const source = { path: json ? 'cluster.json' : 'cluster.yaml', text }
const flags = { format: 'nft' as const, nodeName: 'node-0', nodeIp: ['192.168.0.10'], clusterCidr: ['10.128.0.0/9'], serviceCidr: ['10.96.0.0/12'] }

const rows: [string, number, number][] = []
/** Wall and CPU (user + system, all threads) milliseconds. */
function time<T>(label: string, f: () => T): T {
  const t0 = performance.now()
  const c0 = process.cpuUsage()
  const r = f()
  const c = process.cpuUsage(c0)
  rows.push([label, performance.now() - t0, (c.user + c.system) / 1000])
  return r
}

const loaded = time(`load (${json ? 'JSON: JSON.parse' : 'YAML: yaml-fast.ts'})`, () => loadManifests([source]))
const validated = time('validate (zod)', () => validateManifests(loaded.objects))
const built = time('model', () => buildModel(validated.manifests))
const nft = time('settings (nft)', () => resolveSettings(settingsFromFlags(flags, 'bench'), 'nft', validated.manifests.configs, built.model.nodes))
const ipt = time('settings (iptables)', () => resolveSettings(settingsFromFlags({ ...flags, format: 'iptables' }, 'bench'), 'iptables', validated.manifests.configs, built.model.nodes))
time('model rules', () => checkModel(built.model))
const nftPlan = time('plan (nft)', () => buildPlan(built.model, nft.settings))
const iptPlan = time('plan (iptables)', () => buildPlan(built.model, ipt.settings))
const a = time('render nft', () => renderNft(nftPlan))
const b = time('render nft --profile fast', () => renderNftFast(nftPlan))
const c = time('render iptables', () => renderIptables(iptPlan.families[0]!))

const diagnostics = loaded.diagnostics.length + validated.diagnostics.length + built.diagnostics.length
process.stdout.write(`${services} Services × 10 endpoints, ${(text.length / 1e6).toFixed(1)} MB of ${json ? 'JSON' : 'YAML'}, ${diagnostics} diagnostics\n`)
process.stdout.write(`${'phase'.padEnd(28)} ${'wall ms'.padStart(8)} ${'cpu ms'.padStart(8)}\n`)
for (const [label, wall, cpu] of rows) process.stdout.write(`${label.padEnd(28)} ${wall.toFixed(0).padStart(8)} ${cpu.toFixed(0).padStart(8)}\n`)
process.stdout.write(`output bytes: nft ${a.text.length}, fast ${b.text.length}, iptables ${c.text.length}\n`)
