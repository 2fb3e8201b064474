// kube-proxy's 239 iptables packet-flow checks, traced through the iptables-restore text svcc renders.
import { describe, expect, it } from 'vitest'
import { compile } from '../src/compile.ts'
import { formatDiagnostics } from '../src/diagnostics/format.ts'
import { renderIptables } from '../src/render/iptables/render.ts'
import { parseIptablesRestore, traceIptables, type IptablesRuleset } from './helpers/iptables-trace.ts'
import { HARNESS_LOCAL_IPS } from './helpers/kube-proxy-harness.ts'
import { caseLabel as label, flowSettings, loadFlowTable, type FlowCase, type FlowSettings } from './helpers/kube-proxy-flows.ts'

/** proxier_test.go's totals: a data change that drops a case must fail here, not pass quietly. */
const EXPECTED_SETUPS = 42
const EXPECTED_FLOWS = 239

const table = loadFlowTable('iptables')
const cases = table.cases
const checks = cases.flatMap((c) => c.flows.map((flow) => ({ title: `${label(c)}: ${flow.name}`, flowCase: c, flow })))

/** NewFakeProxier's settings when a test overrides nothing. */
const HARNESS_DEFAULTS: FlowSettings = { family: 'IPv4', localhostNodePorts: true, nodePortAddresses: null, masqueradeAll: false, localDetector: true }

const rendered = new Map<FlowCase, { text: string; ruleset: IptablesRuleset }>()

/** Compiles and renders a setup once (each test file runs in one process, tests in order). */
function renderCase(c: FlowCase): { text: string; ruleset: IptablesRuleset } {
  const cached = rendered.get(c)
  if (cached) return cached
  const result = compile([{ path: c.setup, text: table.setup(c) }], { format: 'iptables', settings: flowSettings('iptables', c.settings, 'iptables') })
  if (!result.ok) throw new Error(`${c.setup} does not compile:\n${formatDiagnostics(result.diagnostics)}`)
  const family = c.settings.family === 'IPv4' ? 'ipv4' : 'ipv6'
  const plan = result.plan.families.find((f) => f.family === family)
  if (!plan) throw new Error(`${c.setup}: the plan has no ${family} family (it has ${result.plan.families.map((f) => f.family).join(', ')})`)
  const text = renderIptables(plan).text
  const entry = { text, ruleset: parseIptablesRestore(text) }
  rendered.set(c, entry)
  return entry
}

describe('the flow data', () => {
  it(`has ${EXPECTED_SETUPS} setups and ${EXPECTED_FLOWS} flow checks`, () => {
    expect({ setups: cases.length, flows: checks.length }).toEqual({ setups: EXPECTED_SETUPS, flows: EXPECTED_FLOWS })
  })

  it('names every flow check uniquely', () => {
    const titles = checks.map((c) => c.title)
    expect(titles.filter((t, i) => titles.indexOf(t) !== i)).toEqual([])
  })

  // Each setup YAML's header restates its test and settings: both copies must agree.
  it.each(cases.map((c) => [label(c), c] as const))('has a setup header that agrees with flows.json: %s', (_, c) => {
    const lines = table.setup(c).split('\n')
    expect(lines[0]).toBe(`# Setup for ${c.subtest === '' ? c.test : `${c.test} / ${c.subtest}`} (packet-flow test; expected flows in flows.json)`)
    const overrides = /^# overridden here: (\{.*\})$/.exec(lines[2] ?? '')
    expect(overrides, `${c.setup} line 3: ${lines[2]}`).not.toBeNull()
    expect({ ...HARNESS_DEFAULTS, ...(JSON.parse(overrides![1]!) as Partial<FlowSettings>) }).toEqual(c.settings)
  })
})

describe.each(cases.map((c) => [c.setup, c] as const))('%s', (_, c) => {
  it(`compiles and renders the ${c.settings.family} ruleset`, () => {
    expect(renderCase(c).text).toMatch(/^\*filter\n[^]*COMMIT\n\*nat\n[^]*COMMIT\n$/)
  })

  it.each(checks.filter((check) => check.flowCase === c))('$title', ({ flow }) => {
    const { text, ruleset } = renderCase(c)
    const trace = traceIptables(
      ruleset,
      { source: flow.sourceIP, destination: flow.destIP, destinationPort: flow.destPort, protocol: (flow.protocol ?? 'TCP').toLowerCase() },
      { localIps: HARNESS_LOCAL_IPS },
    )
    const why = `matched rules:\n${trace.matched.map((r) => `  ${r.table} ${r.line}: ${r.text}`).join('\n') || '  (none)'}\n\nruleset:\n${text}`
    expect({ output: trace.output, masq: trace.masq }, why).toEqual({ output: flow.output, masq: flow.masq })
  })
})
