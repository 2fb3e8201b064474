// The hand-written matrix: each case is manifests (fixtures/e2e/), this node's settings, and probes with their expected outcome.
import { readFileSync } from 'node:fs'
import type { SettingsInput } from '../../src/model/settings.ts'
import type { LabCase, LabProbe } from './case.ts'
import { dropped, node, reach, refused, unrouted } from './expect.ts'
import {
  BLOCKED_CLIENT as BLOCKED,
  BLOCKED_CLIENT6 as BLOCKED6,
  CLUSTER_CIDRS,
  EXTERNAL_CLIENT as EXTERNAL,
  EXTERNAL_CLIENT6 as EXTERNAL6,
  NODE_IP,
  NODE_IP6,
  POD_CLIENT as POD,
  POD_CLIENT6 as POD6,
} from './topology.ts'

/** This node is node-a; endpoints with nodeName node-b are "on another node" (still routed pods in the lab). */
const SETTINGS: SettingsInput = {
  nodeName: 'node-a',
  nodeIPs: [NODE_IP, NODE_IP6],
  clusterCIDRs: [...CLUSTER_CIDRS],
  serviceCIDRs: ['10.96.0.0/16', 'fd00:96::/112'],
}

const FIXTURES = new URL('../../fixtures/e2e/', import.meta.url)

function labCase(name: string, probes: readonly LabProbe[], more: { fixture?: string; settings?: Partial<SettingsInput> } = {}): LabCase {
  const fixture = more.fixture ?? name
  const path = `fixtures/e2e/${fixture}.yaml`
  return { name, sources: [{ path, text: readFileSync(new URL(`${fixture}.yaml`, FIXTURES), 'utf8') }], settings: { ...SETTINGS, ...more.settings }, probes }
}

const A1 = '10.244.1.1:8080'
const A2 = '10.244.1.2:8080'
const B1 = '10.244.2.1:8080'
const V6A = '[fd00:10::a1]:8080'
const V6B = '[fd00:10::b1]:8080'

export const MATRIX: readonly LabCase[] = [
  labCase('clusterip-spread', [
    // 300 connections; each of 3 endpoints must get 15 % (it expects 33 %): a broken probability chain fails this.
    { name: 'a pod spreads over the ready endpoints only, unmasqueraded', from: POD, to: '10.96.0.10', port: 80, expect: reach([A1, A2, B1], false, { minShare: 0.15, attempts: 300 }) },
    { name: 'a client outside the cluster CIDR is masqueraded', from: EXTERNAL, to: '10.96.0.10', port: 80, expect: reach([A1, A2, B1], true) },
    { name: 'the node itself is masqueraded', from: NODE_IP, to: '10.96.0.10', port: 80, expect: reach([A1, A2, B1], true) },
    { name: 'a pod reaching itself through its Service (hairpin) is masqueraded', from: '10.244.1.3', to: '10.96.0.11', port: 80, expect: reach(['10.244.1.3:8080'], true) },
    { name: 'another pod reaching that Service is not', from: POD, to: '10.96.0.11', port: 80, expect: reach(['10.244.1.3:8080'], false) },
  ]),
  labCase('nodeport', [
    { name: 'eTP Cluster: an external client is masqueraded', from: EXTERNAL, to: NODE_IP, port: 30080, expect: reach([A1, B1], true) },
    { name: 'eTP Cluster: a pod is masqueraded too', from: POD, to: NODE_IP, port: 30080, expect: reach([A1, B1], true) },
    { name: 'eTP Cluster: the node reaches its own NodePort', from: NODE_IP, to: NODE_IP, port: 30080, expect: reach([A1, B1], true) },
    {
      name: 'localhost NodePort',
      from: '127.0.0.1',
      to: '127.0.0.1',
      port: 30080,
      expect: { iptables: reach([A1, B1], true), nft: node, why: 'nftables mode never serves NodePorts on loopback' },
    },
    {
      name: 'NodePort on a secondary node IP',
      from: EXTERNAL,
      to: '192.168.1.2',
      port: 30080,
      expect: { iptables: reach([A1, B1], true), nft: node, why: 'nodePortAddresses defaults to every local address (iptables) or the primary IP (nftables)' },
    },
    { name: 'eTP Local: an external client reaches only local endpoints and keeps its source', from: EXTERNAL, to: NODE_IP, port: 30081, expect: reach([A1], false) },
    { name: 'eTP Local: a pod reaches every endpoint, unmasqueraded', from: POD, to: NODE_IP, port: 30081, expect: reach([A1, B1], false) },
    { name: 'eTP Local: the node reaches every endpoint, masqueraded', from: NODE_IP, to: NODE_IP, port: 30081, expect: reach([A1, B1], true) },
    { name: 'eTP Local without a local endpoint: an external client is dropped', from: EXTERNAL, to: NODE_IP, port: 30082, expect: dropped },
    { name: 'eTP Local without a local endpoint: a pod still gets the remote one', from: POD, to: NODE_IP, port: 30082, expect: reach([B1], false) },
  ]),
  labCase(
    'nodeport-every-address',
    [
      { name: 'NodePort on a secondary node IP', from: EXTERNAL, to: '192.168.1.2', port: 30080, expect: reach([A1, B1], true) },
      { name: 'NodePort on the external-IP node address', from: EXTERNAL, to: '192.168.99.11', port: 30081, expect: reach([A1], false) },
      {
        name: 'localhost NodePort',
        from: '127.0.0.1',
        to: '127.0.0.1',
        port: 30080,
        expect: { iptables: reach([A1, B1], true), nft: node, why: 'nftables mode never serves NodePorts on loopback' },
      },
      { name: 'IPv6 NodePorts are not in this IPv4-only manifest', from: EXTERNAL6, to: NODE_IP6, port: 30080, expect: node },
    ],
    { fixture: 'nodeport', settings: { nodePortAddresses: ['0.0.0.0/0', '::/0'] } },
  ),
  labCase('external-ips', [
    { name: 'an external client reaches the external IP, masqueraded', from: EXTERNAL, to: '198.18.0.10', port: 80, expect: reach([A1, B1], true) },
    { name: 'a pod reaches the external IP, masqueraded (eTP Cluster)', from: POD, to: '198.18.0.10', port: 80, expect: reach([A1, B1], true) },
    { name: 'the node reaches the external IP', from: NODE_IP, to: '198.18.0.10', port: 80, expect: reach([A1, B1], true) },
    { name: 'another port of the external IP is not a service', from: EXTERNAL, to: '198.18.0.10', port: 81, expect: unrouted },
  ]),
  labCase('loadbalancer', [
    { name: 'an allowed source reaches the LB IP', from: EXTERNAL, to: '198.18.1.1', port: 80, expect: reach([A1, B1], true) },
    { name: 'a source outside loadBalancerSourceRanges is dropped', from: BLOCKED, to: '198.18.1.1', port: 80, expect: dropped },
    { name: 'the same source reaches the NodePort (ranges apply to LB IPs only)', from: BLOCKED, to: NODE_IP, port: 30083, expect: reach([A1, B1], true) },
    { name: 'a pod outside the ranges is dropped', from: POD, to: '198.18.1.1', port: 80, expect: dropped },
    { name: 'the node outside the ranges is dropped', from: NODE_IP, to: '198.18.1.1', port: 80, expect: dropped },
  ]),
  labCase('no-endpoints', [
    { name: 'ClusterIP from a pod is refused at once', from: POD, to: '10.96.4.10', port: 80, expect: refused },
    { name: 'ClusterIP from the node is refused at once', from: NODE_IP, to: '10.96.4.10', port: 80, expect: refused },
    { name: 'NodePort from outside is refused at once', from: EXTERNAL, to: NODE_IP, port: 30084, expect: refused },
    { name: 'a UDP port is refused (ICMP port unreachable)', from: POD, to: '10.96.4.10', port: 53, protocol: 'UDP', expect: refused },
  ]),
  labCase('named-target-port', [
    { name: 'each slice resolves the named port to its own number', from: POD, to: '10.96.5.10', port: 80, expect: reach(['10.244.1.4:8081', '10.244.2.4:8082'], false) },
  ]),
  labCase('multi-port', [
    { name: 'port 80 goes to 8080', from: POD, to: '10.96.6.10', port: 80, expect: reach([A1, B1], false) },
    { name: 'port 9090 goes to 9100', from: POD, to: '10.96.6.10', port: 9090, expect: reach(['10.244.1.1:9100', '10.244.2.1:9100'], false) },
    { name: 'UDP 53 goes to 5353', from: POD, to: '10.96.6.10', port: 53, protocol: 'UDP', expect: reach(['10.244.1.1:5353', '10.244.2.1:5353'], false) },
    { name: 'the UDP NodePort from outside', from: EXTERNAL, to: NODE_IP, port: 30053, protocol: 'UDP', expect: reach(['10.244.1.1:5353', '10.244.2.1:5353'], true) },
    { name: 'the second TCP NodePort from outside', from: EXTERNAL, to: NODE_IP, port: 30086, expect: reach(['10.244.1.1:9100', '10.244.2.1:9100'], true) },
    {
      name: 'a port the Service does not have',
      from: POD,
      to: '10.96.6.10',
      port: 443,
      expect: { iptables: unrouted, nft: refused, why: 'nftables mode rejects other ports of a ClusterIP (cluster-ips-check)' },
    },
    {
      name: 'a TCP port asked over UDP',
      from: POD,
      to: '10.96.6.10',
      port: 80,
      protocol: 'UDP',
      expect: { iptables: unrouted, nft: refused, why: 'nftables mode rejects other ports of a ClusterIP (cluster-ips-check)' },
    },
  ]),
  labCase('affinity', [
    { name: 'a pod sticks to one endpoint', from: POD, to: '10.96.7.10', port: 80, expect: reach([A1, A2, B1], false, { sticky: true, attempts: 20 }) },
    { name: 'an external client sticks to one endpoint', from: EXTERNAL, to: '10.96.7.10', port: 80, expect: reach([A1, A2, B1], true, { sticky: true, attempts: 20 }) },
    { name: 'the node sticks to one endpoint', from: NODE_IP, to: '10.96.7.10', port: 80, expect: reach([A1, A2, B1], true, { sticky: true, attempts: 20 }) },
  ]),
  labCase('internal-traffic-policy', [
    { name: 'iTP Local: a pod reaches only the local endpoints', from: POD, to: '10.96.8.10', port: 80, expect: reach([A1, A2], false) },
    { name: 'iTP Local: so does a client from outside, masqueraded', from: EXTERNAL, to: '10.96.8.10', port: 80, expect: reach([A1, A2], true) },
    { name: 'iTP Local without a local endpoint is dropped', from: POD, to: '10.96.8.11', port: 80, expect: dropped },
  ]),
  labCase('terminating', [
    { name: 'no ready endpoint: serving terminating ones take over', from: POD, to: '10.96.9.10', port: 80, expect: reach([A1, B1], false) },
    { name: 'one ready endpoint: terminating ones get nothing', from: POD, to: '10.96.9.11', port: 80, expect: reach([A2], false) },
  ]),
  labCase('dual-stack', [
    { name: 'the IPv4 cluster IP reaches the IPv4 endpoints', from: POD, to: '10.96.11.10', port: 80, expect: reach([A1, B1], false) },
    { name: 'the IPv6 cluster IP reaches the IPv6 endpoints', from: POD6, to: 'fd00:96::20', port: 80, expect: reach([V6A, V6B], false) },
    { name: 'the NodePort on the IPv4 node IP', from: EXTERNAL, to: NODE_IP, port: 30093, expect: reach([A1, B1], true) },
    { name: 'the NodePort on the IPv6 node IP', from: EXTERNAL6, to: NODE_IP6, port: 30093, expect: reach([V6A, V6B], true) },
  ]),
  labCase('ipv6', [
    { name: 'a pod spreads over both endpoints, unmasqueraded', from: POD6, to: 'fd00:96::10', port: 80, expect: reach([V6A, V6B], false, { minShare: 0.25, attempts: 200 }) },
    { name: 'a client outside the cluster CIDR is masqueraded', from: EXTERNAL6, to: 'fd00:96::10', port: 80, expect: reach([V6A, V6B], true) },
    { name: 'the node itself is masqueraded', from: NODE_IP6, to: 'fd00:96::10', port: 80, expect: reach([V6A, V6B], true) },
    { name: 'hairpin is masqueraded', from: 'fd00:10::a2', to: 'fd00:96::12', port: 80, expect: reach(['[fd00:10::a2]:8080'], true) },
    { name: 'NodePort from outside, masqueraded', from: EXTERNAL6, to: NODE_IP6, port: 30090, expect: reach([V6A, V6B], true) },
    { name: 'an allowed source reaches the LB IP', from: EXTERNAL6, to: '2001:db8:ff::1', port: 80, expect: reach([V6A, V6B], true) },
    { name: 'a source outside loadBalancerSourceRanges is dropped', from: BLOCKED6, to: '2001:db8:ff::1', port: 80, expect: dropped },
    { name: 'a pod outside the ranges is dropped', from: POD6, to: '2001:db8:ff::1', port: 80, expect: dropped },
    { name: 'UDP through the ClusterIP', from: POD6, to: 'fd00:96::10', port: 53, protocol: 'UDP', expect: reach(['[fd00:10::a1]:5353', '[fd00:10::b1]:5353'], false) },
    { name: 'UDP NodePort from outside', from: EXTERNAL6, to: NODE_IP6, port: 30091, protocol: 'UDP', expect: reach(['[fd00:10::a1]:5353', '[fd00:10::b1]:5353'], true) },
    { name: 'eTP Local NodePort: only the local endpoint, source kept', from: EXTERNAL6, to: NODE_IP6, port: 30092, expect: reach([V6A], false) },
    { name: 'no endpoints: refused at once', from: POD6, to: 'fd00:96::13', port: 80, expect: refused },
    { name: 'NodePorts never answer on ::1', from: '::1', to: '::1', port: 30090, expect: node },
  ]),
]
