// Chain and set names must fit the kernel's limits, or the whole ruleset is refused when loaded.
import type { Diagnostic } from '../diagnostics/diagnostic.ts'
import { diagnosticAt } from '../manifest/validate.ts'
import type { Format } from '../model/settings.ts'
import type { Origin } from '../model/types.ts'
import { IPTABLES_CHAIN_MAX, iptablesNames, nftEndpointBase, nftNames, nftServiceBase } from '../plan/names.ts'
import type { FamilyPlan } from '../plan/types.ts'

/** NFT_NAME_MAXLEN is 256 bytes with the terminating NUL. */
export const NFT_NAME_MAX = 255

export interface NamedObject {
  readonly name: string
  readonly origin: Origin
}

/**
 * kube-proxy's hashing keeps every name short (KUBE-SEP- plus 16 characters is 25), so this
 * never fires unless naming changes; it makes such a change fail here, with the Service named,
 * instead of in iptables-restore ("chain name too long") on a node.
 */
export function chainNamesRule(families: readonly FamilyPlan[], format: Format): Diagnostic[] {
  return checkNames(format === 'iptables' ? iptablesObjects(families) : nftObjects(families), format)
}

export function checkNames(objects: Iterable<NamedObject>, format: Format): Diagnostic[] {
  const max = format === 'iptables' ? IPTABLES_CHAIN_MAX : NFT_NAME_MAX
  const diagnostics: Diagnostic[] = []
  const seen = new Set<string>()
  for (const { name, origin } of objects) {
    const length = format === 'iptables' ? name.length : new TextEncoder().encode(name).length
    if (length <= max || seen.has(name)) continue
    seen.add(name)
    const what = format === 'iptables' ? `iptables chain name ${name} has ${length} characters` : `nft name ${name} has ${length} bytes`
    diagnostics.push(diagnosticAt(origin.object.source, origin.path, 'CHAIN_NAME_TOO_LONG', `${what}, more than the kernel's ${max}`, { object: origin.object.object }))
  }
  return diagnostics
}

function* iptablesObjects(families: readonly FamilyPlan[]): Generator<NamedObject> {
  for (const family of families) {
    for (const sp of family.servicePorts) {
      const origin = sp.origin
      for (const make of [iptablesNames.service, iptablesNames.local, iptablesNames.external, iptablesNames.firewall]) yield { name: make(sp.spn, sp.protocol), origin }
      for (const ep of sp.allEndpoints) yield { name: iptablesNames.endpoint(sp.spn, sp.protocol, ep.endpoint), origin: ep.origin }
    }
  }
}

function* nftObjects(families: readonly FamilyPlan[]): Generator<NamedObject> {
  for (const family of families) {
    for (const sp of family.servicePorts) {
      const base = nftServiceBase(sp.namespace, sp.name, sp.protocol, sp.portName)
      for (const make of [nftNames.service, nftNames.local, nftNames.external, nftNames.firewall]) yield { name: make(base), origin: sp.origin }
      for (const ep of sp.allEndpoints) {
        const epBase = nftEndpointBase(sp.namespace, sp.name, sp.protocol, sp.portName, ep.ip.text, ep.port)
        yield { name: nftNames.endpoint(epBase), origin: ep.origin }
        yield { name: nftNames.affinity(epBase), origin: ep.origin }
      }
    }
  }
}
