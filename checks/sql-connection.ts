import {defineCheck, type Finding} from '../src/core/check.js'
import {netwrixDocs} from '../src/core/docs.js'
import type {SqlConnectFacts} from '../src/lib/sql-probe.js'
import {planSql, sqlParamsSchema, sqlSettingsSchema, type SqlParams} from '../src/lib/sql-settings.js'
import {SERVER_SIDE, sqlConnectionFindings} from '../src/lib/sql-verdicts.js'

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
  probe: async (p, ctx) => (await import('../src/lib/sql-probe.js')).probeSql(p, ctx),
  evaluate: (p, f): Finding[] => sqlConnectionFindings(p, f, SERVER_SIDE),
})
