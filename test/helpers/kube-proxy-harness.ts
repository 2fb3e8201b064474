// The node settings of kube-proxy's own unit tests (NewFakeProxier), as svcc settings.
import type { SettingsInput } from '../../src/model/settings.ts'

/** pkg/proxy/iptables/proxier_test.go NewFakeProxier: test-node, pod CIDR 10.0.0.0/8 (fd00:10::/64). */
export const IPTABLES_HARNESS: SettingsInput = {
  nodeName: 'test-node',
  // Primary first per family; all of eth0's addresses (lo's are implied).
  nodeIPs: ['192.168.0.2', '192.168.1.2', '192.168.99.11', '2001:db8::1', '2001:db8:1::2'],
  clusterCIDRs: ['10.0.0.0/8', 'fd00:10::/64'],
  localhostNodePorts: true,
  nfacct: true,
  randomFully: false,
  tcpBeLiberal: false,
}

/** pkg/proxy/nftables/proxier_test.go NewFakeProxier: adds service CIDRs and primary-only NodePorts. */
export const NFTABLES_HARNESS: SettingsInput = {
  ...IPTABLES_HARNESS,
  serviceCIDRs: ['172.30.0.0/16', 'fd00:10:96::/112'],
  nodePortAddresses: ['192.168.0.2/32', '2001:db8::1/128'],
}

/** Addresses kube-proxy's tracers treat as local ("--src-type LOCAL", "fib saddr type local"). */
export const HARNESS_LOCAL_IPS = ['127.0.0.1', '::1', '192.168.0.2', '192.168.1.2', '192.168.99.11', '2001:db8::1', '2001:db8:1::2']

/**
 * kube-proxy's unit tests inject the masquerade mark as the literal "0x4000"; real kube-proxy
 * (and svcc) print Go's "%#08x" of 1<<14, "0x00004000". This is the one place the reference
 * texts are adjusted for it.
 */
export function withRealMark(referenceText: string): string {
  return referenceText.replaceAll('0x4000', '0x00004000')
}
