import {isAbsolute, resolve} from 'node:path'
import type {PlannedTarget, Environment} from '../../model/index.js'
import {ConnectionStringError, parseConnectionString, type EncryptMode} from '../../environment/index.js'

/** What the sql.* probes need: the parsed connection string, resolved credentials, network. */
export interface SqlParams {
  host: string
  instance?: string
  port?: number
  local: boolean
  database?: string
  /** sql: a SQL login; ntlm: Windows credentials from the environment file; integrated: the current Windows identity. */
  auth: 'sql' | 'ntlm' | 'integrated'
  userId?: string
  password?: string
  ntlmDomain?: string
  encrypt: EncryptMode
  trustServerCertificate: boolean
  hostNameInCertificate?: string
  dnsServers?: string[]
  caFile?: string
  browserPort: number
  /**
   * sql.requirements with a check login: the Windows login (the service account) whose rights are
   * asked of the catalog, rather than those of the login connected.
   */
  principal?: string
}

export const sqlParamsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['host', 'local', 'auth', 'encrypt', 'trustServerCertificate', 'browserPort'],
  properties: {
    host: {type: 'string'},
    instance: {type: 'string'},
    port: {type: 'integer'},
    local: {type: 'boolean'},
    database: {type: 'string'},
    auth: {enum: ['sql', 'ntlm', 'integrated']},
    userId: {type: 'string'},
    password: {type: 'string'},
    ntlmDomain: {type: 'string'},
    encrypt: {enum: ['optional', 'mandatory', 'strict']},
    trustServerCertificate: {type: 'boolean'},
    hostNameInCertificate: {type: 'string'},
    dnsServers: {type: 'array', items: {type: 'string'}},
    caFile: {type: 'string'},
    browserPort: {type: 'integer'},
    principal: {type: 'string'},
  },
} as const

/**
 * The params of sql.requirements under Integrated Security when the environment gives a check
 * login: connect as it (SQL login, or NTLM for DOMAIN\\user) and judge the service account.
 */
export function withCheckLogin(
  p: SqlParams,
  login: {username: string; password?: string},
  serviceAccount: string,
): SqlParams {
  const {userId: _u, password: _p, ntlmDomain: _d, ...rest} = p
  const [domain, user] = login.username.includes('\\') ? login.username.split('\\', 2) : [undefined, login.username]
  return {
    ...rest,
    auth: domain ? 'ntlm' : 'sql',
    userId: user!,
    password: login.password ?? '',
    ...(domain ? {ntlmDomain: domain} : {}),
    principal: serviceAccount,
  }
}

/** `checks.settings.sql.connection`: the SQL Browser port (1434; another only for tests and sandboxes). */
export const sqlSettingsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    browserPort: {
      type: 'integer',
      minimum: 1,
      maximum: 65535,
      default: 1434,
      description: 'UDP port of the SQL Server Browser (default 1434)',
    },
  },
}

/** The one `server` instance of a sql.* check, or a skip saying why there is none. */
export function planSql(
  env: Environment,
  baseDir: string,
  settings: Record<string, unknown>,
): PlannedTarget<SqlParams>[] {
  const cs = env.server.database?.connectionString
  if (!cs)
    return [
      {target: 'server', params: SQL_PLACEHOLDER, skip: 'no server.database.connectionString in the environment file'},
    ]
  const r = sqlParamsOf(cs, env, baseDir, settings, env.server.database?.windowsCredentials)
  return [{target: 'server', ...r}]
}

/** Params for a sql.* probe when there are none to give (the instance is a skip). */
export const SQL_PLACEHOLDER: SqlParams = {
  host: '-',
  local: false,
  auth: 'sql',
  encrypt: 'optional',
  trustServerCertificate: false,
  browserPort: 1434,
}

/**
 * The params of a probe of one connection string (the server's database, or a SQL connector's),
 * or a skip saying why it cannot be probed (malformed, LocalDB).
 */
export function sqlParamsOf(
  cs: string,
  env: Environment,
  baseDir: string,
  settings: Record<string, unknown>,
  win?: {username: string; password?: string},
): {params: SqlParams; skip?: string} {
  // Not resolved yet (check --plan; or unset, and the instance is an error saying so): the
  // string is not judged, and the instance holds the reference it needs.
  if (/^\$\{(env|file):[^}]+\}$/.test(cs)) return {params: {...SQL_PLACEHOLDER, host: cs}}
  let parsed
  try {
    parsed = parseConnectionString(cs)
  } catch (e) {
    if (e instanceof ConnectionStringError)
      return {
        params: SQL_PLACEHOLDER,
        skip: `the connection string is malformed: ${e.message} (idm-preflight validate shows where)`,
      }
    throw e
  }
  const ds = parsed.dataSource!
  if (ds.localDb)
    return {
      params: SQL_PLACEHOLDER,
      skip: 'LocalDB runs inside a Windows user session: it cannot be reached over the network',
    }
  const [domain, user] = win?.username.includes('\\') ? win.username.split('\\', 2) : [undefined, win?.username]
  const params: SqlParams = {
    host: ds.host,
    ...(ds.instance ? {instance: ds.instance} : {}),
    ...(ds.port ? {port: ds.port} : {}),
    local: ds.local,
    ...(parsed.database ? {database: parsed.database} : {}),
    auth: parsed.integratedSecurity ? (win ? 'ntlm' : 'integrated') : 'sql',
    ...(parsed.integratedSecurity
      ? win
        ? {userId: user!, password: win.password ?? '', ...(domain ? {ntlmDomain: domain} : {})}
        : {}
      : {userId: parsed.userId ?? '', password: parsed.password ?? ''}),
    encrypt: parsed.encrypt,
    trustServerCertificate: parsed.trustServerCertificate,
    ...(parsed.hostNameInCertificate ? {hostNameInCertificate: parsed.hostNameInCertificate} : {}),
    ...(env.network?.dnsServers?.length ? {dnsServers: [...env.network.dnsServers]} : {}),
    ...(env.network?.caFile
      ? {caFile: isAbsolute(env.network.caFile) ? env.network.caFile : resolve(baseDir, env.network.caFile)}
      : {}),
    browserPort: Number(settings.browserPort ?? 1434),
  }
  return {params}
}
