// `svcc explain`: one Service's endpoints per port and family, why each is used or not, and where the ruleset holds it.
import { explainService, type ExplainInput } from '../../explain/explain.ts'
import { formatExplanation } from '../../explain/format.ts'
import { renderIptables } from '../../render/iptables/render.ts'
import { renderNft } from '../../render/nft/render.ts'
import type { Io } from '../io.ts'
import type { CompileFlags } from '../options.ts'
import { compileInputs, EXIT, report, type ExitCode } from '../ruleset.ts'

export interface ExplainFlags extends CompileFlags {
  output?: 'text' | 'json'
}

/** Kubernetes object names: DNS labels and subdomains. */
const NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/

/** `serviceRef` is "namespace/name", or "name" in the default namespace. --ip-family keeps one family. */
export function explainCommand(files: readonly string[], serviceRef: string, flags: ExplainFlags, io: Io): ExitCode {
  const usage = (message: string): ExitCode => {
    report([{ severity: 'error', code: 'INVALID_SETTING', message, file: '<arguments>' }], [], flags, io)
    return EXIT.usage
  }
  // explain's line pointers follow kube-proxy's names (a set per endpoint and so on); the fast profile pools them.
  if (flags.format === 'nft' && flags.profile === 'fast')
    return usage('svcc explain points at lines of the kube-proxy profile; leave out --profile fast (svcc trace --profile fast follows a packet through the fast text)')
  const [namespace, name] = serviceRef.includes('/') ? serviceRef.split('/', 2) : ['default', serviceRef]
  if (!NAME.test(namespace!) || !NAME.test(name!) || serviceRef.split('/').length > 2)
    return usage(`${JSON.stringify(serviceRef)} is not a Service reference: write namespace/name, as in default/kubernetes`)
  const compiled = compileInputs(files, flags, io, 'give the inputs, then the Service: svcc explain manifests/ namespace/name (or -f manifests/ namespace/name)')
  if (!compiled.ok) return compiled.exitCode
  const { result, sources } = compiled
  report(result.diagnostics, sources, flags, io)

  const plan = flags.ipFamily === undefined ? result.plan : { ...result.plan, families: result.plan.families.filter((f) => f.family === flags.ipFamily) }
  const rendered: ExplainInput['rendered'] =
    flags.format === 'nft' ? { format: 'nft', text: renderNft(result.plan).text } : { format: 'iptables', texts: new Map(plan.families.map((f) => [f.family, renderIptables(f).text])) }
  const explanation = explainService({ model: result.model, plan, namespace: namespace!, name: name!, format: flags.format, rendered })
  if (!explanation) {
    const known = result.model.services.map((s) => `${s.namespace}/${s.name}`)
    const listed = known.length === 0 ? 'the input has no Services svcc compiles' : `it has ${known.slice(0, 10).join(', ')}${known.length > 10 ? ', …' : ''}`
    return usage(`no Service ${namespace}/${name}${flags.ipFamily ? ` with ${flags.ipFamily} addresses` : ''} in the input (${listed}; ignored Services are named in the warnings)`)
  }
  io.stdout(flags.output === 'json' ? `${JSON.stringify(explanation, null, 2)}\n` : formatExplanation(explanation))
  return EXIT.ok
}
