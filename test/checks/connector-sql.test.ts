import assert from 'node:assert/strict'
import {after, before, describe, test} from 'node:test'
import connectorSql from '../../checks/connector-sql.js'
import type {Environment} from '../../src/model/environment.js'
import {planChecks} from '../../src/run/planner.js'
import type {SqlConnectFacts} from '../../src/probes/sql/sql-probe.js'
import {startDns} from '../../src/sandbox/servers.js'
import {startTdsEmulator} from '../../src/sandbox/tds.js'
import {runCheck} from '../helpers/run-check.js'

const PW = 'Hr-Sql-Pa55'
const facts = (r: {data: unknown}) => (r.data as {facts: SqlConnectFacts}).facts

describe("connector.sql: a SQL connector's database, from the agent, with the sql.connection phases", () => {
  let dns: Awaited<ReturnType<typeof startDns>>
  let tds: Awaited<ReturnType<typeof startTdsEmulator>>
  before(async () => {
    dns = await startDns({'hrdb.contoso.test': {a: ['127.0.0.1']}})
    tds = await startTdsEmulator({
      databases: ['HR'],
      logins: {hr: {password: PW, dbOwner: false, bulkPermission: false}},
    })
  })
  after(async () => {
    await tds?.close()
    await dns?.close()
  })
  const env = (cs: string, settings?: Record<string, string>): Environment =>
    ({
      version: 1,
      name: 't',
      product: 'saas',
      topology: 'saas',
      organization: 'C',
      server: {url: 'https://c.usercube.com'},
      agents: [{identifier: 'Agent1', workingDirectory: '/srv/idm', serviceAccount: 'CONTOSO\\svc-idm'}],
      network: {dnsServers: [`127.0.0.1:${dns.port}`]},
      connectors: [
        {
          identifier: 'HR',
          agent: 'Agent1',
          connections: [{identifier: 'HRExport', type: 'sql', connectionString: cs, ...(settings ? {settings} : {})}],
        },
      ],
    }) as unknown as Environment
  const plan = (e: Environment) => planChecks(e, [connectorSql], {stage: 'before', baseDir: '/', platform: 'linux'})
  const run = async (cs: string) => {
    const [inst] = plan(env(cs))
    assert.ok(inst && !inst.skip, inst?.skip)
    return runCheck(connectorSql, inst.params)
  }

  test('the connector string logs in and opens its database: pass', async () => {
    const r = await run(`Data Source=hrdb.contoso.test,${tds.port};Database=HR;User ID=hr;Password=${PW};Encrypt=false`)
    assert.equal(r.status, 'pass', r.message)
    assert.match(r.message, /logged in as hr at 127\.0\.0\.1:\d+, database HR opened/)
  })

  test('a wrong password: fail in the login phase (18456), never printed', async () => {
    const r = await run(
      `Data Source=hrdb.contoso.test,${tds.port};Database=HR;User ID=hr;Password=nope-nope;Encrypt=false`,
    )
    assert.equal(r.status, 'fail')
    assert.equal(facts(r).failedPhase, 'login')
    assert.doesNotMatch(JSON.stringify({m: r.message, f: r.remediation}), /nope-nope/)
  })

  test('a database that does not exist: fail in the database phase (4060)', async () => {
    const r = await run(
      `Data Source=hrdb.contoso.test,${tds.port};Database=Payroll;User ID=hr;Password=${PW};Encrypt=false`,
    )
    assert.equal(facts(r).failedPhase, 'database')
    assert.match(r.message, /4060/)
  })

  test('a host that does not resolve: fail in the dns phase, the fix speaks of the agent host', async () => {
    const r = await run(`Data Source=nohost.contoso.test,1433;Database=HR;User ID=hr;Password=${PW}`)
    assert.equal(facts(r).failedPhase, 'dns')
    assert.match(r.remediation, /from the agent's host/)
  })

  test('Integrated Security: reachable, the login as the agent account not tested (warn)', async () => {
    const r = await run(`Data Source=hrdb.contoso.test,${tds.port};Database=HR;Integrated Security=true;Encrypt=false`)
    assert.equal(r.status, 'warn', r.message)
    assert.match(r.message, /the agent's service account \(CONTOSO\\svc-idm\)/)
  })

  test('another DBMS (ProviderClassFullName) and a malformed string: skips that say why', () => {
    const [mysql] = plan(
      env('Server=x;Database=y', {ProviderClassFullName: 'MySql.Data.MySqlClient.MySqlClientFactory'}),
    )
    assert.match(mysql!.skip ?? '', /MySqlClientFactory is not SQL Server/)
    const [bad] = plan(env('Data Source=x;Database="unterminated'))
    assert.match(bad!.skip ?? '', /the connection string is malformed/)
  })
})
