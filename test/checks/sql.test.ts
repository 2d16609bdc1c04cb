import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {writeFile} from 'node:fs/promises'
import {createServer} from 'node:http'
import type {AddressInfo} from 'node:net'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'
import sqlConnection from '../../checks/sql-connection.js'
import sqlRequirements from '../../checks/sql-requirements.js'
import {parseConnectionString} from '../../src/environment/connection-string.js'
import {planSql, type SqlParams} from '../../src/probes/sql/sql-settings.js'
import {makeCA, serverCert} from '../../src/sandbox/pki.js'
import {startDns, startHostile} from '../../src/sandbox/servers.js'
import {startTdsEmulator, type TdsOptions} from '../../src/sandbox/tds.js'
import {ROOT, tempDir} from '../helpers/cli.js'
import {runCheck} from '../helpers/run-check.js'

const PW = 'Sql-Test-Pa55'

describe('sql.connection and sql.requirements against the TDS emulator and hostile peers', () => {
  let dns: Awaited<ReturnType<typeof startDns>>
  before(async () => (dns = await startDns({'sql.contoso.test': {a: ['127.0.0.1']}})))
  after(() => dns.close())
  const params = (port: number, extra: Partial<SqlParams> = {}): SqlParams => ({
    host: 'sql.contoso.test',
    port,
    local: false,
    database: 'UsercubeContoso',
    auth: 'sql',
    userId: 'idm',
    password: PW,
    encrypt: 'optional',
    trustServerCertificate: false,
    dnsServers: [`127.0.0.1:${dns.port}`],
    browserPort: 1434,
    ...extra,
  })
  async function withEmu(o: TdsOptions, f: (e: Awaited<ReturnType<typeof startTdsEmulator>>) => Promise<void>) {
    const e = await startTdsEmulator({
      databases: ['UsercubeContoso'],
      logins: {idm: {password: PW, dbOwner: true, bulkPermission: true}},
      serverMaxdop: 1,
      ...o,
    })
    try {
      await f(e)
    } finally {
      await e.close()
    }
  }

  test('a good login opens the database', () =>
    withEmu({}, async (e) => {
      const r = await runCheck(sqlConnection, params(e.port))
      assert.equal(r.status, 'pass', r.message)
      assert.equal(
        r.message,
        `sql.contoso.test:${e.port}: logged in as idm at 127.0.0.1:${e.port}, database UsercubeContoso opened, unencrypted (Encrypt=false)`,
      )
      assert.deepEqual(e.logins, [{user: 'idm', database: 'UsercubeContoso', sspi: false}])
    }))

  const loginFailures: [string, Partial<SqlParams>, RegExp, RegExp][] = [
    [
      'wrong password: 18456 state 8',
      {password: 'nope'},
      /login failed as idm — error 18456 state 8: login failed: wrong password/,
      /Password in the connection string/,
    ],
    [
      'unknown login: 18456 state 5',
      {userId: 'ghost'},
      /login failed as ghost — error 18456 state 5: login failed: login ghost does not exist/,
      /CREATE LOGIN \[ghost\]/,
    ],
    [
      'missing database: 4060',
      {database: 'NoSuchDb'},
      /database failed as idm — error 4060: cannot open database "NoSuchDb"/,
      /Usercube\.sql/,
    ],
    [
      'Windows credentials (NTLM) refused: 18452',
      {auth: 'ntlm', userId: 'svc-idm', ntlmDomain: 'CONTOSO'},
      /login failed as CONTOSO\\svc-idm \(NTLM\) — error 18452/,
      /domain account/,
    ],
  ]
  for (const [name, extra, re, fix] of loginFailures) {
    test(name, () =>
      withEmu({}, async (e) => {
        const r = await runCheck(sqlConnection, params(e.port, extra))
        assert.equal(r.status, 'fail', r.message)
        assert.match(r.message, re)
        assert.match(r.remediation, fix)
        assert.ok(!JSON.stringify(r).includes(PW), 'no password in the result')
      }),
    )
  }

  test('a disabled login: 18456 state 7', () =>
    withEmu({logins: {idm: {password: PW, disabled: true}}}, async (e) => {
      const r = await runCheck(sqlConnection, params(e.port))
      assert.match(r.message, /state 7: login failed: login idm is disabled/)
      assert.match(r.remediation, /ALTER LOGIN \[idm\] ENABLE/)
    }))

  test('Encrypt=true against a server without TLS fails at the TLS phase', () =>
    withEmu({}, async (e) => {
      const r = await runCheck(sqlConnection, params(e.port, {encrypt: 'mandatory', trustServerCertificate: true}))
      assert.equal(r.status, 'fail')
      assert.match(r.message, /tls failed: Server did not negotiate encryption/)
    }))

  describe('TLS inside TDS (Encrypt=true) with a certificate from a throwaway CA', () => {
    let caFile: string
    let cleanup: () => Promise<void>
    let tlsOpts: TdsOptions['tls']
    before(async () => {
      const t = await tempDir()
      cleanup = t.cleanup
      const ca = makeCA('Contoso SQL CA')
      caFile = join(t.dir, 'sql-ca.pem')
      await writeFile(caFile, ca.certPem)
      const cert = serverCert(ca, ['sql.contoso.test'])
      tlsOpts = {cert: cert.certPem + ca.certPem, key: cert.keyPem}
    })
    after(() => cleanup())
    const cases: [string, Partial<SqlParams>, string, RegExp, number][] = [
      ['trusted through network.caFile', {}, 'pass', /database UsercubeContoso opened, encrypted$/, 1],
      [
        'a CA this host does not trust',
        {caFile: undefined},
        'fail',
        /tls failed: .*self-signed certificate in certificate chain/,
        0,
      ],
      ['TrustServerCertificate=true', {caFile: undefined, trustServerCertificate: true}, 'pass', /encrypted$/, 1],
      [
        'a certificate for another name',
        {hostNameInCertificate: 'other.contoso.test'},
        'fail',
        /tls failed: .*does not match certificate's altnames/,
        0,
      ],
    ]
    for (const [name, extra, status, re, logins] of cases) {
      test(name, () =>
        withEmu({tls: tlsOpts}, async (e) => {
          const r = await runCheck(sqlConnection, params(e.port, {encrypt: 'mandatory', caFile, ...extra}))
          assert.equal(r.status, status, r.message)
          assert.match(r.message, re)
          assert.equal(e.logins.length, logins, 'no login is sent before the TLS session is trusted')
        }),
      )
    }
  })

  test('a named instance: the port comes from the SQL Browser', () =>
    withEmu({instanceName: 'PROD'}, async (e) => {
      const r = await runCheck(
        sqlConnection,
        params(0, {port: undefined, instance: 'PROD', browserPort: e.browserPort}),
      )
      assert.equal(r.status, 'pass', r.message)
      assert.match(r.message, /\(port from the SQL Browser\)/)
      const missing = await runCheck(
        sqlConnection,
        params(0, {port: undefined, instance: 'OTHER', browserPort: e.browserPort}),
      )
      assert.equal(missing.status, 'fail')
      assert.match(
        missing.message,
        /browser failed: the SQL Server Browser on 127\.0\.0\.1:\d+ \(UDP\) did not give the port of instance OTHER/,
      )
    }))

  test('Integrated Security from this host: reachable, login not tested (a warning)', () =>
    withEmu({}, async (e) => {
      const r = await runCheck(
        sqlConnection,
        params(e.port, {auth: 'integrated', userId: undefined, password: undefined}),
      )
      assert.equal(r.status, 'warn')
      assert.match(r.message, /Integrated Security logs in as the server's Windows identity/)
      assert.equal(e.logins.length, 0)
    }))

  test('a closed port fails at TCP; an unknown host at DNS', async () => {
    const closed = await runCheck(sqlConnection, params(1))
    assert.match(closed.message, /tcp failed: connect ECONNREFUSED 127\.0\.0\.1:1/)
    assert.match(closed.remediation, /TCP\/IP/)
    const unknown = await runCheck(sqlConnection, params(1433, {host: 'nosql.contoso.test'}))
    assert.match(unknown.message, /dns failed: .*NXDOMAIN/)
  })

  test('an HTTP server is not SQL Server: pre-login fails', async () => {
    const http = createServer((_q, s) => s.end('hello'))
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', () => r()))
    try {
      const r = await runCheck(sqlConnection, params((http.address() as AddressInfo).port), {timeoutMs: 2000})
      assert.equal(r.status, 'fail')
      assert.match(r.message, /prelogin failed/)
    } finally {
      http.close()
    }
  })

  for (const kind of ['silent', 'garbage', 'close'] as const) {
    test(`a hostile peer (${kind}) fails at pre-login within the timeout`, async () => {
      const h = await startHostile(kind)
      try {
        const t0 = performance.now()
        const r = await runCheck(sqlConnection, params(h.port), {timeoutMs: 1500})
        assert.ok(r.status === 'fail' || r.status === 'error', r.message)
        assert.match(r.message, kind === 'silent' ? /(prelogin failed: no TDS answer|timeout)/ : /prelogin failed/)
        assert.ok(performance.now() - t0 < 2000)
      } finally {
        await h.close()
      }
    })
  }

  test('a peer that closes in the middle of the login', () =>
    withEmu({closeMidLogin: true}, async (e) => {
      const r = await runCheck(sqlConnection, params(e.port), {timeoutMs: 2000})
      assert.equal(r.status, 'fail')
      assert.match(r.message, /prelogin failed: Connection lost/)
    }))

  test('requirements met: version, MAXDOP, db_owner, bulk', () =>
    withEmu({}, async (e) => {
      const r = await runCheck(sqlRequirements, params(e.port))
      assert.equal(r.status, 'pass', r.message)
      assert.match(
        r.message,
        /SQL Server 16\.0\.1000\.6 .*MAXDOP = 1 .*idm is db_owner of UsercubeContoso.*bulk operations allowed \(ADMINISTER BULK OPERATIONS\)/,
      )
      assert.ok(e.batches.some((b) => b.includes('idm-preflight:requirements')))
    }))

  const shortfalls: [string, TdsOptions, RegExp, RegExp][] = [
    [
      'SQL Server 2014',
      {version: '12.0.6024.0'},
      /SQL Server 12\.0\.6024\.0 .*the database-requirements page: "supports SQL Server 2016 or later" \(13\.x\)/,
      /upgrade/,
    ],
    [
      'MAXDOP 0 on the server',
      {serverMaxdop: 0},
      /MAXDOP is 0 at the server \(the database inherits it\) level; Identity Manager requires MAXDOP = 1/,
      /ALTER DATABASE SCOPED CONFIGURATION SET MAXDOP = 1/,
    ],
    [
      'MAXDOP 4 on the database',
      {serverMaxdop: 1, databaseMaxdop: 4},
      /MAXDOP is 4 at the database UsercubeContoso level/,
      /USE \[UsercubeContoso\]/,
    ],
    [
      'not db_owner',
      {logins: {idm: {password: PW, bulkPermission: true}}},
      /idm is not db_owner of UsercubeContoso/,
      /ALTER ROLE db_owner ADD MEMBER \[idm\]/,
    ],
    [
      'no bulk permission',
      {logins: {idm: {password: PW, dbOwner: true}}},
      /idm may not run bulk operations/,
      /GRANT ADMINISTER BULK OPERATIONS TO \[idm\]/,
    ],
  ]
  for (const [name, o, re, fix] of shortfalls) {
    test(`requirements: ${name}`, () =>
      withEmu(o, async (e) => {
        const r = await runCheck(sqlRequirements, params(e.port))
        assert.equal(r.status, 'fail', r.message)
        assert.match(r.message, re)
        assert.match(r.remediation, fix)
      }))
  }

  test("Integrated Security with a check login: the service account's rights, asked of the catalog", () =>
    withEmu(
      {
        logins: {
          // The DBA's read-only login: no role of its own.
          dba_ro: {password: 'Ro-Pa55'},
          'CONTOSO\\svc-idm': {password: '', dbOwner: true, bulkPermission: true},
          "CONTOSO\\o'brien": {password: '', dbOwner: false, bulkPermission: true},
        },
      },
      async (e) => {
        const env = (account: string) =>
          ({
            topology: 'on-prem-separate',
            server: {
              url: 'https://x',
              serviceAccount: account,
              database: {
                connectionString: `Server=sql.contoso.test,${e.port};Database=UsercubeContoso;Integrated Security=SSPI;Encrypt=false`,
                checkLogin: {username: 'dba_ro', password: 'Ro-Pa55'},
              },
            },
          }) as never
        const ctx = {agents: [], baseDir: '/', processEnv: {}, platform: 'linux', settings: {}}
        const plannedFor = (account: string) => {
          const [t] = sqlRequirements.plan(env(account), ctx as never)
          assert.equal(t!.skip, undefined)
          return {...t!.params, dnsServers: [`127.0.0.1:${dns.port}`]}
        }
        const ok = await runCheck(sqlRequirements, plannedFor('CONTOSO\\svc-idm'))
        assert.equal(ok.status, 'pass', ok.message)
        assert.match(ok.message, /CONTOSO\\svc-idm is db_owner of UsercubeContoso \(asked as dba_ro\)/)
        assert.deepEqual(
          e.logins.map((l) => l.user),
          ['dba_ro'],
          'connected as the check login',
        )
        // A quote in the name travels safely (doubled for the server, hex for the emulator).
        const notOwner = await runCheck(sqlRequirements, plannedFor("CONTOSO\\o'brien"))
        assert.equal(notOwner.status, 'fail')
        assert.match(notOwner.message, /CONTOSO\\o'brien is not db_owner of UsercubeContoso \(asked as dba_ro\)/)
        assert.ok(e.batches.some((b) => b.includes("N'CONTOSO\\o''brien'")))
        // No login of its own: maybe a Windows group; a warning, never a pass.
        const unknown = await runCheck(sqlRequirements, plannedFor('CONTOSO\\nobody'))
        assert.equal(unknown.status, 'warn', unknown.message)
        assert.match(unknown.message, /CONTOSO\\nobody is not a login of this SQL Server \(asked as dba_ro\)/)
        // Without a check login, Integrated Security is a skip that says how to verify it.
        const noCheck = {
          topology: 'on-prem-separate',
          server: {
            url: 'https://x',
            serviceAccount: 'CONTOSO\\svc-idm',
            database: {connectionString: 'Server=s;Integrated Security=SSPI'},
          },
        }
        assert.match(
          sqlRequirements.plan(noCheck as never, ctx as never)[0]!.skip!,
          /give server\.database\.checkLogin/,
        )
      },
    ))

  test('requirements: Express is a 10 GB warning', () =>
    withEmu({edition: 'Express Edition (64-bit)'}, async (e) => {
      const r = await runCheck(sqlRequirements, params(e.port))
      assert.equal(r.status, 'warn')
      assert.match(r.message, /limits a database to 10 GB/)
    }))

  test('requirements without a connection: a skip pointing at sql.connection', async () => {
    const r = await runCheck(sqlRequirements, params(1))
    assert.equal(r.status, 'skip')
    assert.match(r.message, /no connection to SQL Server \(tcp failed\): see sql\.connection/)
  })

  test('plan: the parsed connection string, NTLM credentials, LocalDB and no database', () => {
    const env = (cs: string, extra = {}) =>
      ({topology: 'on-prem-separate', server: {url: 'https://x', database: {connectionString: cs, ...extra}}}) as never
    const [p] = planSql(
      env('Server=tcp:sql01\\PROD,14330;Database=Usercube;User Id=idm;Password=p;Encrypt=false'),
      '/',
      {},
    )
    assert.deepEqual(
      {
        host: p!.params.host,
        instance: p!.params.instance,
        port: p!.params.port,
        auth: p!.params.auth,
        encrypt: p!.params.encrypt,
      },
      {host: 'sql01', instance: 'PROD', port: 14330, auth: 'sql', encrypt: 'optional'},
    )
    const [n] = planSql(
      env('Server=sql01;Integrated Security=SSPI', {windowsCredentials: {username: 'CONTOSO\\svc', password: 'x'}}),
      '/',
      {},
    )
    assert.deepEqual([n!.params.auth, n!.params.ntlmDomain, n!.params.userId], ['ntlm', 'CONTOSO', 'svc'])
    assert.match(planSql(env('Server=(localdb)\\MSSQLLocalDB;Integrated Security=true'), '/', {})[0]!.skip!, /LocalDB/)
    assert.match(
      planSql({topology: 'on-prem-separate', server: {url: 'https://x'}} as never, '/', {})[0]!.skip!,
      /no server\.database\.connectionString/,
    )
  })

  test('checks load without importing tedious, node-forge, nodemailer or execa', () => {
    const registry = JSON.stringify(new URL('dist/src/run/registry.js', `file://${ROOT}/`).href)
    const code = `import {registerHooks} from 'node:module'; const seen = []; registerHooks({resolve(s, c, next) { seen.push(s); return next(s, c) }}); const r = await import(${registry}); await r.loadChecks(); console.log(JSON.stringify(seen.filter((s) => /^(tedious|node-forge|nodemailer|execa|dns2|listr2|@inquirer)/.test(s))))`
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], {encoding: 'utf8', cwd: join(ROOT)})
    assert.equal(r.status, 0, r.stderr)
    assert.deepEqual(JSON.parse(r.stdout), [])
  })
})

const real = process.env.MSSQL_CONNECTION_STRING
describe(
  'against a real SQL Server (MSSQL_CONNECTION_STRING)',
  {
    skip: real
      ? false
      : 'MSSQL_CONNECTION_STRING is not set: no real SQL Server to test against here (no Docker engine, no package)',
  },
  () => {
    test('sql.connection and sql.requirements observe it', async () => {
      const [plan] = planSql(
        {topology: 'on-prem-separate', server: {url: 'https://x', database: {connectionString: real!}}} as never,
        '/',
        {},
      )
      assert.equal(plan!.skip, undefined, plan!.skip)
      const c = await runCheck(sqlConnection, plan!.params, {timeoutMs: 15000})
      assert.equal(c.status, 'pass', c.message)
      const r = await runCheck(sqlRequirements, plan!.params, {timeoutMs: 15000})
      assert.notEqual(r.status, 'error', r.message)
      assert.notEqual(r.status, 'skip', r.message)
      assert.ok(parseConnectionString(real!).dataSource)
    })
  },
)
