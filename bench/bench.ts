// `npm run bench`: compile time, peak memory and output size of the built CLI, and the kernel's time to load the output.
//
// Usage: npm run bench -- [--quick] [--sizes 1000,10000] [--runs 3] [--input yaml|json] [--outputs nft,nft-fast,iptables]
//                         [--no-kernel] [--no-build] [--keep]
//   --quick      one small cluster (300 Services), one run: a smoke test that may run in CI
//   --sizes      Service counts (10 endpoints each); default 1000,10000
//   --runs       runs per measurement, the median is shown; default 3 (a kernel load slower than
//                60 s is run once)
//   --input      the manifest file the CLI reads: kubectl-style YAML documents or a `-o json` List
//   --no-kernel  skip loading the outputs (loading needs root: each load gets its own
//                `unshare --net` namespace, which vanishes with the process; never the host's)
//   --keep       keep the temp folder with the manifests and outputs
//
// Each compile is `node dist/cli/bin.js compile <file> … -o <out>` as a child process, timed by
// GNU time (`/usr/bin/time`; `apt-get install time` if it is missing), which also gives its
// peak RSS. "cpu" is user + system time: on a busy machine it is steadier than wall time.
// Not part of `npm test`.
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { cpus, release, tmpdir, totalmem } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { BENCH_ARGS, generateCluster, type ClusterStats } from './generate.ts'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const CLI = join(ROOT, 'dist/cli/bin.js')
const TIME = '/usr/bin/time'
const SLOW_LOAD_S = 60

type Output = 'nft' | 'nft-fast' | 'iptables'

interface Options {
  sizes: number[]
  runs: number
  input: 'yaml' | 'json'
  outputs: Output[]
  kernel: boolean
  build: boolean
  keep: boolean
}

interface Timing {
  wall: number
  cpu: number
  rssKiB: number
}

interface Row {
  services: number
  stats: ClusterStats
  inputBytes: number
  output: Output
  compile: Timing | string
  bytes: number
  load: Timing | string
  loadRuns: number
}

function parseArgs(argv: string[]): Options {
  const o: Options = { sizes: [1000, 10000], runs: 3, input: 'yaml', outputs: ['nft', 'nft-fast', 'iptables'], kernel: true, build: true, keep: false }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    const value = () => {
      const v = argv[++i]
      if (v === undefined) throw new Error(`${a} needs a value`)
      return v
    }
    if (a === '--quick') Object.assign(o, { sizes: [300], runs: 1 })
    else if (a === '--sizes') o.sizes = value().split(',').map(Number)
    else if (a === '--runs') o.runs = Number(value())
    else if (a === '--input') o.input = value() === 'json' ? 'json' : 'yaml'
    else if (a === '--outputs') o.outputs = value().split(',') as Output[]
    else if (a === '--no-kernel') o.kernel = false
    else if (a === '--no-build') o.build = false
    else if (a === '--keep') o.keep = true
    else throw new Error(`unknown argument ${a} (see the header of bench/bench.ts)`)
  }
  if (o.sizes.some((n) => !Number.isInteger(n) || n < 1) || !(o.runs >= 1)) throw new Error('--sizes and --runs take positive whole numbers')
  return o
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!

/** Runs argv under GNU time; returns its figures, or the reason it failed. */
function timed(argv: string[], dir: string): Timing | string {
  const out = join(dir, 'time.txt')
  const r = spawnSync(TIME, ['-f', '%e %U %S %M', '-o', out, ...argv], { encoding: 'utf8', maxBuffer: 1 << 30 })
  if (r.status !== 0) return `exit ${r.status ?? r.signal}: ${(r.stderr || r.stdout || String(r.error ?? '')).trim().split('\n').slice(-3).join(' | ').slice(0, 300)}`
  const [wall, user, sys, rss] = readFileSync(out, 'utf8').trim().split('\n').pop()!.split(' ').map(Number) as [number, number, number, number]
  return { wall, cpu: user + sys, rssKiB: rss }
}

function medianTiming(runs: (Timing | string)[]): Timing | string {
  const failed = runs.find((r) => typeof r === 'string')
  if (failed !== undefined) return failed
  const ok = runs as Timing[]
  return { wall: median(ok.map((r) => r.wall)), cpu: median(ok.map((r) => r.cpu)), rssKiB: median(ok.map((r) => r.rssKiB)) }
}

function compileArgv(output: Output, input: string, out: string): string[] {
  const format = output === 'iptables' ? ['--format', 'iptables'] : ['--format', 'nft']
  const profile = output === 'nft-fast' ? ['--profile', 'fast'] : []
  return ['node', CLI, 'compile', input, ...BENCH_ARGS, ...format, ...profile, '-q', '-o', out]
}

/** Loads a ruleset into a fresh namespace (unshare --net): nothing reaches the host's rules, and nothing needs cleaning up. */
function loadArgv(output: Output, file: string, dir: string): string[] {
  if (output !== 'iptables') return ['unshare', '--net', TIME, '-f', '%e %U %S %M', '-o', join(dir, 'load-time.txt'), 'nft', '-f', file]
  // kube-proxy's nfacct matches need their counters; they are created first and not timed.
  const script = 'for c in ct_state_invalid_dropped_pkts localhost_nps_accepted_pkts; do nfacct add "$c" >/dev/null; done; exec "$0" -f "%e %U %S %M" -o "$1" iptables-restore --noflush "$2"'
  return ['unshare', '--net', 'sh', '-ec', script, TIME, join(dir, 'load-time.txt'), file]
}

function kernelLoad(output: Output, file: string, dir: string, runs: number): { timing: Timing | string; runs: number } {
  const results: (Timing | string)[] = []
  const [command, ...args] = loadArgv(output, file, dir)
  for (let i = 0; i < runs; i++) {
    const r = spawnSync(command!, args, { encoding: 'utf8', maxBuffer: 1 << 30 })
    if (r.status !== 0) return { timing: `exit ${r.status ?? r.signal}: ${(r.stderr || String(r.error ?? '')).trim().split('\n').slice(0, 2).join(' | ').slice(0, 300)}`, runs: i + 1 }
    const [wall, user, sys, rss] = readFileSync(join(dir, 'load-time.txt'), 'utf8').trim().split('\n').pop()!.split(' ').map(Number) as [number, number, number, number]
    results.push({ wall, cpu: user + sys, rssKiB: rss })
    if (wall > SLOW_LOAD_S) break
  }
  return { timing: medianTiming(results), runs: results.length }
}

function version(argv: string[]): string {
  try {
    return execFileSync(argv[0]!, argv.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim().split('\n')[0]!
  } catch {
    return `${argv[0]} not found`
  }
}

function fmtTiming(t: Timing | string, what: 'compile' | 'load'): string[] {
  if (typeof t === 'string') return [`FAILED (${t})`, '', '']
  return [`${t.wall.toFixed(2)} s`, `${t.cpu.toFixed(2)} s`, what === 'compile' ? `${Math.round(t.rssKiB / 1024)} MiB` : '']
}

function table(rows: Row[], o: Options): string {
  const head = ['Services', 'endpoints', 'output', 'compile wall', 'compile cpu', 'peak RSS', 'output size', 'kernel load wall', 'kernel load cpu', 'compile / load']
  const lines = rows.map((r) => {
    const c = fmtTiming(r.compile, 'compile')
    const l = o.kernel ? fmtTiming(r.load, 'load') : ['skipped', '', '']
    const ratio = typeof r.compile !== 'string' && typeof r.load !== 'string' ? (r.compile.wall / r.load.wall).toFixed(2) : ''
    const loadNote = r.loadRuns === 1 && o.runs > 1 && typeof r.load !== 'string' ? ' (1 run)' : ''
    return [String(r.services), String(r.stats.endpoints), r.output, c[0]!, c[1]!, c[2]!, r.bytes ? `${(r.bytes / 1e6).toFixed(1)} MB` : '', `${l[0]}${loadNote}`, l[1]!, ratio]
  })
  const md = (cells: string[]) => `| ${cells.join(' | ')} |`
  return [md(head), md(head.map(() => '---')), ...lines.map(md)].join('\n')
}

function main(): void {
  const o = parseArgs(process.argv.slice(2))
  if (!existsSync(TIME)) throw new Error(`${TIME} is missing: install GNU time (apt-get install time)`)
  if (o.build) {
    // Type errors elsewhere in the tree do not stop tsc from emitting; only a missing CLI is fatal.
    const b = spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, encoding: 'utf8' })
    if (b.status !== 0) process.stderr.write(`bench: tsc reported errors (exit ${b.status}); using what it emitted\n`)
  }
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build`)
  const isRoot = process.getuid?.() === 0
  if (o.kernel && !isRoot) {
    process.stderr.write('bench: not root, so the kernel loads are skipped\n')
    o.kernel = false
  }
  const dir = mkdtempSync(join(tmpdir(), 'svcc-bench-'))
  const rows: Row[] = []
  try {
    for (const services of o.sizes) {
      const { text, stats } = generateCluster({ services, endpointsPerService: 10 }, o.input)
      const input = join(dir, `cluster-${services}.${o.input}`)
      writeFileSync(input, text)
      for (const output of o.outputs) {
        const out = join(dir, `out-${services}-${output}.${output === 'iptables' ? 'ipt' : 'nft'}`)
        const runs = Array.from({ length: o.runs }, () => timed(compileArgv(output, input, out), dir))
        const compile = medianTiming(runs)
        const bytes = existsSync(out) ? statSync(out).size : 0
        const load = o.kernel && typeof compile !== 'string' ? kernelLoad(output, out, dir, o.runs) : { timing: 'skipped', runs: 0 }
        rows.push({ services, stats, inputBytes: text.length, output, compile, bytes, load: load.timing, loadRuns: load.runs })
        process.stderr.write(`bench: ${services} Services, ${output}: done\n`)
      }
    }
  } finally {
    if (o.keep) process.stderr.write(`bench: kept ${dir}\n`)
    else rmSync(dir, { recursive: true, force: true })
  }

  const cpu = cpus()
  process.stdout.write(
    [
      `svcc bench: ${o.input.toUpperCase()} input (${rows.map((r) => `${r.services} Services: ${(r.inputBytes / 1e6).toFixed(1)} MB`).filter((x, i, a) => a.indexOf(x) === i).join(', ')}), median of ${o.runs} run(s)`,
      `machine: ${cpu[0]?.model ?? 'unknown CPU'}, ${cpu.length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, kernel ${release()}, node ${process.version}, ${version(['nft', '--version'])}, ${version(['iptables', '--version'])}`,
      `mix per size: ~80% ClusterIP, ~12% NodePort, ~8% LoadBalancer (half with source ranges), ~5% ClientIP affinity, ~1/3 of NodePort/LB with externalTrafficPolicy Local, 50 nodes; outputs: nft = kube-proxy-identical, nft-fast = --profile fast`,
      '',
      table(rows, o),
      '',
    ].join('\n'),
  )
}

main()
