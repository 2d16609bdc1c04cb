/**
 * ADO.NET (SqlClient) connection strings, as Identity Manager's server reads them: `key=value`
 * pairs separated by `;`, keys case-insensitive with their synonyms, values quoted with `"` or `'`
 * (a doubled quote inside is a literal one). Errors give the position and never the password.
 * Grammar and keywords: Microsoft.Data.SqlClient's SqlConnectionStringBuilder. The docs do not
 * name the product's SQL client: Microsoft.Data.SqlClient, the .NET one, is this tool's
 * assumption (test/conformance compares this parser with it).
 */

/** Canonical keyword → its synonyms (lower case). */
export const KEYWORDS: Record<string, string[]> = {
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
  // Refused by SqlClient on Linux and macOS only ("prefix the Data Source with tcp: or np:"); the
  // product runs on Windows.
  'Network Library': ['network library', 'net', 'network'],
  AttachDBFilename: ['attachdbfilename', 'extended properties', 'initial file name'],
  'Server Certificate': ['server certificate', 'servercertificate'],
  'Failover Partner SPN': ['failover partner spn', 'failoverpartnerspn'],
  'Enclave Attestation Url': ['enclave attestation url'],
  'Attestation Protocol': ['attestation protocol'],
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
}
/** Keywords of the old System.Data.SqlClient that Microsoft.Data.SqlClient (the client this tool assumes) refuses. */
export const RETIRED: Record<string, string> = {
  'asynchronous processing': 'Asynchronous Processing',
  async: 'Asynchronous Processing',
  'context connection': 'Context Connection',
  'transparent network ip resolution': 'TransparentNetworkIPResolution',
  transparentnetworkipresolution: 'TransparentNetworkIPResolution',
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
const INT32_MAX = 2147483647

function bool(key: string, v: string, pos: number, extra: string[] = []): boolean {
  const l = v.trim().toLowerCase()
  // SqlClient fails on an empty boolean (Integrated Security alone takes it as false).
  if (!l) throw new ConnectionStringError(`${key} has no value: true or false`, pos)
  if (TRUE.has(l) || extra.includes(l)) return true
  if (FALSE.has(l)) return false
  throw new ConnectionStringError(
    `${key} must be true or false${extra.length ? ` (or ${extra.join(', ')})` : ''}, not "${v}"`,
    pos,
  )
}

/**
 * A whole number as SqlClient reads it (Int32: spaces and a sign allowed) within its range; an
 * empty value is the default (undefined).
 */
function int(key: string, v: string, pos: number, min: number, max = INT32_MAX): number | undefined {
  if (!v.trim()) return undefined
  const n = /^\s*[+-]?\d+\s*$/.test(v) ? Number(v.trim()) : NaN
  if (!Number.isSafeInteger(n) || n < min || n > max)
    throw new ConnectionStringError(
      `${key} must be a whole number from ${min}${max === INT32_MAX ? '' : ` to ${max}`}, not "${v}"`,
      pos,
    )
  return n
}

/** One of a keyword's names, case-insensitive and trimmed, as SqlClient takes it. */
function oneOf(key: string, v: string, pos: number, names: string[]): string {
  const l = v.trim().toLowerCase()
  const found = names.find((n) => n.toLowerCase() === l)
  if (!found) throw new ConnectionStringError(`${key} must be one of ${names.join(', ')}, not "${v}"`, pos)
  return found
}

/** Authentication's values, as SqlClient names them (each also written without its spaces). */
const AUTHENTICATION = [
  'Sql Password',
  'Active Directory Password',
  'Active Directory Integrated',
  'Active Directory Interactive',
  'Active Directory Service Principal',
  'Active Directory Device Code Flow',
  'Active Directory Managed Identity',
  'Active Directory MSI',
  'Active Directory Default',
  'Active Directory Workload Identity',
]
/** The methods SqlClient refuses a Password with, and the one it refuses a User ID with too. */
const NO_PASSWORD = new Set(AUTHENTICATION.filter((a) => !/Password|Service Principal/.test(a)))
const NO_USER = new Set(['Active Directory Device Code Flow'])

/** Values SqlClient limits in length (characters). */
const MAX_LENGTH: Record<string, number> = {
  'Data Source': 128,
  'Initial Catalog': 128,
  'User ID': 128,
  Password: 128,
  'Application Name': 128,
  'Workstation ID': 128,
  'Current Language': 128,
  'Failover Partner': 128,
  AttachDBFilename: 260,
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
      // A quote inside an unquoted value is a character like any other (only a leading one quotes).
      value = value.trim()
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
  // A named pipe by its path: \\host\pipe\sql\query, or \\host\pipe\MSSQL$INSTANCE\sql\query.
  const pipe = /^\\\\([^\\]+)\\pipe\\(.*)$/i.exec(rest)
  if (pipe) {
    const host = pipe[1]!.trim()
    const instance = /^MSSQL\$([^\\]+)\\/i.exec(pipe[2]!)?.[1]
    const lower = host.toLowerCase()
    return {
      raw,
      protocol: 'np',
      host,
      ...(instance ? {instance} : {}),
      local: lower === '.' || lower === '(local)' || lower === 'localhost',
      localDb: false,
    }
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
  const positions: Record<string, number> = {}
  for (const {key, value, keyPos, valuePos} of tokenize(s)) {
    const lower = key.toLowerCase().replace(/\s+/g, ' ')
    const canonical = CANONICAL.get(lower)
    if (!canonical) {
      // Right after a password, an unknown "keyword" is most likely the rest of that password
      // (an unquoted ";" in it): never print it.
      if (previous === 'Password')
        throw new ConnectionStringError(
          'keyword not supported right after Password (not shown): if the password contains ";", quote it: Password="…" (with "" for a quote)',
          keyPos,
        )
      if (RETIRED[lower])
        throw new ConnectionStringError(
          `${RETIRED[lower]} belongs to the old System.Data.SqlClient: Microsoft.Data.SqlClient, the .NET client (the docs do not name the product's), refuses it (remove it)`,
          keyPos,
        )
      throw new ConnectionStringError(`keyword not supported: "${key}"`, keyPos)
    }
    previous = canonical
    if (seen.has(canonical)) cs.warnings.push(`${canonical} is given twice: the last one wins`)
    seen.add(canonical)
    cs.values[canonical] = value
    positions[canonical] = valuePos
    const max = MAX_LENGTH[canonical]
    if (max !== undefined && value.length > max)
      throw new ConnectionStringError(
        `${canonical} is ${value.length} characters long: SqlClient allows ${max}`,
        canonical === 'Password' ? keyPos : valuePos,
      )
    // As SqlClient: the last value of a keyword is the one it uses, an empty one meaning its default.
    switch (canonical) {
      case 'Data Source':
        cs.dataSource = parseDataSource(value, valuePos)
        break
      case 'Initial Catalog':
        cs.database = value || undefined
        break
      case 'User ID':
        cs.userId = value || undefined
        break
      case 'Password':
        cs.password = value || undefined
        break
      case 'Integrated Security':
        cs.integratedSecurity = value.trim() ? bool(canonical, value, valuePos, ['sspi']) : false
        break
      case 'Encrypt': {
        const l = value.trim().toLowerCase()
        if (!l || TRUE.has(l) || l === 'mandatory') cs.encrypt = 'mandatory'
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
        cs.hostNameInCertificate = value || undefined
        break
      case 'Connect Timeout':
        cs.connectTimeoutSeconds = int(canonical, value, valuePos, 0)
        break
      case 'Application Name':
        cs.applicationName = value || undefined
        break
      case 'Authentication': {
        const names = [...AUTHENTICATION, ...AUTHENTICATION.map((a) => a.replace(/ /g, ''))]
        cs.authentication = value.trim()
          ? AUTHENTICATION[names.indexOf(oneOf(canonical, value, valuePos, names)) % AUTHENTICATION.length]
          : undefined
        break
      }
      case 'Pooling':
      case 'MultipleActiveResultSets':
      case 'MultiSubnetFailover':
      case 'Persist Security Info':
      case 'Enlist':
      case 'User Instance':
      case 'Replication':
        bool(canonical, value, valuePos)
        break
      case 'Min Pool Size':
      case 'Load Balance Timeout':
      case 'Command Timeout':
        int(canonical, value, valuePos, 0)
        break
      case 'Max Pool Size':
        int(canonical, value, valuePos, 1)
        break
      case 'Packet Size':
        int(canonical, value, valuePos, 512, 32768)
        break
      case 'Connect Retry Count':
        int(canonical, value, valuePos, 0, 255)
        break
      case 'Connect Retry Interval':
        int(canonical, value, valuePos, 1, 60)
        break
      case 'ApplicationIntent':
        oneOf(canonical, value, valuePos, ['ReadWrite', 'ReadOnly'])
        break
      case 'Pool Blocking Period':
        oneOf(canonical, value, valuePos, ['Auto', 'AlwaysBlock', 'NeverBlock'])
        break
      case 'IP Address Preference':
        if (value.trim()) oneOf(canonical, value, valuePos, ['IPv4First', 'IPv6First', 'UsePlatformDefault'])
        break
      case 'Column Encryption Setting':
        if (value.trim()) oneOf(canonical, value, valuePos, ['Enabled', 'Disabled'])
        break
      case 'Type System Version':
        if (value.trim())
          oneOf(canonical, value, valuePos, [
            'Latest',
            'SQL Server 2000',
            'SQL Server 2005',
            'SQL Server 2008',
            'SQL Server 2012',
          ])
        break
      case 'Transaction Binding':
        if (value.trim()) oneOf(canonical, value, valuePos, ['Implicit Unbind', 'Explicit Unbind'])
        break
      default:
        break
    }
  }
  if (!cs.dataSource)
    throw new ConnectionStringError(
      'no Data Source (or Server): which SQL Server? (Data Source=. for the default instance of this host)',
      1,
    )
  // The combinations SqlClient refuses when the connection is created.
  if (cs.authentication && cs.integratedSecurity)
    throw new ConnectionStringError(
      `Authentication=${cs.authentication} and Integrated Security cannot be used together: keep one`,
      positions.Authentication!,
    )
  if (cs.authentication && NO_PASSWORD.has(cs.authentication) && cs.password !== undefined)
    throw new ConnectionStringError(
      `Authentication=${cs.authentication} takes no Password (not shown): remove it`,
      positions.Authentication!,
    )
  if (cs.authentication && NO_USER.has(cs.authentication) && cs.userId !== undefined)
    throw new ConnectionStringError(
      `Authentication=${cs.authentication} takes no User ID: remove it`,
      positions.Authentication!,
    )
  if (cs.values['Failover Partner']?.trim()) {
    if (!cs.database)
      throw new ConnectionStringError(
        'Failover Partner needs Initial Catalog (the mirrored database)',
        positions['Failover Partner']!,
      )
    if (cs.values.MultiSubnetFailover && bool('MultiSubnetFailover', cs.values.MultiSubnetFailover, 1))
      throw new ConnectionStringError(
        'MultiSubnetFailover cannot be used with Failover Partner (database mirroring): keep one',
        positions.MultiSubnetFailover!,
      )
  }
  if (cs.integratedSecurity && (cs.userId || cs.password))
    cs.warnings.push('Integrated Security is set: User ID and Password are ignored')
  if (!cs.integratedSecurity && !cs.authentication && !cs.userId)
    cs.warnings.push('neither Integrated Security nor User ID: the login will fail')
  const minPool = cs.values['Min Pool Size']?.trim() ? Number(cs.values['Min Pool Size']) : 0
  const maxPool = cs.values['Max Pool Size']?.trim() ? Number(cs.values['Max Pool Size']) : 100
  if (minPool > maxPool)
    throw new ConnectionStringError(
      `Min Pool Size (${minPool}) is larger than Max Pool Size (${maxPool}${cs.values['Max Pool Size']?.trim() ? '' : ', the default'})`,
      positions['Min Pool Size'] ?? 1,
    )
  return cs
}

/** The string with its password (and any secret-looking value) replaced by ***, for display. */
export function redactConnectionString(s: string): string {
  return s.replace(/((?:^|;)\s*(?:password|pwd)\s*=\s*)("(?:[^"]|"")*"|'(?:[^']|'')*'|[^;]*)/gi, '$1***')
}
