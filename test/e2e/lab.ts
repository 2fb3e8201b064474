// A throwaway network of namespaces (a node, routed pods, a pod client, an external client) where the kernel judges svcc's rules.
import { randomBytes } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { execaRunner, type Runner, type RunResult as ToolResult } from '../../src/apply/runner.ts'
import { LIST_CONNTRACK, parseConntrack, type TrackedConnection } from './conntrack.ts'
import { Agent, cleanupSync, inNs, ipBatch, run } from './exec.ts'
import { deleteNamespaces, listNamespaces, PREFIX, sweep } from './sweep.ts'
import { canonical, placeSource, type Placement } from './topology.ts'
import { externalAddressChanges, externalWiring, NODE_SYSCTLS, nodeWiring, podWiring, UPSTREAM_SYSCTLS, type Attachment } from './wiring.ts'

const AGENT = fileURLToPath(new URL('./agents/agent.mjs', import.meta.url))

export interface PodSpec {
  readonly ip: string
  readonly tcp: readonly number[]
  readonly udp: readonly number[]
}

export interface LabSpec {
  /** Short [a-z0-9] name of the test file; namespaces are `svcc-e2e-<tag>-<owner pid>-<random>-<role>`. */
  readonly tag: string
  /** One namespace and one server process per endpoint address. */
  readonly pods: readonly PodSpec[]
  /** Pod-CIDR sources that are not endpoints; they share one "pod client" namespace. */
  readonly podClients: readonly string[]
  /** Ports the node's own server answers on, to show a packet reached the node untranslated. */
  readonly nodeTcpPorts: readonly number[]
}

export interface ProbeRequest {
  readonly id: string
  readonly from: string
  readonly to: string
  readonly port: number
  readonly protocol: 'tcp' | 'udp'
  readonly min: number
  readonly max: number
  /** Stop early once all of these endpoints answered (and `min` attempts were made). */
  readonly until?: readonly string[]
  readonly parallel: number
  readonly timeoutMs: number
}

export type Attempt =
  | { readonly ok: true; readonly name: string; readonly ep: string; readonly src: string; readonly ms: number }
  | { readonly ok: false; readonly error: string; readonly ms: number }

interface Pod {
  readonly ns: string
  readonly ip: string
  readonly veth: string
}

export class Lab {
  readonly base: string
  readonly spec: LabSpec
  readonly node: string
  readonly external: string
  readonly podClient: string
  readonly #pods = new Map<string, Pod>()
  /** One agent (server, prober and command runner) per namespace. */
  readonly #agents = new Map<string, Agent>()
  #externalAddresses = new Set<string>()
  #destroyed = false
  readonly #onExit = () => this.#cleanupSync()

  private constructor(base: string, spec: LabSpec) {
    this.base = base
    this.spec = spec
    this.node = `${base}-node`
    this.external = `${base}-ext`
    this.podClient = `${base}-pc`
    spec.pods.forEach((p, i) => {
      const ip = canonical(p.ip)
      this.#pods.set(ip, { ns: `${base}-p${i}`, ip, veth: `p${i}` })
    })
  }

  /** Builds the whole lab; on any failure it tears down what it made and rethrows. */
  static async create(spec: LabSpec): Promise<Lab> {
    if (!/^[a-z0-9]{1,12}$/.test(spec.tag)) throw new Error(`lab tag ${JSON.stringify(spec.tag)} must be 1-12 of [a-z0-9]`)
    await sweep(spec.tag)
    const lab = new Lab(`${PREFIX}${spec.tag}-${process.pid}-${randomBytes(3).toString('hex')}`, spec)
    process.once('exit', lab.#onExit)
    try {
      await lab.#build()
    } catch (e) {
      await lab.destroy()
      throw e
    }
    return lab
  }

  get namespaces(): string[] {
    return [this.node, this.external, this.podClient, ...[...this.#pods.values()].map((p) => p.ns)]
  }

  get podIPs(): ReadonlySet<string> {
    return new Set(this.#pods.keys())
  }

  async #build(): Promise<void> {
    await run(['ip', '-batch', '-'], { input: this.namespaces.map((ns) => `netns add ${ns}\n`).join('') })
    await Promise.all([inNs(this.node, ['sysctl', '-q', '-w', ...NODE_SYSCTLS]), inNs(this.external, ['sysctl', '-q', '-w', ...UPSTREAM_SYSCTLS])])
    const attachments: Attachment[] = [
      { veth: 'pc0', ns: this.podClient, addresses: this.spec.podClients },
      ...[...this.#pods.values()].map((p) => ({ veth: p.veth, ns: p.ns, addresses: [p.ip] })),
    ]
    await ipBatch(this.node, nodeWiring(this.external, attachments))
    await Promise.all([
      ...attachments.map((a) => ipBatch(a.ns, podWiring(a.addresses))),
      ipBatch(this.external, externalWiring()),
      // kube-proxy's iptables rules count into these nfacct objects, which must exist first.
      inNs(this.node, ['sh', '-c', 'nfacct add ct_state_invalid_dropped_pkts && nfacct add localhost_nps_accepted_pkts']),
    ])

    const agents: [string, object][] = [
      [this.node, { name: 'node', tcp: this.spec.nodeTcpPorts }],
      [this.external, { name: 'external' }],
      [this.podClient, { name: 'pod-client' }],
      ...this.spec.pods.map((p): [string, object] => {
        const pod = this.#pods.get(canonical(p.ip))!
        return [pod.ns, { name: pod.ip, address: pod.ip, tcp: p.tcp, udp: p.udp }]
      }),
    ]
    const started = await Promise.allSettled(agents.map(([ns, config]) => Agent.start(ns, ['node', AGENT, JSON.stringify(config)])))
    started.forEach((s, i) => {
      if (s.status === 'fulfilled') this.#agents.set(agents[i]![0], s.value)
    })
    const failed = started.find((s) => s.status === 'rejected')
    if (failed) throw failed.reason
  }

  /** The namespace a source address lives in (see topology.ts placeSource). */
  placement(source: string): Placement {
    return placeSource(source, this.podIPs)
  }

  namespaceOf(source: string): string {
    const text = canonical(source)
    switch (this.placement(text)) {
      case 'node':
        return this.node
      case 'pod':
        return this.#pods.get(text)!.ns
      case 'pod-client':
        if (!this.spec.podClients.map(canonical).includes(text)) throw new Error(`lab: pod client ${text} was not declared in the lab spec`)
        return this.podClient
      case 'external':
        if (!this.#externalAddresses.has(text)) throw new Error(`lab: external source ${text} is not configured (setExternalSources)`)
        return this.external
    }
  }

  /** Gives the external client exactly these source addresses (a case may need an address another case routes as a VIP). */
  async setExternalSources(addresses: readonly string[]): Promise<void> {
    const wanted = new Set(addresses.map(canonical))
    const lines = externalAddressChanges(this.#externalAddresses, wanted)
    if (lines.length > 0) await ipBatch(this.external, lines)
    this.#externalAddresses = wanted
  }

  /** Runs a command inside one of the lab's namespaces, started by that namespace's agent. */
  async exec(ns: string, argv: readonly string[], input = ''): Promise<ToolResult> {
    const agent = this.#agents.get(ns)
    if (!agent) throw new Error(`lab: ${ns} is not one of this lab's namespaces`)
    const r = await agent.request<{ exitCode: number | null; stdout: string; stderr: string; spawnError?: string }>({ exec: { argv, input } }, 30_000)
    return { exitCode: r.exitCode ?? undefined, stdout: r.stdout, stderr: r.stderr, ...(r.spawnError ? { spawnError: r.spawnError } : {}) }
  }

  /** A shell script inside one of the lab's namespaces; throws with its stderr when it fails. */
  async shell(ns: string, script: string, input = ''): Promise<ToolResult> {
    const r = await this.exec(ns, ['sh', '-c', script], input)
    if (r.exitCode !== 0) throw new Error(`in ${ns}: sh -c ${JSON.stringify(script)}: exit ${r.exitCode ?? r.spawnError}\n${r.stderr}`)
    return r
  }

  /**
   * The applier's process seam (src/apply/runner.ts) for the bulk suites: `ip netns exec <ns> CMD`
   * for one of the lab's namespaces becomes CMD started by that namespace's agent. Same commands,
   * same namespace, one process start instead of two (process starts dominate the suite's time).
   */
  readonly runner: Runner = this.guard({
    run: (argv, input) => {
      const [, , , ns, ...command] = argv
      return ns !== undefined && this.#agents.has(ns) && command.length > 0 ? this.exec(ns, command, input) : execaRunner.run(argv, input)
    },
  })

  /**
   * Lets through only `ip netns list` and `ip netns exec <one of this lab's namespaces> …`, so no
   * applier bug can reach the machine's own rules; anything else throws.
   */
  guard(runner: Runner): Runner {
    return {
      run: (argv, input) => {
        const [ip, netns, verb, ns] = argv
        const listing = ip === 'ip' && netns === 'netns' && verb === 'list' && argv.length === 3
        const inside = ip === 'ip' && netns === 'netns' && verb === 'exec' && ns !== undefined && this.namespaces.includes(ns) && argv.length > 4
        if (!listing && !inside) throw new Error(`lab: refusing to run ${argv.join(' ')} (not inside one of the lab's namespaces)`)
        return runner.run(argv, input)
      },
    }
  }

  /** Empties the node's netfilter state: every table (nft and iptables-nft) and the conntrack table. */
  async resetNetfilter(): Promise<void> {
    await Promise.all([this.shell(this.node, 'nft flush ruleset'), this.flushConntrack()])
  }

  /** Old entries would keep a 5-tuple on an earlier case's DNAT target. conntrack -F takes one family at a time. */
  async flushConntrack(): Promise<void> {
    await Promise.all([this.exec(this.node, ['conntrack', '-F']), this.exec(this.node, ['conntrack', '-F', '-f', 'ipv6'])])
  }

  /**
   * The node's conntrack entries, both families: the kernel's own record of what it translated.
   * The node's agent reads /proc/net/nf_conntrack (no process start); kernels built without it
   * get the conntrack tool.
   */
  async connections(): Promise<TrackedConnection[]> {
    const agent = this.#agents.get(this.node)
    if (!agent) throw new Error(`lab: no agent in ${this.node}`)
    const r = await agent.request<{ text?: string; error?: string }>({ read: '/proc/net/nf_conntrack' }, 10_000)
    return parseConntrack(r.text ?? (await this.shell(this.node, LIST_CONNTRACK)).stdout)
  }

  /** Sends the probes to the agents of their source namespaces, all at once. */
  async probe(requests: readonly ProbeRequest[]): Promise<Map<string, Attempt[]>> {
    const groups = new Map<string, ProbeRequest[]>()
    for (const r of requests) {
      const ns = this.namespaceOf(r.from)
      groups.set(ns, [...(groups.get(ns) ?? []), r])
    }
    const out = new Map<string, Attempt[]>()
    await Promise.all(
      [...groups].map(async ([ns, list]) => {
        const probes = list.map((r) => ({ ...r, host: canonical(r.to), bind: canonical(r.from) }))
        const bound = Math.max(...list.map((r) => Math.ceil(r.max / r.parallel) * (r.timeoutMs + 100))) + 10_000
        const agent = this.#agents.get(ns)
        if (!agent) throw new Error(`lab: no agent in ${ns}`)
        const answer = await agent.request<{ results: { id: string; attempts: Attempt[] }[] }>({ probes }, bound)
        for (const r of answer.results) out.set(r.id, r.attempts)
      }),
    )
    return out
  }

  /** Kills every server by pid, then deletes every namespace. Safe to call twice. */
  async destroy(): Promise<void> {
    if (this.#destroyed) return
    this.#destroyed = true
    await Promise.all([...this.#agents.values()].map((a) => a.stop()))
    const existing = new Set(await listNamespaces())
    await deleteNamespaces(this.namespaces.filter((ns) => existing.has(ns)))
    process.removeListener('exit', this.#onExit)
  }

  #cleanupSync(): void {
    if (this.#destroyed) return
    this.#destroyed = true
    cleanupSync(
      [...this.#agents.values()].map((a) => a.pid),
      this.namespaces,
    )
  }
}
