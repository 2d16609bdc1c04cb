import assert from 'node:assert/strict'
import {existsSync} from 'node:fs'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'
import {hasStackTrace, runCli, runCliInPty, tempDir} from '../helpers/cli.js'

const ctrlC = {keys: '\u0003'}
const plain = (s: string) =>
  // eslint-disable-next-line no-control-regex
  s.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, '')

/** What a new user met first: Ctrl-C at a password prompt, --public-from's password, --out's folder. */
describe('cert create and cert inspect: what a first trial met', () => {
  let dir: string
  let cleanup: () => Promise<void>
  const env = {SRV: 'Server-Ids-1', AGENT: 'Agent-Copy-2'}
  before(async () => {
    ;({dir, cleanup} = await tempDir())
    const made = await runCli(['cert', 'create', '--out', 'ids.pfx', '--password-env', 'SRV'], {cwd: dir, env})
    assert.equal(made.code, 0, made.stderr)
  })
  after(() => cleanup())

  test('Ctrl-C at any password prompt: cancelled, exit 130, nothing written, no "internal error"', async () => {
    const runs: [string[], string, string | undefined][] = [
      [['cert', 'create', '--out', 'IS4.pfx'], 'Password for IS4\\.pfx', 'IS4.pfx'],
      [['cert', 'create', '--out', 'IS4b.pfx'], 'Type it again', 'IS4b.pfx'],
      [['cert', 'create', '--public-from', 'ids.pfx', '--out', 'pub.pfx'], 'Password for ids\\.pfx', 'pub.pfx'],
      [['cert', 'inspect', 'ids.pfx'], 'Password for ids\\.pfx', undefined],
    ]
    for (const [args, prompt, file] of runs) {
      const answers: Parameters<typeof runCliInPty>[1] =
        prompt === 'Type it again'
          ? [
              ['Password for', 'Some-Pa55-word'],
              [prompt, ctrlC],
            ]
          : [[prompt, ctrlC]]
      const r = await runCliInPty(args, answers, {cwd: dir})
      const text = plain(r.stdout)
      assert.equal(r.code, 130, `${args.join(' ')}: ${text}`)
      assert.match(text, new RegExp(`cert ${args[1]}: cancelled; nothing was written`))
      assert.doesNotMatch(text, /internal error|This is a bug|force closed/)
      assert.ok(!hasStackTrace(text))
      if (file) assert.equal(existsSync(join(dir, file)), false, `${file} is not written`)
    }
  })

  test('--public-from with --password-env alone: the source is read with that password, as documented', async () => {
    const r = await runCli(
      ['cert', 'create', '--public-from', 'ids.pfx', '--out', 'same.pfx', '--password-env', 'SRV'],
      {
        cwd: dir,
        env,
      },
    )
    assert.equal(r.code, 0, r.stdout + r.stderr)
    assert.match(r.stdout, /Created same\.pfx: the certificate of ids\.pfx, without its private key/)
    const inspect = await runCli(['cert', 'inspect', 'same.pfx', '--password-env', 'SRV', '--json'], {cwd: dir, env})
    assert.match(inspect.stdout, /"hasPrivateKey": false/)
    // Another password for the new file, the source's not given: said plainly, with the flag to pass.
    const differs = await runCli(
      ['cert', 'create', '--public-from', 'ids.pfx', '--out', 'other.pfx', '--password-env', 'AGENT'],
      {cwd: dir, env},
    )
    assert.equal(differs.code, 2, differs.stderr)
    assert.match(differs.stderr, /--public-from ids\.pfx: .*\(password from --password-env AGENT\)/)
    assert.match(differs.stderr, /hint: .*--public-from-password-env VAR/)
    assert.equal(existsSync(join(dir, 'other.pfx')), false)
    // No password at all and no terminal: said, exit 2, not an empty password's MAC failure.
    const none = await runCli(['cert', 'create', '--public-from', 'ids.pfx', '--out', 'none.pfx'], {cwd: dir, env})
    assert.equal(none.code, 2, none.stderr)
    assert.match(none.stderr, /no password given for --public-from ids\.pfx/)
    assert.match(none.stderr, /hint: pass --public-from-password-env VAR/)
    for (const x of [r, differs, none]) assert.ok(!hasStackTrace(x.stderr))
    for (const s of Object.values(env)) assert.ok(!(r.stdout + r.stderr + differs.stderr).includes(s))
  })

  test('--out into a folder that is not there: refused, exit 2, naming it; nothing made', async () => {
    const missing = join(dir, 'nonexistent', 'dir')
    const r = await runCli(['cert', 'create', '--out', join(missing, 'x.pfx'), '--password-env', 'SRV'], {
      cwd: dir,
      env,
    })
    assert.equal(r.code, 2, r.stderr)
    assert.match(r.stderr, new RegExp(`the folder ${missing.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} does not exist`))
    assert.match(r.stderr, /hint: create it first \(mkdir -p /)
    assert.equal(existsSync(join(dir, 'nonexistent')), false)
    const pub = await runCli(
      ['cert', 'create', '--public-from', 'ids.pfx', '--out', 'nope/p.pfx', '--password-env', 'SRV'],
      {cwd: dir, env},
    )
    assert.equal(pub.code, 2, pub.stderr)
    assert.match(pub.stderr, /cannot write nope\/p\.pfx: the folder .*nope does not exist/)
    assert.equal(existsSync(join(dir, 'nope')), false)
    const init = await runCli(['init', '--yes', '--out', 'nonexist/c.yaml'], {cwd: dir})
    assert.equal(init.code, 2, init.stderr)
    assert.match(init.stderr, /cannot write nonexist\/c\.yaml: the folder .*nonexist does not exist/)
    assert.equal(existsSync(join(dir, 'nonexist')), false)
    for (const x of [r, pub, init]) assert.ok(!hasStackTrace(x.stderr))
  })
})
