import assert from 'node:assert/strict'
import {writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'
import {hasStackTrace, runCli, tempDir} from '../helpers/cli.js'
import {saasEnv} from '../helpers/envs.js'

/** One line `idm-preflight: …`, one `  hint: …`, nothing else (never oclif's whole help). */
function assertToolVoice(r: {code: number | null; stdout: string; stderr: string}, message: RegExp, hint: RegExp) {
  assert.equal(r.code, 2, r.stdout + r.stderr)
  assert.equal(r.stdout, '')
  const lines = r.stderr.split('\n')
  assert.equal(lines.length, 3, `two lines:\n${r.stderr}`)
  assert.match(lines[0]!, /^idm-preflight: /)
  assert.match(lines[0]!, message)
  assert.match(lines[1]!, /^ {2}hint: /)
  assert.match(lines[1]!, hint)
  assert.equal(lines[2], '')
  assert.doesNotMatch(r.stderr, /USAGE|FLAGS|›|See more help/)
  assert.ok(!hasStackTrace(r.stderr))
}

describe("oclif's errors in the tool's voice", () => {
  let dir: string
  let cleanup: () => Promise<void>
  let env: string
  before(async () => {
    ;({dir, cleanup} = await tempDir())
    env = join(dir, 'env.yaml')
    await writeFile(env, saasEnv())
  })
  after(async () => cleanup())

  test('an unknown flag: did you mean, among the command own flags', async () => {
    assertToolVoice(
      await runCli(['check', '--fromat', 'json']),
      /^idm-preflight: check: unknown flag --fromat; did you mean --format\?$/,
      /idm-preflight check --help/,
    )
    assertToolVoice(
      await runCli(['validate', '--requre-secrets']),
      /unknown flag --requre-secrets; did you mean --require-secrets\?$/,
      /validate --help/,
    )
    // Nothing close: no guess.
    assertToolVoice(await runCli(['checks', 'list', '--zzzzzzzz']), /unknown flag --zzzzzzzz$/, /checks list --help/)
  })

  test('an unknown command or subcommand: did you mean', async () => {
    assertToolVoice(
      await runCli(['chek']),
      /^idm-preflight: chek is not a command; did you mean check\?$/,
      /idm-preflight --help lists the commands/,
    )
    assertToolVoice(
      await runCli(['cert', 'crate']),
      /cert crate is not a command; did you mean cert create\?$/,
      /cert --help/,
    )
    assertToolVoice(await runCli(['reprot', 'show']), /reprot is not a command; did you mean report\?$/, /--help/)
    assertToolVoice(await runCli(['check', 'now']), /check takes no argument: now$/, /check --help/)
    assertToolVoice(await runCli(['help', 'chek']), /chek is not a command; did you mean check\?$/, /--help/)
    assertToolVoice(
      await runCli(['--verison']),
      /^idm-preflight: unknown flag --verison; did you mean --version\? \(a command comes first/,
      /idm-preflight --help lists the commands/,
    )
  })

  test('a flag without its value, a value out of its options, a missing argument', async () => {
    assertToolVoice(await runCli(['check', '-c']), /check: --config needs a value$/, /check --help/)
    assertToolVoice(
      await runCli(['check', '--format', 'jnuit']),
      /--format jnuit is not one of text, json, junit, tap, html; did you mean junit\?$/,
      /check --help/,
    )
    assertToolVoice(await runCli(['cert', 'inspect']), /cert inspect: missing FILE \(the certificate file/, /--help/)
  })

  test('with --json the same error is the JSON error object on stdout', async () => {
    for (const args of [
      ['check', '--fromat', 'json', '--json'],
      ['chek', '--json'],
    ]) {
      const r = await runCli(args)
      assert.equal(r.code, 2, r.stdout + r.stderr)
      const out = JSON.parse(r.stdout) as {status: string; exitCode: number; error: string; hint: string}
      assert.equal(out.status, 'error')
      assert.equal(out.exitCode, 2)
      assert.match(out.error, /did you mean (--format|check)\?/)
      assert.match(out.hint, /--help/)
    }
  })

  test('--json with --format junit is refused, not silently one of them', async () => {
    const r = await runCli(['check', '--plan', '-c', env, '--json', '--format', 'junit'])
    assert.equal(r.code, 2, r.stdout + r.stderr)
    const out = JSON.parse(r.stdout) as {error: string; hint: string}
    assert.match(out.error, /^--json and --format junit conflict/)
    assert.match(out.hint, /--output FILE/)
    // With --output, the file is junit and stdout the JSON: no conflict.
    const both = await runCli([
      'check',
      '--plan',
      '-c',
      env,
      '--json',
      '--format',
      'json',
      '--output',
      join(dir, 'p.json'),
    ])
    assert.equal(both.code, 0, both.stdout + both.stderr)
  })

  test('help, topics and commands with arguments still reach oclif', async () => {
    const topic = await runCli(['cert'])
    assert.equal(topic.code, 0, topic.stderr)
    assert.match(topic.stdout, /cert create/)
    const validate = await runCli(['validate', env])
    assert.equal(validate.code, 0, validate.stdout + validate.stderr)
    const alias = await runCli(['explain', 'proxy.settings'])
    assert.equal(alias.code, 0, alias.stdout + alias.stderr)
    assertToolVoice(await runCli(['explian']), /explian is not a command; did you mean explain\?$/, /--help/)
    const help = await runCli(['help', 'check'])
    assert.equal(help.code, 0, help.stderr)
    assert.match(help.stdout, /--format/)
  })
})
