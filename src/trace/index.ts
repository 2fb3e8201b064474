// The packet tracer: parses a rendered ruleset back and says where a packet goes. Re-exports only.
export { annotateWithPlan } from './annotate.ts'
export { formatTrace } from './format.ts'
export { parseDestination, parseSource } from './packet.ts'
export { serviceRef, traceRendered } from './rendered.ts'
export type * from './types.ts'
