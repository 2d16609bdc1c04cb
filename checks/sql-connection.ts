import {defineCheck, type Finding} from '../src/core/check.js'
import {netwrixDocs} from '../src/core/docs.js'
import type {SqlConnectFacts} from '../src/lib/sql-probe.js'
import {planSql, sqlParamsSchema, sqlSettingsSchema, type SqlParams} from '../src/lib/sql-settings.js'
import {sqlErrorMeaning} from '../src/lib/sql-errors.js'

const FIX: Record<string, string> = {
  dns: 'see dns.alias: the SQL Server host must resolve from the Identity Manager server',
  browser:
    'start the SQL Server Browser service (UDP 1434 open), or write the port in the connection string: host\\instance,port',
  tcp: 'enable TCP/IP for the instance (SQL Server Configuration Manager), check the port, and open it in the firewall ("SQL feed must be open from the server to SQL Server")',
  prelogin: 'the peer did not answer as SQL Server: check host and port (is this a SQL Server instance?)',
  tls: "Encrypt requires TLS: install a certificate on SQL Server that this host trusts, or (not for production) TrustServerCertificate=true, or Encrypt=false as the product docs' examples do",
}

export default defineCheck<SqlParams, SqlConnectFacts>({
  id: 'sql.connection',
  summary:
    'SQL Server: the connection string parses; DNS, TCP (SQL Browser for an instance), pre-login, TLS, login and database open, each phase named',
  docs: netwrixDocs('installation-guide/production-ready/database'),
  flow: 'server-database',
  topologies: ['on-prem-integrated', 'on-prem-separate'],
  settings: sqlSettingsSchema,
  params: sqlParamsSchema,
  plan: (env, ctx) => planSql(env, ctx.baseDir, ctx.settings).map((t) => ({...t, owner: 'server' as const})),
  title: (p) => `SQL Server ${p.host}${p.instance ? `\\${p.instance}` : ''}${p.port ? `,${p.port}` : ''}`,
  probe: async (p, ctx) => (await import('../src/lib/sql-probe.js')).probeSql(p, ctx),
  evaluate(p, f): Finding[] {
    const where = `${p.host}${p.instance ? `\\${p.instance}` : ''}${f.port ? `:${f.port}` : ''}`
    if (f.failedPhase === 'login' || f.failedPhase === 'database') {
      const main =
        f.sqlErrors.find((e) => e.number === 4060) ??
        f.sqlErrors.find((e) => e.number === 18456 || e.number === 18452) ??
        f.sqlErrors[0]
      const m = main ? sqlErrorMeaning(main.number, main.state, p) : undefined
      const what = main
        ? `error ${main.number}${main.number === 18456 ? ` state ${main.state}` : ''}: ${m?.meaning ?? main.message}`
        : (f.error ?? 'failed')
      return [
        {
          status: 'fail',
          message: `${where}: ${f.failedPhase} failed as ${p.auth === 'ntlm' ? `${p.ntlmDomain ? `${p.ntlmDomain}\\` : ''}${p.userId} (NTLM)` : p.userId} — ${what}`,
          remediation: m?.fix ?? 'check the login and the database name',
        },
      ]
    }
    if (f.failedPhase) {
      const detail = f.failedPhase === 'prelogin' && f.errorCode === 'ETIMEOUT' ? `no TDS answer (${f.error})` : f.error
      return [
        {
          status: 'fail',
          message: `${where}: ${f.failedPhase} failed: ${detail}`,
          remediation: FIX[f.failedPhase] ?? '',
        },
      ]
    }
    const via = `${f.address}:${f.port}${f.portFromBrowser ? ' (port from the SQL Browser)' : ''}`
    if (f.integratedNotTested)
      return [
        {
          status: 'warn',
          message: `${where}: reachable at ${via}; Integrated Security logs in as the server's Windows identity, which idm-preflight cannot use from here`,
          remediation:
            'run idm-preflight on the server host as the service account, or set server.database.windowsCredentials (username DOMAIN\\user, password "${env:…}") to test the login with NTLM',
        },
      ]
    return [
      {
        status: 'pass',
        message: `${where}: logged in as ${p.auth === 'ntlm' ? `${p.ntlmDomain ? `${p.ntlmDomain}\\` : ''}${p.userId} (NTLM)` : p.userId} at ${via}, database ${p.database ?? '(default)'} opened${p.encrypt === 'optional' ? ', unencrypted (Encrypt=false)' : ', encrypted'}`,
      },
    ]
  },
})
