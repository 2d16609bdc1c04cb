import {httpsUrlProblem, plainHttpWarning, ConnectionStringError, parseConnectionString} from '../environment/index.js'
import {isProtectedPassword} from './certificate-password.js'

/** A settings file is a few kilobytes (settings-files.ts reads them; scaffold and adopt too). */
export const MAX_SETTINGS_BYTES = 1024 * 1024

/**
 * The rules for the product's settings files (DESIGN.md §4 `settings.files`), pure: required keys
 * per file and role, ApplicationUri's form and equality with the server's, AgentIdentifier not
 * `Local`, DefaultOpenIdClient among OpenIdClients, complete certificate blocks, pickup flags, SMTP
 * port 993, and placeholders or references left unfilled.
 */

export interface SettingsProblem {
  path: (string | number)[]
  message: string
  severity: 'error' | 'warning'
}

export type SettingsFile = 'appsettings.json' | 'appsettings.agent.json'

type Obj = Record<string, unknown>
const isObj = (v: unknown): v is Obj => !!v && typeof v === 'object' && !Array.isArray(v)

/** Case-insensitive key lookup, as .NET configuration binds keys. */
function get(o: unknown, key: string): unknown {
  if (!isObj(o)) return undefined
  const k = Object.keys(o).find((x) => x.toLowerCase() === key.toLowerCase())
  return k === undefined ? undefined : o[k]
}
function keyOf(o: unknown, key: string): string {
  return (isObj(o) && Object.keys(o).find((x) => x.toLowerCase() === key.toLowerCase())) || key
}

/** `server` settings hold ConnectionString; an agent's do not. */
export function roleOf(appsettings: unknown): 'server' | 'agent' {
  return get(appsettings, 'ConnectionString') !== undefined ? 'server' : 'agent'
}

/**
 * Keys of appsettings.json that only the server reads (DOMAIN.md §3.2): in a separate agent's
 * settings they say the file is the server's, shipped in the same archive (the settings-files
 * page says to replace it with Runtime/Agent's). As found, with their path.
 */
export function serverOnlyKeys(appsettings: unknown): string[] {
  const out: string[] = []
  for (const k of [
    'ConnectionString',
    'ConnectionStringGovernor',
    'AzureCredentials',
    'Agents',
    'NotUseAgent',
    'DataProtection',
    'AppDisplay',
    'PowerBISettings',
  ])
    if (get(appsettings, k) !== undefined) out.push(keyOf(appsettings, k))
  const auth = get(appsettings, 'Authentication')
  for (const k of ['TestUserStore', 'ActiveDirectoryUserStore', 'AllowLocalLogin'])
    if (get(auth, k) !== undefined) out.push(`${keyOf(appsettings, 'Authentication')}.${keyOf(auth, k)}`)
  return out
}

export function settingsProblems(
  file: SettingsFile,
  value: unknown,
  o: {role: 'server' | 'agent'; expectedApplicationUri?: string},
): SettingsProblem[] {
  const out: SettingsProblem[] = []
  const err = (path: (string | number)[], message: string) => out.push({path, message, severity: 'error'})
  const warn = (path: (string | number)[], message: string) => out.push({path, message, severity: 'warning'})
  const at = (parent: (string | number)[], obj: unknown, key: string) => [...parent, keyOf(obj, key)]

  // Anything left to fill in, anywhere in the file.
  walk(value, [], (path, s) => {
    if (s.includes('<REQUIRED:')) err(path, `placeholder left: ${s.replace(/^.*<REQUIRED: ([^>]*)>.*$/, '$1')}`)
    else if (/\$\{(env|file):/.test(s))
      err(path, `an idm-preflight reference (${s}) is not read by the product: put the value`)
  })

  if (file === 'appsettings.json') {
    const required =
      o.role === 'server'
        ? ['ConnectionString', 'ApplicationUri', 'EncryptionCertificate', 'IdentityServer', 'Authentication', 'License']
        : ['ApplicationUri', 'EncryptionCertificate', 'IdentityServer', 'Authentication']
    for (const k of required) if (get(value, k) === undefined) err([], `missing required key "${k}"`)
    if (o.role === 'agent')
      for (const k of serverOnlyKeys(value))
        err(
          k.split('.'),
          `"${k}" is a server setting: this is the server's appsettings.json, not an agent's. Replace it with Runtime/Agent/appsettings.json (the settings-files page; idm-preflight scaffold --force does, keeping a .bak)`,
        )
    if (o.role === 'agent' && get(value, 'License') === undefined)
      warn(
        [],
        'no "License": the production-agent guide asks for a valid one in the agent\'s appsettings.json (set server.license in the environment file to the license Netwrix gave you, and scaffold again)',
      )
    const uri = get(value, 'ApplicationUri')
    if (typeof uri === 'string' && !uri.includes('<REQUIRED:')) {
      const p = httpsUrlProblem(uri)
      if (p) err(at([], value, 'ApplicationUri'), `ApplicationUri ${p}`)
      else if (plainHttpWarning(uri)) warn(at([], value, 'ApplicationUri'), `ApplicationUri ${plainHttpWarning(uri)}`)
      else if (
        o.expectedApplicationUri &&
        uri.replace(/\/+$/, '').toLowerCase() !== o.expectedApplicationUri.replace(/\/+$/, '').toLowerCase()
      )
        err(
          at([], value, 'ApplicationUri'),
          `ApplicationUri is ${uri} but the server's is ${o.expectedApplicationUri}: they must be equal`,
        )
    }
    encryptionProblems(get(value, 'EncryptionCertificate'), at([], value, 'EncryptionCertificate'), err, warn)
    const ids = get(value, 'IdentityServer')
    if (ids !== undefined) {
      const path = at([], value, 'IdentityServer')
      if (!isObj(ids)) err(path, 'IdentityServer must be an object')
      else if (
        get(ids, 'X509KeyFilePath') === undefined &&
        (get(ids, 'X509StoreLocation') === undefined ||
          get(ids, 'X509StoreName') === undefined ||
          (get(ids, 'X509Thumbprint') === undefined && get(ids, 'X509SubjectDistinguishedName') === undefined))
      )
        err(
          path,
          'IdentityServer needs X509KeyFilePath (a PFX), or X509StoreLocation, X509StoreName and X509Thumbprint (or X509SubjectDistinguishedName)',
        )
      passwordWarning(get(ids, 'X509KeyFilePassword'), [...path, keyOf(ids, 'X509KeyFilePassword')], warn)
    }
    if (o.role === 'server') mailProblems(get(value, 'MailSettings'), at([], value, 'MailSettings'), err, warn)
  } else {
    const openId = get(value, 'OpenId')
    const path = at([], value, 'OpenId')
    if (openId === undefined) {
      if (o.role === 'agent')
        err([], 'missing required key "OpenId" (AgentIdentifier, OpenIdClients, DefaultOpenIdClient)')
    } else if (isObj(openId)) {
      const id = get(openId, 'AgentIdentifier')
      if (id === undefined) err(path, 'missing required key "AgentIdentifier"')
      else if (typeof id === 'string' && id.toLowerCase() === 'local')
        err(
          [...path, keyOf(openId, 'AgentIdentifier')],
          '"Local" is reserved for the integrated agent: choose another AgentIdentifier (the one of <Agent Identifier=…> in the XML configuration)',
        )
      const clients = get(openId, 'OpenIdClients')
      // A separate (or SaaS) agent calls the server with these; the integrated agent is the server.
      if (o.role === 'agent' && (!isObj(clients) || Object.keys(clients).length === 0))
        err(path, 'OpenIdClients must list at least one client (usually "Job") with its plain secret')
      const def = get(openId, 'DefaultOpenIdClient')
      if (def === undefined) {
        if (o.role === 'agent' || clients !== undefined) err(path, 'missing required key "DefaultOpenIdClient"')
      } else if (isObj(clients) && !Object.keys(clients).some((k) => k.toLowerCase() === String(def).toLowerCase()))
        err(
          [...path, keyOf(openId, 'DefaultOpenIdClient')],
          `DefaultOpenIdClient "${def}" is not one of OpenIdClients (${Object.keys(clients).join(', ')})`,
        )
    }
    const prs = get(value, 'PasswordResetSettings')
    if (isObj(prs)) {
      const prsPath = at([], value, 'PasswordResetSettings')
      encryptionProblems(
        get(prs, 'EncryptionCertificate'),
        [...prsPath, keyOf(prs, 'EncryptionCertificate')],
        err,
        warn,
        true,
        false,
      )
      mailProblems(get(prs, 'MailSettings'), [...prsPath, keyOf(prs, 'MailSettings')], err, warn)
      const tf = get(prs, 'TwoFactorSettings')
      if (isObj(tf) && get(tf, 'ApplicationUri') === undefined)
        err([...prsPath, keyOf(prs, 'TwoFactorSettings')], 'TwoFactorSettings needs ApplicationUri')
    }
    const roots = get(value, 'SourcesRootPaths')
    if (roots !== undefined && !Array.isArray(roots))
      err(at([], value, 'SourcesRootPaths'), 'SourcesRootPaths must be a list of folders')
    const connections = get(value, 'Connections')
    if (connections !== undefined)
      connectionsProblems(
        connections,
        at([], value, 'Connections'),
        Array.isArray(roots) ? roots.filter((r): r is string => typeof r === 'string') : [],
        err,
        warn,
      )
  }
  return out
}

/** The product's rule for a connection identifier (the connector reference pages). */
const CONNECTION_ID = /^[^0-9<>:"/\\|?*_][^<>:"/\\|?*_]*$/

/**
 * The agent's Connections (the connector reference pages): each key a valid connection
 * identifier; an Active Directory or LDAP connection with its servers and base DN, AuthType Basic
 * with Login and Password; a SQL connection string SqlClient parses; CSV paths inside
 * SourcesRootPaths (case-sensitive); an API's Server an absolute https URL.
 */
function connectionsProblems(
  v: unknown,
  path: (string | number)[],
  roots: string[],
  err: (p: (string | number)[], m: string) => void,
  warn: (p: (string | number)[], m: string) => void,
): void {
  if (!isObj(v)) return err(path, 'Connections must be an object: connection identifier → its settings')
  const seen = new Map<string, string>()
  for (const [id, c] of Object.entries(v)) {
    const p = [...path, id]
    if (!CONNECTION_ID.test(id))
      err(
        p,
        `"${id}" is not a valid connection identifier: it must not start with a digit nor contain < > : " / \\ | ? * _`,
      )
    const prev = seen.get(id.toLowerCase())
    if (prev) err(p, `"${id}" and "${prev}" are the same key to the product (keys are case-insensitive)`)
    seen.set(id.toLowerCase(), id)
    if (!isObj(c)) {
      err(p, 'a connection is an object of settings')
      continue
    }
    const at = (k: string) => [...p, keyOf(c, k)]
    const servers = get(c, 'Servers')
    if (servers !== undefined) {
      if (!Array.isArray(servers) || servers.length === 0) {
        err(at('Servers'), 'Servers must list at least one server: [{"Server": "dc01.contoso.com", …}]')
        continue
      }
      const tables = get(c, 'Tables')
      const ldap = tables !== undefined
      servers.forEach((s, i) => {
        if (!isObj(s) || typeof get(s, 'Server') !== 'string') err([...at('Servers'), i], 'each server needs "Server"')
        else if (!ldap && get(s, 'BaseDN') === undefined) err([...at('Servers'), i], 'each server needs "BaseDN"')
        if (ldap && isObj(s)) bindProblems(s, [...at('Servers'), i], err)
      })
      if (ldap) {
        if (
          !Array.isArray(tables) ||
          !tables.some((t) => isObj(t) && String(get(t, 'Table')).toLowerCase() === 'entries')
        )
          err(at('Tables'), 'Tables must have a table named "entries" (the main entries)')
        else
          tables.forEach((t, i) => {
            if (isObj(t) && (get(t, 'BaseDN') === undefined || get(t, 'Filter') === undefined))
              err([...at('Tables'), i], 'each table needs BaseDN and Filter')
          })
      } else {
        bindProblems(c, p, err)
        if (get(c, 'Filter') === undefined)
          warn(p, 'no "Filter": the export needs one ((objectclass=*) for all entries)')
      }
      continue
    }
    const cs = get(c, 'ConnectionString')
    if (cs !== undefined) {
      if (typeof cs !== 'string') err(at('ConnectionString'), 'ConnectionString must be a string')
      else if (get(c, 'ProviderClassFullName') === undefined && !cs.includes('<REQUIRED:'))
        try {
          parseConnectionString(cs)
        } catch (e) {
          if (e instanceof ConnectionStringError) err(at('ConnectionString'), `connection string: ${e.message}`)
          else throw e
        }
      continue
    }
    if (get(c, 'Path') !== undefined || get(c, 'PathIncremental') !== undefined) {
      for (const k of ['Path', 'PathIncremental']) {
        const f = get(c, k)
        if (f === undefined) continue
        if (typeof f !== 'string') {
          err(at(k), `${k} must be a string`)
          continue
        }
        const norm = (x: string) => x.replace(/\\/g, '/').replace(/\/+$/, '')
        if (roots.length && !roots.some((r) => norm(f) === norm(r) || norm(f).startsWith(`${norm(r)}/`)))
          err(
            at(k),
            `${f} lies outside SourcesRootPaths (${roots.join(', ')}; case-sensitive): the agent will not read it`,
          )
        if (get(c, 'IsFileNameRegex') === true)
          try {
            new RegExp(f.replace(/^.*[\\/]/, ''))
          } catch (e) {
            err(at(k), `the file name is not a regular expression: ${(e as Error).message}`)
          }
      }
      continue
    }
    const server = get(c, 'Server')
    if (typeof server === 'string' && /^[a-z][a-z0-9+.-]*:/i.test(server)) {
      let u: URL | undefined
      try {
        u = new URL(server)
      } catch {
        err(at('Server'), 'Server is not an absolute URL')
      }
      if (u?.protocol === 'http:')
        warn(at('Server'), 'Server uses http://: credentials would cross the network in clear')
    }
  }
}

function bindProblems(c: Obj, path: (string | number)[], err: (p: (string | number)[], m: string) => void): void {
  const auth = get(c, 'AuthType')
  if (auth !== undefined && !['anonymous', 'basic', 'negotiate'].includes(String(auth).toLowerCase()))
    err([...path, keyOf(c, 'AuthType')], `AuthType ${String(auth)} is not Anonymous, Basic or Negotiate`)
  if (String(auth).toLowerCase() === 'basic')
    for (const k of ['Login', 'Password']) if (get(c, k) === undefined) err(path, `AuthType Basic needs "${k}"`)
}

function encryptionProblems(
  v: unknown,
  path: (string | number)[],
  err: (p: (string | number)[], m: string) => void,
  warn: (p: (string | number)[], m: string) => void,
  required = true,
  /** appsettings.json's EncryptionCertificate, where EncryptFile belongs (not PasswordResetSettings'). */
  topLevel = true,
): void {
  if (v === undefined) {
    if (required) err(path.slice(0, -1), `missing required key "${String(path.at(-1))}"`)
    return
  }
  if (!isObj(v)) return err(path, 'EncryptionCertificate must be an object')
  const file = get(v, 'File')
  const store =
    get(v, 'StoreLocation') !== undefined &&
    get(v, 'StoreName') !== undefined &&
    (get(v, 'Thumbprint') !== undefined || get(v, 'DistinguishedName') !== undefined)
  if (file === undefined && !store && get(v, 'CertificateAzureKeyVault') === undefined)
    err(
      path,
      'EncryptionCertificate needs File (a PFX, with Password), or StoreLocation, StoreName and Thumbprint (or DistinguishedName), or CertificateAzureKeyVault',
    )
  if (file !== undefined && get(v, 'Thumbprint') !== undefined)
    warn(path, 'both File and Thumbprint: the product uses File')
  passwordWarning(get(v, 'Password'), [...path, keyOf(v, 'Password')], warn)
  // The settings-files page: "EncryptFile can stay set to false while verifying the agent
  // installation, but for security reasons it must be set to true afterwards".
  if (topLevel && get(v, 'EncryptFile') === false)
    warn(
      [...path, keyOf(v, 'EncryptFile')],
      'EncryptFile is false: files are not encrypted (the settings-files page: false only while verifying the installation, "it must be set to true afterwards")',
    )
}

/**
 * A certificate's password (EncryptionCertificate.Password, IdentityServer.X509KeyFilePassword):
 * the settings-files page, "If the certificates' passwords contain @, then they must be escaped
 * via the @ as first character of the strings". Not a connection's: no page says so of those.
 */
function passwordWarning(
  pw: unknown,
  path: (string | number)[],
  warn: (p: (string | number)[], m: string) => void,
): void {
  if (
    typeof pw !== 'string' ||
    pw.includes('<REQUIRED:') ||
    pw.startsWith('@') ||
    isProtectedPassword(pw) ||
    !pw.includes('@')
  )
    return
  warn(
    path,
    'a plain certificate password containing "@" must start with one more "@" (settings-files page; write @p@ss for p@ss), or be protected with Usercube-Protect-CertificatePassword',
  )
}

function mailProblems(
  v: unknown,
  path: (string | number)[],
  err: (p: (string | number)[], m: string) => void,
  warn: (p: (string | number)[], m: string) => void,
): void {
  if (!isObj(v)) return
  const pickup = get(v, 'PickupDirectory')
  const use = get(v, 'UseSpecifiedPickupDirectory')
  if (pickup !== undefined && use !== true && use !== 'true')
    warn(
      [...path, keyOf(v, 'PickupDirectory')],
      'PickupDirectory is used only with "UseSpecifiedPickupDirectory": true',
    )
  if ((use === true || use === 'true') && pickup === undefined)
    err(path, 'UseSpecifiedPickupDirectory is true but there is no PickupDirectory')
  const host = get(v, 'Host')
  if (host !== undefined && get(v, 'FromAddress') === undefined) err(path, 'MailSettings with a Host needs FromAddress')
  if (Number(get(v, 'Port')) === 993)
    warn([...path, keyOf(v, 'Port')], 'Port 993 is IMAPS (a known error in the product docs): SMTP uses 25, 465 or 587')
}

function walk(v: unknown, path: (string | number)[], f: (path: (string | number)[], s: string) => void): void {
  if (typeof v === 'string') f(path, v)
  else if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...path, i], f))
  else if (isObj(v)) for (const [k, x] of Object.entries(v)) walk(x, [...path, k], f)
}

/** Case-insensitive lookups in a settings object, as .NET configuration binds keys (for readers such as adopt). */
export {get as settingOf, keyOf as settingKeyOf}
