#!/usr/bin/env node
// Stand-in for `svcc compile --profile fast` while the CLI lacks the flag: the built compiler with the fast nft renderer.
// Usage: node bench/fast-compile.mjs <inputs...> [compile options] -o FILE
// bench.ts uses the real flag as soon as `svcc compile --help` lists --profile.
import { writeFileSync } from 'node:fs'
import { Command } from 'commander'
import { readInputs } from '../dist/cli/inputs.js'
import { nodeIo } from '../dist/cli/io.js'
import { addCompileOptions, settingsFromFlags } from '../dist/cli/options.js'
import { compile } from '../dist/compile.js'
import { renderNftFast } from '../dist/render/nft/fast.js'

const program = addCompileOptions(new Command('fast-compile').argument('<inputs...>'))
program.action((files, flags) => {
  const inputs = readInputs([...files, ...(flags.filename ?? [])], nodeIo)
  if (inputs.diagnostics.length > 0) throw new Error(`cannot read inputs: ${inputs.diagnostics.map((d) => d.message).join('; ')}`)
  const result = compile(inputs.sources, { format: 'nft', settings: settingsFromFlags(flags, nodeIo.hostname) })
  if (!result.ok) {
    process.stderr.write(`${result.diagnostics.length} diagnostics, first: ${result.diagnostics[0]?.message}\n`)
    process.exitCode = 1
    return
  }
  const text = renderNftFast(result.plan).text
  if (flags.output) writeFileSync(flags.output, text)
  else process.stdout.write(text)
})
program.parse()
