// Node settings: flags, then a KubeProxyConfiguration, then a Node object, then kube-proxy's defaults.
import type { Diagnostic } from '../diagnostics/diagnostic.ts'
import type { KubeProxyConfigManifest } from '../manifest/schema/kube-proxy-config.ts'
import { diagnosticAt, type Validated } from '../manifest/validate.ts'
import { parseCidr, parseIp, type Cidr, type Ip, type IpFamily } from './ip.ts'
import type { NodeModel } from './types.ts'

export type Format = 'nft' | 'iptables'
export type DetectLocalMode = 'ClusterCIDR' | 'NodeCIDR' | 'BridgeInterface' | 'InterfaceNamePrefix' | 'None'

/** What the user said (flags); every field is optional and wins over the config file. */
export interface SettingsInput {
  readonly nodeName?: string
  /** Used when neither a flag nor a config file names the node (the CLI passes the host name). */
  readonly defaultNodeName?: string
  readonly nodeIPs?: readonly string[]
  readonly zone?: string
  readonly clusterCIDRs?: readonly string[]
  readonly serviceCIDRs?: readonly string[]
  readonly masqueradeAll?: boolean
  readonly masqueradeBit?: number
  readonly nodePortAddresses?: readonly string[]
  readonly localhostNodePorts?: boolean
  readonly detectLocalMode?: DetectLocalMode
  readonly bridgeInterface?: string
  readonly interfaceNamePrefix?: string
  /** Capabilities kube-proxy probes at run time; defaults match its reference tests. */
  readonly nfacct?: boolean
  readonly randomFully?: boolean
  readonly tcpBeLiberal?: boolean
  readonly preferSameTrafficDistribution?: boolean
}

/** Fully resolved node settings: every rule-changing input, nothing left implicit. */
export interface NodeSettings {
  readonly nodeName: string
  /** Primary first within each family. */
  readonly nodeIPs: readonly Ip[]
  readonly zone: string | undefined
  readonly clusterCIDRs: readonly Cidr[]
  readonly serviceCIDRs: readonly Cidr[]
  readonly detectLocalMode: DetectLocalMode
  readonly bridgeInterface: string
  readonly interfaceNamePrefix: string
  readonly masqueradeAll: boolean
  readonly masqueradeBit: number
  /** CIDRs and the keyword "primary"; empty means every local address. */
  readonly nodePortAddresses: readonly string[]
  readonly localhostNodePorts: boolean
  readonly nfacct: boolean
  readonly randomFully: boolean
  readonly tcpBeLiberal: boolean
  readonly preferSameTrafficDistribution: boolean
}

export const DEFAULT_MASQUERADE_BIT = 14

export interface ResolveResult {
  readonly settings: NodeSettings
  readonly diagnostics: Diagnostic[]
}

/**
 * Checks what the user gave as flags, before any manifest is read: every bad value is an
 * INVALID_SETTING error (file "<settings>"), none is dropped silently. Pure.
 */
export function checkSettingsInput(input: SettingsInput): Diagnostic[] {
  const diagnostics: Diagnostic[] = []
  parseAll(input.nodeIPs, parseIp, '--node-ip', 'an IP address', diagnostics)
  parseAll(input.clusterCIDRs, parseTrimmedCidr, '--cluster-cidr', 'a CIDR', diagnostics)
  parseAll(input.serviceCIDRs, parseTrimmedCidr, '--service-cidr', 'a CIDR', diagnostics)
  parseAll(input.nodePortAddresses, (t) => (t === 'primary' ? t : parseTrimmedCidr(t)), '--nodeport-addresses', 'a CIDR or "primary"', diagnostics)
  const bit = input.masqueradeBit
  if (bit !== undefined && !(Number.isInteger(bit) && bit >= 0 && bit <= 31))
    diagnostics.push(invalidSetting(`--masquerade-bit ${Number.isNaN(bit) ? 'must be a whole number in' : `${bit} is outside`} 0-31 (kube-proxy's fwmark bit)`))
  return diagnostics
}

function invalidSetting(message: string): Diagnostic {
  return { severity: 'error', code: 'INVALID_SETTING', message, file: '<settings>' }
}

/** Pure. Notices name each setting that fell back to a default, so nothing changes output silently. */
export function resolveSettings(
  input: SettingsInput,
  format: Format,
  configs: readonly Validated<KubeProxyConfigManifest>[],
  nodes: readonly NodeModel[],
): ResolveResult {
  const diagnostics: Diagnostic[] = []
  const invalid = checkSettingsInput(input)
  diagnostics.push(...invalid)
  const notices: string[] = []
  if (configs.length > 1) {
    const second = configs[1]!
    diagnostics.push(
      diagnosticAt(second.origin.source, [], 'MULTIPLE_CONFIGS', 'more than one KubeProxyConfiguration in the input; give exactly one', {
        object: second.origin.object,
      }),
    )
  }
  const config = configs[0]?.value
  const backend = format === 'nft' ? config?.nftables : config?.iptables

  let nodeName = input.nodeName ?? nonEmpty(config?.hostnameOverride)
  if (nodeName === undefined) {
    nodeName = input.defaultNodeName ?? 'localhost'
    notices.push(`node name not set (--node-name or hostnameOverride): using ${JSON.stringify(nodeName)}`)
  }
  nodeName = nodeName.toLowerCase()
  const node = nodes.find((n) => n.name === nodeName)

  // Bad flag values are reported once, above; here they are only skipped.
  let nodeIPs: Ip[] = parseAll(input.nodeIPs, parseIp, '--node-ip', 'an IP address', [])
  if (nodeIPs.length === 0 && node) nodeIPs = [...node.internalIPs]
  if (nodeIPs.length === 0 && config?.bindAddress) {
    const bind = parseIp(config.bindAddress)
    if (bind && !bind.bytes.every((b) => b === 0)) nodeIPs = [bind]
  }
  if (nodeIPs.length === 0) notices.push('no node IP (--node-ip, a Node object or bindAddress): no allow-from-node rule for loadBalancerSourceRanges and no "primary" NodePort address')

  const zone = input.zone ?? node?.zone

  let clusterCIDRs = parseAll(input.clusterCIDRs, parseTrimmedCidr, '--cluster-cidr', 'a CIDR', [])
  if (clusterCIDRs.length === 0 && config?.clusterCIDR) clusterCIDRs = cidrs(config.clusterCIDR.split(','))
  const detectLocalMode: DetectLocalMode =
    input.detectLocalMode ?? (nonEmpty(config?.detectLocalMode ?? undefined) as DetectLocalMode | undefined) ?? (clusterCIDRs.length > 0 ? 'ClusterCIDR' : 'None')
  if (detectLocalMode === 'None' || (detectLocalMode === 'ClusterCIDR' && clusterCIDRs.length === 0))
    notices.push('no cluster CIDR (--cluster-cidr or clusterCIDR): pod traffic cannot be told from other traffic, so ClusterIP traffic from outside the cluster is not masqueraded')

  const masqueradeAll = input.masqueradeAll ?? backend?.masqueradeAll ?? false
  const masqueradeBit = input.masqueradeBit ?? backend?.masqueradeBit ?? DEFAULT_MASQUERADE_BIT
  const localhostNodePorts = input.localhostNodePorts ?? config?.iptables?.localhostNodePorts ?? true
  let nodePortAddresses = input.nodePortAddresses ?? config?.nodePortAddresses ?? undefined
  if (nodePortAddresses === undefined || nodePortAddresses.length === 0) {
    // kube-proxy's nftables mode defaults to the node's primary IPs; iptables to every local address.
    nodePortAddresses = format === 'nft' ? ['primary'] : []
  }
  const gates = config?.featureGates ?? {}

  for (const message of notices) diagnostics.push({ severity: 'notice', code: 'SETTING_DEFAULTED', message, file: '<settings>' })
  return {
    settings: {
      nodeName,
      nodeIPs: orderByFamily(nodeIPs),
      zone,
      clusterCIDRs,
      serviceCIDRs: parseAll(input.serviceCIDRs, parseTrimmedCidr, '--service-cidr', 'a CIDR', []),
      detectLocalMode: detectLocalMode === 'ClusterCIDR' && clusterCIDRs.length === 0 ? 'None' : detectLocalMode,
      bridgeInterface: input.bridgeInterface ?? config?.detectLocal?.bridgeInterface ?? '',
      interfaceNamePrefix: input.interfaceNamePrefix ?? config?.detectLocal?.interfaceNamePrefix ?? '',
      masqueradeAll,
      masqueradeBit,
      nodePortAddresses,
      localhostNodePorts,
      nfacct: input.nfacct ?? true,
      randomFully: input.randomFully ?? false,
      tcpBeLiberal: input.tcpBeLiberal ?? config?.conntrack?.tcpBeLiberal ?? false,
      preferSameTrafficDistribution: input.preferSameTrafficDistribution ?? gates.PreferSameTrafficDistribution ?? true,
    },
    diagnostics,
  }
}

function nonEmpty(value: string | null | undefined): string | undefined {
  return value === null || value === undefined || value === '' ? undefined : value
}

function parseTrimmedCidr(text: string): Cidr | undefined {
  return parseCidr(text.trim())
}

/** Parses flag values; a bad one is an INVALID_SETTING error, not a silent drop. */
function parseAll<T>(list: readonly string[] | undefined, parse: (t: string) => T | undefined, flag: string, what: string, diagnostics: Diagnostic[]): T[] {
  const out: T[] = []
  for (const text of list ?? []) {
    const value = parse(text)
    if (value === undefined) diagnostics.push(invalidSetting(`${flag} ${JSON.stringify(text)} is not ${what}`))
    else out.push(value)
  }
  return out
}

function cidrs(list: readonly string[] | undefined): Cidr[] {
  return (list ?? []).map((t) => parseCidr(t.trim())).filter((c): c is Cidr => c !== undefined)
}

/** Stable: keeps the user's order inside each family (the first is the primary). */
function orderByFamily(ips: readonly Ip[]): Ip[] {
  const seen = new Set<string>()
  return ips.filter((ip) => (seen.has(ip.text) ? false : (seen.add(ip.text), true)))
}

export function primaryNodeIP(settings: NodeSettings, family: IpFamily): Ip | undefined {
  return settings.nodeIPs.find((ip) => ip.family === family)
}

/** Go's "%#08x" of 1 << bit: "0x" and eight hex digits, e.g. 0x00004000. */
export function masqueradeMark(bit: number): string {
  return `0x${(2 ** bit).toString(16).padStart(8, '0')}`
}
