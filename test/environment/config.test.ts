import assert from 'node:assert/strict'
import {writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'
import {loadEnvironment} from '../../src/environment/file/config.js'
import {parseDuration} from '../../src/base/duration.js'
import {idMatcher} from '../../src/base/glob.js'
import {Redactor} from '../../src/base/redact.js'
import {loadChecks} from '../../src/run/registry.js'
import {didYouMean} from '../../src/environment/schema-errors.js'
import {tempDir} from '../helpers/cli.js'
import {onPremEnv, ONPREM_SECRETS} from '../helpers/envs.js'

describe('environment loading', () => {
  let dir: string
  let cleanup: () => Promise<void>
  before(async () => ({dir, cleanup} = await tempDir()))
  after(async () => cleanup())

  test('references resolve from the environment and from files beside the env file; secrets are registered', async () => {
    await writeFile(join(dir, 'smtp.txt'), 'From-File-Secret\n')
    const file = join(dir, 'env.yaml')
    await writeFile(file, onPremEnv().replace('"${env:IDM_SMTP_PASSWORD}"', '"${file:./smtp.txt}"'))
    const redactor = new Redactor()
    const res = await loadEnvironment(file, await loadChecks(), {
      secrets: 'require',
      redactor,
      processEnv: ONPREM_SECRETS,
    })
    assert.ok(res.ok, JSON.stringify(!res.ok && res.diagnostics))
    assert.equal(res.env.smtp?.password, 'From-File-Secret')
    assert.equal(res.env.server.database?.connectionString, ONPREM_SECRETS.IDM_SQL_CONNECTION)
    assert.equal(
      redactor.redact('pw From-File-Secret and Sql-Pa55-Secret! and Job-Pa55-Secret'),
      'pw *** and *** and ***',
    )
    assert.equal(res.env.product, '6.2')
  })

  test('an unquoted product number is accepted as the version string', async () => {
    const file = join(dir, 'num.yaml')
    await writeFile(file, onPremEnv().replace('product: "6.2"', 'product: 6.1'))
    const res = await loadEnvironment(file, await loadChecks(), {secrets: 'static'})
    assert.ok(res.ok)
    assert.equal(res.env.product, '6.1')
  })

  test('semantic warnings do not make a file invalid', async () => {
    const file = join(dir, 'warn.yaml')
    await writeFile(file, onPremEnv().replace('port: 587', 'port: 993'))
    const res = await loadEnvironment(file, await loadChecks(), {secrets: 'require', processEnv: ONPREM_SECRETS})
    assert.ok(res.ok)
    assert.deepEqual(
      res.diagnostics.map((d) => [d.line, d.path, d.severity]),
      [
        [15, 'agents[0]', 'warning'],
        [23, 'smtp.port', 'warning'],
      ],
    )
    assert.match(res.diagnostics[0]!.message, /no "identityServerCertificate"/)
    assert.match(res.diagnostics[1]!.message, /993 is the IMAPS port/)
  })
})

describe('Integrated Security and the service account (DOMAIN.md §7)', () => {
  const env = (account: string, server: string) => `version: 1
name: t
product: "6.2"
topology: on-prem-integrated
organization: C
server:
  url: https://idm.contoso.com
  workingDirectory: /tmp/x
  serviceAccount: ${account}
  database: {connectionString: "Data Source=${server};Database=x;Integrated Security=SSPI"}
`
  const cases: [string, string, boolean][] = [
    ['CONTOSO\\svc-idm', 'sql01', false],
    ['IIS AppPool\\Usercube', 'sql01', true],
    ['IIS AppPool\\Usercube', '.', false],
  ]
  for (const [account, server, warns] of cases) {
    test(`${account} with SQL Server ${server}: ${warns ? 'a warning' : 'nothing to say'}`, async () => {
      const {dir, cleanup} = await tempDir()
      try {
        await writeFile(join(dir, 'e.yaml'), env(account, server))
        const r = await loadEnvironment(join(dir, 'e.yaml'), await loadChecks(), {secrets: 'static'})
        assert.ok(r.ok)
        const w = r.diagnostics.filter((d) => /cannot reach a SQL Server on another host/.test(d.message))
        assert.equal(w.length, warns ? 1 : 0, JSON.stringify(r.diagnostics))
      } finally {
        await cleanup()
      }
    })
  }
})

describe('small helpers', () => {
  test('durations', () => {
    assert.equal(parseDuration('5s'), 5000)
    assert.equal(parseDuration('1500ms'), 1500)
    assert.equal(parseDuration('2m'), 120_000)
    assert.equal(parseDuration(3), 3000)
    assert.equal(parseDuration('soon'), undefined)
    assert.equal(parseDuration('0s'), undefined)
  })
  test('id selectors', () => {
    const m = idMatcher(['tls.*', 'cert', 'host.?esources'])
    assert.ok(m('tls.endpoint') && m('cert.encryption') && m('host.resources'))
    assert.ok(!m('dns.alias') && !m('certificates.x') && !m('host.runtime'))
  })
  test('did you mean', () => {
    assert.equal(didYouMean('workingDirectry', ['workingDirectory', 'serviceAccount']), 'workingDirectory')
    assert.equal(didYouMean('zzz', ['workingDirectory']), undefined)
  })
  test('the redactor hides the longest secret first, and encoded forms; never keys', () => {
    const r = new Redactor()
    r.add('abcd')
    r.add('abcdef')
    r.add('p@ss word')
    assert.equal(r.redact('abcdef abcd p%40ss%20word'), '*** *** ***')
    assert.deepEqual(r.redactValues({a: ['abcd'], abcd: 1}), {a: ['***'], abcd: 1})
  })
})
