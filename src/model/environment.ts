/**
 * The environment file (DESIGN.md §3), after loading. Field names follow the product's own
 * settings wherever one exists (`workingDirectory`, `serviceAccount`, `encryptionCertificate`).
 */

export const TOPOLOGIES = ['saas', 'on-prem-integrated', 'on-prem-separate'] as const
export type Topology = (typeof TOPOLOGIES)[number]

export const PRODUCTS = ['6.1', '6.2', '6.3', 'saas'] as const
export type Product = (typeof PRODUCTS)[number]

export const SECURE_SOCKET_OPTIONS = ['None', 'Auto', 'SslOnConnect', 'StartTls', 'StartTlsWhenAvailable'] as const
export type SecureSocketOption = (typeof SECURE_SOCKET_OPTIONS)[number]

export const STORE_LOCATIONS = ['LocalMachine', 'CurrentUser'] as const
export const STORE_NAMES = [
  'My',
  'Root',
  'AuthRoot',
  'CertificateAuthority',
  'TrustedPeople',
  'TrustedPublisher',
  'AddressBook',
  'Disallowed',
] as const

/** A certificate: a PFX file with its password, or a Windows certificate-store entry. */
export interface CertificateRef {
  file?: string
  password?: string
  store?: {
    thumbprint?: string
    subject?: string
    storeLocation: (typeof STORE_LOCATIONS)[number]
    storeName: (typeof STORE_NAMES)[number]
  }
}

export interface ServerSection {
  url: string
  /**
   * On premises: the server is installed already (the docs install it before the agents), so its
   * site, certificate and /hc are checked before an agent is installed (stage before).
   */
  installed?: boolean
  alias?: string
  workingDirectory?: string
  serviceAccount?: string
  database?: {
    connectionString: string
    /** For Integrated Security checked from another host: the service account, logged in with NTLM. */
    windowsCredentials?: {username: string; password?: string}
    /** A read-only login for sql.requirements under Integrated Security (the DBA's). */
    checkLogin?: {username: string; password?: string}
  }
  encryptionCertificate?: CertificateRef
  identityServerCertificate?: CertificateRef
  tlsCertificate?: CertificateRef
  license?: string
}

export interface Agent {
  identifier: string
  alias?: string
  url?: string
  workingDirectory?: string
  serviceAccount?: string
  encryptionCertificate?: CertificateRef
  identityServerCertificate?: CertificateRef
  tlsCertificate?: CertificateRef
  openIdClient?: {id: string; secret?: string}
  sourcesRootPaths?: string[]
}

export interface SmtpSection {
  host?: string
  port?: number
  secureSocketOption?: SecureSocketOption
  username?: string
  password?: string
  useDefaultCredentials?: boolean
  fromAddress?: string
  testRecipient?: string
  pickupDirectory?: string
}

export interface NetworkSection {
  dnsServers?: string[]
  caFile?: string
  httpsProxy?: string
  noProxy?: string
}

/** The kinds of connection `connectors:` describes, each checked by one connector.* check. */
export const CONNECTION_TYPES = ['activeDirectory', 'ldap', 'sql', 'files', 'http'] as const
export type ConnectionType = (typeof CONNECTION_TYPES)[number]
export const LDAP_SECURITY = ['ldaps', 'starttls', 'none'] as const
export const LDAP_AUTH_TYPES = ['Basic', 'Anonymous', 'Negotiate'] as const
/** The API connectors an http connection may be (their reference pages give the settings). */
export const HTTP_APIS = ['scim', 'servicenow'] as const

/** One server of an LDAP/AD connection: host, optional port, optional base DN (else the connection's). */
export interface LdapServer {
  host: string
  port?: number
  baseDN?: string
}

/**
 * One connection of a connector: the key of the agent's `Connections` section and what it
 * reaches. The fields that apply depend on `type` (semantics.ts says which belong to which).
 */
export interface Connection {
  identifier: string
  type: ConnectionType
  // activeDirectory, ldap
  servers?: LdapServer[]
  baseDN?: string
  security?: (typeof LDAP_SECURITY)[number]
  authType?: (typeof LDAP_AUTH_TYPES)[number]
  login?: string
  password?: string
  filter?: string
  // sql
  connectionString?: string
  // files
  path?: string
  pathIncremental?: string
  isFileNameRegex?: boolean
  outputFolders?: string[]
  // http
  /** Which connector's API: `scim` (the default) or `servicenow`; their pages differ on authentication. */
  api?: (typeof HTTP_APIS)[number]
  url?: string
  username?: string
  token?: string
  /** SCIM: ApplicationId and ApplicationKey, the application's credentials the product gets a token with. */
  applicationId?: string
  applicationKey?: string
  /** ServiceNow with OAuth: ClientId, ClientSecret. */
  clientId?: string
  clientSecret?: string
  /** OAuth2Url: the token endpoint (SCIM: when the product cannot find it; ServiceNow: required with OAuth). */
  oauth2Url?: string
  /** Further keys written as they are into the connection's settings (Filter, SqlCommand, Encoding…). */
  settings?: Record<string, string | number | boolean>
}

/** A connector (one managed system): the agent that runs it and its connections. */
export interface Connector {
  identifier: string
  /** The agent's identifier; on premises with an integrated agent, may be left out (the server's). */
  agent?: string
  connections: Connection[]
}

export interface Waiver {
  id: string
  target?: string
  reason: string
  until: string
}

export interface ChecksSection {
  timeout?: string | number
  concurrency?: number
  expiryWarningDays?: number
  skip?: string[]
  waivers?: Waiver[]
  /** Per-check settings, keyed by check id; each check publishes the schema of its own entry. */
  settings?: Record<string, Record<string, unknown>>
}

export interface Environment {
  $schema?: string
  version: 1
  name: string
  product: Product
  topology: Topology
  organization: string
  server: ServerSection
  agents?: Agent[]
  smtp?: SmtpSection
  network?: NetworkSection
  connectors?: Connector[]
  checks?: ChecksSection
}

/** Paths (dotted, `*` for any array index or key) whose values are secrets: references only. */
export const SECRET_PATHS = [
  'server.license',
  'server.encryptionCertificate.password',
  'server.identityServerCertificate.password',
  'server.tlsCertificate.password',
  'agents.*.encryptionCertificate.password',
  'agents.*.identityServerCertificate.password',
  'agents.*.tlsCertificate.password',
  'agents.*.openIdClient.secret',
  'smtp.password',
  'server.database.windowsCredentials.password',
  'server.database.checkLogin.password',
  'connectors.*.connections.*.password',
  'connectors.*.connections.*.token',
  'connectors.*.connections.*.applicationKey',
  'connectors.*.connections.*.clientSecret',
] as const

/** A `settings` key of a connection that holds a secret: its value must be a reference. */
export function isSecretSettingKey(key: string): boolean {
  return /password|secret|token|apikey|applicationkey|clientkey|privatekey/i.test(key)
}

/** True when the dotted path (`agents[0].openIdClient.secret`) names a secret field. */
export function isSecretPath(path: string): boolean {
  const norm = path.replace(/\[\d+\]/g, '.*')
  return (
    SECRET_PATHS.some((p) => p === norm) ||
    norm === 'server.database.connectionString' ||
    norm === 'connectors.*.connections.*.connectionString' ||
    (/^connectors\.\*\.connections\.\*\.settings\./.test(norm) &&
      isSecretSettingKey(norm.slice('connectors.*.connections.*.settings.'.length)))
  )
}

/** The working directories the environment names, with the agent (or `server`) they belong to. */
export function workingDirectories(env: Environment): {owner: string; path: string; serviceAccount?: string}[] {
  const out: {owner: string; path: string; serviceAccount?: string}[] = []
  if (env.server.workingDirectory)
    out.push({owner: 'server', path: env.server.workingDirectory, serviceAccount: env.server.serviceAccount})
  for (const a of env.agents ?? []) {
    if (a.workingDirectory && a.workingDirectory !== env.server.workingDirectory)
      out.push({owner: a.identifier, path: a.workingDirectory, serviceAccount: a.serviceAccount})
  }
  return out
}
