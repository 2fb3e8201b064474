#!/usr/bin/env node
// The only file that touches process.argv and process.exitCode.
import { readFileSync } from 'node:fs'
import { nodeIo } from './io.ts'
import { run } from './main.ts'

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
process.exitCode = await run(process.argv.slice(2), nodeIo, { version: pkg.version })
