// Every chain and set name svcc writes fits the kernel's limits for the longest inputs validation lets
// through, so no compile needs to check names one by one (that check cost 0.8 s at 10k Services).
import { describe, expect, it } from 'vitest'
import { IPTABLES_CHAIN_MAX, iptablesNames, nftEndpointBase, nftNames, nftServiceBase, servicePortName } from '../../src/plan/names.ts'

/** NFT_NAME_MAXLEN is 256 bytes with the terminating NUL. */
const NFT_NAME_MAX = 255

// Validation's bounds: namespace, Service name and port name are DNS labels (at most 63 characters);
// the longest canonical IP text is a full IPv6 address (39); ports go up to 65535.
const LONGEST = {
  namespace: 'n'.repeat(63),
  name: 's'.repeat(63),
  portName: 'p'.repeat(63),
  protocol: 'SCTP',
  ip: 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
  port: 65535,
}

describe('name lengths', () => {
  it('iptables chain names have at most 28 characters, whatever the Service', () => {
    const spn = servicePortName(LONGEST.namespace, LONGEST.name, LONGEST.portName)
    const endpoint = `[${LONGEST.ip}]:${LONGEST.port}`
    const lengths = [
      ...Object.values(iptablesNames.serviceChains(spn, LONGEST.protocol)).map((name) => name.length),
      iptablesNames.endpoint(spn, LONGEST.protocol, endpoint).length,
    ]
    // The hash keeps them at a fixed length: KUBE-SVC- and KUBE-SEP- plus 16 is 25, KUBE-FW- plus 16 is 24.
    expect(lengths).toEqual([25, 25, 25, 24, 25])
    expect(Math.max(...lengths)).toBeLessThanOrEqual(IPTABLES_CHAIN_MAX)
  })

  it('nft names are cut to fit 255 bytes for the longest inputs, and stay whole for usual ones', () => {
    const { namespace, name, protocol, portName, ip, port } = LONGEST
    const base = nftServiceBase(namespace, name, protocol, portName)
    const epBase = nftEndpointBase(namespace, name, protocol, portName, ip, port)
    const names = [nftNames.service(base), nftNames.local(base), nftNames.external(base), nftNames.firewall(base), nftNames.endpoint(epBase), nftNames.affinity(epBase)]
    const bytes = names.map((n) => Buffer.byteLength(n))
    expect(Math.max(...bytes)).toBeLessThanOrEqual(NFT_NAME_MAX)
    expect(epBase.endsWith('...')).toBe(true) // the longest endpoint base is the one that needs cutting
    expect(nftEndpointBase('shop', 'web', 'TCP', 'http', '10.0.0.1', 8080)).toMatch(/^[A-Z2-7]{8}-shop\/web\/TCP\/http__10\.0\.0\.1\/8080$/)
  })
})
