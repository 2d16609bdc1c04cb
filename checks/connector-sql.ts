import {defineCheck, type Finding, netwrixDocs} from '../src/model/index.js'
import {accountOf, connectionsOf, connectorParamsSchema, noConnectionReason, ownedBy} from '../src/product/index.js'
import {
  type SqlConnectFacts,
  SQL_PLACEHOLDER,
  sqlParamsOf,
  sqlParamsSchema,
  sqlSettingsSchema,
  type SqlParams,
  sqlConnectionFindings,
} from '../src/probes/sql/index.js'

type Params = SqlParams & {owner: string; system: string; connection: string}

/**
 * A SQL connector's database, reached from the agent's host with the connector's own connection
 * string: the very phases of sql.connection (DNS, TCP or SQL Browser, pre-login, TLS, login,
 * database), judged the same way.
 */
export default defineCheck<Params, SqlConnectFacts>({
  id: 'connector.sql',
  summary:
    "SQL connection from the agent's host: the connector's connection string parses; DNS, TCP, pre-login, TLS, login and database open (the sql.connection phases)",
  docs: netwrixDocs('integration-guide/connectors/references-connectors/sql'),
  flow: 'agent-systems',
  topologies: ['saas', 'on-prem-integrated', 'on-prem-separate'],
  roles: ['agent'],
  settings: sqlSettingsSchema,
  params: {
    ...sqlParamsSchema,
    required: [...sqlParamsSchema.required, 'owner', 'system', 'connection'],
    properties: {...sqlParamsSchema.properties, ...connectorParamsSchema},
  },
  emptyReason: (env, ctx) => noConnectionReason(env, ctx, ['sql']),
  plan(env, ctx) {
    return connectionsOf(env, ctx, ['sql']).map(({connection: k, owner, target, system, agent}) => {
      const base = {owner, system, connection: k.identifier}
      if (k.settings?.ProviderClassFullName)
        return {
          target,
          ...ownedBy(owner),
          params: {...SQL_PLACEHOLDER, ...base},
          skip: `${String(k.settings.ProviderClassFullName)} is not SQL Server: only SQL Server connection strings are checked`,
        }
      const r = sqlParamsOf(k.connectionString ?? '', env, ctx.baseDir, ctx.settings)
      // Integrated Security logs in as the agent's account: say so rather than test as ourselves.
      const account = accountOf(agent, env)
      return {
        target,
        ...ownedBy(owner),
        params: {...r.params, ...base, ...(account ? {principal: account} : {})},
        ...(r.skip ? {skip: r.skip} : {}),
      }
    })
  },
  title: (p) =>
    `${p.connection} → SQL Server ${p.host}${p.instance ? `\\${p.instance}` : ''}${p.port ? `,${p.port}` : ''}`,
  probe: async (p, ctx) => (await import('../src/probes/sql/sql-probe.js')).probeSql(p, ctx),
  evaluate: (p, f): Finding[] =>
    sqlConnectionFindings(p, f, {
      host: "the agent's host",
      feed: 'from the agent to SQL Server',
      integrated: {
        who: `the agent's service account${p.principal ? ` (${p.principal})` : ''}`,
        fix: "run idm-preflight on the agent host as its service account, or test a SQL login's string here",
      },
    }),
  // What `checks show` says beyond the definition (verdicts, and the docs sentences it rests on).
  explain: {
    how: "The connector's own connection string, from the agent's host, through every phase of sql.connection (DNS, SQL Browser, TCP, pre-login, TLS, login, database), judged the same way.",
    verdicts: [
      {status: 'pass', when: 'logged in and the database opened'},
      {
        status: 'fail',
        when: 'a phase failed (named), or the login or database was refused',
        fix: 'as sql.connection, from the agent to SQL Server',
      },
      {
        status: 'warn',
        when: "Integrated Security logs in as the agent's service account, which cannot be used from here",
        fix: 'run on the agent host as its service account',
      },
      {status: 'skip', when: 'another DBMS (ProviderClassFullName), a malformed string, or LocalDB'},
    ],
    sources: [
      {
        page: netwrixDocs('installation-guide/requirements/agent-requirements'),
        quote:
          'Every Identity Manager agent needs one or several service accounts on the target managed systems, able to read and write to said managed systems.',
      },
    ],
  },
})
