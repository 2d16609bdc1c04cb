import assert from 'node:assert/strict'
import {chmod, readFile, rm} from 'node:fs/promises'
import {existsSync} from 'node:fs'
import {join} from 'node:path'
import {describe, test} from 'node:test'
import {XMLValidator} from 'fast-xml-parser'
import {startSandbox} from '../../src/sandbox/index.js'
import {runCli, tempDir} from '../helpers/cli.js'

const noProxyEnv = {HTTPS_PROXY: undefined, https_proxy: undefined, NO_PROXY: undefined, no_proxy: undefined}

describe('check against the sandbox, through the built CLI', () => {
  test('every check the platform can run passes; the SMTP password is in no format', {timeout: 60_000}, async () => {
    const sb = await startSandbox()
    try {
      const secrets = await Promise.all(
        ['smtp-password', 'pfx-password', 'job-secret'].map(async (f) =>
          (await readFile(join(sb.dir, 'secrets', f), 'utf8')).trim(),
        ),
      )
      for (const s of secrets) assert.ok(s.length >= 12)
      const runs = await Promise.all(
        ['text', 'json', 'junit', 'tap'].map((f) =>
          runCli(['check', '-c', sb.envFile, '--stage', 'after', '--send-test-mail', '--format', f], {env: noProxyEnv}),
        ),
      )
      for (const r of runs) {
        assert.equal(r.code, 0, r.stdout + r.stderr)
        for (const s of secrets) assert.ok(!(r.stdout + r.stderr).includes(s), 'a sandbox secret was printed')
      }
      const report = JSON.parse(runs[1]!.stdout)
      const byId = (id: string) =>
        report.results.filter((x: {id: string}) => x.id === id).map((x: {status: string}) => x.status)
      assert.deepEqual(byId('dns.alias'), ['pass', 'pass', 'pass'])
      assert.deepEqual(byId('tls.endpoint'), ['pass', 'pass'])
      assert.deepEqual(byId('server.reachability'), ['pass'])
      assert.deepEqual(byId('smtp.server'), ['pass'])
      assert.deepEqual(byId('smtp.test-mail'), ['pass'])
      assert.deepEqual(byId('cert.encryption'), ['pass'])
      assert.deepEqual(byId('cert.tls'), ['pass'])
      assert.deepEqual(byId('folders.permissions'), ['pass'])
      assert.equal(report.summary.fail + report.summary.error, 0)
      assert.equal(XMLValidator.validate(runs[2]!.stdout), true)
      assert.equal(sb.smtpMessages.length, 4, 'one real test mail per run')
      assert.ok(sb.proxyTunnels.length >= 4, 'agent → server went through the proxy')
    } finally {
      await sb.stop()
    }
  })

  test(
    'faults show up as failures at the right check, and --timeout bounds a black hole',
    {timeout: 60_000},
    async () => {
      const sb = await startSandbox({
        server: {cert: 'expired'},
        agent: {hostile: 'silent'},
        smtp: {mode: 'no-starttls'},
        dns: {'smtp.sandbox.test': 'SERVFAIL'},
      })
      try {
        const r = await runCli(['check', '-c', sb.envFile, '--stage', 'after', '--timeout', '1s', '--json'], {
          env: noProxyEnv,
        })
        assert.equal(r.code, 3)
        const report = JSON.parse(r.stdout)
        const find = (id: string, target: RegExp) =>
          report.results.find((x: {id: string; target: string}) => x.id === id && target.test(x.target))
        assert.equal(find('tls.endpoint', /idm\.sandbox/).status, 'fail')
        assert.match(find('tls.endpoint', /idm\.sandbox/).message, /expired on/)
        assert.equal(find('tls.endpoint', /idm-agent/).status, 'error')
        assert.match(find('tls.endpoint', /idm-agent/).message, /no answer within 1s \(timeout\)/)
        assert.equal(find('dns.alias', /^smtp/).status, 'fail')
        assert.match(find('dns.alias', /^smtp/).message, /SERVFAIL/)
        assert.match(find('smtp.server', /smtp/).message, /dns failed/)
        assert.equal(find('dns.alias', /^idm\.sandbox/).status, 'pass', 'the other results are unaffected')
        assert.ok(report.durationMs < 3000, `the run took ${report.durationMs} ms with a 1s timeout`)
      } finally {
        await sb.stop()
      }
    },
  )
})

describe('a fleet: many agents checked together', () => {
  test(
    'one fault on one agent is reported on that agent only (work shared across agents never mixes their verdicts)',
    {timeout: 60_000},
    async () => {
      const sb = await startSandbox({topology: 'on-prem-separate', agents: 6})
      try {
        // Agent03 cannot write its Temp; Agent04's encryption PFX is gone.
        await chmod(join(sb.dir, 'agent-03', 'Temp'), 0o555)
        await rm(join(sb.dir, 'certs', 'agent-04-files.pfx'))
        const r = await runCli(['check', '-c', sb.envFile, '--stage', 'after', '--format', 'json'], {env: noProxyEnv})
        assert.equal(r.code, 3, r.stderr)
        const report = JSON.parse(r.stdout)
        const results = report.results as {id: string; target: string; status: string; message: string}[]
        const statuses = (id: string) =>
          Object.fromEntries(results.filter((x) => x.id === id).map((x) => [x.target, x.status]))
        const perms = statuses('folders.permissions')
        assert.equal(Object.keys(perms).length, 7, 'the server and six agents')
        for (const [target, status] of Object.entries(perms))
          assert.equal(status, /agent-03/.test(target) ? 'fail' : 'pass', target)
        assert.match(
          results.find((x) => x.id === 'folders.permissions' && /agent-03/.test(x.target))!.message,
          /on Temp; it needs rwx/,
        )
        const enc = results.filter((x) => x.id === 'cert.encryption')
        assert.equal(enc.length, 7)
        for (const x of enc) assert.equal(x.status, /Agent04/.test(x.target) ? 'fail' : 'pass', x.target)
        assert.match(enc.find((x) => /Agent04/.test(x.target))!.message, /agent-04-files\.pfx/)
        // The IdentityServer PFX is shared: opened once, judged for each.
        assert.deepEqual(
          [...new Set(results.filter((x) => x.id === 'cert.identity-server').map((x) => x.status))],
          ['pass'],
        )
        assert.equal(results.filter((x) => x.id === 'tls.endpoint').length, 7)
      } finally {
        await sb.stop()
      }
    },
  )
})

describe('sandbox with a network between the tool and its peers (latencyMs)', () => {
  test(
    'every protocol crosses the delaying fronts intact, and each round trip costs the latency',
    {timeout: 60_000},
    async () => {
      const sb = await startSandbox({topology: 'on-prem-separate', latencyMs: 60})
      try {
        const r = await runCli(
          ['check', '-c', sb.envFile, '--stage', 'after', '--send-test-mail', '--format', 'json'],
          {
            env: noProxyEnv,
          },
        )
        const report = JSON.parse(r.stdout) as {
          results: {id: string; status: string; durationMs: number; message: string}[]
        }
        const failed = report.results.filter((x) => x.status === 'fail' || x.status === 'error')
        assert.equal(r.code, 0, `${r.stderr}${failed.map((x) => `\n${x.id} ${x.status}: ${x.message}`).join('')}`)
        const by = (id: string) => report.results.filter((x) => x.id === id)
        for (const id of [
          'dns.alias',
          'tls.endpoint',
          'server.reachability',
          'sql.connection',
          'smtp.server',
          'smtp.test-mail',
        ])
          assert.ok(by(id).length > 0 && by(id).every((x) => x.status === 'pass'), id)
        // A lower bound, not a timing: one DNS answer is one round trip; TCP + TLS + HTTP are three.
        assert.ok(
          by('dns.alias').every((x) => x.durationMs >= 60),
          JSON.stringify(by('dns.alias')),
        )
        assert.ok(
          by('tls.endpoint').every((x) => x.durationMs >= 120),
          JSON.stringify(by('tls.endpoint')),
        )
        assert.equal(sb.smtpMessages.length, 1)
      } finally {
        await sb.stop()
      }
    },
  )
})

describe('demo', () => {
  test('starts the sandbox, checks it, and leaves the environment file and reports', {timeout: 60_000}, async () => {
    const {dir, cleanup} = await tempDir()
    // mkdtemp folders are private: the sandbox's service account must be able to reach its folder.
    await chmod(dir, 0o755)
    try {
      const r = await runCli(['demo', '--dir', dir], {env: noProxyEnv})
      assert.equal(r.code, 0, r.stdout + r.stderr)
      assert.match(r.stderr, /Sandbox on 127\.0\.0\.1 \(stand-ins, not Identity Manager\)/)
      assert.match(
        r.stderr,
        new RegExp(`environment file: ${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/idm-preflight\\.yaml`),
      )
      assert.match(r.stdout, /\d+ checks: \d+ pass, 0 warn, 0 fail, 0 error, \d+ skip/)
      assert.match(r.stdout, /SKIP {2}host\.runtime +local +skipped by checks\.skip in the environment file/)
      const report = JSON.parse(await readFile(join(dir, 'report.json'), 'utf8'))
      assert.equal(report.exitCode, 0)
      assert.equal(XMLValidator.validate(await readFile(join(dir, 'report.xml'), 'utf8')), true)
      const env = await readFile(join(dir, 'idm-preflight.yaml'), 'utf8')
      assert.match(env, /password: "\$\{file:\.\/secrets\/smtp-password\}"/)
      const password = (await readFile(join(dir, 'secrets', 'smtp-password'), 'utf8')).trim()
      for (const text of [
        r.stdout,
        r.stderr,
        env,
        JSON.stringify(report),
        await readFile(join(dir, 'report.xml'), 'utf8'),
        await readFile(join(dir, 'report.html'), 'utf8'),
      ])
        assert.ok(!text.includes(password))
      // The HTML report holds every result, and each result knows its place in the picture.
      const html = await readFile(join(dir, 'report.html'), 'utf8')
      assert.equal(html.match(/<tr class="result"/g)?.length, report.results.length)
      const places = new Set([...report.picture.nodes, ...report.picture.links].map((x: {id: string}) => x.id))
      for (const r of report.results) assert.ok(places.has(r.place), `${r.id} ${r.target}: ${r.place}`)
      assert.match(r.stdout + r.stderr, /report\.html \(open it in a browser\)/)
      // The scaffolded agent has every secret (the check run itself resolved only what it needed).
      assert.match(r.stdout + r.stderr, /scaffolded agent SandboxAgent into .*: \d+ files, 0 problems/)
      // The environment file stays valid for re-runs by hand.
      const v = await runCli(['validate', join(dir, 'idm-preflight.yaml')])
      assert.equal(v.code, 0, v.stdout)
    } finally {
      await cleanup()
    }
  })
})

describe('the sandbox cleans up after itself', () => {
  test('a folder it made goes when it stops; a folder it was given stays', {timeout: 60_000}, async () => {
    const own = await startSandbox()
    assert.ok(existsSync(own.envFile))
    await own.stop()
    assert.equal(existsSync(own.dir), false, `${own.dir} was left behind, with its secrets`)

    const {dir, cleanup} = await tempDir()
    try {
      const given = await startSandbox({dir})
      await given.stop()
      // demo gives its own folder and prints where its reports are: they must still be there.
      assert.ok(existsSync(given.envFile), 'a folder the caller gave was emptied')
      assert.ok(existsSync(join(dir, 'secrets')))
    } finally {
      await cleanup()
    }
  })
})
