// The compile options shared by compile, check and apply: commander definitions and their mapping to settings.
import { Option, type Command } from 'commander'
import type { DetectLocalMode, Format, SettingsInput } from '../model/settings.ts'

export interface CompileFlags {
  format: Format
  /** kubectl's -f/--filename: more inputs, on top of the positional ones. */
  filename?: string[]
  output?: string
  config?: string
  nodeName?: string
  nodeIp?: string[]
  zone?: string
  clusterCidr?: string[]
  serviceCidr?: string[]
  masqueradeAll?: boolean
  masqueradeBit?: number
  nodeportAddresses?: string[]
  localhostNodeports?: boolean
  detectLocalMode?: DetectLocalMode
  ipFamily?: 'ipv4' | 'ipv6'
  profile?: 'kube-proxy' | 'fast'
  nfacct?: boolean
  randomFully?: boolean
  tcpBeLiberal?: boolean
  quiet?: boolean
}

/** Repeatable, comma-separable list options: --cluster-cidr a --cluster-cidr b,c. */
function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), ...value.split(',').map((s) => s.trim()).filter(Boolean)]
}

/** Repeatable options that keep commas (file names may have them). */
function repeat(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value]
}

/** Never throws: a value that is not a whole number becomes NaN and checkSettingsInput reports it as INVALID_SETTING. */
function integer(value: string): number {
  return /^[0-9]{1,10}$/.test(value.trim()) ? Number.parseInt(value, 10) : Number.NaN
}

/** Adds every compile option. Settings have no commander default, so "not given" stays visible and a config file can fill it. */
export function addCompileOptions(command: Command, { output = true } = {}): Command {
  command
    .option('-f, --filename <path>', 'a file, folder or - to read, as kubectl -f does; repeatable, the same as giving it as an argument (default: none; e.g. -f manifests/)', repeat)
    .addOption(new Option('--format <format>', 'ruleset format: nft (for nft -f) or iptables (for iptables-restore)').choices(['nft', 'iptables']).default('nft'))
    .option('--config <file>', 'a KubeProxyConfiguration (kubeproxy.config.k8s.io/v1alpha1) to read settings from; flags win over it (default: none; e.g. --config kube-proxy.yaml)')
    .option('--node-name <name>', "the node to compile for: decides which endpoints are local (default: hostnameOverride, else this machine's host name; e.g. --node-name node-a)")
    .option('--node-ip <ip>', "the node's IPs, primary first per family; repeatable (default: the InternalIPs of a Node object of that name in the input; e.g. --node-ip 192.168.0.2)", collect)
    .option('--zone <zone>', "the node's topology.kubernetes.io/zone, for topology hints (default: from a Node object; e.g. --zone eu-west-1a)")
    .option('--cluster-cidr <cidr>', 'pod CIDR(s) telling pod traffic from other traffic; repeatable (default: clusterCIDR of the config, else none; e.g. --cluster-cidr 10.244.0.0/16)', collect)
    .option('--service-cidr <cidr>', 'service CIDR(s); nft drops traffic to unallocated ClusterIPs in them; repeatable (default: none; e.g. --service-cidr 10.96.0.0/12)', collect)
    .option('--masquerade-all', 'masquerade all ClusterIP traffic (default: off)')
    .option('--masquerade-bit <bit>', 'fwmark bit for masquerading, 0-31 (default: 14, mark 0x00004000; e.g. --masquerade-bit 15)', integer)
    .option('--nodeport-addresses <cidrs>', 'addresses that accept NodePorts: CIDRs or "primary"; repeatable (default: all local addresses for iptables, "primary" for nft; e.g. --nodeport-addresses 192.168.0.0/24)', collect)
    .option('--localhost-nodeports', 'iptables: NodePorts also answer on 127.0.0.1 (default: on)')
    .option('--no-localhost-nodeports', 'iptables: NodePorts do not answer on 127.0.0.1')
    .addOption(new Option('--detect-local-mode <mode>', 'how pod traffic is recognised (default: ClusterCIDR when a cluster CIDR is set, else None; e.g. --detect-local-mode NodeCIDR)').choices(['ClusterCIDR', 'NodeCIDR', 'None']))
    .addOption(
      new Option('--profile <profile>', "nft: kube-proxy prints kube-proxy's own text; fast prints the same packet behaviour in a shape the kernel loads in linear time (see README)")
        .choices(['kube-proxy', 'fast'])
        .default('kube-proxy'),
    )
    .addOption(new Option('--ip-family <family>', 'iptables: which family to print; ipv6 prints an ip6tables-restore ruleset (default: the first family the input uses; e.g. --ip-family ipv6)').choices(['ipv4', 'ipv6']))
    .option('--no-nfacct', 'iptables: leave out the nfacct counter matches, for kernels or namespaces without nfacct (default: counters on)')
    .option('--random-fully', "iptables: MASQUERADE --random-fully (default: off, as in kube-proxy's tests)")
    .option('--tcp-be-liberal', 'iptables: conntrack tcp_be_liberal is set, so no INVALID-drop rule (default: off)')
    .option('-q, --quiet', 'print errors only, no warnings or notices (default: off)')
  if (output) command.option('-o, --output <file>', 'write the ruleset to this file, atomically (a temporary file, then a rename), instead of stdout (default: stdout; e.g. -o rules.nft)')
  return command
}

export function settingsFromFlags(flags: CompileFlags, hostname: string): SettingsInput {
  const s: { -readonly [K in keyof SettingsInput]: SettingsInput[K] } = { defaultNodeName: hostname }
  if (flags.nodeName !== undefined) s.nodeName = flags.nodeName
  if (flags.nodeIp) s.nodeIPs = flags.nodeIp
  if (flags.zone !== undefined) s.zone = flags.zone
  if (flags.clusterCidr) s.clusterCIDRs = flags.clusterCidr
  if (flags.serviceCidr) s.serviceCIDRs = flags.serviceCidr
  if (flags.masqueradeAll !== undefined) s.masqueradeAll = flags.masqueradeAll
  if (flags.masqueradeBit !== undefined) s.masqueradeBit = flags.masqueradeBit
  if (flags.nodeportAddresses) s.nodePortAddresses = flags.nodeportAddresses
  if (flags.localhostNodeports !== undefined) s.localhostNodePorts = flags.localhostNodeports
  if (flags.detectLocalMode !== undefined) s.detectLocalMode = flags.detectLocalMode
  if (flags.nfacct === false) s.nfacct = false
  if (flags.randomFully !== undefined) s.randomFully = flags.randomFully
  if (flags.tcpBeLiberal !== undefined) s.tcpBeLiberal = flags.tcpBeLiberal
  return s
}
