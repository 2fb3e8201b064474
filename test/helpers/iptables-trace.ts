// The iptables-restore parser and packet tracer for the test suites: src/trace/iptables, under the names they use.
export {
  parseIptablesRestore,
  traceIptables,
  type IptablesRule,
  type IptablesRuleset,
  type Packet,
  type RuleMatch,
  type TraceOptions,
  type Verdict,
} from '../../src/trace/iptables/index.ts'
export type { IptablesHarnessResult as TraceResult } from '../../src/trace/iptables/index.ts'
