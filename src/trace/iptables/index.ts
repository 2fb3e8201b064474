// The iptables half of the tracer: parse iptables-restore text, then trace a packet through it.
export { parseIptablesRestore, type IptablesRule, type IptablesRuleset, type RecentMatch, type RuleMatch } from './parse.ts'
export { runIptables, traceIptables, type IptablesHarnessResult, type IptablesRun, type Packet, type TraceOptions, type Verdict } from './trace.ts'
