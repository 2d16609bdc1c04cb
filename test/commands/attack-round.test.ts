import assert from 'node:assert/strict'
import {readFile, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'
import type {Report} from '../../src/report/report.js'
import {startSandbox, type Sandbox} from '../../src/sandbox/index.js'
import {hasStackTrace, runCli, tempDir} from '../helpers/cli.js'

/**
 * What the adversarial pass on the merged roles, merge and adopt found (session 8), each
 * reproduced: a file of leading comments, a password written without quotes in a JSON file, the
 * server's own results placed on the agent with --server, an empty --agent.
 */

const noProxyEnv = {HTTPS_PROXY: undefined, https_proxy: undefined, NO_PROXY: undefined, no_proxy: undefined}

describe('the adversarial pass of session 8', () => {
  let sb: Sandbox
  let dir: string
  let cleanup: () => Promise<void>
  before(async () => {
    ;({dir, cleanup} = await tempDir())
    sb = await startSandbox({topology: 'on-prem-separate'})
  })
  after(async () => {
    await sb?.stop()
    await cleanup?.()
  })

  test('an environment file that starts with 60 comment lines is read (the emptiness test backtracked exponentially: 26 lines took 16 s)', async () => {
    const comments = Array.from({length: 60}, (_, i) => `# comment line ${i}`).join('\n')
    const file = join(dir, 'commented.yaml')
    await writeFile(file, `${comments}\n${await readFile(sb.envFile, 'utf8')}`)
    const r = await runCli(['validate', file], {env: noProxyEnv, timeoutMs: 60_000})
    assert.equal(r.code, 0, r.stdout + r.stderr)
    // And a file of comments only is still "empty".
    const empty = join(dir, 'empty.yaml')
    await writeFile(empty, `${comments}\n\n   \n`)
    const e = await runCli(['validate', empty], {timeoutMs: 60_000})
    assert.equal(e.code, 2)
    assert.match(e.stdout + e.stderr, /is empty/)
  })

  test('a password written without quotes in a JSON file: the syntax error names line and column, never the text', async () => {
    const file = join(dir, 'env.json')
    await writeFile(
      file,
      '{\n  "version": 1,\n  "name": "x",\n  "smtp": {"host": "smtp.example.com", "password": hunter2secret}\n}\n',
    )
    for (const args of [
      ['validate', file],
      ['check', '-c', file, '--json'],
      ['check', '-c', file],
    ]) {
      const r = await runCli(args, {timeoutMs: 60_000})
      assert.equal(r.code, 2, r.stdout + r.stderr)
      assert.match(r.stdout + r.stderr, /JSON syntax error/)
      assert.doesNotMatch(r.stdout + r.stderr, /hunt|er2s|secret/, 'a piece of the password was printed')
      assert.ok(!hasStackTrace(r.stdout + r.stderr))
    }
  })

  test("check --server: the server host's own results are the server's in the picture, not the only agent's", async () => {
    const r = await runCli(['check', '-c', sb.envFile, '--server', '--only', 'host.resources', '--format', 'json'], {
      env: noProxyEnv,
      timeoutMs: 60_000,
    })
    assert.ok(r.stdout.startsWith('{'), r.stdout + r.stderr)
    const report = JSON.parse(r.stdout) as Report
    assert.equal(report.host?.role, 'server')
    assert.equal(report.host?.component, 'server')
    const own = report.results.filter((x) => x.id === 'host.resources' && x.status !== 'skip')
    assert.ok(own.length > 0, JSON.stringify(report.results.map((x) => [x.id, x.status])))
    for (const x of own) assert.equal(x.place, 'server')
  })

  test('--agent with an empty name is a usage error, not a run of every check', async () => {
    const r = await runCli(['check', '-c', sb.envFile, '--agent', '', '--plan'], {env: noProxyEnv, timeoutMs: 60_000})
    assert.equal(r.code, 2, r.stdout + r.stderr)
    assert.match(r.stdout + r.stderr, /--agent was given an empty name/)
    assert.match(r.stdout + r.stderr, /SandboxAgent/)
  })
})

describe('control sequences and bidirectional overrides in names and arguments', () => {
  const ESC = '\u001b'
  test('an unknown command, an unknown check id and a file name: their control sequences never reach the terminal', async () => {
    const hostile = `x${ESC}[31mRED${ESC}]0;TITLE\u0007${ESC}[0m\u202Eevil`
    for (const args of [[hostile], ['checks', 'show', hostile], ['validate', `/tmp/${hostile}.yaml`]]) {
      const r = await runCli(args, {timeoutMs: 60_000})
      assert.equal(r.code, 2, r.stdout + r.stderr)
      assert.ok(!(r.stdout + r.stderr).includes(ESC), `an escape reached the terminal: ${JSON.stringify(r.stderr)}`)
      assert.ok(!(r.stdout + r.stderr).includes('\u202E'), 'a right-to-left override reached the terminal')
      assert.match(r.stdout + r.stderr, /RED/)
    }
  })
})
