// The svcc program: builds the commander tree and returns an exit code. All output goes through `io`.
import { Command, CommanderError } from 'commander'
import { checkCommand } from './commands/check.ts'
import { compileCommand } from './commands/compile.ts'
import type { Io } from './io.ts'
import { addCompileOptions, type CompileFlags } from './options.ts'
import { EXIT, type ExitCode } from './ruleset.ts'

export interface RunContext {
  readonly version: string
}

const EXIT_CODES_HELP = `
Exit codes:
  0  success (warnings allowed)
  1  invalid input: the diagnostics on stderr say where
  2  usage error
  3  the kernel tool (nft, iptables-restore) refused or could not run the ruleset`

/** The CLI as a function: never calls process.exit, so output can flush and tests can call it. */
export async function run(argv: readonly string[], io: Io, context: RunContext = { version: '0.0.0' }): Promise<ExitCode> {
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
  svcc check manifests/`)

  addCompileOptions(
    program
      .command('compile')
      .description('compile manifests into a ruleset (nft by default) on stdout')
      .argument('<inputs...>', 'YAML or JSON files, folders (recursive), or - for stdin'),
  )
    .addHelpText('after', '\nExample:\n  svcc compile manifests/ --node-name node-a --node-ip 192.168.0.2 --cluster-cidr 10.0.0.0/8 > rules.nft')
    .action((files: string[], flags: CompileFlags) => {
      code = compileCommand(files, flags, io)
    })

  addCompileOptions(
    program
      .command('check')
      .description('validate manifests and settings; print nothing on success')
      .argument('<inputs...>', 'YAML or JSON files, folders (recursive), or - for stdin'),
    { output: false },
  )
    .addHelpText('after', '\nExample:\n  svcc check manifests/ && echo valid')
    .action((files: string[], flags: CompileFlags) => {
      code = checkCommand(files, flags, io)
    })

  try {
    await program.parseAsync([...argv], { from: 'user' })
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? EXIT.ok : EXIT.usage
    throw e
  }
  return code
}
