import assert from 'node:assert/strict'
import {writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'
import {hasStackTrace, runCli, tempDir} from '../helpers/cli.js'

/** What a first trial typed wrong, answered with what was meant. */
describe('usage errors that say what was meant', () => {
  let dir: string
  let cleanup: () => Promise<void>
  before(async () => {
    ;({dir, cleanup} = await tempDir())
    await writeFile(join(dir, 'contoso'), 'not read\n')
  })
  after(() => cleanup())

  test('check FILE: did you mean -c FILE? (a .yaml/.yml/.json name, or a file that is there)', async () => {
    for (const file of ['contoso.yaml', 'prod.yml', 'env.json', 'contoso']) {
      const r = await runCli(['check', file], {cwd: dir})
      assert.equal(r.code, 2, r.stderr)
      const quoted = file.replace('.', '\\.')
      assert.match(r.stderr, new RegExp(`check takes no argument: ${quoted}; did you mean -c ${quoted}\\?`))
      assert.match(
        r.stderr,
        new RegExp(`hint: idm-preflight check -c ${quoted} \\(the environment file is a flag here\\)`),
      )
      assert.ok(!hasStackTrace(r.stderr))
    }
    // A word that is no file and no file name: no such guess.
    const word = await runCli(['check', 'now'], {cwd: dir})
    assert.equal(word.code, 2)
    assert.match(word.stderr, /check takes no argument: now\n\s+hint: idm-preflight check --help lists its flags/)
  })

  test('explain / checks show with a part of an id: the ids it is part of', async () => {
    for (const args of [
      ['explain', 'tls'],
      ['checks', 'show', 'tls'],
    ]) {
      const r = await runCli(args, {cwd: dir})
      assert.equal(r.code, 2, r.stderr)
      assert.match(r.stderr, /no check has the id "tls"; the ids with "tls": tls\.endpoint, cert\.tls/)
    }
    const one = await runCli(['explain', 'pickup'], {cwd: dir})
    assert.equal(one.code, 2)
    assert.match(one.stderr, /hint: did you mean smtp\.pickup\? \(checks list gives every id\)/)
    const typo = await runCli(['explain', 'tls.endpont'], {cwd: dir})
    assert.match(typo.stderr, /hint: did you mean tls\.endpoint\?/)
  })

  test('flags that exclude each other: one line in the tool voice, with what to do, exit 2', async () => {
    const r = await runCli(['check', '--server', '--agent', 'X'], {cwd: dir})
    assert.equal(r.code, 2, r.stderr)
    assert.equal(
      r.stderr,
      "idm-preflight: check: --server and --agent X cannot be given together\n  hint: --server on the server's host, --agent ID on that agent's\n",
    )
    const other = await runCli(['check', '--agent', 'a1', '--server'], {cwd: dir})
    assert.match(
      other.stderr,
      /check: --agent a1 and --server cannot be given together|check: --server and --agent a1 cannot be given together/,
    )
    assert.doesNotMatch(other.stderr, /cannot also be provided/)
    const scaffold = await runCli(['scaffold', '--server', '--agent', 'a1'], {cwd: dir})
    assert.equal(scaffold.code, 2)
    assert.match(scaffold.stderr, /scaffold: --server and --agent a1 cannot be given together/)
  })
})
