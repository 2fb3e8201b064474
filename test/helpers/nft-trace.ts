// The nft parser and packet tracer for the test suites: src/trace/nft, under the names they use.
export {
  parseNft,
  traceNft,
  type NftChain,
  type NftContainer,
  type NftElement,
  type NftPacket,
  type NftRule,
  type NftRuleset,
  type NftTable,
  type NftTraceResult,
  type Verdict,
} from '../../src/trace/nft/index.ts'
