// Small word builders for iptables-restore rules, written the way kube-proxy writes them.
import type { Ip } from '../../model/ip.ts'
import type { LocalDetector } from '../../plan/types.ts'

/** kube-proxy puts literal double quotes around comments with spaces, and none around others. */
export function quoteComment(text: string): string {
  if (/["\n\r\\]/.test(text)) throw new Error(`svcc internal error: comment ${JSON.stringify(text)} cannot be written safely`)
  return text.includes(' ') ? `"${text}"` : text
}

export function comment(text: string): string[] {
  return ['-m', 'comment', '--comment', quoteComment(text)]
}

/** "-m tcp -p tcp": the protocol match and module, in kube-proxy's order. */
export function proto(protocol: string): string[] {
  return ['-m', protocol, '-p', protocol]
}

/** The bare address: kube-proxy writes "-s 10.0.0.1", not "/32". */
export function address(ip: Ip): string {
  return ip.text
}

/** Words matching pod traffic ("ifLocal") or everything else ("ifNotLocal"). */
export function detectorWords(detector: LocalDetector, local: boolean): string[] {
  const not = local ? [] : ['!']
  switch (detector.kind) {
    case 'cidr':
      return [...not, '-s', detector.cidr.text]
    case 'bridge':
      return [...not, '-i', detector.interface]
    case 'prefix':
      return [...not, '-i', `${detector.prefix}+`]
  }
}

/**
 * Joins words with single spaces, as kube-proxy's LineBuffer does; empty words are dropped. That is
 * words.flat().filter((w) => w !== '').join(' ') with one array instead of three; join() (not +)
 * makes a flat string: a rope of twenty pieces per line costs more to flatten when written.
 */
export function joinWords(words: readonly (string | readonly string[])[]): string {
  const out: string[] = []
  for (const word of words) {
    if (typeof word === 'string') {
      if (word !== '') out.push(word)
      continue
    }
    for (const w of word) if (w !== '') out.push(w)
  }
  return out.join(' ')
}
