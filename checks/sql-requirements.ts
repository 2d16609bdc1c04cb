import {defineCheck, type Finding, netwrixDocs, type Product, versionRules} from '../src/model/index.js'
import {
  type SqlConnectFacts,
  planSql,
  sqlParamsSchema,
  withCheckLogin,
  type SqlParams,
} from '../src/probes/sql/index.js'
import {commonJs} from '../src/base/index.js'

/** The connection's params, and the oldest SQL Server the product version supports (VERSIONS' `sqlServer`). */
type Params = SqlParams & {minSqlServer?: {major: number; name: string}}

/** The marker the sandbox's TDS emulator recognises; harmless for a real server (a comment). */
const MARKER = 'idm-preflight:requirements'

/** The server's own facts, the same whoever asks. */
const SERVER_COLUMNS = `  CAST(SERVERPROPERTY('ProductMajorVersion') AS nvarchar(128)) AS major,
  CAST(SERVERPROPERTY('ProductVersion') AS nvarchar(128)) AS version,
  CAST(SERVERPROPERTY('Edition') AS nvarchar(128)) AS edition,
  CAST((SELECT value_in_use FROM sys.configurations WHERE name = 'max degree of parallelism') AS nvarchar(128)) AS server_maxdop,
  CAST((SELECT value FROM sys.database_scoped_configurations WHERE name = 'MAXDOP') AS nvarchar(128)) AS db_maxdop,`

/** One row, every column as text so that any server (and the emulator) answers in one type. */
export const REQUIREMENTS_QUERY = `/* ${MARKER} */
SELECT
${SERVER_COLUMNS}
  CAST(IS_ROLEMEMBER('db_owner') AS nvarchar(128)) AS is_db_owner,
  CAST(IS_SRVROLEMEMBER('bulkadmin') AS nvarchar(128)) AS is_bulkadmin,
  CAST(IS_SRVROLEMEMBER('sysadmin') AS nvarchar(128)) AS is_sysadmin,
  CAST(HAS_PERMS_BY_NAME(NULL, NULL, 'ADMINISTER BULK OPERATIONS') AS nvarchar(128)) AS has_bulk,
  CAST(DB_NAME() AS nvarchar(128)) AS db,
  CAST(SUSER_SNAME() AS nvarchar(128)) AS login`

/**
 * The same facts for another login (the service account, asked by a check login): role
 * membership and permissions from the catalog instead of the session's own. The name travels in
 * hex in a comment for the emulator, and as an N'' literal (quotes doubled) for the server.
 */
export function requirementsQueryFor(principal: string): string {
  const n = `N'${principal.replace(/'/g, "''")}'`
  const sid = `SUSER_SID(${n})`
  return `/* ${MARKER} */
/* ${MARKER}-for ${Buffer.from(principal, 'utf8').toString('hex')} */
SELECT
${SERVER_COLUMNS}
  CAST(CASE WHEN EXISTS (SELECT 1 FROM sys.databases WHERE name = DB_NAME() AND owner_sid = ${sid})
    OR EXISTS (SELECT 1 FROM sys.database_role_members rm
      JOIN sys.database_principals r ON r.principal_id = rm.role_principal_id
      JOIN sys.database_principals m ON m.principal_id = rm.member_principal_id
      WHERE r.name = 'db_owner' AND m.sid = ${sid}) THEN 1 ELSE 0 END AS nvarchar(128)) AS is_db_owner,
  CAST(IS_SRVROLEMEMBER('bulkadmin', ${n}) AS nvarchar(128)) AS is_bulkadmin,
  CAST(IS_SRVROLEMEMBER('sysadmin', ${n}) AS nvarchar(128)) AS is_sysadmin,
  CAST(CASE WHEN EXISTS (SELECT 1 FROM sys.server_permissions p
      JOIN sys.server_principals s ON s.principal_id = p.grantee_principal_id
      WHERE s.sid = ${sid} AND p.permission_name = 'ADMINISTER BULK OPERATIONS' AND p.state IN ('G', 'W'))
    THEN 1 ELSE 0 END AS nvarchar(128)) AS has_bulk,
  CAST(DB_NAME() AS nvarchar(128)) AS db,
  CAST(${n} AS nvarchar(128)) AS login,
  CAST(SUSER_SNAME() AS nvarchar(128)) AS checked_by,
  CAST(CASE WHEN ${sid} IS NULL THEN 0 ELSE 1 END AS nvarchar(128)) AS principal_exists`
}

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
  /** With a check login: who asked, and whether the service account is a login of this server. */
  checkedBy?: string
  principalExists?: boolean
}

type Facts = SqlConnectFacts & {result?: Requirements}

export default defineCheck<Params, Facts>({
  id: 'sql.requirements',
  summary:
    'SQL Server of the product version (2016+, 13.x, for 6.1 to 6.3), MAXDOP = 1, the login is db_owner, bulk operations allowed; each shortfall with its T-SQL',
  docs: netwrixDocs('installation-guide/requirements/database-requirements'),
  flow: 'server-database',
  topologies: ['on-prem-integrated', 'on-prem-separate'],
  roles: ['server'],
  params: {
    ...sqlParamsSchema,
    properties: {
      ...sqlParamsSchema.properties,
      minSqlServer: {
        type: 'object',
        additionalProperties: false,
        required: ['major', 'name'],
        properties: {major: {type: 'integer'}, name: {type: 'string'}},
      },
    },
  },
  plan: (env, ctx) =>
    withMinimum(
      env.product,
      planSql(
        env,
        ctx.baseDir,
        (env.checks?.settings?.['sql.connection'] as Record<string, unknown> | undefined) ?? {},
      ).map((t) => {
        const check = env.server.database?.checkLogin
        const account = env.server.serviceAccount
        if (t.skip || (t.params.auth === 'sql' && !check)) return {...t, owner: 'server' as const}
        // Integrated Security (the docs' recommended setup): with a check login, the service
        // account's rights are asked of the catalog; without one they cannot be seen from here.
        if (check && account && t.params.auth !== 'sql')
          return {...t, owner: 'server' as const, params: withCheckLogin(t.params, check, account)}
        if (t.params.auth === 'ntlm') return {...t, owner: 'server' as const}
        return {
          ...t,
          owner: 'server' as const,
          skip: `Integrated Security: ${account ?? 'the service account'}'s rights cannot be read from here; give server.database.checkLogin (a read-only login from the DBA) to verify them`,
        }
      }),
    ),
  title: (p) => `SQL Server requirements on ${p.database ?? p.host}`,
  async probe(p, ctx) {
    const {probeSql} = await import('../src/probes/sql/sql-probe.js')
    return probeSql(p, ctx, async (conn) => {
      const {Request} = commonJs(await import('tedious'))
      const row: Record<string, string | null> = {}
      await new Promise<void>((resolve, reject) => {
        const query = p.principal ? requirementsQueryFor(p.principal) : REQUIREMENTS_QUERY
        const req = new Request(query, (err) => (err ? reject(err) : resolve()))
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
        ...(p.principal ? {checkedBy: row.checked_by ?? '', principalExists: row.principal_exists === '1'} : {}),
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
    const min = p.minSqlServer ?? versionRules(undefined).sqlServer.value
    if (r.major < min.major)
      out.push({
        status: 'fail',
        message: `SQL Server ${r.version} (${r.edition}); the database-requirements page: "supports ${min.name} or later" (${min.major}.x)`,
        remediation: `upgrade SQL Server to ${min.name.replace('SQL Server ', '')} or later`,
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
    const via = r.checkedBy ? ` (asked as ${r.checkedBy})` : ''
    if (r.principalExists === false) {
      // No login of its own: its access may come through a Windows group, which the catalog
      // cannot resolve from here. Not a pass, not a proven failure.
      out.push({
        status: 'warn',
        message: `${r.login} is not a login of this SQL Server${via}: its rights cannot be read (a Windows group that grants them cannot be resolved from here)`,
        remediation: `CREATE LOGIN [${r.login}] FROM WINDOWS; USE [${r.database}]; CREATE USER [${r.login}] FOR LOGIN [${r.login}]; ALTER ROLE db_owner ADD MEMBER [${r.login}]; USE [master]; GRANT ADMINISTER BULK OPERATIONS TO [${r.login}];`,
      })
      return out
    }
    if (!r.isDbOwner && !r.isSysadmin)
      out.push({
        status: 'fail',
        message: `${r.login} is not db_owner of ${r.database}${via}`,
        remediation: `USE [${r.database}]; ALTER ROLE db_owner ADD MEMBER [${r.login}];`,
      })
    else
      out.push({
        status: 'pass',
        message: `${r.login} is ${r.isSysadmin ? 'sysadmin' : 'db_owner'} of ${r.database}${via}`,
      })
    if (!r.hasBulk && !r.isBulkadmin && !r.isSysadmin)
      out.push({
        status: 'fail',
        message: `${r.login} may not run bulk operations (neither bulkadmin nor ADMINISTER BULK OPERATIONS)${via}`,
        remediation: `USE [master]; GRANT ADMINISTER BULK OPERATIONS TO [${r.login}];  -- or: ALTER SERVER ROLE bulkadmin ADD MEMBER [${r.login}];`,
      })
    else
      out.push({
        status: 'pass',
        message: `bulk operations allowed (${r.isBulkadmin ? 'bulkadmin' : r.isSysadmin ? 'sysadmin' : 'ADMINISTER BULK OPERATIONS'})`,
      })
    return out
  },
  // What `checks show` says beyond the definition (verdicts, and the docs sentences it rests on).
  explain: {
    how: "Connected as sql.connection is, asks SQL Server for its version and edition, MAXDOP (server and database scoped), and the login's roles and bulk permission; under Integrated Security, the service account's rights through server.database.checkLogin.",
    verdicts: [
      {status: 'pass', when: 'SQL Server 2016 or later, MAXDOP 1, db_owner (or sysadmin), bulk operations allowed'},
      {
        status: 'fail',
        when: 'SQL Server before 2016, MAXDOP other than 1, not db_owner, or no bulk operations',
        fix: 'the T-SQL to run is given with each',
      },
      {
        status: 'warn',
        when: 'SQL Server Express (10 GB per database), or the service account is not a login of the server',
        fix: 'Standard or Enterprise; CREATE LOGIN … FROM WINDOWS',
      },
      {status: 'skip', when: 'no connection (see sql.connection), or Integrated Security without checkLogin'},
    ],
    sources: [
      {
        page: netwrixDocs('installation-guide/requirements/database-requirements'),
        quote: 'Identity Manager uses a SQL Server database and supports SQL Server 2016 or later.',
      },
      {
        page: netwrixDocs('installation-guide/requirements/database-requirements'),
        quote: 'The max degree of parallelism (MAXDOP) must be set to 1 in the SQL database.',
      },
      {
        page: netwrixDocs('installation-guide/requirements/database-requirements'),
        quote:
          'The database administrator must be able to assign the following roles to the service account used by Identity Manager to access the SQL Server database: `db_owner` […] `bulkadmin`',
      },
    ],
  },
})

/** Each instance with the product version's SQL Server rule. */
function withMinimum<T extends {params: SqlParams}>(
  product: Product | undefined,
  targets: T[],
): (T & {params: Params})[] {
  const minSqlServer = versionRules(product).sqlServer.value
  return targets.map((t) => ({...t, params: {...t.params, minSqlServer}}))
}
