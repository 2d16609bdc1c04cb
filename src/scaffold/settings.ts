import {isAbsolute, resolve} from 'node:path'
import {type Agent, type CertificateRef, type Environment, isSecretSettingKey} from '../model/index.js'
import {isReference, ldapAuthType} from '../environment/index.js'
import {escapeSettingsPassword} from '../product/index.js'
import {isWindowsPath} from '../base/index.js'

/**
 * The data the settings templates are rendered from (DOMAIN.md §3-§5; where the product's docs
 * conflict, DOMAIN.md says which way): built from the loaded environment, with every secret that
 * could not be resolved turned into a `<REQUIRED: …>` placeholder that settings.files flags.
 */

export type Role = 'agent' | 'server'

export interface ScaffoldTarget {
  role: Role
  /** Whose settings: the agent's identifier, or `server`. */
  owner: string
  workingDirectory: string
  /**
   * With `scaffold --target DIR`: the working directory as the environment file names it (on the
   * product's host, often a Windows path), while `workingDirectory` is DIR, where the files are
   * written to be copied there. Certificates the file names under it are written under DIR.
   */
  settingsWorkingDirectory?: string
  /** Where the environment file names the working directory (`agents[0].workingDirectory`). */
  workingDirectoryField?: string
  serviceAccount?: string
  agent?: Agent
}

export const PLACEHOLDER_PREFIX = '<REQUIRED: '

/** Which installation `scaffold` writes: the agent (separate or SaaS) or the server (integrated). */
export function scaffoldTarget(
  env: Environment,
  agentId: string | undefined,
  baseDir: string,
  o: {server?: boolean} = {},
): ScaffoldTarget | {error: string; hint: string} {
  const abs = (p: string) => (isAbsolute(p) || isWindowsPath(p) ? p : resolve(baseDir, p))
  if (o.server && env.topology === 'saas')
    return {error: '--server: in SaaS Netwrix hosts the server', hint: 'scaffold an agent (without --server)'}
  if (env.topology === 'on-prem-integrated' || o.server) {
    if (!env.server.workingDirectory)
      return {error: 'server.workingDirectory is not set', hint: 'set it in the environment file'}
    return {
      role: 'server',
      owner: 'server',
      workingDirectory: abs(env.server.workingDirectory),
      workingDirectoryField: 'server.workingDirectory',
      serviceAccount: env.server.serviceAccount,
      // On premises with separate agents, the server's own settings name no agent of the file.
      agent: env.topology === 'on-prem-integrated' ? env.agents?.[0] : undefined,
    }
  }
  const agents = env.agents ?? []
  const agent = agentId ? agents.find((a) => a.identifier.toLowerCase() === agentId.toLowerCase()) : agents[0]
  if (!agent) {
    return agentId
      ? {
          error: `--agent ${agentId}: no such agent`,
          hint: `agents in this file: ${agents.map((a) => a.identifier).join(', ') || 'none'}`,
        }
      : {error: 'the environment file has no agent to scaffold', hint: 'add one under agents:'}
  }
  if (agents.length > 1 && !agentId)
    return {
      error: `the environment file has ${agents.length} agents: say which`,
      hint: `--agent ${agents.map((a) => a.identifier).join(' | --agent ')}`,
    }
  if (!agent.workingDirectory)
    return {error: `agent ${agent.identifier} has no workingDirectory`, hint: 'set it in the environment file'}
  return {
    role: 'agent',
    owner: agent.identifier,
    workingDirectory: abs(agent.workingDirectory),
    workingDirectoryField: `agents[${agents.indexOf(agent)}].workingDirectory`,
    serviceAccount: agent.serviceAccount,
    agent,
  }
}

/** A secret's value, or a placeholder naming the field and the reference to set. */
export function secretValue(value: string | undefined, field: string): string {
  if (value === undefined) return `${PLACEHOLDER_PREFIX}${field}>`
  if (isReference(value)) return `${PLACEHOLDER_PREFIX}${field}, from ${value}>`
  return value
}

/**
 * A PFX password for the settings. The settings-files page: "If the certificates' passwords
 * contain @, then they must be escaped via the @ as first character of the strings". The
 * environment file holds the real password, so a plain one that contains "@" gets one "@" in
 * front, also one that already starts with "@" (the page makes no exception for it); only the
 * protected three-part form is written verbatim (DOMAIN.md §3.5). Certificate passwords only:
 * connection passwords are written as they are (`connectionsData`).
 */
export function settingsPassword(value: string | undefined, field: string): string {
  const v = secretValue(value, field)
  if (v.startsWith(PLACEHOLDER_PREFIX)) return v
  return escapeSettingsPassword(v)
}

/** A path as the product will read it: forward slashes (JSON-safe, and .NET accepts them). */
function productPath(p: string, baseDir: string): string {
  const abs = isAbsolute(p) || isWindowsPath(p) ? p : resolve(baseDir, p)
  return abs.replace(/\\/g, '/')
}

/** `EncryptionCertificate` (file or store). */
export function encryptionBlock(
  ref: CertificateRef | undefined,
  field: string,
  baseDir: string,
  generatedFile?: string,
): Record<string, unknown> {
  if (generatedFile)
    return {
      File: generatedFile.replace(/\\/g, '/'),
      Password: settingsPassword(ref?.password, `${field}.password`),
      EncryptFile: true,
    }
  if (ref?.store) {
    return {
      ...(ref.store.thumbprint
        ? {Thumbprint: ref.store.thumbprint.toUpperCase()}
        : {DistinguishedName: ref.store.subject}),
      StoreLocation: ref.store.storeLocation,
      StoreName: ref.store.storeName,
    }
  }
  if (ref?.file)
    return {
      File: productPath(ref.file, baseDir),
      Password: settingsPassword(ref.password, `${field}.password`),
      EncryptFile: true,
    }
  return {
    File: `${PLACEHOLDER_PREFIX}${field}.file (or run scaffold --generate-certificates)>`,
    Password: `${PLACEHOLDER_PREFIX}${field}.password>`,
    EncryptFile: true,
  }
}

/**
 * `PasswordResetSettings.EncryptionCertificate` of appsettings.agent.json: the same certificate,
 * with the keys the appsettings.agent table lists for it (File and Password, or the store's),
 * without `EncryptFile`, which belongs to appsettings.json's EncryptionCertificate only.
 */
export function passwordResetCertificate(block: Record<string, unknown>): Record<string, unknown> {
  const {EncryptFile: _, ...rest} = block
  return rest
}

/** `IdentityServer` (X509KeyFilePath… or X509Store…). */
export function identityServerBlock(
  ref: CertificateRef | undefined,
  field: string,
  baseDir: string,
): Record<string, unknown> {
  if (ref?.store) {
    return {
      X509StoreLocation: ref.store.storeLocation,
      X509StoreName: ref.store.storeName,
      ...(ref.store.thumbprint
        ? {X509Thumbprint: ref.store.thumbprint.toUpperCase()}
        : {X509SubjectDistinguishedName: ref.store.subject}),
    }
  }
  if (ref?.file)
    return {
      X509KeyFilePath: productPath(ref.file, baseDir),
      X509KeyFilePassword: settingsPassword(ref.password, `${field}.password`),
    }
  return {
    X509KeyFilePath: `${PLACEHOLDER_PREFIX}${field}.file>`,
    X509KeyFilePassword: `${PLACEHOLDER_PREFIX}${field}.password>`,
  }
}

/** Server `MailSettings` / agent `PasswordResetSettings.MailSettings`, or undefined without smtp. */
export function mailBlock(env: Environment, role: Role): Record<string, unknown> | undefined {
  const s = env.smtp
  if (!s) return undefined
  if (s.pickupDirectory)
    return {
      UseSpecifiedPickupDirectory: true,
      PickupDirectory: s.pickupDirectory.replace(/\\/g, '/'),
      ...(s.fromAddress ? {FromAddress: s.fromAddress} : {}),
    }
  const user = role === 'server' ? 'UserName' : 'Username'
  return {
    Host: s.host,
    Port: s.port ?? 25,
    SecureSocketOption: s.secureSocketOption ?? 'Auto',
    ...(s.username ? {[user]: s.username, Password: secretValue(s.password, 'smtp.password')} : {}),
    ...(s.useDefaultCredentials ? {UseDefaultCredentials: true} : {}),
    FromAddress: s.fromAddress,
  }
}

/** Data for the agent templates (a separate or SaaS agent). */
export function agentData(
  env: Environment,
  t: ScaffoldTarget,
  baseDir: string,
  index: number,
  generatedCert?: string,
): Record<string, unknown> {
  const a = t.agent!
  const field = `agents[${index}]`
  const client = a.openIdClient ?? {id: 'Job'}
  const enc = encryptionBlock(a.encryptionCertificate, `${field}.encryptionCertificate`, baseDir, generatedCert)
  return {
    applicationUri: env.server.url,
    license: env.server.license !== undefined ? secretValue(env.server.license, 'server.license') : undefined,
    identityServer: identityServerBlock(a.identityServerCertificate, `${field}.identityServerCertificate`, baseDir),
    encryptionCertificate: enc,
    passwordResetCertificate: passwordResetCertificate(enc),
    agentIdentifier: a.identifier,
    openIdClients: {[client.id]: secretValue(client.secret, `${field}.openIdClient.secret`)},
    defaultOpenIdClient: client.id,
    resetConfirmationUri: `${env.server.url}/PasswordReset/Activate/?activationCode=`,
    mailSettings: mailBlock(env, 'agent'),
    sourcesRootPaths: (a.sourcesRootPaths ?? [`${t.workingDirectory}/Sources`]).map((p) => p.replace(/\\/g, '/')),
    connections: connectionsData(env, t),
  }
}

/** Data for the server templates (on premises, with its integrated agent). */
export function serverData(
  env: Environment,
  t: ScaffoldTarget,
  baseDir: string,
  generatedCert?: string,
): Record<string, unknown> {
  const a = t.agent
  const client = a?.openIdClient
  const serverEnc = encryptionBlock(
    env.server.encryptionCertificate,
    'server.encryptionCertificate',
    baseDir,
    generatedCert,
  )
  return {
    connectionString: secretValue(env.server.database?.connectionString, 'server.database.connectionString'),
    license: secretValue(env.server.license, 'server.license'),
    applicationUri: env.server.url,
    identityServer: identityServerBlock(
      env.server.identityServerCertificate,
      'server.identityServerCertificate',
      baseDir,
    ),
    encryptionCertificate: serverEnc,
    passwordResetCertificate: passwordResetCertificate(serverEnc),
    mailSettings: mailBlock(env, 'server'),
    agentIdentifier:
      a?.identifier ?? `${PLACEHOLDER_PREFIX}the AgentIdentifier of your XML configuration (not "Local")>`,
    openIdClients: client ? {[client.id]: secretValue(client.secret, 'agents[0].openIdClient.secret')} : undefined,
    defaultOpenIdClient: client?.id,
    resetConfirmationUri: `${env.server.url}/PasswordReset/Activate/?activationCode=`,
    sourcesRootPaths: (a?.sourcesRootPaths ?? [`${t.workingDirectory}/Sources`]).map((p) => p.replace(/\\/g, '/')),
    connections: connectionsData(env, t),
  }
}

/**
 * The agent's `Connections` section, from the connectors it runs (the connector reference pages
 * give the keys): Active Directory `Servers` [{Server, BaseDN}], AuthType, Login, Password,
 * EnableSSL, Filter; Generic LDAP `Servers` [{Server, AuthType, Login, Password, EnableSSL,
 * Controls}] and `Tables` [{Table: entries, BaseDN, Filter, Scope}]; SQL `ConnectionString`; CSV
 * `Path`, `PathIncremental`, `IsFileNameRegex`; an API `Server` with the SCIM page's
 * `ApplicationId`, `ApplicationKey`, `Login`, `Password`, `OAuthToken`, `OAuth2Url`, or the
 * ServiceNow page's `Login`, `Password`, `ClientId`, `ClientSecret`, `OAuth2Url`. Each connection's `settings` are added as they are. Passwords are written as they
 * are: the "@" escape of the settings-files page is for the certificates' passwords, and no page
 * says the product unescapes a connection's (an AD password `p@ss` written `@p@ss` would be sent
 * as `@p@ss`). A secret that could not be read is a placeholder.
 */
export function connectionsData(env: Environment, t: ScaffoldTarget): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  const integrated = env.topology === 'on-prem-integrated'
  ;(env.connectors ?? []).forEach((c, i) => {
    const runs = c.agent
      ? c.agent.toLowerCase() === t.owner.toLowerCase() || (integrated && t.role === 'server')
      : integrated
    if (!runs) return
    c.connections.forEach((k, j) => {
      const field = `connectors[${i}].connections[${j}]`
      const password = (v: string | undefined) => secretValue(v, `${field}.password`)
      const extra = Object.fromEntries(
        Object.entries(k.settings ?? {}).map(([key, v]) => [
          key,
          typeof v === 'string' && isSecretSettingKey(key) ? secretValue(v, `${field}.settings.${key}`) : v,
        ]),
      )
      const security = k.security ?? 'ldaps'
      const server = (host: string, port?: number) =>
        port === undefined || port === (security === 'ldaps' ? 636 : 389) ? host : `${host}:${port}`
      const auth = ldapAuthType(k)
      const bind = {
        AuthType: auth,
        ...(k.login ? {Login: k.login} : {}),
        ...(k.password !== undefined || auth === 'Basic' ? {Password: password(k.password)} : {}),
      }
      let settings: Record<string, unknown>
      switch (k.type) {
        case 'activeDirectory':
          settings = {
            Servers: (k.servers ?? []).map((s) => ({Server: server(s.host, s.port), BaseDN: s.baseDN ?? k.baseDN})),
            ...bind,
            EnableSSL: security === 'ldaps',
            Filter: k.filter ?? '(objectclass=*)',
          }
          break
        case 'ldap':
          settings = {
            Servers: (k.servers ?? []).map((s) => ({
              Server: server(s.host, s.port),
              ...bind,
              EnableSSL: security === 'ldaps',
              Controls: ['PagedResult'],
            })),
            Tables: [
              {
                Table: 'entries',
                BaseDN: k.baseDN ?? k.servers?.[0]?.baseDN,
                Filter: k.filter ?? '(objectclass=*)',
                Scope: 'Subtree',
              },
            ],
          }
          break
        case 'sql':
          settings = {ConnectionString: secretValue(k.connectionString, `${field}.connectionString`)}
          break
        case 'files':
          settings = {
            ...(k.path ? {Path: k.path.replace(/\\/g, '/')} : {}),
            ...(k.pathIncremental ? {PathIncremental: k.pathIncremental.replace(/\\/g, '/')} : {}),
            ...(k.isFileNameRegex !== undefined ? {IsFileNameRegex: k.isFileNameRegex} : {}),
          }
          break
        case 'http':
          // The keys of the SCIM page (ApplicationId, ApplicationKey, Login, Password, OAuthToken,
          // OAuth2Url) or of the ServiceNow page (Login, Password, ClientId, ClientSecret, OAuth2Url).
          settings = {
            Server: k.url,
            ...(k.applicationId ? {ApplicationId: k.applicationId} : {}),
            ...(k.applicationKey !== undefined
              ? {ApplicationKey: secretValue(k.applicationKey, `${field}.applicationKey`)}
              : {}),
            ...(k.username ? {Login: k.username, Password: password(k.password)} : {}),
            ...(k.clientId ? {ClientId: k.clientId} : {}),
            ...(k.clientSecret !== undefined
              ? {ClientSecret: secretValue(k.clientSecret, `${field}.clientSecret`)}
              : {}),
            ...(k.oauth2Url ? {OAuth2Url: k.oauth2Url} : {}),
            ...(k.token !== undefined ? {OAuthToken: secretValue(k.token, `${field}.token`)} : {}),
          }
          break
      }
      out[k.identifier] = {...settings, ...extra}
    })
  })
  return out
}
