import assert from 'node:assert/strict'
import {readFile, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'
import type {Report} from '../../src/report/report.js'
import {startSandbox, type Sandbox} from '../../src/sandbox/index.js'
import {runCli, tempDir} from '../helpers/cli.js'

/**
 * One installation, many hosts (issue 24): the sandbox shaped like README's contoso-prod (a
 * server and two agents, one connector each, every secret an `${env:}` reference), checked host
 * by host with `--server` and `--agent ID`, each with its own secrets only.
 */

const noProxyEnv = {HTTPS_PROXY: undefined, https_proxy: undefined, NO_PROXY: undefined, no_proxy: undefined}

interface PlanRow {
  id: string
  target: string
  role: string
  agent?: string
  secrets?: string[]
  skip?: string
}

describe('roles: each host checks its own part with its own secrets', () => {
  let sb: Sandbox
  const A = 'SandboxAgent'
  const B = 'Agent02'
  /** Only the given variables of the sandbox's, none of the others (and no proxy of this machine). */
  const only = (names: readonly string[]) => ({
    ...noProxyEnv,
    ...Object.fromEntries(Object.keys(sb.secrets).map((k) => [k, undefined])),
    ...Object.fromEntries(names.map((n) => [n, sb.secrets[n]!])),
  })
  const printed = (r: {stdout: string; stderr: string}) => {
    for (const [name, value] of Object.entries(sb.secrets))
      assert.ok(!(r.stdout + r.stderr).includes(value), `the value of ${name} was printed`)
  }
  const plan = async (role: string[], env = only([])) => {
    const r = await runCli(['check', '-c', sb.envFile, '--stage', 'after', '--plan', '--json', ...role], {env})
    assert.equal(r.code, 0, r.stdout + r.stderr)
    return JSON.parse(r.stdout) as {role: string; instances: PlanRow[]; notes?: string[]}
  }
  const check = async (role: readonly string[], secrets: readonly string[], extra: string[] = []) => {
    const r = await runCli(['check', '-c', sb.envFile, '--stage', 'after', '--format', 'json', ...role, ...extra], {
      env: only(secrets),
      timeoutMs: 60_000,
    })
    printed(r)
    return {...r, report: r.stdout.startsWith('{') ? (JSON.parse(r.stdout) as Report) : undefined}
  }

  before(async () => {
    sb = await startSandbox({topology: 'on-prem-separate', agents: 2, secretsFrom: 'env', connectorPerAgent: true})
  })
  after(async () => sb?.stop())

  test('the sandbox variant: two agents, one connector each, a variable per secret and per host', () => {
    const env = sb.environment as {agents: {identifier: string}[]; connectors: {agent: string}[]}
    assert.deepEqual(
      env.agents.map((a) => a.identifier),
      [A, B],
    )
    assert.deepEqual(
      env.connectors.map((c) => c.agent),
      [A, B],
    )
    assert.ok(sb.hostSecrets.server!.includes('IDM_SQL_CONNECTION'))
    assert.ok(sb.hostSecrets[A]!.includes('IDM_AD_PASSWORD') && !sb.hostSecrets[A]!.includes('IDM_HR_SQL'))
    assert.ok(sb.hostSecrets[B]!.includes('IDM_HR_SQL') && !sb.hostSecrets[B]!.includes('IDM_SERVER_PFX'))
  })

  for (const [who, role] of [
    ['server', ['--server']],
    [A, ['--agent', A]],
    [B, ['--agent', B]],
  ] as const) {
    test(`${who}'s host, with only its secrets, runs every one of its checks (exit 0)`, {timeout: 90_000}, async () => {
      const planned = await plan([...role])
      // What the plan says this host needs is exactly this host's secrets.
      // (the Job client's secret is the product's, no check reads it).
      const needed = new Set(planned.instances.filter((p) => !p.skip).flatMap((p) => p.secrets ?? []))
      assert.deepEqual([...needed].sort(), sb.hostSecrets[who]!.filter((n) => !/JOB_SECRET$/.test(n)).sort())
      const r = await check(role, sb.hostSecrets[who]!)
      assert.equal(r.code, 0, r.stdout + r.stderr)
      const report = r.report!
      assert.equal(report.host?.role, who === 'server' ? 'server' : 'agent')
      // Every planned instance that runs ran, and passed; none was an error for want of a secret.
      const toRun = planned.instances.filter((p) => !p.skip).map((p) => `${p.id} ${p.target}`)
      const results = new Map(report.results.map((x) => [`${x.id} ${x.target}`, x]))
      // (settings.files, run, finds nothing scaffolded in the sandbox's folders yet: a skip it reports itself.)
      for (const key of toRun)
        assert.equal(
          results.get(key)?.status,
          key.startsWith('settings.files ') ? 'skip' : 'pass',
          `${key}: ${results.get(key)?.message}`,
        )
      // Nothing of another host is in the report; one note says where it runs.
      const other = who === 'server' ? [A, B] : ['server', who === A ? B : A]
      assert.ok(
        !report.results.some((x) => other.some((o) => x.target === o || x.target.startsWith(`${o}:`))),
        JSON.stringify(report.results.map((x) => x.target)),
      )
      assert.ok(
        report.notes.some((n) => /^left out \d+ instances that other hosts check/.test(n)),
        report.notes.join('\n'),
      )
    })
  }

  test("an agent's checks need none of the server's secrets, and the three runs add up", async () => {
    const roles = [['--server'], ['--agent', A], ['--agent', B]]
    const plans = await Promise.all(roles.map((r) => plan(r)))
    const everything = await plan([])
    assert.equal(everything.role, 'all')
    assert.deepEqual(
      plans.map((p) => p.role),
      ['server', 'agent', 'agent'],
    )
    // Each (check, target) is planned once per role that owns it: a host's own on that host only,
    // what every host checks (the server alias's DNS, the proxy, SMTP) on each.
    const count = new Map<string, number>()
    for (const p of plans)
      for (const i of p.instances) count.set(`${i.id} ${i.target}`, (count.get(`${i.id} ${i.target}`) ?? 0) + 1)
    for (const i of everything.instances) {
      const key = `${i.id} ${i.target}`
      if (i.target === '-') continue
      const owners = i.role === 'any' ? 3 : i.role === 'agent' && !i.agent ? 2 : 1
      assert.equal(count.get(key), owners, `${key} (${i.role}${i.agent ? ` ${i.agent}` : ''})`)
    }
    for (const p of plans.slice(1))
      assert.ok(
        !p.instances.some((i) => (i.secrets ?? []).some((s) => ['IDM_SQL_CONNECTION', 'IDM_SERVER_PFX'].includes(s))),
      )
  })

  test(
    'an unset secret makes only the checks that need it errors; the others run (exit 3)',
    {timeout: 90_000},
    async () => {
      const r = await check(
        ['--agent', A],
        sb.hostSecrets[A]!.filter((n) => n !== 'IDM_AD_PASSWORD'),
      )
      assert.equal(r.code, 3, r.stdout + r.stderr)
      const bad = r.report!.results.filter((x) => x.status === 'error' || x.status === 'fail')
      assert.deepEqual(
        bad.map((x) => x.id),
        ['connector.ldap'],
      )
      assert.match(bad[0]!.message, /^IDM_AD_PASSWORD is not set: connector\.ldap SandboxAgent:ADExport\S* cannot run$/)
      assert.match(bad[0]!.remediation, /set IDM_AD_PASSWORD/)
      assert.ok(r.report!.results.filter((x) => x.status === 'pass').length >= 12)
    },
  )

  test(
    'without a role on one machine, the missing secrets of each host error only their checks',
    {timeout: 90_000},
    async () => {
      const r = await check([], [...sb.hostSecrets.server!, ...sb.hostSecrets[A]!])
      assert.equal(r.code, 3, r.stdout + r.stderr)
      const errors = r.report!.results.filter((x) => x.status === 'error')
      assert.ok(errors.length > 0)
      // Agent02's own: its certificates and its SQL connector; nothing else.
      for (const e of errors)
        assert.ok(e.target === B || e.target.startsWith(`${B}:`), `${e.id} ${e.target}: ${e.message}`)
      assert.ok(
        errors.some((e) =>
          /^IDM_HR_SQL is not set: connector\.sql Agent02:HRDatabaseExport cannot run$/.test(e.message),
        ),
      )
      assert.equal(r.report!.host?.role, 'all')
      assert.equal(r.report!.results.filter((x) => x.status === 'fail').length, 0)
    },
  )

  test('a missing ${file:} is the same: only its check errors', {timeout: 90_000}, async () => {
    const text = await readFile(sb.envFile, 'utf8')
    const file = join(sb.dir, 'file-secret.yaml')
    await writeFile(file, text.replace('${env:IDM_AD_PASSWORD}', '${file:./secrets/not-there}'))
    const r = await runCli(['check', '-c', file, '--stage', 'after', '--agent', A, '--format', 'json'], {
      env: only(sb.hostSecrets[A]!),
      timeoutMs: 60_000,
    })
    assert.equal(r.code, 3, r.stdout + r.stderr)
    const bad = (JSON.parse(r.stdout) as Report).results.filter((x) => x.status === 'error')
    assert.deepEqual(
      bad.map((x) => [x.id, x.message.replace(/ \S+not-there /, ' FILE ')]),
      [['connector.ldap', `secret file FILE does not exist: connector.ldap ${bad[0]!.target} cannot run`]],
    )
  })

  test('--require-secrets keeps all-or-nothing: exit 2 naming each unset variable, nothing run', async () => {
    const r = await runCli(['check', '-c', sb.envFile, '--agent', A, '--require-secrets'], {
      env: only(sb.hostSecrets[A]!.filter((n) => n !== 'IDM_AD_PASSWORD' && n !== 'IDM_JOB_SECRET')),
    })
    assert.equal(r.code, 2, r.stdout + r.stderr)
    assert.match(
      r.stderr,
      /^idm-preflight: 1 secret this run needs cannot be resolved \(--require-secrets\): IDM_AD_PASSWORD$/m,
    )
    assert.match(
      r.stderr,
      /connectors\[0\]\.connections\[0\]\.password {2}environment variable IDM_AD_PASSWORD is not set/,
    )
    // The Job secret is no check's: not asked for.
    assert.ok(!r.stderr.includes('IDM_JOB_SECRET'))
    assert.equal(r.stdout, '')
    // With every one of its secrets, the same run passes.
    const ok = await runCli(['check', '-c', sb.envFile, '--agent', A, '--require-secrets', '-q'], {
      env: only(sb.hostSecrets[A]!),
      timeoutMs: 60_000,
    })
    assert.equal(ok.code, 0, ok.stdout + ok.stderr)
  })

  test('--plan reads no secret and does not judge a reference as a malformed value', async () => {
    const p = await plan([])
    const sql = p.instances.filter((i) => i.id === 'sql.connection' || i.id === 'connector.sql')
    assert.equal(sql.length, 2)
    for (const i of sql) {
      assert.equal(i.skip, undefined, `${i.id}: ${i.skip}`)
      assert.equal(i.secrets?.length, 1)
    }
    assert.ok(!p.instances.some((i) => /malformed/.test(i.skip ?? '')))
    // Even with the values set, --plan shows references, never a value.
    const withValues = await runCli(['check', '-c', sb.envFile, '--plan'], {env: only(Object.keys(sb.secrets))})
    assert.equal(withValues.code, 0)
    printed(withValues)
    assert.match(withValues.stdout, /\(needs IDM_HR_SQL\)/)
  })

  test(
    'selection says what it did: unknown patterns, nothing to run at this stage, -q',
    {timeout: 60_000},
    async () => {
      const c = ['check', '-c', sb.envFile]
      const typo = await runCli([...c, '--only', 'tsl.*'], {env: only([])})
      assert.equal(typo.code, 2)
      assert.equal(
        typo.stderr,
        'idm-preflight: --only tsl.*: matches no check; did you mean tls.*?\n  hint: idm-preflight checks list shows every id\n',
      )
      const unknown = await runCli([...c, '--skip', 'dns.alias,nope.nothing'], {env: only([])})
      assert.equal(unknown.code, 2)
      assert.match(unknown.stderr, /^idm-preflight: --skip nope\.nothing: no such check/)
      // tls.endpoint of an agent's own site runs after installation: said, with the flag.
      const early = await runCli([...c, '--agent', A, '--only', 'tls.*'], {env: only([])})
      assert.equal(early.code, 2, early.stdout + early.stderr)
      assert.match(
        early.stderr,
        /^idm-preflight: --only tls\.\*: nothing to run at stage before on SandboxAgent's host$/m,
      )
      assert.match(early.stderr, /hint: tls\.endpoint runs after installation: --stage after/)
      // A check another host runs: where to run it.
      const elsewhere = await runCli([...c, '--agent', A, '--only', 'sql.connection'], {env: only([])})
      assert.equal(elsewhere.code, 2)
      assert.match(elsewhere.stderr, /hint: sql\.connection runs on the server's host: check --server/)
      // -q: warn, fail and error rows only; the summary line still counts the skips.
      const q = await runCli([...c, '--agent', A, '-q'], {env: only(sb.hostSecrets[A]!), timeoutMs: 60_000})
      assert.equal(q.code, 0, q.stdout + q.stderr)
      assert.ok(!/^\s+(PASS|SKIP) /m.test(q.stdout), q.stdout)
      assert.match(q.stdout, /\d+ checks: \d+ pass, 0 warn, 0 fail, 0 error, [1-9]\d* skip/)
    },
  )

  test('--server has no meaning in SaaS, and excludes --agent', async () => {
    const saas = await startSandbox({agents: 2, secretsFrom: 'env', connectorPerAgent: true})
    try {
      const r = await runCli(['check', '-c', saas.envFile, '--server'], {env: noProxyEnv})
      assert.equal(r.code, 2)
      assert.match(r.stderr, /^idm-preflight: --server: in SaaS the server is Netwrix's/)
      assert.match(r.stderr, /hint: run check --agent ID on each agent's host \(SandboxAgent, Agent02\)/)
      const both = await runCli(['check', '-c', sb.envFile, '--server', '--agent', A], {env: noProxyEnv})
      assert.equal(both.code, 2)
      // In SaaS, an agent's host leaves out the other agent's connector, and needs none of its secrets.
      const p = await runCli(['check', '-c', saas.envFile, '--agent', B, '--plan', '--json'], {env: noProxyEnv})
      const rows = (JSON.parse(p.stdout) as {instances: PlanRow[]}).instances
      assert.ok(!rows.some((i) => i.id === 'connector.ldap'))
      assert.ok(rows.some((i) => i.id === 'connector.http' && !i.skip))
    } finally {
      await saas.stop()
    }
  })

  test('checks list shows the role of each check', async () => {
    const r = await runCli(['checks', 'list', '--json'])
    const rows = JSON.parse(r.stdout) as {id: string; roles: string[]}[]
    const roles = Object.fromEntries(rows.map((x) => [x.id, x.roles.join(',')]))
    assert.equal(roles['sql.connection'], 'server')
    assert.equal(roles['connector.sql'], 'agent')
    assert.equal(roles['server.reachability'], 'agent')
    assert.equal(roles['dns.alias'], 'server,agent')
    const text = await runCli(['checks', 'list'])
    assert.match(text.stdout, /sql\.connection[\s\S]*?role: server\n/)
  })
})

describe('a reference where a plan needs a value (a URL) never crashes the plan', () => {
  test('--plan shows the checks it stops as errors; a run makes them errors naming the variable', async () => {
    const {dir, cleanup} = await tempDir()
    try {
      const file = join(dir, 'url-ref.yaml')
      await writeFile(
        file,
        'version: 1\nname: t\nproduct: saas\ntopology: saas\norganization: Contoso\nserver:\n  url: "${env:IDM_URL}"\nagents:\n  - identifier: A1\n    url: https://a1.contoso.com\n    workingDirectory: /tmp/idm-a1\n',
      )
      const plan = await runCli(['check', '-c', file, '--plan'], {env: {...noProxyEnv, IDM_URL: undefined}})
      assert.equal(plan.code, 0, plan.stderr)
      assert.match(
        plan.stdout,
        /^err {3}tls\.endpoint +- +any +cannot be planned while a reference it reads is not resolved/m,
      )
      const run = await runCli(['check', '-c', file, '--only', 'tls.*,server.*,dns.*', '--format', 'json'], {
        env: {...noProxyEnv, IDM_URL: undefined},
      })
      assert.equal(run.code, 3, run.stderr)
      const errors = (JSON.parse(run.stdout) as Report).results.filter((x) => x.status === 'error')
      assert.deepEqual(
        errors.map((x) => x.message),
        [
          'IDM_URL is not set: tls.endpoint cannot be planned nor run',
          'IDM_URL is not set: server.reachability cannot be planned nor run',
        ],
      )
      assert.match(errors[0]!.remediation, /^set IDM_URL in this run's environment on this host/)
    } finally {
      await cleanup()
    }
  })
})
