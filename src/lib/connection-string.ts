/**
 * ADO.NET (SqlClient) connection strings, as Identity Manager's server reads them: `key=value`
 * pairs separated by `;`, keys case-insensitive with their synonyms, values quoted with `"` or `'`
 * (a doubled quote inside is a literal one). Errors give the position and never the password.
 * Grammar and keywords: Microsoft.Data.SqlClient's SqlConnectionStringBuilder.
 */

/** Canonical keyword → its synonyms (lower case). */
const KEYWORDS: Record<string, string[]> = {
  'Data Source': ['data source', 'server', 'address', 'addr', 'network address'],
  'Initial Catalog': ['initial catalog', 'database'],
  'User ID': ['user id', 'uid', 'user'],
  Password: ['password', 'pwd'],
  'Integrated Security': ['integrated security', 'trusted_connection'],
  Encrypt: ['encrypt'],
  TrustServerCertificate: ['trustservercertificate', 'trust server certificate'],
  HostNameInCertificate: ['hostnameincertificate', 'host name in certificate'],
  'Server SPN': ['server spn', 'serverspn'],
  'Connect Timeout': ['connect timeout', 'connection timeout', 'timeout'],
  'Command Timeout': ['command timeout'],
  'Application Name': ['application name', 'app'],
  'Workstation ID': ['workstation id', 'wsid'],
  'Persist Security Info': ['persist security info', 'persistsecurityinfo'],
  Pooling: ['pooling'],
  'Min Pool Size': ['min pool size'],
  'Max Pool Size': ['max pool size'],
  'Load Balance Timeout': ['load balance timeout', 'connection lifetime'],
  'Pool Blocking Period': ['pool blocking period', 'poolblockingperiod'],
  MultipleActiveResultSets: ['multipleactiveresultsets', 'multiple active result sets'],
  MultiSubnetFailover: ['multisubnetfailover', 'multi subnet failover'],
  'Failover Partner': ['failover partner'],
  ApplicationIntent: ['applicationintent', 'application intent'],
  'Packet Size': ['packet size'],
  'Current Language': ['current language', 'language'],
  'Network Library': ['network library', 'net', 'network'],
  AttachDBFilename: ['attachdbfilename', 'extended properties', 'initial file name'],
  Authentication: ['authentication'],
  'Column Encryption Setting': ['column encryption setting'],
  'Connect Retry Count': ['connect retry count', 'connectretrycount'],
  'Connect Retry Interval': ['connect retry interval', 'connectretryinterval'],
  Enlist: ['enlist'],
  'Type System Version': ['type system version'],
  'Transaction Binding': ['transaction binding'],
  'User Instance': ['user instance'],
  Replication: ['replication'],
  'IP Address Preference': ['ip address preference', 'ipaddresspreference'],
  'Asynchronous Processing': ['asynchronous processing', 'async'],
  'Context Connection': ['context connection'],
}
const CANONICAL = new Map<string, string>()
for (const [k, syns] of Object.entries(KEYWORDS)) for (const s of syns) CANONICAL.set(s, k)

export type EncryptMode = 'optional' | 'mandatory' | 'strict'

export interface DataSource {
  raw: string
  protocol?: 'tcp' | 'np' | 'lpc' | 'admin'
  /** The host as written; `.` and `(local)` mean this host. */
  host: string
  instance?: string
  port?: number
  local: boolean
  localDb: boolean
}

export interface ConnectionString {
  dataSource?: DataSource
  database?: string
  userId?: string
  password?: string
  integratedSecurity: boolean
  encrypt: EncryptMode
  trustServerCertificate: boolean
  hostNameInCertificate?: string
  connectTimeoutSeconds?: number
  applicationName?: string
  authentication?: string
  /** Every keyword given, by its canonical name (the last one wins, as in SqlClient). */
  values: Record<string, string>
  /** Harmless oddities: duplicate keywords, a Password with Integrated Security… */
  warnings: string[]
}

export class ConnectionStringError extends Error {
  constructor(
    message: string,
    /** 1-based character position in the string. */
    readonly position: number,
  ) {
    super(`${message} (at character ${position})`)
    this.name = 'ConnectionStringError'
  }
}

const TRUE = new Set(['true', 'yes'])
const FALSE = new Set(['false', 'no'])

function bool(key: string, v: string, pos: number, extra: string[] = []): boolean {
  const l = v.trim().toLowerCase()
  if (TRUE.has(l) || extra.includes(l)) return true
  if (FALSE.has(l)) return false
  throw new ConnectionStringError(
    `${key} must be true or false${extra.length ? ` (or ${extra.join(', ')})` : ''}, not "${v}"`,
    pos,
  )
}

/** Splits into raw pairs with positions. Throws ConnectionStringError for the grammar. */
function tokenize(s: string): {key: string; value: string; keyPos: number; valuePos: number}[] {
  const out: {key: string; value: string; keyPos: number; valuePos: number}[] = []
  let i = 0
  const n = s.length
  while (i < n) {
    while (i < n && (s[i] === ';' || /\s/.test(s[i]!))) i++
    if (i >= n) break
    const keyPos = i + 1
    let key = ''
    for (;;) {
      // The fragment itself is not shown: a stray value may well be a password.
      if (i >= n) throw new ConnectionStringError('a part without "=" (keyword=value expected)', keyPos)
      const c = s[i]!
      if (c === '=') {
        if (s[i + 1] === '=') {
          key += '='
          i += 2
          continue
        }
        i++
        break
      }
      if (c === ';') throw new ConnectionStringError('a part without "=" (keyword=value expected)', keyPos)
      key += c
      i++
    }
    key = key.trim()
    if (!key) throw new ConnectionStringError('a value without a keyword', keyPos)
    while (i < n && s[i] === ' ') i++
    const valuePos = i + 1
    let value = ''
    const q = s[i]
    if (q === '"' || q === "'") {
      i++
      for (;;) {
        if (i >= n)
          throw new ConnectionStringError(
            `unterminated ${q === '"' ? 'double' : 'single'}-quoted value for ${displayKey(key)}`,
            valuePos,
          )
        if (s[i] === q) {
          if (s[i + 1] === q) {
            value += q
            i += 2
            continue
          }
          i++
          break
        }
        value += s[i]
        i++
      }
      while (i < n && /\s/.test(s[i]!)) i++
      if (i < n && s[i] !== ';')
        throw new ConnectionStringError(`text after the closing quote of ${displayKey(key)}`, i + 1)
    } else {
      while (i < n && s[i] !== ';') {
        value += s[i]
        i++
      }
      value = value.trim()
      const quote = value.search(/["']/)
      if (quote >= 0)
        throw new ConnectionStringError(
          `a quote inside the unquoted value of ${displayKey(key)}: quote the whole value ("…", with "" for a quote)`,
          valuePos + quote,
        )
    }
    out.push({key, value, keyPos, valuePos})
    if (s[i] === ';') i++
  }
  return out
}

/** The keyword as the user may see it in an error (a password's value is never shown). */
function displayKey(key: string): string {
  return CANONICAL.get(key.toLowerCase()) ?? key
}

/** `tcp:host\inst,1433` → its parts. */
export function parseDataSource(raw: string, pos: number): DataSource {
  let rest = raw.trim()
  let protocol: DataSource['protocol']
  const m = /^(tcp|np|lpc|admin):/i.exec(rest)
  if (m) {
    protocol = m[1]!.toLowerCase() as DataSource['protocol']
    rest = rest.slice(m[0].length)
  }
  let port: number | undefined
  const comma = rest.lastIndexOf(',')
  if (comma >= 0) {
    const p = rest.slice(comma + 1).trim()
    if (!/^\d+$/.test(p) || Number(p) < 1 || Number(p) > 65535)
      throw new ConnectionStringError(`Data Source port "${p}" is not a port number (1-65535)`, pos + comma + 1)
    port = Number(p)
    rest = rest.slice(0, comma).trim()
  }
  let instance: string | undefined
  const slash = rest.indexOf('\\')
  if (slash >= 0) {
    instance = rest.slice(slash + 1).trim()
    rest = rest.slice(0, slash).trim()
    if (!instance) throw new ConnectionStringError('Data Source has "\\" but no instance name', pos + slash)
  }
  if (!rest) throw new ConnectionStringError('Data Source has no server name', pos)
  const lower = rest.toLowerCase()
  return {
    raw,
    ...(protocol ? {protocol} : {}),
    host: rest,
    ...(instance ? {instance} : {}),
    ...(port ? {port} : {}),
    local: lower === '.' || lower === '(local)' || lower === 'localhost' || lower === '127.0.0.1' || lower === '::1',
    localDb: lower === '(localdb)',
  }
}

/** Parses a SqlClient connection string. Throws ConnectionStringError (with a position) when malformed. */
export function parseConnectionString(s: string): ConnectionString {
  const cs: ConnectionString = {
    integratedSecurity: false,
    encrypt: 'mandatory',
    trustServerCertificate: false,
    values: {},
    warnings: [],
  }
  const seen = new Set<string>()
  let previous: string | undefined
  for (const {key, value, keyPos, valuePos} of tokenize(s)) {
    const canonical = CANONICAL.get(key.toLowerCase().replace(/\s+/g, ' '))
    if (!canonical) {
      // Right after a password, an unknown "keyword" is most likely the rest of that password
      // (an unquoted ";" in it): never print it.
      if (previous === 'Password')
        throw new ConnectionStringError(
          'keyword not supported right after Password (not shown): if the password contains ";", quote it: Password="…" (with "" for a quote)',
          keyPos,
        )
      throw new ConnectionStringError(`keyword not supported: "${key}"`, keyPos)
    }
    previous = canonical
    if (seen.has(canonical)) cs.warnings.push(`${canonical} is given twice: the last one wins`)
    seen.add(canonical)
    cs.values[canonical] = value
    switch (canonical) {
      case 'Data Source':
        cs.dataSource = parseDataSource(value, valuePos)
        break
      case 'Initial Catalog':
        cs.database = value
        break
      case 'User ID':
        cs.userId = value
        break
      case 'Password':
        cs.password = value
        break
      case 'Integrated Security':
        cs.integratedSecurity = bool(canonical, value, valuePos, ['sspi'])
        break
      case 'Encrypt': {
        const l = value.trim().toLowerCase()
        if (TRUE.has(l) || l === 'mandatory') cs.encrypt = 'mandatory'
        else if (FALSE.has(l) || l === 'optional') cs.encrypt = 'optional'
        else if (l === 'strict') cs.encrypt = 'strict'
        else
          throw new ConnectionStringError(
            `Encrypt must be true, false, optional, mandatory or strict, not "${value}"`,
            valuePos,
          )
        break
      }
      case 'TrustServerCertificate':
        cs.trustServerCertificate = bool(canonical, value, valuePos)
        break
      case 'HostNameInCertificate':
        cs.hostNameInCertificate = value
        break
      case 'Connect Timeout':
        if (!/^\d+$/.test(value.trim()))
          throw new ConnectionStringError(`Connect Timeout must be a number of seconds, not "${value}"`, valuePos)
        cs.connectTimeoutSeconds = Number(value)
        break
      case 'Application Name':
        cs.applicationName = value
        break
      case 'Authentication':
        cs.authentication = value
        break
      case 'Pooling':
      case 'MultipleActiveResultSets':
      case 'MultiSubnetFailover':
      case 'Persist Security Info':
      case 'Enlist':
      case 'User Instance':
      case 'Replication':
      case 'Asynchronous Processing':
      case 'Context Connection':
        bool(canonical, value, valuePos)
        break
      case 'Min Pool Size':
      case 'Max Pool Size':
      case 'Packet Size':
      case 'Load Balance Timeout':
      case 'Command Timeout':
      case 'Connect Retry Count':
      case 'Connect Retry Interval':
        if (!/^\d+$/.test(value.trim()))
          throw new ConnectionStringError(`${canonical} must be a whole number, not "${value}"`, valuePos)
        break
      default:
        break
    }
  }
  if (!cs.dataSource) throw new ConnectionStringError('no Data Source (or Server): which SQL Server?', 1)
  if (cs.integratedSecurity && (cs.userId || cs.password))
    cs.warnings.push('Integrated Security is set: User ID and Password are ignored')
  if (!cs.integratedSecurity && !cs.authentication && !cs.userId)
    cs.warnings.push('neither Integrated Security nor User ID: the login will fail')
  if (
    cs.values['Min Pool Size'] &&
    cs.values['Max Pool Size'] &&
    Number(cs.values['Min Pool Size']) > Number(cs.values['Max Pool Size'])
  )
    throw new ConnectionStringError('Min Pool Size is larger than Max Pool Size', 1)
  return cs
}

/** The string with its password (and any secret-looking value) replaced by ***, for display. */
export function redactConnectionString(s: string): string {
  return s.replace(/((?:^|;)\s*(?:password|pwd)\s*=\s*)("(?:[^"]|"")*"|'(?:[^']|'')*'|[^;]*)/gi, '$1***')
}
