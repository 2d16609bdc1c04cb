import assert from 'node:assert/strict'
import {readFile, symlink, writeFile, mkdir} from 'node:fs/promises'
import {createServer, type Server, type Socket} from 'node:net'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'
import {startSandbox, type Sandbox} from '../../src/sandbox/index.js'
import {hasStackTrace, runCli, tempDir} from '../helpers/cli.js'
import {saasEnv} from '../helpers/envs.js'

const FORMATS = ['json', 'text', 'junit', 'tap'] as const
const noProxyEnv = {HTTPS_PROXY: undefined, https_proxy: undefined, NO_PROXY: undefined, no_proxy: undefined}

interface Shape {
  summaryKeys: string[]
  rows: string[]
}

/** What redaction must never touch: per result its id, target, status, title, docs; the summary's keys. */
function shapeOf(json: string): Shape {
  const r = JSON.parse(json) as {summary: Record<string, number>; results: Record<string, unknown>[]}
  return {
    summaryKeys: Object.keys(r.summary),
    rows: r.results.map((x) => [x.id, x.target, x.status, x.title, x.docs, Object.keys(x).join(',')].join(' | ')),
  }
}

/** The first columns of each format's result lines: status, id and target. */
function skeleton(format: string, out: string): string[] {
  if (format === 'text')
    return [...out.matchAll(/^ {2}(PASS|WARN|FAIL|SKIP|ERROR) +(\S+) +(\S+)/gm)].map((m) => `${m[1]} ${m[2]} ${m[3]}`)
  if (format === 'junit')
    return [...out.matchAll(/<testcase classname="([^"]*)" name="([^"]*)"/g)].map((m) => `${m[1]} ${m[2]}`)
  if (format === 'tap')
    return out
      .split('\n')
      .filter((l) => /^(not )?ok \d+ - /.test(l))
      .map((l) => l.replace(/ # SKIP.*$/, ''))
  return shapeOf(out).rows
}

describe('secrets that are words or one letter never rewrite the report (real sandbox)', () => {
  let sb: Sandbox
  const baseline: Record<string, string[]> = {}
  before(async () => {
    sb = await startSandbox({topology: 'saas'})
    for (const f of FORMATS) {
      const r = await runCli(['check', '-c', sb.envFile, '--stage', 'after', '--format', f], {env: noProxyEnv})
      assert.equal(r.code, 0, r.stdout + r.stderr)
      baseline[f] = skeleton(f, r.stdout)
      assert.ok(baseline[f]!.length > 10, `${f}: ${r.stdout}`)
    }
  })
  after(async () => sb?.stop())

  for (const secret of ['a', 'pass', 'server', 'p@ss99', 'pa/ss99']) {
    test(`Job secret ${JSON.stringify(secret)}: same ids, targets, statuses and headings in every format`, async () => {
      await writeFile(join(sb.dir, 'secrets', 'job-secret'), secret)
      const runs = await Promise.all(
        FORMATS.map((f) => runCli(['check', '-c', sb.envFile, '--stage', 'after', '--format', f], {env: noProxyEnv})),
      )
      runs.forEach((r, i) => {
        const f = FORMATS[i]!
        assert.equal(r.code, 0, `${f}: ${r.stdout}${r.stderr}`)
        assert.ok(!hasStackTrace(r.stderr), r.stderr)
        assert.deepEqual(skeleton(f, r.stdout), baseline[f], f)
      })
      const json = JSON.parse(runs[0]!.stdout)
      assert.deepEqual(Object.keys(json.summary), ['pass', 'warn', 'fail', 'skip', 'error'])
      assert.ok(!JSON.stringify(json).includes('"***"'), 'a whole value was taken for the secret')
    })
  }

  for (const password of ['p@ss99', 'pa/ss99', 'a']) {
    test(`proxy password ${JSON.stringify(password)} is found in its URL and printed in no format`, async () => {
      const text = await readFile(sb.envFile, 'utf8')
      const file = join(sb.dir, 'proxy-secret.yaml')
      await writeFile(file, text.replace(/httpsProxy: .*/, 'httpsProxy: "${env:IDM_PROXY}"'))
      const proxy = `http://bob:${password}@127.0.0.1:${sb.ports.proxy}`
      const runs = await Promise.all(
        FORMATS.map((f) =>
          runCli(['check', '-c', file, '--stage', 'after', '--format', f], {env: {...noProxyEnv, IDM_PROXY: proxy}}),
        ),
      )
      runs.forEach((r, i) => {
        const f = FORMATS[i]!
        assert.ok([0, 3].includes(r.code!), `${f}: ${r.stdout}${r.stderr}`)
        assert.ok(!(r.stdout + r.stderr).includes(`bob:${password}@`), `${f} printed the proxy password:\n${r.stdout}`)
        if (password.length > 1) assert.ok(!(r.stdout + r.stderr).includes(password), `${f}:\n${r.stdout}`)
        // The same checks ran, with the same ids.
        assert.equal(skeleton(f, r.stdout).length, baseline[f]!.length, f)
      })
      const json = JSON.parse(runs[0]!.stdout)
      const proxyResult = json.results.find((x: {id: string}) => x.id === 'proxy.settings')
      if (password.length > 1) {
        // An unencoded "/" or "@" in the password is a real fault: .NET would misread the address.
        assert.equal(proxyResult.status, 'fail', proxyResult.message)
        assert.match(proxyResult.message, /unencoded/)
      }
    })
  }
})

/** A peer that echoes the client's AUTH line back in its refusal, as some servers do. */
function echoingSmtp(): Promise<Server> {
  const server = createServer((s: Socket) => {
    s.write('220 echo.test ESMTP\r\n')
    let buf = ''
    s.on('data', (d) => {
      buf += d.toString('latin1')
      for (let i = buf.indexOf('\r\n'); i >= 0; i = buf.indexOf('\r\n')) {
        const line = buf.slice(0, i)
        buf = buf.slice(i + 2)
        if (/^EHLO/i.test(line)) s.write('250-echo.test\r\n250 AUTH PLAIN\r\n')
        else if (/^AUTH/i.test(line)) s.write(`535 5.7.8 Authentication failed: ${line}\r\n`)
        else if (/^QUIT/i.test(line)) s.end('221 bye\r\n')
        else s.write('502 5.5.1 unknown\r\n')
      }
    })
    s.on('error', () => undefined)
  })
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)))
}

/** A proxy that refuses CONNECT with 407 and echoes the Proxy-Authorization it got. */
function echoingProxy(): Promise<Server> {
  const server = createServer((s: Socket) => {
    let buf = ''
    s.on('data', (d) => {
      buf += d.toString('latin1')
      if (!buf.includes('\r\n\r\n')) return
      const auth = /proxy-authorization: *Basic (\S+)/i.exec(buf)?.[1] ?? '-'
      s.end(
        `HTTP/1.1 407 Bad credentials Basic ${auth}\r\nProxy-Authenticate: Basic realm="x"\r\nContent-Length: ${auth.length}\r\n\r\n${auth}`,
      )
    })
    s.on('error', () => undefined)
  })
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)))
}

const portOf = (s: Server) => (s.address() as {port: number}).port

describe('peers that echo credentials', () => {
  let dir: string
  let cleanup: () => Promise<void>
  let smtp: Server
  let proxy: Server
  before(async () => {
    ;({dir, cleanup} = await tempDir())
    smtp = await echoingSmtp()
    proxy = await echoingProxy()
  })
  after(async () => {
    smtp.close()
    proxy.close()
    await cleanup()
  })

  test('an SMTP server answering 535 with AUTH PLAIN <base64> has it redacted in every format', async () => {
    const file = join(dir, 'smtp.yaml')
    await writeFile(
      file,
      saasEnv(
        dir,
        `smtp:\n  host: 127.0.0.1\n  port: ${portOf(smtp)}\n  secureSocketOption: None\n  username: idm@contoso.com\n  password: "\${env:IDM_SMTP}"\n  fromAddress: no-reply@contoso.com\n`,
      ),
    )
    const password = 'p@ss99'
    const b64 = Buffer.from(`\0idm@contoso.com\0${password}`).toString('base64')
    for (const f of FORMATS) {
      const r = await runCli(['check', '-c', file, '--only', 'smtp.server', '--format', f], {
        env: {...noProxyEnv, IDM_SMTP: password},
      })
      assert.equal(r.code, 3, r.stdout + r.stderr)
      const out = r.stdout + r.stderr
      // The echo did reach the report (so the test tests something) ...
      assert.match(out, /535/, f)
      assert.match(out, /AUTH PLAIN \*\*\*/, `${f}: ${r.stdout}`)
      // ... without the credentials in any form.
      for (const v of [b64, b64.replace(/=+$/, ''), password]) assert.ok(!out.includes(v), `${f} printed ${v}:\n${out}`)
    }
  })

  test('a proxy answering 407 with Basic <base64> has it redacted; a password with "/" is never printed', async () => {
    const file = join(dir, 'proxy.yaml')
    await writeFile(file, saasEnv(dir, 'network:\n  httpsProxy: "${env:IDM_PROXY}"\n'))
    for (const password of ['pa/ss99', 'p@ss99']) {
      const b64 = Buffer.from(`bob:${password}`).toString('base64')
      for (const f of FORMATS) {
        const r = await runCli(['check', '-c', file, '--only', 'server.reachability,proxy.settings', '--format', f], {
          env: {...noProxyEnv, IDM_PROXY: `http://bob:${password}@127.0.0.1:${portOf(proxy)}`},
        })
        assert.equal(r.code, 3, r.stdout + r.stderr)
        const out = r.stdout + r.stderr
        assert.match(out, /407/, f)
        for (const v of [b64, b64.replace(/=+$/, ''), password])
          assert.ok(!out.includes(v), `${f} printed ${v}:\n${out}`)
      }
    }
  })
})

describe('validation messages never quote a secret', () => {
  let dir: string
  let cleanup: () => Promise<void>
  before(async () => ({dir, cleanup} = await tempDir()))
  after(async () => cleanup())

  test('a secret field of the wrong type is described, not quoted', async () => {
    const file = join(dir, 'typed.yaml')
    await writeFile(
      file,
      saasEnv(
        dir,
        'smtp:\n  host: smtp.contoso.com\n  port: 587\n  password: 987654321\n  username: u\n  fromAddress: a@contoso.com\n',
      ),
    )
    for (const args of [
      ['validate', file],
      ['validate', file, '--json'],
      ['check', '-c', file],
    ]) {
      const r = await runCli(args)
      assert.equal(r.code, 2, r.stdout + r.stderr)
      assert.match(r.stdout + r.stderr, /smtp\.password/)
      assert.ok(!(r.stdout + r.stderr).includes('987654321'), r.stdout + r.stderr)
    }
  })

  test('an unquoted ";" in a connection-string password is named, its tail not shown', async () => {
    const file = join(dir, 'cs.yaml')
    await writeFile(
      file,
      `version: 1
name: t
product: "6.2"
topology: on-prem-separate
organization: Contoso
server:
  url: https://idm.contoso.com
  workingDirectory: /tmp/idm-server
  serviceAccount: CONTOSO\\svc-idm
  database:
    connectionString: "\${env:IDM_SQL}"
agents:
  - identifier: A1
    url: https://a1.contoso.com
    workingDirectory: /tmp/idm-a1
`,
    )
    const env = {IDM_SQL: 'Server=sql01;Database=Idm;User ID=idm;Password=Top;Secret9tail=x'}
    for (const args of [
      ['validate', file, '--require-secrets'],
      ['validate', file, '--json'],
      ['check', '-c', file],
    ]) {
      const r = await runCli(args, {env})
      assert.equal(r.code, 2, r.stdout + r.stderr)
      const out = r.stdout + r.stderr
      assert.match(out, /right after Password/)
      for (const v of ['Secret9tail', 'Top;']) assert.ok(!out.includes(v), `${args.join(' ')} printed ${v}:\n${out}`)
    }
  })
})

describe('scaffold diffs never print a secret, old or new', () => {
  let dir: string
  let cleanup: () => Promise<void>
  let file: string
  before(async () => {
    ;({dir, cleanup} = await tempDir())
    file = join(dir, 'env.yaml')
    await writeFile(
      file,
      saasEnv(
        join(dir, 'wd'),
        `    openIdClient: { id: Job, secret: "\${env:IDM_JOB}" }
smtp:
  host: smtp.contoso.com
  port: 587
  secureSocketOption: StartTls
  username: idm@contoso.com
  password: "\${env:IDM_SMTP}"
  fromAddress: no-reply@contoso.com
`,
      ),
    )
  })
  after(async () => cleanup())

  test('after a rotated or unset secret: scaffold, --dry-run and --json mask both sides', async () => {
    const target = join(dir, 'wd')
    const first = await runCli(['scaffold', '-c', file, '--target', target], {
      env: {IDM_JOB: 'Old-Job-Secret-1', IDM_SMTP: 'Old-Smtp-Pa55-1'},
    })
    assert.ok([0, 3].includes(first.code!), first.stdout + first.stderr)
    const written = await readFile(join(target, 'Runtime', 'appsettings.agent.json'), 'utf8')
    assert.match(written, /Old-Job-Secret-1/)
    for (const env of [{IDM_JOB: 'New-Job-Secret-2', IDM_SMTP: 'New-Smtp-Pa55-2'}, {}]) {
      for (const extra of [[], ['--dry-run'], ['--json'], ['--dry-run', '--json']]) {
        const r = await runCli(['scaffold', '-c', file, '--target', target, ...extra], {env})
        assert.ok([0, 3].includes(r.code!), r.stdout + r.stderr)
        const out = r.stdout + r.stderr
        assert.match(out, /appsettings/)
        for (const v of ['Old-Job-Secret-1', 'Old-Smtp-Pa55-1', 'New-Job-Secret-2', 'New-Smtp-Pa55-2'])
          assert.ok(!out.includes(v), `scaffold ${extra.join(' ')} printed ${v}:\n${out}`)
      }
    }
    // The file on disk was kept (no --force), with its real value.
    assert.match(await readFile(join(target, 'Runtime', 'appsettings.agent.json'), 'utf8'), /Old-Job-Secret-1/)
  })

  test('a symlinked settings file is neither followed nor printed, even with --force', async () => {
    const target = join(dir, 'linked')
    await mkdir(join(target, 'Runtime'), {recursive: true})
    const outside = join(dir, 'outside.json')
    await writeFile(outside, '{"Password": "TOPSECRET-OUTSIDE", "Other": "TOPSECRET-2"}\n')
    await symlink(outside, join(target, 'Runtime', 'appsettings.json'))
    for (const extra of [['--dry-run'], ['--force'], ['--json']]) {
      const r = await runCli(['scaffold', '-c', file, '--target', target, ...extra], {
        env: {IDM_JOB: 'j-1', IDM_SMTP: 's-1'},
      })
      const out = r.stdout + r.stderr
      assert.ok([0, 3].includes(r.code!), out)
      assert.ok(!out.includes('TOPSECRET'), out)
      assert.match(out, /symbolic link/)
    }
    assert.equal(await readFile(outside, 'utf8'), '{"Password": "TOPSECRET-OUTSIDE", "Other": "TOPSECRET-2"}\n')
  })
})
