// The svcc program: builds the commander tree and returns an exit code. All output goes through `io`.
import { Command, CommanderError, Option } from 'commander'
import type { Runner } from '../apply/runner.ts'
import type { ApplyFlags } from './commands/apply.ts'
import { checkCommand } from './commands/check.ts'
import { compileCommand } from './commands/compile.ts'
import type { DeleteFlags } from './commands/delete.ts'
import type { ExplainFlags } from './commands/explain.ts'
import type { TraceFlags } from './commands/trace.ts'
import type { Io } from './io.ts'
import { addCompileOptions, type CompileFlags } from './options.ts'
import { EXIT, type ExitCode } from './ruleset.ts'

export interface RunContext {
  readonly version: string
}

const EXIT_CODES_HELP = `
Exit codes:
  0  success (warnings allowed)
  1  invalid input: the diagnostics on stderr say where (or -o could not be written)
  2  usage error: unknown option, bad flag value (INVALID_SETTING), no inputs
  3  the kernel tool (nft, iptables-restore) refused or could not run the ruleset, or apply
     refused to replace kube-proxy objects svcc did not write (see --force)

Output: the ruleset goes to stdout (or -o FILE) and nothing else does; diagnostics go to stderr,
as file:line:col: error|warning|notice: message [CODE]. Colour only on a terminal, never with NO_COLOR.`

const INPUTS = 'YAML or JSON files, folders (recursive: *.yaml, *.yml, *.json), or - for stdin'

const COMPILE_EXAMPLES = `
Examples:
  svcc compile manifests/ --node-name node-a --node-ip 192.168.0.2 --cluster-cidr 10.244.0.0/16 > rules.nft
  kubectl get svc,endpointslices -A -o yaml | svcc compile - --node-name node-a
  svcc compile -f services.yaml -f endpointslices.yaml --format iptables -o rules.ipt
  svcc compile manifests/ --config kube-proxy.yaml --format iptables --ip-family ipv6 | ip6tables-restore --test`

const CHECK_EXAMPLES = `
Examples:
  svcc check manifests/ && echo valid
  kubectl get svc,endpointslices -A -o json | svcc check - --quiet`

/**
 * The CLI as a function: never calls process.exit, so output can flush and tests can call it.
 * apply, delete, trace and explain are imported when run: loading their modules (execa above all)
 * took 0.2 s of every compile's start-up. `runner` defaults to the real tools (execa).
 */
export async function run(argv: readonly string[], io: Io, context: RunContext = { version: '0.0.0' }, givenRunner?: Runner): Promise<ExitCode> {
  const runner = async () => givenRunner ?? (await import('../apply/runner.ts')).execaRunner
  let code: ExitCode = EXIT.ok
  const program = new Command('svcc')
    .description('Compile Kubernetes Services and EndpointSlices into kube-proxy-identical nftables or iptables rulesets.')
    .version(context.version, '-V, --version')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s), outputError: (s, write) => write(s) })
    .showHelpAfterError('(run svcc <command> --help for usage)')
    .addHelpText('after', `${EXIT_CODES_HELP}

Examples:
  svcc compile manifests/ > rules.nft
  kubectl get svc,endpointslices -A -o yaml | svcc compile - --node-name node-a --cluster-cidr 10.244.0.0/16
  svcc compile examples/shop/ --format iptables -o rules.ipt
  svcc check manifests/
  svcc apply manifests/ --netns lab-node
  svcc trace manifests/ --src 10.244.1.5 --dst 10.96.0.10:80
  svcc explain manifests/ shop/web
  svcc compile --help`)

  addCompileOptions(
    program
      .command('compile')
      .description('compile manifests into a ruleset (nft by default) on stdout')
      .argument('[inputs...]', INPUTS),
  )
    .addHelpText('after', `${COMPILE_EXAMPLES}\n${EXIT_CODES_HELP}`)
    .action((files: string[], flags: CompileFlags) => {
      code = compileCommand(files, flags, io)
    })

  addCompileOptions(
    program
      .command('check')
      .description('validate manifests and settings; print nothing on success but warnings')
      .argument('[inputs...]', INPUTS),
    { output: false },
  )
    .addHelpText('after', `${CHECK_EXAMPLES}\n${EXIT_CODES_HELP}`)
    .action((files: string[], flags: CompileFlags) => {
      code = checkCommand(files, flags, io)
    })

  addCompileOptions(
    program
      .command('apply')
      .description('compile, then load the ruleset into a network namespace with nft / iptables-restore, atomically')
      .argument('[inputs...]', INPUTS)
      .option('--netns <name>', 'the network namespace to load into (as listed by ip netns list)')
      .option('--host', "load into this process's own namespace; must be said explicitly")
      .option('--check', 'validate with the kernel tools without committing anything')
      .option('--force', 'replace kube-proxy objects that svcc did not write')
      .option('--rules <file>', 'apply an already compiled ruleset (nft or iptables-restore text, - for stdin) instead of manifests'),
    { output: false },
  )
    .addHelpText(
      'after',
      `
Without --netns or --host, apply refuses. A failed apply leaves the previous rules in place.

Examples:
  svcc apply manifests/ --netns lab-node --node-name node-a --cluster-cidr 10.244.0.0/16
  svcc apply manifests/ --netns lab-node --format iptables --check
  svcc compile manifests/ -o rules.nft && svcc apply --rules rules.nft --netns lab-node
${EXIT_CODES_HELP}`,
    )
    .action(async (files: string[], flags: ApplyFlags, command: Command) => {
      const { applyCommand } = await import('./commands/apply.ts')
      code = await applyCommand(files, { ...flags, formatGiven: command.getOptionValueSource('format') === 'cli' }, io, await runner())
    })

  program
    .command('delete')
    .description('remove everything svcc wrote in a network namespace, and nothing else')
    .option('--netns <name>', 'the network namespace to clean')
    .option('--host', "clean this process's own namespace; must be said explicitly")
    .addOption(new Option('--format <format>', 'only this format (default: both, skipping a tool that is not installed)').choices(['nft', 'iptables']))
    .option('-q, --quiet', 'print errors only')
    .addHelpText('after', `
Example:
  svcc delete --netns lab-node
${EXIT_CODES_HELP}`)
    .action(async (flags: DeleteFlags) => {
      const { deleteCommand } = await import('./commands/delete.ts')
      code = await deleteCommand(flags, io, await runner())
    })

  addCompileOptions(
    program
      .command('trace')
      .description('follow one packet through the rendered ruleset: the service port it hits, its path, the endpoints, masquerade and verdict')
      .argument('[inputs...]', INPUTS)
      .requiredOption('--src <address>', "the packet's source address")
      .requiredOption('--dst <address:port[/protocol]>', 'its destination: 172.30.0.10:80/tcp, [fd00::1]:80/udp (tcp, udp or sctp; default tcp); a node IP means a NodePort')
      .option('--src-local', "the source is one of the node's own addresses (the node IPs, 127.0.0.1 and ::1 always are)")
      .option('--local-ip <address>', "another address of the node's own; repeatable", (value: string, previous: string[] = []) => [...previous, value])
      .option('--in-interface <name>', 'the interface the packet comes in on, for --detect-local-mode BridgeInterface or InterfaceNamePrefix (default: unknown, such matches hold)')
      .addOption(new Option('-o, --output <format>', 'text for people, json for tools').choices(['text', 'json']).default('text')),
    { output: false },
  )
    .addHelpText(
      'after',
      `
A DROP or REJECT is a successful trace (exit 0); a bad --src or --dst is a usage error (exit 2).

Examples:
  svcc trace manifests/ --node-name node-a --node-ip 192.168.0.10 --cluster-cidr 10.244.0.0/16 --src 10.244.1.5 --dst 10.96.0.10:80
  svcc trace manifests/ --format iptables --src 203.0.113.9 --dst 192.168.0.10:30080 -o json
  svcc trace manifests/ --src fd00:10:244::5 --dst '[fd00:10:96::10]:53/udp'`,
    )
    .action(async (files: string[], flags: TraceFlags) => {
      const { traceCommand } = await import('./commands/trace.ts')
      code = traceCommand(files, flags, io)
    })

  addCompileOptions(
    program
      .command('explain')
      .description('explain one Service: per port and family, every endpoint, why it is used or not, and where the ruleset holds it')
      .argument('<inputs-then-service...>', `${INPUTS}, then the Service as namespace/name`)
      .addOption(new Option('-o, --output <format>', 'text for people, json for tools').choices(['text', 'json']).default('text')),
    { output: false },
  )
    .addHelpText(
      'after',
      `
Ruleset lines are those of --format (nft by default), in kube-proxy's text: --profile fast is refused.

Examples:
  svcc explain manifests/ shop/web --node-name node-a --node-ip 192.168.0.10 --cluster-cidr 10.244.0.0/16
  svcc explain -f manifests/ shop/web --format iptables -o json`,
    )
    .action(async (args: string[], flags: ExplainFlags) => {
      const { explainCommand } = await import('./commands/explain.ts')
      code = explainCommand(args.slice(0, -1), args[args.length - 1]!, flags, io)
    })

  try {
    await program.parseAsync([...argv], { from: 'user' })
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? EXIT.ok : EXIT.usage
    throw e
  }
  return code
}
