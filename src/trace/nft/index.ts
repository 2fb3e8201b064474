// The nft half of the tracer: parse `nft -f` text, then trace a packet through it.
export { parseNft } from './parse.ts'
export { runNft, traceNft, type NftPacket, type NftRun, type NftTraceResult } from './trace.ts'
export type { NftChain, NftContainer, NftElement, NftRule, NftRuleset, NftTable, Verdict } from './types.ts'
