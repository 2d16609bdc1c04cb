import {parseTimeout, controlCharacter} from '../base/index.js'
import {serviceAccountProblems} from './accounts.js'
import {isSecretSettingKey, type Connection, type Environment} from '../model/index.js'
import {didYouMean} from './schema-errors.js'

/** A rule the schema cannot express, found at a JSON path. */
export interface SemanticProblem {
  path: (string | number)[]
  message: string
  severity: 'error' | 'warning'
}

const REF = /^\$\{(env|file):[^}]+\}$/

/** True when the value is a `${env:}`/`${file:}` reference (resolved later). */
export function isReference(value: unknown): value is string {
  return typeof value === 'string' && REF.test(value)
}

/**
 * An ApplicationUri (or an agent's URL) the docs allow but advise against: http:// works, HTTPS is
 * recommended (tokens, the Job secret and every password would cross the network in clear).
 */
export function plainHttpWarning(value: string): string | undefined {
  return /^http:\/\//i.test(value)
    ? 'uses http://: the product accepts it, but the docs recommend HTTPS (tokens and secrets would travel in clear)'
    : undefined
}

/**
 * Checks an absolute URL as the product wants its ApplicationUri: http or https (https
 * recommended, see plainHttpWarning), a host, no trailing slash, no query, fragment or
 * credentials. Returns the problem, or undefined.
 */
export function httpsUrlProblem(value: string): string | undefined {
  let u: URL
  try {
    u = new URL(value)
  } catch {
    return `is not an absolute URL: write it as https://host.example.com`
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return `must use https:// (found ${u.protocol}//)`
  if (!u.hostname) return 'has no host name'
  if (u.username || u.password) return 'must not contain credentials'
  if (u.search || u.hash) return 'must not have a query string or fragment'
  if (value.endsWith('/')) return `must not end with "/": write ${value.replace(/\/+$/, '')}`
  return undefined
}

/** `host`, `host:port`, `1.2.3.4:53`, `[::1]:5353` → problem text or undefined. */
export function dnsServerProblem(value: string): string | undefined {
  const m = /^\[([0-9a-fA-F:.]+)\](?::(\d+))?$/.exec(value) ?? /^([^:\s]+)(?::(\d+))?$/.exec(value)
  const v6 = /^[0-9a-fA-F:]+$/.test(value) && value.includes('::')
  if (!m && !v6) return 'must be host, host:port, or [IPv6]:port'
  const port = m?.[2]
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) return `port ${port} is out of range (1-65535)`
  return undefined
}

/**
 * The rules DESIGN.md §3 states that a schema cannot: what each topology requires and forbids,
 * URL forms, reserved and duplicate agent identifiers, SMTP mode and ports.
 */
export function semanticProblems(env: Environment): SemanticProblem[] {
  const out: SemanticProblem[] = []
  const err = (path: (string | number)[], message: string) => out.push({path, message, severity: 'error'})
  const warn = (path: (string | number)[], message: string) => out.push({path, message, severity: 'warning'})
  const agents = env.agents ?? []
  const saas = env.topology === 'saas'

  if (saas && env.product !== 'saas') err(['product'], 'topology saas needs product "saas"')
  if (!saas && env.product === 'saas') err(['topology'], `product "saas" needs topology saas (found ${env.topology})`)

  const urlProblem = isReference(env.server.url) ? undefined : httpsUrlProblem(env.server.url)
  if (urlProblem) err(['server', 'url'], urlProblem)
  else if (plainHttpWarning(env.server.url)) warn(['server', 'url'], plainHttpWarning(env.server.url)!)
  if (env.server.alias && !urlProblem && !isReference(env.server.url)) {
    const host = new URL(env.server.url).hostname
    if (host.toLowerCase() !== env.server.alias.toLowerCase())
      warn(['server', 'alias'], `differs from the host of server.url (${host}); browsers and agents use the URL`)
  }

  if (saas) {
    for (const key of ['workingDirectory', 'database', 'serviceAccount', 'identityServerCertificate'] as const) {
      if (env.server[key] !== undefined)
        err(
          ['server', key],
          `is not used in SaaS: Netwrix hosts the server${key === 'database' ? ' and its database' : ''}; remove it`,
        )
    }
    if (agents.length === 0) err(['agents'], 'SaaS needs at least one agent: the agents are what you install')
    if (env.server.installed !== undefined)
      warn(
        ['server', 'installed'],
        "has no effect in SaaS: the server is Netwrix's and always there (its checks run before)",
      )
  } else {
    if (!env.server.workingDirectory) err(['server'], `missing required key "workingDirectory" (needed on premises)`)
    if (!env.server.database)
      err(['server'], `missing required key "database" (on premises the server needs its SQL Server database)`)
    if (!env.server.serviceAccount)
      warn(['server'], 'no "serviceAccount": folder permission checks will be skipped for the server')
  }

  if (env.topology === 'on-prem-integrated') {
    if (agents.length > 1)
      err(['agents'], `an integrated agent runs inside the server: at most one entry (found ${agents.length})`)
    agents.forEach((a, i) => {
      for (const key of ['url', 'alias'] as const) {
        if (a[key] !== undefined)
          err(['agents', i, key], `an integrated agent has no ${key} of its own: it is the server's; remove it`)
      }
      if (a.workingDirectory && env.server.workingDirectory && a.workingDirectory !== env.server.workingDirectory)
        err(
          ['agents', i, 'workingDirectory'],
          'an integrated agent shares the server working directory; remove it or make it equal',
        )
    })
  }
  if (env.topology === 'on-prem-separate' && agents.length === 0)
    err(['agents'], 'on-prem-separate needs at least one agent (or use topology on-prem-integrated)')

  const seen = new Map<string, number>()
  agents.forEach((a, i) => {
    if (a.identifier.toLowerCase() === 'local')
      err(
        ['agents', i, 'identifier'],
        `"${a.identifier}" is reserved by the product for the integrated agent; choose another AgentIdentifier`,
      )
    const prev = seen.get(a.identifier.toLowerCase())
    if (prev !== undefined)
      err(['agents', i, 'identifier'], `duplicate agent identifier "${a.identifier}" (also agents[${prev}])`)
    else seen.set(a.identifier.toLowerCase(), i)
    if (env.topology !== 'on-prem-integrated') {
      if (a.url !== undefined) {
        const p = isReference(a.url) ? undefined : httpsUrlProblem(a.url)
        if (p) err(['agents', i, 'url'], p)
        else if (plainHttpWarning(a.url)) warn(['agents', i, 'url'], plainHttpWarning(a.url)!)
      } else if (env.topology === 'on-prem-separate') {
        err(['agents', i], 'missing required key "url" (a separate agent has its own HTTPS site)')
      }
      if (!a.workingDirectory) err(['agents', i], 'missing required key "workingDirectory"')
      // scaffold would leave a placeholder no variable can fill: say it here, where it is fixed.
      if (!a.identityServerCertificate)
        warn(
          ['agents', i],
          `no "identityServerCertificate": the agent verifies the server's tokens with it (${env.topology === 'saas' ? 'in SaaS, the PFX and password Netwrix gives you' : "on premises, the server's IdentityServer certificate, its public part is enough"}); scaffold cannot write IdentityServer without it`,
        )
      if (!a.serviceAccount)
        warn(['agents', i], 'no "serviceAccount": folder permission checks will be skipped for this agent')
    }
    certificateProblems(a.encryptionCertificate, ['agents', i, 'encryptionCertificate'], err)
    certificateProblems(a.identityServerCertificate, ['agents', i, 'identityServerCertificate'], err)
    certificateProblems(a.tlsCertificate, ['agents', i, 'tlsCertificate'], err)
  })
  certificateProblems(env.server.encryptionCertificate, ['server', 'encryptionCertificate'], err)
  certificateProblems(env.server.identityServerCertificate, ['server', 'identityServerCertificate'], err)
  certificateProblems(env.server.tlsCertificate, ['server', 'tlsCertificate'], err)

  const cs = env.server.database?.connectionString
  if (cs !== undefined && !isReference(cs) && /(^|;)\s*(password|pwd)\s*=/i.test(cs)) {
    err(
      ['server', 'database', 'connectionString'],
      'holds a password in clear: move the whole string to "${env:NAME}" or "${file:PATH}"',
    )
  }

  const smtp = env.smtp
  if (smtp) {
    if (smtp.host && smtp.pickupDirectory)
      err(['smtp'], 'set either "host" (an SMTP server) or "pickupDirectory" (pickup mode), not both')
    if (!smtp.host && !smtp.pickupDirectory)
      err(['smtp'], 'set "host" (an SMTP server) or "pickupDirectory" (pickup mode)')
    if (smtp.host) {
      if (!smtp.fromAddress) err(['smtp'], 'missing required key "fromAddress" (the product requires FromAddress)')
      if (smtp.port === undefined) warn(['smtp'], 'no "port": the agent defaults to 0; set 25, 465 or 587')
      if (smtp.port === 993)
        warn(['smtp', 'port'], '993 is the IMAPS port (a known error in the product docs); SMTP uses 25, 465 or 587')
      const opt = smtp.secureSocketOption
      if (opt === 'SslOnConnect' && (smtp.port === 25 || smtp.port === 587))
        warn(
          ['smtp', 'secureSocketOption'],
          `SslOnConnect expects implicit TLS (port 465), not port ${smtp.port}; use StartTls`,
        )
      if ((opt === 'StartTls' || opt === 'StartTlsWhenAvailable') && smtp.port === 465)
        warn(['smtp', 'secureSocketOption'], `port 465 speaks TLS at once; use SslOnConnect, or port 587 with ${opt}`)
    } else if (smtp.pickupDirectory && !smtp.fromAddress) {
      warn(['smtp'], 'no "fromAddress": mails written to the pickup directory will have no sender')
    }
    if (smtp.password !== undefined && !smtp.username) err(['smtp'], 'has a "password" but no "username"')
    if (smtp.useDefaultCredentials && smtp.username)
      warn(['smtp', 'useDefaultCredentials'], 'is true, so the product ignores username and password')
  }

  const net = env.network
  net?.dnsServers?.forEach((s, i) => {
    const p = dnsServerProblem(s)
    if (p) err(['network', 'dnsServers', i], p)
  })
  if (net?.httpsProxy && !isReference(net.httpsProxy) && /\/\/[^/@]+:[^/@]*@/.test(net.httpsProxy)) {
    err(['network', 'httpsProxy'], 'holds proxy credentials in clear: use "${env:HTTPS_PROXY}" instead')
  }

  connectorProblems(env, err, warn)

  const today = new Date().toISOString().slice(0, 10)
  env.checks?.waivers?.forEach((w, i) => {
    if (/^\d{4}-\d{2}-\d{2}$/.test(w.until) && w.until < today)
      warn(['checks', 'waivers', i, 'until'], `this waiver expired on ${w.until}: ${w.id} failures count again`)
  })

  if (env.checks?.timeout !== undefined) {
    const t = parseTimeout(env.checks.timeout)
    if ('problem' in t) err(['checks', 'timeout'], t.problem)
  }
  // Accounts end up inside ACL grammar (setfacl, icacls): one account name each.
  for (const p of serviceAccountProblems(env)) err(p.path, p.message)

  for (const [path, value] of walkStrings(env)) {
    if (value.includes('${') && !isReference(value)) {
      err(path, 'a reference must be the whole value, "${env:NAME}" or "${file:PATH}", with nothing around it')
    }
    // Names, hosts, paths and accounts end up in scripts, settings and terminals: a CR, LF or
    // escape in one is a mistake at best and an injection at worst. Waiver reasons are prose.
    const isReason = path[0] === 'checks' && path[1] === 'waivers' && path.at(-1) === 'reason'
    const control = isReason ? undefined : controlCharacter(value)
    if (control)
      err(path, `contains a control character (${control}): names, hosts, paths and accounts are one line of text`)
  }
  return out
}

/** The keys of a connection that each type uses (the rest of the schema's keys belong to others). */
export const CONNECTION_KEYS: Record<Connection['type'], readonly string[]> = {
  activeDirectory: ['servers', 'baseDN', 'security', 'authType', 'login', 'password', 'filter'],
  ldap: ['servers', 'baseDN', 'security', 'authType', 'login', 'password', 'filter'],
  sql: ['connectionString'],
  files: ['path', 'pathIncremental', 'isFileNameRegex', 'outputFolders'],
  http: [
    'api',
    'url',
    'username',
    'password',
    'token',
    'applicationId',
    'applicationKey',
    'clientId',
    'clientSecret',
    'oauth2Url',
  ],
}

/** The product's setting each typed key becomes: `settings` must not write them a second time. */
const OWNED_SETTINGS: Record<Connection['type'], readonly string[]> = {
  activeDirectory: ['Servers', 'AuthType', 'Login', 'Password', 'EnableSSL', 'Filter'],
  ldap: ['Servers', 'Tables'],
  sql: ['ConnectionString'],
  files: ['Path', 'PathIncremental', 'IsFileNameRegex'],
  http: [
    'Server',
    'Login',
    'Password',
    'OAuthToken',
    'ApplicationId',
    'ApplicationKey',
    'ClientId',
    'ClientSecret',
    'OAuth2Url',
  ],
}

/** The default bind of an LDAP connection: Basic when a login is given, else Negotiate (the product's default). */
export function ldapAuthType(c: Pick<Connection, 'authType' | 'login'>): NonNullable<Connection['authType']> {
  return c.authType ?? (c.login ? 'Basic' : 'Negotiate')
}

function connectorProblems(
  env: Environment,
  err: (path: (string | number)[], message: string) => void,
  warn: (path: (string | number)[], message: string) => void,
): void {
  const agents = env.agents ?? []
  const integrated = env.topology === 'on-prem-integrated'
  // Connections keys are configuration keys: case-insensitive, one namespace per agent.
  const keys = new Map<string, string>()
  const connectorIds = new Map<string, number>()
  ;(env.connectors ?? []).forEach((c, i) => {
    const prevConnector = connectorIds.get(c.identifier.toLowerCase())
    if (prevConnector !== undefined)
      err(['connectors', i, 'identifier'], `duplicate connector "${c.identifier}" (also connectors[${prevConnector}])`)
    else connectorIds.set(c.identifier.toLowerCase(), i)
    let agent = integrated ? (agents[0]?.identifier ?? 'server') : undefined
    if (c.agent !== undefined) {
      const a = agents.find((x) => x.identifier.toLowerCase() === c.agent!.toLowerCase())
      if (a) agent = a.identifier
      else if (integrated && agents.length === 0 && c.agent.toLowerCase() !== 'local') agent = c.agent
      else {
        const names = agents.map((x) => x.identifier)
        const hint = didYouMean(c.agent, names)
        err(
          ['connectors', i, 'agent'],
          `"${c.agent}" is not an agent of this file${hint ? ` (did you mean "${hint}"?)` : names.length ? ` (agents: ${names.join(', ')})` : ''}`,
        )
      }
    } else if (!integrated) {
      err(['connectors', i], 'missing required key "agent": the identifier of the agent that runs this connector')
    }
    c.connections.forEach((k, j) => {
      const at = (...rest: (string | number)[]) => ['connectors', i, 'connections', j, ...rest]
      if (agent) {
        const key = `${agent.toLowerCase()}\0${k.identifier.toLowerCase()}`
        const prev = keys.get(key)
        if (prev)
          err(
            at('identifier'),
            `duplicate connection "${k.identifier}" on agent ${agent} (also ${prev}): Connections keys are case-insensitive`,
          )
        else keys.set(key, `connectors[${i}].connections[${j}]`)
      }
      const own = new Set(CONNECTION_KEYS[k.type])
      for (const key of Object.keys(k)) {
        if (key === 'identifier' || key === 'type' || key === 'settings' || own.has(key)) continue
        const owner = (Object.keys(CONNECTION_KEYS) as Connection['type'][]).filter((t) =>
          CONNECTION_KEYS[t].includes(key),
        )
        err(at(key), `is not used by a ${k.type} connection (${owner.join(', ')} only); remove it`)
      }
      for (const [key, value] of Object.entries(k.settings ?? {})) {
        const owned = OWNED_SETTINGS[k.type].find((o) => o.toLowerCase() === key.toLowerCase())
        if (owned)
          err(at('settings', key), `${owned} is written from the connection's own keys; remove it from settings`)
        else if (isSecretSettingKey(key) && typeof value === 'string' && !isReference(value))
          err(at('settings', key), 'holds a secret in clear: use "${env:NAME}" or "${file:PATH}"')
      }
      if (k.type === 'activeDirectory' || k.type === 'ldap') ldapProblems(k, at, err, warn)
      else if (k.type === 'sql') {
        if (!k.connectionString) err(at(), 'missing required key "connectionString"')
        else if (!isReference(k.connectionString) && /(^|;)\s*(password|pwd)\s*=/i.test(k.connectionString))
          err(
            at('connectionString'),
            'holds a password in clear: move the whole string to "${env:NAME}" or "${file:PATH}"',
          )
      } else if (k.type === 'files') {
        if (!k.path && !k.pathIncremental)
          err(at(), 'set "path" (complete synchronization) or "pathIncremental", or both')
        if (k.isFileNameRegex)
          for (const key of ['path', 'pathIncremental'] as const) {
            const v = k[key]
            if (!v) continue
            const name = v.replace(/^.*[\\/]/, '')
            try {
              new RegExp(name)
            } catch (e) {
              err(
                at(key),
                `the file name is not a regular expression: ${(e as Error).message.replace(/^Invalid regular expression: /, '')}`,
              )
            }
          }
      } else if (k.type === 'http') {
        if (!k.url) err(at(), 'missing required key "url" (the API base URL)')
        else if (!isReference(k.url)) {
          let u: URL | undefined
          try {
            u = new URL(k.url)
          } catch {
            err(at('url'), 'is not an absolute URL: write it as https://api.example.com/…')
          }
          if (u && u.protocol !== 'https:' && u.protocol !== 'http:')
            err(at('url'), `must use https:// (found ${u.protocol}//)`)
          else if (u && (u.username || u.password))
            err(at('url'), 'must not contain credentials: use username and password')
          else if (u?.protocol === 'http:')
            warn(at('url'), 'uses http://: credentials and data would cross the network in clear; use https')
        }
        if (k.username && k.password === undefined) err(at(), 'has a "username" but no "password"')
        if (k.password !== undefined && !k.username) err(at(), 'has a "password" but no "username"')
        httpApiProblems(k, at, err, warn)
      }
    })
  })
}

/**
 * What the API's reference page says of its settings. SCIM (references-connectors/scim): every
 * credential is optional; "The credential attributes (ApplicationId, ApplicationKey, Login and
 * Password) are used to obtain a token from the application for our requests", OAuthToken is
 * "Generated OAuth token to connect to the application". ServiceNow
 * (references-connectors/servicenowentitymanagement): Login and Password are required, Server "must
 * start with https"; ClientId, ClientSecret and OAuth2Url are "used (and required) with OAuth".
 */
function httpApiProblems(
  k: Connection,
  at: (...rest: (string | number)[]) => (string | number)[],
  err: (path: (string | number)[], message: string) => void,
  warn: (path: (string | number)[], message: string) => void,
): void {
  const api = k.api ?? 'scim'
  const only = (keys: readonly (keyof Connection)[], which: string) => {
    for (const key of keys)
      if (k[key] !== undefined) err(at(key), `is a ${which} setting; this connection's api is ${api}`)
  }
  if (api === 'scim') {
    only(['clientId', 'clientSecret'], 'servicenow')
    if (k.applicationKey !== undefined && !k.applicationId)
      warn(
        at('applicationKey'),
        'an applicationKey (the SCIM page: "Password of the application") without its applicationId ("Login of the application")',
      )
    if (k.token !== undefined && (k.username || k.applicationId))
      warn(
        at('token'),
        'a token and the credentials the product gets a token with: the SCIM page does not say which one it uses (connector.http tries the token)',
      )
  } else {
    only(['applicationId', 'applicationKey'], 'scim')
    if (!k.username) err(at(), 'missing required key "username": the ServiceNow page requires Login and Password')
    if (k.url && !isReference(k.url) && !/^https:\/\//i.test(k.url))
      err(at('url'), 'the ServiceNow page: "the URL must start with https"')
    const oauth = (['clientId', 'clientSecret', 'oauth2Url'] as const).filter((key) => k[key] !== undefined)
    if (oauth.length && oauth.length < 3)
      err(
        at(),
        `OAuth needs clientId, clientSecret and oauth2Url together (the ServiceNow page: "used (and required) with OAuth"); found only ${oauth.join(', ')}`,
      )
    if (k.token !== undefined)
      err(
        at('token'),
        'the ServiceNow page has no OAuthToken: use username and password (Basic), with clientId, clientSecret and oauth2Url for OAuth',
      )
  }
}

function ldapProblems(
  k: Connection,
  at: (...rest: (string | number)[]) => (string | number)[],
  err: (path: (string | number)[], message: string) => void,
  warn: (path: (string | number)[], message: string) => void,
): void {
  if (!k.servers?.length) {
    err(at(), 'missing required key "servers": the directory servers, [{host: dc01.contoso.com}]')
    return
  }
  const auth = ldapAuthType(k)
  const security = k.security ?? 'ldaps'
  k.servers.forEach((s, n) => {
    if (!s.baseDN && !k.baseDN) err(at('servers', n), 'no "baseDN" here nor on the connection: the base DN to read')
    const port = s.port ?? (security === 'ldaps' ? 636 : 389)
    if (security === 'ldaps' && port === 389)
      warn(
        at('servers', n, 'port'),
        '389 is the LDAP port, not LDAPS (636): with security ldaps use 636, or security starttls',
      )
    if (security !== 'ldaps' && port === 636)
      warn(at('servers', n, 'port'), '636 speaks TLS at once: use security ldaps')
    if (k.type === 'activeDirectory' && (port === 3268 || port === 3269))
      warn(
        at('servers', n, 'port'),
        `${port} is the global catalog: it holds a partial copy of each object; the connector reads and writes a domain (389/636)`,
      )
  })
  if (auth === 'Basic') {
    if (!k.login) err(at(), 'authType Basic needs "login" (the bind account)')
    if (k.password === undefined) err(at(), 'authType Basic needs "password" ("${env:NAME}" or "${file:PATH}")')
    if (security === 'none')
      warn(at('security'), 'none: the Basic bind sends the password in clear over the network; use ldaps (EnableSSL)')
  } else if (auth === 'Anonymous' && (k.login || k.password !== undefined))
    err(at('authType'), 'is Anonymous: login and password are not used; remove them or use Basic')
  if (k.type === 'activeDirectory' && security === 'starttls')
    warn(
      at('security'),
      "starttls: the Active Directory connection's settings have EnableSSL (LDAPS) only; scaffold writes EnableSSL false",
    )
}

function certificateProblems(
  cert: Environment['server']['encryptionCertificate'],
  path: (string | number)[],
  err: (path: (string | number)[], message: string) => void,
): void {
  if (!cert) return
  if (cert.file && cert.store)
    err(path, 'set either "file" or "store", not both (the product uses the file when both are set)')
  if (!cert.file && !cert.store) err(path, 'set "file" (a PFX) or "store" (a Windows certificate store entry)')
  if (cert.store && !cert.store.thumbprint && !cert.store.subject)
    err([...path, 'store'], 'set "thumbprint" (preferred) or "subject" to find the certificate')
  if (cert.store && cert.password !== undefined)
    err([...path, 'password'], 'a store certificate has no password; remove it')
}

/** Every string in a JSON value with its path. */
export function* walkStrings(value: unknown, path: (string | number)[] = []): Generator<[(string | number)[], string]> {
  if (typeof value === 'string') yield [path, value]
  else if (Array.isArray(value)) for (let i = 0; i < value.length; i++) yield* walkStrings(value[i], [...path, i])
  else if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) yield* walkStrings(v, [...path, k])
}
