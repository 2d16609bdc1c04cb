import {defineCheck, type Finding, netwrixDocs} from '../src/model/index.js'
import {
  type SqlConnectFacts,
  planSql,
  sqlParamsSchema,
  sqlSettingsSchema,
  type SqlParams,
  SERVER_SIDE,
  sqlConnectionFindings,
} from '../src/probes/sql/index.js'

export default defineCheck<SqlParams, SqlConnectFacts>({
  id: 'sql.connection',
  summary:
    'SQL Server: the connection string parses; DNS, TCP (SQL Browser for an instance), pre-login, TLS, login and database open, each phase named',
  docs: netwrixDocs('installation-guide/production-ready/database'),
  flow: 'server-database',
  topologies: ['on-prem-integrated', 'on-prem-separate'],
  roles: ['server'],
  settings: sqlSettingsSchema,
  params: sqlParamsSchema,
  plan: (env, ctx) => planSql(env, ctx.baseDir, ctx.settings).map((t) => ({...t, owner: 'server' as const})),
  title: (p) => `SQL Server ${p.host}${p.instance ? `\\${p.instance}` : ''}${p.port ? `,${p.port}` : ''}`,
  probe: async (p, ctx) => (await import('../src/probes/sql/sql-probe.js')).probeSql(p, ctx),
  evaluate: (p, f): Finding[] => sqlConnectionFindings(p, f, SERVER_SIDE),
  // What `checks show` says beyond the definition (verdicts, and the docs sentences it rests on).
  explain: {
    how: 'Parses server.database.connectionString as SqlClient does, then connects from this host: DNS, the SQL Browser for a named instance, TCP, pre-login, TLS as Encrypt says, login (SQL, or NTLM with windowsCredentials) and the database.',
    verdicts: [
      {status: 'pass', when: 'logged in and the database opened; says whether the session is encrypted'},
      {
        status: 'fail',
        when: 'the DNS, SQL Browser, TCP, pre-login or TLS phase failed (named)',
        fix: 'the SQL Server host, its TCP/IP protocol and port, the firewall, its certificate, per phase',
      },
      {
        status: 'fail',
        when: 'the login (18456, explained by its state) or the database (4060) was refused',
        fix: 'the login, its password, or its access to the database',
      },
      {
        status: 'warn',
        when: "Integrated Security logs in as the server's Windows identity, which cannot be used from here",
        fix: 'run on the server as the service account, or set server.database.windowsCredentials',
      },
      {status: 'skip', when: 'no connection string, a malformed one (validate says where), or LocalDB'},
    ],
    sources: [
      {
        page: netwrixDocs('installation-guide/requirements/database-requirements'),
        quote: "SQL feed must be open from Identity Manager's server to SQL Server.",
      },
    ],
  },
})
