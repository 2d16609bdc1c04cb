import assert from 'node:assert/strict'
import {existsSync} from 'node:fs'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'
import Init from '../../src/commands/init.js'
import Scaffold from '../../src/commands/scaffold.js'
import {runCli, runCliInPty, tempDir} from '../helpers/cli.js'

/** An example's command line as a shell reads it: `VAR=… ` assignments, then the words. */
function parseExample(command: string): {env: Record<string, string>; args: string[]} {
  let rest = command.replace('<%= config.bin %>', 'idm-preflight').trim()
  const env: Record<string, string> = {}
  for (let m = /^([A-Z_][A-Z0-9_]*)=(\S+)\s+/.exec(rest); m; m = /^([A-Z_][A-Z0-9_]*)=(\S+)\s+/.exec(rest)) {
    // "…" stands for the user's value.
    env[m[1]!] = m[2] === '…' ? `example-${m[1]!.toLowerCase()}` : m[2]!
    rest = rest.slice(m[0].length)
  }
  const words = [...rest.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]!)
  assert.equal(words.shift(), 'idm-preflight', command)
  return {env, args: words}
}

const examplesOf = (c: {examples?: unknown}) =>
  (c.examples as {description: string; command: string}[]).map((e) => ({...e, ...parseExample(e.command)}))

/** The variables an environment file from `init` refers to, set (as a user does before scaffold). */
const VARIABLES = {
  IDM_AGENT_PFX: 'Agent-Pfx-1',
  IDM_AGENT_TLS_PFX: 'Agent-Tls-1',
  IDM_IDENTITYSERVER_PFX: 'Ids-1',
  IDM_LICENSE: 'License-Value-1',
  IDM_JOB_SECRET: 'job-secret',
}

describe('every example of init --help and scaffold --help runs', () => {
  let dir: string
  let cleanup: () => Promise<void>
  before(async () => ({dir, cleanup} = await tempDir()))
  after(() => cleanup())

  for (const [i, e] of examplesOf(Init).entries()) {
    test(`init: ${e.description}`, {timeout: 60_000}, async () => {
      const cwd = join(dir, `init-${i}`)
      await (await import('node:fs/promises')).mkdir(cwd)
      if (e.args.length === 1) {
        // The interactive one: on a terminal, every default taken, the customer's answers typed.
        const r = await runCliInPty(
          e.args,
          [
            ['Topology', ''],
            ['Product version', ''],
            ['Organization', 'Contoso'],
            ['Name of this environment', ''],
            ['Server URL', 'https://idm.contoso.com'],
            ['DNS alias', ''],
            ['Server working directory', ''],
            ['Server service account', 'CONTOSO\\svc-idm'],
            ['SQL Server', ''],
            ['Database', ''],
            ['SQL authentication', ''],
            ['Agent identifier', ''],
            ["Server's encryption certificate", ''],
            ["Server's IdentityServer certificate", ''],
            ["Server site's TLS certificate", ''],
            ['Mail', ''],
          ],
          {cwd, env: e.env, timeoutMs: 45_000},
        )
        assert.equal(r.code, 0, r.stdout)
      } else {
        if (e.args.includes('--from-workdir')) {
          // An installation to adopt: one scaffold wrote (a SaaS agent), where the example names it.
          const wd = e.args[e.args.indexOf('--from-workdir') + 1]!
          const made = await runCli(
            [
              'init',
              '--out',
              'made.yaml',
              '--topology',
              'saas',
              '--organization',
              'Contoso',
              '--server-url',
              'https://contoso.usercube.com',
              '--agent-url',
              'https://idm-agent.contoso.com',
              '--agent-working-directory',
              wd,
              '--yes',
            ],
            {cwd},
          )
          assert.equal(made.code, 0, made.stderr)
          const sc = await runCli(['scaffold', '-c', 'made.yaml', '--generate-certificates'], {cwd, env: VARIABLES})
          assert.equal(sc.code, 0, sc.stdout + sc.stderr)
        }
        const r = await runCli(e.args, {cwd, env: e.env})
        assert.equal(r.code, 0, `${e.command}\n${r.stdout}${r.stderr}`)
      }
      const out = e.args.includes('--out') ? e.args[e.args.indexOf('--out') + 1]! : 'idm-preflight.yaml'
      assert.ok(existsSync(join(cwd, out)), out)
      const v = await runCli(['validate', out], {cwd})
      assert.equal(v.code, 0, v.stdout)
    })
  }

  test('scaffold: each example, in order, on a file init wrote', {timeout: 90_000}, async () => {
    const cwd = join(dir, 'scaffold')
    await (await import('node:fs/promises')).mkdir(cwd)
    const init = await runCli(
      [
        'init',
        '--out',
        'prod.yaml',
        '--topology',
        'saas',
        '--organization',
        'Contoso',
        '--server-url',
        'https://contoso.usercube.com',
        '--agent-id',
        'ContosoAD',
        '--agent-url',
        'https://idm-agent.contoso.com',
        '--agent-working-directory',
        './agent',
        '--yes',
      ],
      {cwd},
    )
    assert.equal(init.code, 0, init.stderr)
    for (const e of examplesOf(Scaffold)) {
      const r = await runCli(e.args, {cwd, env: {...VARIABLES, ...e.env}})
      assert.equal(r.code, 0, `${e.command}\n${r.stdout}${r.stderr}`)
      for (const s of [...Object.values(VARIABLES), ...Object.values(e.env)])
        assert.ok(!(r.stdout + r.stderr).includes(s), `${e.command} printed a secret`)
    }
    for (const f of ['Runtime/appsettings.json', 'Certificates/ContosoAD-Files.pfx', 'Certificates/ContosoAD-Tls.pfx'])
      assert.ok(existsSync(join(cwd, 'agent', f)), f)
  })
})
