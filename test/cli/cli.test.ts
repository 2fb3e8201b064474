// The CLI as a function: exit codes, stdout only for the ruleset, atomic -o, --quiet, colour, help, check.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { run } from '../../src/cli/main.ts'
import { captureIo } from '../helpers/memory-io.ts'
import { SERVICE, SLICE } from '../manifest/helpers.ts'
import { virtualIo } from './virtual-io.ts'

const GOOD = { 'm/service.yaml': SERVICE, 'm/slice.yaml': SLICE }
const BAD = { 'm/service.yaml': SERVICE.replace('port: 80', 'port: 80000'), 'm/slice.yaml': SLICE }
const ARGS = ['--node-name', 'node-a', '--cluster-cidr', '10.244.0.0/16', '--node-ip', '192.168.0.2']

async function cli(argv: string[], files: Record<string, string> = GOOD, overrides: Parameters<typeof virtualIo>[1] = {}) {
  const io = virtualIo(files, overrides)
  const code = await run(argv, io, { version: '1.2.3' })
  return { code, out: io.out(), err: io.err(), files: io.files }
}

describe('exit codes and streams', () => {
  it('0: prints only the ruleset on stdout', async () => {
    const r = await cli(['compile', 'm', ...ARGS])
    expect(r.code).toBe(0)
    expect(r.out).toMatch(/^add table ip kube-proxy/)
    expect(r.err).toBe('')
  })

  it('1: invalid input prints diagnostics on stderr and nothing on stdout', async () => {
    const r = await cli(['compile', 'm', ...ARGS], BAD)
    expect(r).toMatchObject({ code: 1, out: '' })
    expect(r.err).toMatch(/^m\/service\.yaml:10:11: error: .* \[PORT_OUT_OF_RANGE\]$/m)
    expect(r.err).toMatch(/\n1 error\n$/)
  })

  it('1: shows errors and warnings but no notices when there is no ruleset', async () => {
    const r = await cli(['compile', 'm'], BAD)
    expect(r.code).toBe(1)
    expect(r.err).not.toContain('notice')
  })

  it('1: a missing input file is INPUT_UNREADABLE', async () => {
    const r = await cli(['compile', 'nope.yaml', ...ARGS])
    expect(r).toMatchObject({ code: 1, out: '' })
    expect(r.err).toContain('nope.yaml: error: no such file or directory [INPUT_UNREADABLE]')
  })

  it('2: usage errors (unknown option, bad choice, no inputs) exit 2 with nothing on stdout', async () => {
    for (const argv of [['compile', 'm', '--bogus'], ['compile', 'm', '--format', 'ipvs'], ['compile'], ['frobnicate'], []]) {
      const r = await cli(argv)
      expect(r.code, argv.join(' ')).toBe(2)
      expect(r.out, argv.join(' ')).toBe('')
      expect(r.err, argv.join(' ')).not.toBe('')
    }
  })

  it('2: bad flag values are INVALID_SETTING, found before any file is read', async () => {
    for (const flag of [['--node-ip', '192.168.0'], ['--cluster-cidr', '10.0.0.0/33'], ['--masquerade-bit', '32'], ['--masquerade-bit', 'x'], ['--nodeport-addresses', 'eth0']]) {
      const r = await cli(['compile', 'missing.yaml', ...flag])
      expect(r.code, flag.join(' ')).toBe(2)
      expect(r.out).toBe('')
      expect(r.err).toMatch(/^<settings>: error: .*\[INVALID_SETTING\]$/m)
      expect(r.err).not.toContain('INPUT_UNREADABLE')
    }
  })

  it('2: --ip-family for a family the input does not use', async () => {
    const r = await cli(['compile', 'm', ...ARGS, '--format', 'iptables', '--ip-family', 'ipv6'])
    expect(r).toMatchObject({ code: 2, out: '' })
    expect(r.err).toContain('[INVALID_SETTING]')
  })

  it('reads - from stdin and -f like kubectl', async () => {
    const stdin = await cli(['compile', '-', ...ARGS], {}, { readStdin: () => `${SERVICE}---\n${SLICE}` })
    const dashF = await cli(['compile', '-f', 'm/service.yaml', '-f', 'm/slice.yaml', ...ARGS])
    const folder = await cli(['compile', 'm', ...ARGS])
    expect(stdin.code).toBe(0)
    expect(stdin.out).toBe(folder.out)
    expect(dashF.out).toBe(folder.out)
  })

  it('labels stdin diagnostics <stdin>', async () => {
    const r = await cli(['compile', '-', ...ARGS], {}, { readStdin: () => 'a: [' })
    expect(r.code).toBe(1)
    expect(r.err).toMatch(/^<stdin>:\d+:\d+: error: .*\[YAML_SYNTAX\]$/m)
  })

  it('never prints a stack trace for a usage error', async () => {
    const r = await cli(['compile', 'm', '--masquerade-bit', 'abc'])
    expect(r.err).not.toMatch(/\n\s+at /)
  })
})

describe('-o FILE', () => {
  it('writes the ruleset to the file and nothing to stdout', async () => {
    const r = await cli(['compile', 'm', ...ARGS, '-o', 'out/rules.nft'])
    expect(r).toMatchObject({ code: 0, out: '', err: '' })
    expect(r.files.get('out/rules.nft')).toMatch(/^add table ip kube-proxy/)
  })

  it('leaves an existing file untouched when the input is invalid', async () => {
    const r = await cli(['compile', 'm', ...ARGS, '-o', 'rules.nft'], { ...BAD, 'rules.nft': 'previous\n' })
    expect(r.code).toBe(1)
    expect(r.files.get('rules.nft')).toBe('previous\n')
  })

  it('reports OUTPUT_UNWRITABLE when the write fails', async () => {
    const r = await cli(['compile', 'm', ...ARGS, '-o', 'rules.nft'], GOOD, { failWrites: 'EACCES' })
    expect(r).toMatchObject({ code: 1, out: '' })
    expect(r.err).toBe('rules.nft: error: cannot write the ruleset (EACCES) [OUTPUT_UNWRITABLE]\n1 error\n')
  })

  describe('on the real file system', () => {
    let dir = ''
    afterEach(() => rmSync(dir, { recursive: true, force: true }))
    const setup = (service = SERVICE) => {
      dir = mkdtempSync(join(tmpdir(), 'svcc-cli-'))
      writeFileSync(join(dir, 'service.yaml'), service)
      writeFileSync(join(dir, 'slice.yaml'), SLICE)
      writeFileSync(join(dir, 'rules.nft'), 'previous\n')
      return (target: string) => {
        const io = captureIo({ cwd: dir })
        return run(['compile', join(dir, 'service.yaml'), join(dir, 'slice.yaml'), ...ARGS, '-o', target], io).then((code) => ({ code, out: io.out(), err: io.err() }))
      }
    }

    it('replaces the file and leaves no temporary file behind', async () => {
      const compileTo = setup()
      expect(await compileTo(join(dir, 'rules.nft'))).toEqual({ code: 0, out: '', err: '' })
      expect(readFileSync(join(dir, 'rules.nft'), 'utf8')).toMatch(/^add table ip kube-proxy/)
      expect(readdirSync(dir).sort()).toEqual(['rules.nft', 'service.yaml', 'slice.yaml'])
    })

    it('never touches the file when the input is invalid', async () => {
      const compileTo = setup(SERVICE.replace('port: 80', 'port: 0'))
      expect((await compileTo(join(dir, 'rules.nft'))).code).toBe(1)
      expect(readFileSync(join(dir, 'rules.nft'), 'utf8')).toBe('previous\n')
      expect(readdirSync(dir).sort()).toEqual(['rules.nft', 'service.yaml', 'slice.yaml'])
    })

    it('reports a folder that does not exist, and leaves nothing behind', async () => {
      const compileTo = setup()
      const r = await compileTo(join(dir, 'no-such-dir', 'rules.nft'))
      expect(r).toMatchObject({ code: 1, out: '' })
      expect(r.err).toContain('[OUTPUT_UNWRITABLE]')
      expect(readdirSync(dir).sort()).toEqual(['rules.nft', 'service.yaml', 'slice.yaml'])
    })

    it('refuses a folder as the target, and leaves nothing behind', async () => {
      const compileTo = setup()
      const r = await compileTo(dir)
      expect(r).toMatchObject({ code: 1, out: '' })
      expect(readdirSync(dir).sort()).toEqual(['rules.nft', 'service.yaml', 'slice.yaml'])
    })
  })
})

describe('--quiet', () => {
  const warningInput = { 'm/slice.yaml': SLICE }
  it('prints warnings and notices without it, and only errors with it', async () => {
    const loud = await cli(['compile', 'm'], warningInput)
    expect(loud.err).toContain('[SLICE_WITHOUT_SERVICE]')
    expect(loud.err).toContain('[SETTING_DEFAULTED]')
    const quiet = await cli(['compile', 'm', '--quiet'], warningInput)
    expect(quiet).toMatchObject({ code: 0, err: '' })
    expect(quiet.out).toBe(loud.out)
    const failing = await cli(['compile', 'm', '-q'], BAD)
    expect(failing.err).toContain('[PORT_OUT_OF_RANGE]')
  })
})

describe('colour', () => {
  const colourOf = async (stderrIsTTY: boolean, env: Record<string, string>) => (await cli(['compile', 'm'], BAD, { stderrIsTTY, env })).err.includes('\u001b[')
  it('is used on a terminal only', async () => {
    expect(await colourOf(true, {})).toBe(true)
    expect(await colourOf(false, {})).toBe(false)
  })
  it('is never used with NO_COLOR (any non-empty value) or TERM=dumb', async () => {
    expect(await colourOf(true, { NO_COLOR: '1' })).toBe(false)
    expect(await colourOf(true, { NO_COLOR: 'false' })).toBe(false)
    expect(await colourOf(true, { TERM: 'dumb' })).toBe(false)
    expect(await colourOf(true, { NO_COLOR: '' })).toBe(true)
  })
  it('never reaches stdout', async () => {
    const r = await cli(['compile', 'm', ...ARGS], GOOD, { stderrIsTTY: true, stdoutIsTTY: true })
    expect(r.out).not.toContain('\u001b')
  })
})

describe('help and version', () => {
  it('--version prints the version on stdout', async () => {
    expect(await cli(['--version'])).toMatchObject({ code: 0, out: '1.2.3\n', err: '' })
    expect(await cli(['-V'])).toMatchObject({ code: 0, out: '1.2.3\n' })
  })

  it('--help lists the commands, exit codes and examples', async () => {
    const r = await cli(['--help'])
    expect(r.code).toBe(0)
    expect(r.err).toBe('')
    for (const text of ['compile', 'check', 'Exit codes:', '  2  usage error', 'Examples:', 'NO_COLOR']) expect(r.out).toContain(text)
  })

  it.each(['compile', 'check'])('%s --help lists every option with its default, examples and exit codes', async (command) => {
    const r = await cli([command, '--help'])
    expect(r.code).toBe(0)
    // Option descriptions wrap; join each option's lines before checking it.
    const options = r.out.split('\nOptions:\n')[1]!.split('\n\n')[0]!.split(/\n(?=  -)/)
    expect(options.length).toBeGreaterThan(15)
    for (const option of options) {
      if (/^\s+(-h, --help|--no-localhost-nodeports|--localhost-nodeports)/.test(option)) continue
      expect(option, option).toMatch(/default/)
      if (/<\w+>/.test(option.split('  ').filter(Boolean)[0]!) && !option.includes('choices')) expect(option, option).toMatch(/e\.g\./)
    }
    expect(r.out).toContain('Examples:')
    expect(r.out).toContain('Exit codes:')
  })

  it('check has no -o', async () => {
    expect((await cli(['check', '--help'])).out).not.toContain('--output')
    expect((await cli(['check', 'm', '-o', 'x'])).code).toBe(2)
  })
})

describe('check', () => {
  it('prints nothing on success, not even notices', async () => {
    expect(await cli(['check', 'm'])).toEqual(expect.objectContaining({ code: 0, out: '', err: '' }))
  })

  it('prints warnings on stderr and still succeeds', async () => {
    const r = await cli(['check', 'm'], { 'm/slice.yaml': SLICE })
    expect(r).toMatchObject({ code: 0, out: '' })
    expect(r.err).toContain('[SLICE_WITHOUT_SERVICE]')
    expect(r.err).not.toContain('notice')
  })

  it('fails with 1 on invalid input, printing the diagnostics and nothing on stdout', async () => {
    const r = await cli(['check', 'm'], BAD)
    expect(r).toMatchObject({ code: 1, out: '' })
    expect(r.err).toContain('[PORT_OUT_OF_RANGE]')
  })
})
