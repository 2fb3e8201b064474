// `svcc trace`: where one packet goes, read off the rendered ruleset of the chosen format, offline.
import { LOOPBACK } from '../../model/ip.ts'
import { annotateWithPlan } from '../../trace/annotate.ts'
import { formatTrace } from '../../trace/format.ts'
import { parseDestination, parseSource } from '../../trace/packet.ts'
import { traceRendered } from '../../trace/rendered.ts'
import type { Io } from '../io.ts'
import type { CompileFlags } from '../options.ts'
import { buildRuleset, EXIT, report, type ExitCode } from '../ruleset.ts'

export interface TraceFlags extends CompileFlags {
  /** The packet's source address. */
  src?: string
  /** "ADDRESS:PORT[/PROTOCOL]", IPv6 in brackets. */
  dst?: string
  /** The source is one of the node's own addresses (for `--src-type LOCAL` / `fib saddr type local`). */
  srcLocal?: boolean
  /** More addresses to treat as the node's own, besides the node IPs, 127.0.0.1 and ::1. */
  localIp?: string[]
  /** The interface the packet comes in on, for the bridge and interface-prefix local-traffic detectors. */
  inInterface?: string
  output?: 'text' | 'json'
}

/**
 * Compiles and renders as `svcc compile` would (for iptables, the payload of the packet's
 * family; for nft, the chosen --profile's text), then traces the packet through that text. A
 * DROP or REJECT is a successful trace.
 */
export function traceCommand(files: readonly string[], flags: TraceFlags, io: Io): ExitCode {
  const usage = (message: string): ExitCode => {
    report([{ severity: 'error', code: 'INVALID_SETTING', message, file: '<arguments>' }], [], flags, io)
    return EXIT.usage
  }
  if (flags.src === undefined || flags.dst === undefined) return usage('give the packet: --src ADDRESS --dst ADDRESS:PORT[/PROTOCOL]')
  const src = parseSource(flags.src)
  if (!src.ok) return usage(src.message)
  const dst = parseDestination(flags.dst)
  if (!dst.ok) return usage(dst.message)
  const family = dst.value.ip.family
  const familyName = family === 'ipv4' ? 'IPv4' : 'IPv6'
  if (src.value.family !== family) return usage(`--src ${src.value.text} and --dst ${dst.value.ip.text} are of different IP families`)
  if (flags.format === 'iptables' && flags.ipFamily !== undefined && flags.ipFamily !== family)
    return usage(`--ip-family ${flags.ipFamily} does not fit the ${familyName} packet (leave it out: trace picks the packet's family)`)
  const extra: string[] = []
  for (const text of flags.localIp ?? []) {
    const ip = parseSource(text)
    if (!ip.ok) return usage(`--local-ip ${JSON.stringify(text)}: not an IP address`)
    extra.push(ip.value.text)
  }

  const built = buildRuleset(files, flags.format === 'iptables' ? { ...flags, ipFamily: family } : flags, io)
  if (!built.ok) return built.exitCode
  const { plan, rendered } = built.ruleset
  if (!plan.families.some((f) => f.family === family)) return usage(`the input has no ${familyName} Services or node IPs, so there is no ${familyName} ruleset to trace`)

  // What kube-proxy's address-type matches see as local: the node's addresses and loopback.
  const localIps = [...plan.settings.nodeIPs.map((ip) => ip.text), LOOPBACK.ipv4.text, LOOPBACK.ipv6.text, ...extra, ...(flags.srcLocal ? [src.value.text] : [])]
  const packet = {
    source: src.value.text,
    destination: dst.value.ip.text,
    port: dst.value.port,
    protocol: dst.value.protocol,
    ...(flags.inInterface === undefined ? {} : { inInterface: flags.inInterface }),
  }
  const result = annotateWithPlan(traceRendered(flags.format, rendered.text, packet, { localIps }), plan)
  io.stdout(flags.output === 'json' ? `${JSON.stringify(result, null, 2)}\n` : formatTrace(result))
  return EXIT.ok
}
