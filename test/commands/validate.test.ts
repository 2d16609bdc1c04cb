import {existsSync} from 'node:fs'
import assert from 'node:assert/strict'
import {mkdir, readFile, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'
import {ROOT, runCli, tempDir} from '../helpers/cli.js'
import {onPremEnv, saasEnv} from '../helpers/envs.js'

describe('validate', () => {
  let dir: string
  let cleanup: () => Promise<void>
  before(async () => {
    ;({dir, cleanup} = await tempDir())
    await mkdir(join(dir, 'envs'))
    await writeFile(join(dir, 'envs', 'a.yaml'), saasEnv())
    await writeFile(join(dir, 'envs', 'b.yml'), onPremEnv())
    await writeFile(
      join(dir, 'envs', 'c.json'),
      JSON.stringify({
        version: 1,
        name: 'j',
        product: 'saas',
        topology: 'saas',
        organization: 'O',
        server: {url: 'https://x.usercube.com'},
        agents: [{identifier: 'A', workingDirectory: '/w'}],
      }),
    )
    await writeFile(join(dir, 'envs', 'notes.txt'), 'not an environment')
    await writeFile(join(dir, 'bad.yaml'), saasEnv().replace('topology: saas', 'topology: cloud'))
  })
  after(async () => cleanup())

  test('a folder stands for its environment files; unset secrets are warnings by default', async () => {
    const r = await runCli(['validate', 'envs'], {cwd: dir, env: {IDM_SQL_CONNECTION: undefined}})
    assert.equal(r.code, 0, r.stdout + r.stderr)
    // The helpers' agents have no identityServerCertificate: one warning each (scaffold could not write it).
    assert.match(r.stdout, /^valid {4}envs\/a\.yaml {2}\(1 warning\)\n/m)
    assert.match(r.stdout, /^valid {4}envs\/b\.yml {2}\(5 warnings\)/m)
    assert.match(
      r.stdout,
      /agents\[0\] {2}warning: no "identityServerCertificate": the agent verifies the server's tokens with it/,
    )
    assert.match(
      r.stdout,
      /envs\/b\.yml:12:23 {2}server\.database\.connectionString {2}warning: environment variable IDM_SQL_CONNECTION is not set \(--require-secrets makes this an error\)/,
    )
    assert.match(r.stdout, /^3 files: 3 valid, 0 invalid$/m)
    assert.ok(!r.stdout.includes('notes.txt'))
  })

  test('--require-secrets makes unresolved references errors (exit 2)', async () => {
    const r = await runCli(['validate', 'envs/b.yml', '--require-secrets'], {
      cwd: dir,
      env: {IDM_SQL_CONNECTION: undefined},
    })
    assert.equal(r.code, 2)
    assert.match(r.stdout, /INVALID {2}envs\/b\.yml {2}\(4 errors, 1 warning\)/)
  })

  test('one invalid file among many: exit 2, a line per file, --json for CI', async () => {
    const r = await runCli(['validate', 'envs', 'bad.yaml', 'missing.yaml', '--json'], {cwd: dir})
    assert.equal(r.code, 2)
    const out = JSON.parse(r.stdout)
    assert.deepEqual(out.summary, {files: 5, valid: 3, invalid: 2})
    const bad = out.files.find((f: {file: string}) => f.file === 'bad.yaml')
    assert.equal(bad.diagnostics[0].line, 4)
    assert.equal(bad.diagnostics[0].path, 'topology')
    const missing = out.files.find((f: {file: string}) => f.file === 'missing.yaml')
    assert.equal(missing.diagnostics[0].message, 'file not found')
  })

  test('--print-schema prints the committed environment schema', async () => {
    const r = await runCli(['validate', '--print-schema'])
    assert.equal(r.code, 0)
    assert.deepEqual(
      JSON.parse(r.stdout),
      JSON.parse(await readFile(join(ROOT, 'schema', 'environment.schema.json'), 'utf8')),
    )
  })

  test('discovers ./idm-preflight.yaml, then IDM_PREFLIGHT_CONFIG', async () => {
    const {dir: d, cleanup: c} = await tempDir()
    try {
      await writeFile(join(d, 'idm-preflight.yaml'), saasEnv())
      const r = await runCli(['validate'], {cwd: d, env: {IDM_PREFLIGHT_CONFIG: undefined}})
      assert.equal(r.code, 0)
      assert.match(r.stdout, /^valid {4}idm-preflight\.yaml {2}\(1 warning\)$/m)
      await writeFile(join(d, 'other.yaml'), saasEnv().replace('topology: saas', 'topology: x'))
      const viaEnv = await runCli(['validate'], {cwd: d, env: {IDM_PREFLIGHT_CONFIG: 'other.yaml'}})
      assert.equal(viaEnv.code, 2)
      assert.match(viaEnv.stdout, /INVALID {2}other\.yaml/)
    } finally {
      await c()
    }
  })
})

describe('a finished CLI', () => {
  test('validate --strict: warnings fail (exit 4), as with check', async () => {
    const {dir, cleanup} = await tempDir()
    try {
      const file = join(dir, 'w.yaml')
      await writeFile(file, saasEnv(dir))
      assert.equal((await runCli(['validate', file])).code, 0)
      const strict = await runCli(['validate', file, '--strict', '--json'])
      assert.equal(strict.code, 4, strict.stdout)
      assert.equal(JSON.parse(strict.stdout).status, 'warnings')
    } finally {
      await cleanup()
    }
  })

  test("every command's --help shows its own exit codes", async () => {
    const expect: [string[], RegExp, RegExp | undefined][] = [
      [['check'], /^ {2}3 {4}at least one check failed/m, undefined],
      [['validate'], /^ {2}2 {4}a file is invalid/m, /at least one check failed/],
      [
        ['scaffold'],
        /^ {2}3 {4}a file that differs was kept, or values are left to provide/m,
        /at least one check failed/,
      ],
      [['init'], /^ {2}2 {4}an answer is missing or invalid/m, /at least one check failed/],
      [['cert', 'inspect'], /^ {2}3 {4}it fails a verdict/m, /at least one check failed/],
      [['cert', 'create'], /^ {2}2 {4}bad flags, no password/m, /at least one check failed/],
      [['checks', 'list'], /^ {2}0 {4}the list was printed/m, /at least one check failed/],
    ]
    for (const [cmd, own, foreign] of expect) {
      const r = await runCli([...cmd, '--help'])
      assert.equal(r.code, 0, r.stderr)
      assert.match(r.stdout, /EXIT CODES/, cmd.join(' '))
      assert.match(r.stdout, own, cmd.join(' '))
      if (foreign) assert.doesNotMatch(r.stdout, foreign, cmd.join(' '))
    }
  })
})

describe('help text', () => {
  test("paragraphs flow: no description is cut by the source's own line breaks (oclif wraps them)", async () => {
    const {readdir} = await import('node:fs/promises')
    const base = join(ROOT, 'dist', 'src', 'commands')
    const files = [
      ...(await readdir(base)).filter((f) => f.endsWith('.js')).map((f) => join(base, f)),
      ...['cert', 'checks'].flatMap((d) => [
        join(base, d, 'create.js'),
        join(base, d, 'inspect.js'),
        join(base, d, 'list.js'),
      ]),
    ].filter((f) => existsSync(f))
    assert.ok(files.length >= 8, files.join(', '))
    for (const f of files) {
      const {default: cmd} = (await import(f)) as {default: {description?: string}}
      for (const para of (cmd.description ?? '').split(/\n\n/).filter((p) => !/EXIT CODES|^( {2}|- )/m.test(p)))
        assert.equal(para.split('\n').length, 1, `${f}: ${JSON.stringify(para)}`)
    }
  })
})
