// The node's conntrack table as data: for a connection nobody answered, it still says what NAT the kernel did, or that it dropped it.
import { canonical } from './topology.ts'

/** One conntrack entry: the tuple the client sent, and the tuple the kernel expects back (after DNAT and masquerade). */
export interface TrackedConnection {
  readonly protocol: 'tcp' | 'udp'
  readonly original: Tuple
  readonly reply: Tuple
}

export interface Tuple {
  readonly src: string
  readonly dst: string
  readonly sport: number
  readonly dport: number
}

/** For kernels without /proc/net/nf_conntrack: both families (plain `conntrack -L` lists IPv4 only), in the same format. */
export const LIST_CONNTRACK = 'conntrack -L -o extended && conntrack -L -o extended -f ipv6'

/**
 * Parses /proc/net/nf_conntrack or `conntrack -L -o extended` lines ("ipv4 2 tcp 6 119 SYN_SENT src=… dst=… sport=…
 * dport=… [UNREPLIED] src=… …"): the first src/dst/sport/dport are the original direction, the
 * second the reply. Lines of other protocols are left out.
 */
export function parseConntrack(text: string): TrackedConnection[] {
  const out: TrackedConnection[] = []
  for (const line of text.split('\n')) {
    const words = line.trim().split(/\s+/)
    const protocol = words[2]
    if (protocol !== 'tcp' && protocol !== 'udp') continue
    const values = (key: string) => words.filter((w) => w.startsWith(`${key}=`)).map((w) => w.slice(key.length + 1))
    const [src, dst, sport, dport] = [values('src'), values('dst'), values('sport'), values('dport')]
    if (src.length < 2 || dst.length < 2 || sport.length < 2 || dport.length < 2) throw new Error(`conntrack: cannot read ${JSON.stringify(line)}`)
    const tuple = (i: number): Tuple => ({ src: canonical(src[i]!), dst: canonical(dst[i]!), sport: Number(sport[i]), dport: Number(dport[i]) })
    out.push({ protocol, original: tuple(0), reply: tuple(1) })
  }
  return out
}
