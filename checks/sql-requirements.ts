import {defineCheck, type Finding} from '../src/core/check.js'
import {netwrixDocs} from '../src/core/docs.js'
import type {SqlConnectFacts} from '../src/lib/sql-probe.js'
import {planSql, sqlParamsSchema, type SqlParams} from '../src/lib/sql-settings.js'

/** The marker the sandbox's TDS emulator recognises; harmless for a real server (a comment). */
const MARKER = 'idm-preflight:requirements'

/** One row, every column as text so that any server (and the emulator) answers in one type. */
export const REQUIREMENTS_QUERY = `/* ${MARKER} */
SELECT
  CAST(SERVERPROPERTY('ProductMajorVersion') AS nvarchar(128)) AS major,
  CAST(SERVERPROPERTY('ProductVersion') AS nvarchar(128)) AS version,
  CAST(SERVERPROPERTY('Edition') AS nvarchar(128)) AS edition,
  CAST((SELECT value_in_use FROM sys.configurations WHERE name = 'max degree of parallelism') AS nvarchar(128)) AS server_maxdop,
  CAST((SELECT value FROM sys.database_scoped_configurations WHERE name = 'MAXDOP') AS nvarchar(128)) AS db_maxdop,
  CAST(IS_ROLEMEMBER('db_owner') AS nvarchar(128)) AS is_db_owner,
  CAST(IS_SRVROLEMEMBER('bulkadmin') AS nvarchar(128)) AS is_bulkadmin,
  CAST(IS_SRVROLEMEMBER('sysadmin') AS nvarchar(128)) AS is_sysadmin,
  CAST(HAS_PERMS_BY_NAME(NULL, NULL, 'ADMINISTER BULK OPERATIONS') AS nvarchar(128)) AS has_bulk,
  CAST(DB_NAME() AS nvarchar(128)) AS db,
  CAST(SUSER_SNAME() AS nvarchar(128)) AS login`

export interface Requirements {
  major: number
  version: string
  edition: string
  serverMaxdop: number
  databaseMaxdop: number
  isDbOwner: boolean
  isBulkadmin: boolean
  isSysadmin: boolean
  hasBulk: boolean
  database: string
  login: string
}

type Facts = SqlConnectFacts & {result?: Requirements}

export default defineCheck<SqlParams, Facts>({
  id: 'sql.requirements',
  summary:
    'SQL Server 2016+ (13.x), MAXDOP = 1, the login is db_owner, bulk operations allowed; each shortfall with its T-SQL',
  docs: netwrixDocs('installation-guide/requirements/database-requirements'),
  flow: 'server-database',
  topologies: ['on-prem-integrated', 'on-prem-separate'],
  params: sqlParamsSchema,
  plan: (env, ctx) =>
    planSql(
      env,
      ctx.baseDir,
      (env.checks?.settings?.['sql.connection'] as Record<string, unknown> | undefined) ?? {},
    ).map((t) =>
      t.skip || t.params.auth !== 'integrated'
        ? {...t, owner: 'server' as const}
        : {
            ...t,
            owner: 'server' as const,
            skip: 'Integrated Security: the login cannot be tested from here (see sql.connection)',
          },
    ),
  title: (p) => `SQL Server requirements on ${p.database ?? p.host}`,
  async probe(p, ctx) {
    const {probeSql} = await import('../src/lib/sql-probe.js')
    return probeSql(p, ctx, async (conn) => {
      const {Request} = await import('tedious')
      const row: Record<string, string | null> = {}
      await new Promise<void>((resolve, reject) => {
        const req = new Request(REQUIREMENTS_QUERY, (err) => (err ? reject(err) : resolve()))
        req.on('row', (cols: {metadata: {colName: string}; value: unknown}[]) => {
          for (const c of cols)
            row[c.metadata.colName] = c.value === null || c.value === undefined ? null : String(c.value)
        })
        conn.execSqlBatch(req)
      })
      const n = (k: string) => Number(row[k] ?? 0)
      return {
        major: n('major'),
        version: row.version ?? '',
        edition: row.edition ?? '',
        serverMaxdop: n('server_maxdop'),
        databaseMaxdop: n('db_maxdop'),
        isDbOwner: row.is_db_owner === '1',
        isBulkadmin: row.is_bulkadmin === '1',
        isSysadmin: row.is_sysadmin === '1',
        hasBulk: row.has_bulk === '1',
        database: row.db ?? '',
        login: row.login ?? '',
      }
    })
  },
  evaluate(p, f): Finding[] {
    if (!f.result)
      return [
        {
          status: 'skip',
          message: `no connection to SQL Server (${f.failedPhase ? `${f.failedPhase} failed` : 'not tested'}): see sql.connection`,
        },
      ]
    const r = f.result
    const out: Finding[] = []
    if (r.major < 13)
      out.push({
        status: 'fail',
        message: `SQL Server ${r.version} (${r.edition}); Identity Manager needs SQL Server 2016 (13.x) or later`,
        remediation: 'upgrade SQL Server to 2016 or later (2019/2022 recommended)',
      })
    else out.push({status: 'pass', message: `SQL Server ${r.version} (${r.edition})`})
    if (/express/i.test(r.edition))
      out.push({
        status: 'warn',
        message: `${r.edition} limits a database to 10 GB (about 100,000 identities)`,
        remediation: 'use Standard or Enterprise for production',
      })
    const effective = r.databaseMaxdop > 0 ? r.databaseMaxdop : r.serverMaxdop
    const scope = r.databaseMaxdop > 0 ? `database ${r.database}` : 'server (the database inherits it)'
    if (effective !== 1)
      out.push({
        status: 'fail',
        message: `MAXDOP is ${effective} at the ${scope} level; Identity Manager requires MAXDOP = 1`,
        remediation: `USE [${r.database}]; ALTER DATABASE SCOPED CONFIGURATION SET MAXDOP = 1;  -- or server-wide: EXEC sp_configure 'show advanced options', 1; RECONFIGURE; EXEC sp_configure 'max degree of parallelism', 1; RECONFIGURE;`,
      })
    else out.push({status: 'pass', message: `MAXDOP = 1 (${scope})`})
    if (!r.isDbOwner && !r.isSysadmin)
      out.push({
        status: 'fail',
        message: `${r.login} is not db_owner of ${r.database}`,
        remediation: `USE [${r.database}]; ALTER ROLE db_owner ADD MEMBER [${r.login}];`,
      })
    else out.push({status: 'pass', message: `${r.login} is ${r.isSysadmin ? 'sysadmin' : 'db_owner'} of ${r.database}`})
    if (!r.hasBulk && !r.isBulkadmin && !r.isSysadmin)
      out.push({
        status: 'fail',
        message: `${r.login} may not run bulk operations (neither bulkadmin nor ADMINISTER BULK OPERATIONS)`,
        remediation: `USE [master]; GRANT ADMINISTER BULK OPERATIONS TO [${r.login}];  -- or: ALTER SERVER ROLE bulkadmin ADD MEMBER [${r.login}];`,
      })
    else
      out.push({
        status: 'pass',
        message: `bulk operations allowed (${r.isBulkadmin ? 'bulkadmin' : r.isSysadmin ? 'sysadmin' : 'ADMINISTER BULK OPERATIONS'})`,
      })
    return out
  },
})
