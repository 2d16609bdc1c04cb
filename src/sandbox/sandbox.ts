/**
 * The sandbox: a whole Identity Manager environment on 127.0.0.1 with ephemeral ports, for
 * `demo`, the tests and `bench/`. One implementation, with every fault as an option.
 *
 * What runs: a DNS server (dns2) serving the aliases as CNAME → A; HTTPS endpoints for the
 * server (GET /hc answers Healthy) and the agent, with certificates from a throwaway CA; an
 * HTTP CONNECT proxy; an SMTP server (smtp-server) with STARTTLS and AUTH that keeps what it
 * receives; a directory stand-in for a domain controller (LDAP with StartTLS, and LDAPS); an
 * HTTPS API with Basic authentication (SCIM); on premises, a SQL Server protocol (TDS) emulator;
 * the working directories. Nothing here is a real Identity Manager, and each says so.
 */
import {randomBytes} from 'node:crypto'
import {chmod, chown, mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir, userInfo} from 'node:os'
import {join} from 'node:path'
import {stringifyEnvironment} from '../environment/file/index.js'
import {issue, makeCA, serverCert, toPfx, type CertFault, type Issued} from './pki.js'
import {
  startDns,
  startHostile,
  startHttps,
  startLatency,
  startProxy,
  type DnsRecord,
  type HostileKind,
  type Running,
} from './servers.js'
import {startDirectory} from './ldap.js'
import {startSmtp, type ReceivedMail, type SmtpMode} from './smtp.js'
import {startTdsEmulator, type TdsOptions} from './tds.js'

export const SANDBOX_DOMAIN = 'sandbox.test'

export interface SandboxOptions {
  /** saas (default): agents only; on-prem-separate adds the server's working directory and the SQL endpoint. */
  topology?: 'saas' | 'on-prem-separate'
  /** Folder for the environment file, certificates, secrets and working directories (default: a new temp folder). */
  dir?: string
  /** The server's HTTPS endpoint: a certificate fault, TLS 1.0/1.1 only, or a hostile peer. */
  server?: {cert?: CertFault; oldTls?: boolean; health?: 'Healthy' | 'Unhealthy'; hostile?: HostileKind}
  /** The agent's HTTPS endpoint, likewise. */
  agent?: {cert?: CertFault; oldTls?: boolean; hostile?: HostileKind}
  smtp?: {mode?: SmtpMode; hostile?: HostileKind; wrongPassword?: boolean}
  /** DNS faults by name (e.g. the server alias answering SERVFAIL). */
  dns?: Record<string, DnsRecord['fault']>
  /** The SQL Server protocol emulator's configuration (on-prem-separate): version, MAXDOP, roles, faults. */
  sql?: Partial<TdsOptions> & {dbOwner?: boolean; bulk?: boolean; wrongPassword?: boolean}
  /** Route agent → server through the sandbox's CONNECT proxy (default true). */
  proxy?: boolean
  /** Written into checks: (timeout, settings…). */
  checks?: Record<string, unknown>
  /**
   * How many agents (default 1, at most 100 as the schema allows): the others are Agent02…, each
   * with its own alias, working directory and encryption PFX, sharing the first agent's site, TLS
   * certificate (one certificate naming every alias) and IdentityServer PFX, as a fleet does.
   */
  agents?: number
  /**
   * A network between the tool and its peers: every round trip to the DNS server, the sites, the
   * proxy, SMTP and SQL costs this many milliseconds (a TCP front per server; bench/fleet.ts
   * --latency). 0 (the default) is loopback.
   */
  latencyMs?: number
  /**
   * The managed systems the first agent's connectors reach: a directory (LDAPS), an HR file drop
   * in Sources, an HTTPS API with Basic authentication, and on premises a second database.
   */
  directory?: {wrongPassword?: boolean; requireSigning?: boolean; hostile?: HostileKind; missingBase?: boolean}
  api?: {wrongPassword?: boolean}
  /**
   * Where the environment file's secrets come from: `${file:./secrets/…}` (default), or
   * `${env:IDM_…}` as README's contoso-prod example writes them, one variable per secret and per
   * host (the server's, each agent's; the IdentityServer password is shared as in README). The
   * values are in `Sandbox.secrets`, and each host's names in `Sandbox.hostSecrets`.
   */
  secretsFrom?: 'files' | 'env'
  /**
   * One connector per agent instead of every connector on the first agent: the first agent's
   * directory (LDAPS), and the second agent's HR database (on premises; in SaaS its HTTPS API).
   */
  connectorPerAgent?: boolean
}

export interface Sandbox {
  dir: string
  envFile: string
  /** The environment as written (references, not secrets). */
  environment: Record<string, unknown>
  names: {server: string; agent: string; smtp: string; sql: string; directory: string; api: string}
  ports: {
    dns: number
    server: number
    agent: number
    smtp: number
    proxy: number
    sql?: number
    directory: number
    directoryTls: number
    api: number
  }
  ca: Issued
  /** With `secretsFrom: 'env'`: every variable the environment file names, with its value. */
  secrets: Record<string, string>
  /** With `secretsFrom: 'env'`: the variables of each host (`server`, each agent's identifier), shared ones in each. */
  hostSecrets: Record<string, string[]>
  smtpMessages: ReceivedMail[]
  proxyTunnels: string[]
  /** Stops every server; removes the folder when the sandbox made it (no `dir` given). */
  stop(): Promise<void>
}

/** Starts every sandbox server and writes `idm-preflight.yaml` describing them. */
export async function startSandbox(o: SandboxOptions = {}): Promise<Sandbox> {
  const dir = o.dir ?? (await mkdtemp(join(tmpdir(), 'idm-preflight-sandbox-')))
  const names = {
    server: `idm.${SANDBOX_DOMAIN}`,
    agent: `idm-agent.${SANDBOX_DOMAIN}`,
    smtp: `smtp.${SANDBOX_DOMAIN}`,
    sql: `sql.${SANDBOX_DOMAIN}`,
    directory: `dc01.${SANDBOX_DOMAIN}`,
    api: `api.${SANDBOX_DOMAIN}`,
  }
  const onPrem = o.topology === 'on-prem-separate'
  const running: Running[] = []
  try {
    const ca = makeCA()
    const zone: Record<string, DnsRecord> = {
      [names.server]: {cname: `web01.${SANDBOX_DOMAIN}`},
      [`web01.${SANDBOX_DOMAIN}`]: {a: ['127.0.0.1']},
      [names.agent]: {cname: `app01.${SANDBOX_DOMAIN}`},
      [`app01.${SANDBOX_DOMAIN}`]: {a: ['127.0.0.1']},
      [names.smtp]: {a: ['127.0.0.1']},
      [names.sql]: {a: ['127.0.0.1']},
      [names.directory]: {a: ['127.0.0.1']},
      [names.api]: {a: ['127.0.0.1']},
    }
    const extraAgents = Array.from({length: Math.min(Math.max((o.agents ?? 1) - 1, 0), 99)}, (_, i) => {
      const n = String(i + 2).padStart(2, '0')
      return {identifier: `Agent${n}`, alias: `idm-agent-${n}.${SANDBOX_DOMAIN}`, dir: `agent-${n}`}
    })
    for (const a of extraAgents) zone[a.alias] = {cname: `app01.${SANDBOX_DOMAIN}`}
    for (const [name, fault] of Object.entries(o.dns ?? {})) zone[name] = {...zone[name], fault}
    const dns = await startDns(zone, {delayMs: o.latencyMs})
    running.push(dns)

    // Each site serves the very certificate its tlsCertificate file holds.
    const serverTls = serverCert(ca, [names.server], o.server?.cert)
    const server = o.server?.hostile
      ? await startHostile(o.server.hostile)
      : await startHttps({
          cert: serverTls,
          ca,
          oldTls: o.server?.oldTls,
          health: o.server?.health,
          fault: o.server?.cert,
        })
    running.push(server)
    // The agent's site serves the very certificate its tlsCertificate file holds.
    const agentCert = serverCert(ca, [names.agent, ...extraAgents.map((a) => a.alias)], o.agent?.cert)
    const agent = o.agent?.hostile
      ? await startHostile(o.agent.hostile)
      : await startHttps({cert: agentCert, ca, oldTls: o.agent?.oldTls, fault: o.agent?.cert})
    running.push(agent)
    // The managed systems: a directory standing in for a domain controller, and an HTTPS API.
    const adPassword = randomBytes(12).toString('base64url')
    const baseDN = 'DC=sandbox,DC=test'
    const adAccount = `CN=svc-idm,OU=Service,${baseDN}`
    const directory = o.directory?.hostile
      ? Object.assign(await startHostile(o.directory.hostile), {ldapsPort: 0, binds: []})
      : await startDirectory({
          cert: serverCert(ca, [names.directory]),
          ca,
          baseDN,
          account: {dn: adAccount, password: adPassword},
          requireSigning: o.directory?.requireSigning,
        })
    running.push(directory)
    const apiPassword = randomBytes(12).toString('base64url')
    const api = await startHttps({
      cert: serverCert(ca, [names.api]),
      ca,
      api: {prefix: '/scim', user: 'svc-idm', password: apiPassword},
    })
    running.push(api)
    const proxy = await startProxy((host) =>
      host.toLowerCase().endsWith(`.${SANDBOX_DOMAIN}`) || host === 'localhost' ? '127.0.0.1' : host,
    )
    running.push(proxy)

    // With latencyMs, the tool reaches each server through a front that delays every chunk.
    const front = async (r: Running): Promise<number> => {
      if (!o.latencyMs) return r.port
      const f = await startLatency(r.port, o.latencyMs / 2)
      running.push(f)
      return f.port
    }
    const serverPort = await front(server)
    const agentPort = await front(agent)
    const proxyPort = await front(proxy)

    const sqlPassword = randomBytes(12).toString('base64url')
    const sql = onPrem
      ? await startTdsEmulator({
          databases: ['UsercubeSandbox', 'HR'],
          serverMaxdop: 1,
          // Encrypt=true, as Microsoft.Data.SqlClient defaults to: a certificate from the sandbox CA.
          tls: (() => {
            const c = serverCert(ca, [names.sql])
            return {cert: c.certPem + ca.certPem, key: c.keyPem}
          })(),
          ...o.sql,
          logins: {idm: {password: sqlPassword, dbOwner: o.sql?.dbOwner ?? true, bulkPermission: o.sql?.bulk ?? true}},
        })
      : undefined
    if (sql) running.push(sql)

    const smtpUser = `idm@${SANDBOX_DOMAIN}`
    const smtpPassword = randomBytes(12).toString('base64url')
    const smtp = o.smtp?.hostile
      ? Object.assign(await startHostile(o.smtp.hostile), {messages: [] as ReceivedMail[]})
      : await startSmtp({
          mode: o.smtp?.mode ?? 'starttls',
          cert: serverCert(ca, [names.smtp]),
          ca,
          user: smtpUser,
          password: smtpPassword,
        })
    running.push(smtp)
    const smtpPort = await front(smtp)
    const sqlPort = sql ? await front(sql) : undefined
    const directoryTlsPort = await front({port: directory.ldapsPort || directory.port, close: async () => {}})
    const directoryPort = await front(directory)
    const apiPort = await front(api)

    await mkdir(join(dir, 'certs'), {recursive: true})
    await mkdir(join(dir, 'secrets'), {recursive: true, mode: 0o700})
    await writeFile(join(dir, 'certs', 'sandbox-ca.pem'), ca.certPem)
    const secretFile = join(dir, 'secrets', 'smtp-password')
    await writeFile(secretFile, o.smtp?.wrongPassword ? 'not-the-password' : smtpPassword, {mode: 0o600})
    await chmod(secretFile, 0o600)
    const jobSecret = randomBytes(16).toString('base64url')
    await writeFile(join(dir, 'secrets', 'job-secret'), jobSecret, {mode: 0o600})
    await writeFile(join(dir, 'secrets', 'ad-password'), o.directory?.wrongPassword ? 'not-the-password' : adPassword, {
      mode: 0o600,
    })
    await writeFile(join(dir, 'secrets', 'api-password'), o.api?.wrongPassword ? 'not-the-password' : apiPassword, {
      mode: 0o600,
    })
    const pfxPassword = randomBytes(12).toString('base64url')
    await writeFile(join(dir, 'secrets', 'pfx-password'), pfxPassword, {mode: 0o600})
    const files = issue({commonName: 'SandboxAgent Files', eku: 'none'})
    const idsrv = issue({commonName: 'Sandbox IdentityServer', eku: 'none'})
    const pfx = async (name: string, data: Buffer) => {
      await writeFile(join(dir, 'certs', name), data, {mode: 0o600})
      await chmod(join(dir, 'certs', name), 0o600)
    }
    await pfx('agent-files.pfx', toPfx(files, pfxPassword))
    await pfx('identityserver-public.pfx', toPfx(idsrv, pfxPassword, {withKey: false}))
    await pfx('idm-agent-ssl.pfx', toPfx(agentCert, pfxPassword, {chain: [ca]}))
    if (onPrem) {
      await pfx('server-files.pfx', toPfx(issue({commonName: 'Sandbox Server Files', eku: 'none'}), pfxPassword))
      await pfx('identityserver.pfx', toPfx(idsrv, pfxPassword))
      await pfx('idm-ssl.pfx', toPfx(serverTls, pfxPassword, {chain: [ca]}))
    }

    const sqlConnection = sql
      ? `Data Source=${names.sql},${sqlPort};Database=UsercubeSandbox;User ID=idm;Password=${o.sql?.wrongPassword ? 'not-the-password' : sqlPassword};Encrypt=true;Min Pool Size=10`
      : undefined
    const hrSqlConnection = sql
      ? `Data Source=${names.sql},${sqlPort};Database=HR;User ID=idm;Password=${sqlPassword};Encrypt=true`
      : undefined
    if (sqlConnection && hrSqlConnection) {
      await writeFile(join(dir, 'secrets', 'sql-connection'), sqlConnection, {mode: 0o600})
      await writeFile(join(dir, 'secrets', 'hr-sql-connection'), hrSqlConnection, {mode: 0o600})
    }
    const agentDir = join(dir, 'agent')
    // mkdtemp makes a private folder: the service account must be able to traverse to its own
    // working directory (the secrets stay in a 0700 folder and 0600 files).
    if (!o.dir) await chmod(dir, 0o755)
    const account = await workingDirectory(agentDir, ['Runtime', 'Temp', 'Work', 'Mails', 'Sources'])
    // The HR system drops its export in Sources (readable by the account, as the agent reads it).
    await mkdir(join(agentDir, 'Sources', 'hr'), {recursive: true})
    await writeFile(
      join(agentDir, 'Sources', 'hr', 'hr_export_20261201.csv'),
      'EmployeeId;FirstName;LastName;Department\n1001;Ada;Lovelace;R&D\n1002;Alan;Turing;R&D\n',
    )
    await chmod(join(agentDir, 'Sources', 'hr'), 0o755)
    await chmod(join(agentDir, 'Sources', 'hr', 'hr_export_20261201.csv'), 0o644)
    for (const a of extraAgents) {
      await workingDirectory(join(dir, a.dir), ['Runtime', 'Temp', 'Work', 'Mails', 'Sources'])
      await pfx(`${a.dir}-files.pfx`, toPfx(issue({commonName: `${a.identifier} Files`, eku: 'none'}), pfxPassword))
    }
    const serverDir = join(dir, 'server')
    if (onPrem) await workingDirectory(serverDir, ['Runtime', 'Temp', 'Work'])
    // The service opens its encryption and IdentityServer PFX at start-up: as a real install
    // does, the account may read them (still 0600: nobody else may). The TLS ones are IIS's.
    if (process.getuid?.() === 0)
      for (const name of [
        'agent-files.pfx',
        ...extraAgents.map((a) => `${a.dir}-files.pfx`),
        'identityserver-public.pfx',
        ...(onPrem ? ['server-files.pfx', 'identityserver.pfx'] : []),
      ])
        await chown(join(dir, 'certs', name), 65534, 65534)

    // The references of the environment file: files (default), or variables named as README's.
    const secrets: Record<string, string> = {}
    const hostSecrets: Record<string, string[]> = {}
    const byEnv = o.secretsFrom === 'env'
    const values: Record<string, string> = {
      'pfx-password': pfxPassword,
      'job-secret': jobSecret,
      'smtp-password': o.smtp?.wrongPassword ? 'not-the-password' : smtpPassword,
      'ad-password': o.directory?.wrongPassword ? 'not-the-password' : adPassword,
      'api-password': o.api?.wrongPassword ? 'not-the-password' : apiPassword,
      ...(sqlConnection ? {'sql-connection': sqlConnection, 'hr-sql-connection': hrSqlConnection!} : {}),
    }
    const ref = (file: string, name: string, hosts: string[]) => {
      if (!byEnv) return `\${file:./secrets/${file}}`
      secrets[name] = values[file]!
      for (const h of hosts) if (!(hostSecrets[h] ??= []).includes(name)) hostSecrets[h].push(name)
      return `\${env:${name}}`
    }
    const agentIds = ['SandboxAgent', ...extraAgents.map((a) => a.identifier)]
    const everyHost = [...(onPrem ? ['server'] : []), ...agentIds]
    // Per agent: the first agent's variables as README names them, the others' with their number.
    const agentVar = (id: string, what: string) =>
      id === 'SandboxAgent' ? `IDM_AGENT_${what}` : `IDM_${id.toUpperCase()}_${what}`
    const jobVar = (id: string) => (id === 'SandboxAgent' ? 'IDM_JOB_SECRET' : `IDM_${id.toUpperCase()}_JOB_SECRET`)
    const perAgent = o.connectorPerAgent === true
    // Which agent runs each connector: all on the first, or the HR database (SaaS: the API) on the second.
    const second = perAgent ? (extraAgents[0]?.identifier ?? 'SandboxAgent') : 'SandboxAgent'
    const connectors = [
      {
        identifier: 'AD',
        agent: 'SandboxAgent',
        connections: [
          {
            identifier: 'ADExport',
            type: 'activeDirectory',
            servers: [
              {
                host: names.directory,
                port: directoryTlsPort,
                baseDN: o.directory?.missingBase ? `OU=Missing,${baseDN}` : baseDN,
              },
            ],
            security: 'ldaps',
            authType: 'Basic',
            login: adAccount,
            password: ref('ad-password', 'IDM_AD_PASSWORD', ['SandboxAgent']),
            filter: '(objectClass=*)',
          },
        ],
      },
      {
        identifier: 'HR',
        agent: 'SandboxAgent',
        connections: [
          {
            identifier: 'HRExport',
            type: 'files',
            path: join(agentDir, 'Sources', 'hr', 'hr_export_(.*?).csv'),
            isFileNameRegex: true,
            settings: {Separator: ';', Encoding: 'UTF-8'},
          },
        ],
      },
      {
        identifier: 'SCIMApp',
        agent: 'SandboxAgent',
        connections: [
          {
            identifier: 'SCIMExport',
            type: 'http',
            url: `https://${names.api}:${apiPort}/scim`,
            username: 'svc-idm',
            password: ref('api-password', 'IDM_API_PASSWORD', [onPrem ? 'SandboxAgent' : second]),
          },
        ],
      },
      ...(sql
        ? [
            {
              identifier: 'HRDatabase',
              agent: 'SandboxAgent',
              connections: [
                {
                  identifier: 'HRDatabaseExport',
                  type: 'sql',
                  connectionString: ref('hr-sql-connection', 'IDM_HR_SQL', [second]),
                },
              ],
            },
          ]
        : []),
    ]
    const environment: Record<string, unknown> = {
      version: 1,
      name: 'sandbox',
      product: onPrem ? '6.2' : 'saas',
      topology: onPrem ? 'on-prem-separate' : 'saas',
      organization: 'Sandbox',
      server: onPrem
        ? {
            url: `https://${names.server}:${serverPort}`,
            alias: names.server,
            workingDirectory: serverDir,
            serviceAccount: account,
            database: {connectionString: ref('sql-connection', 'IDM_SQL_CONNECTION', ['server'])},
            encryptionCertificate: {
              file: './certs/server-files.pfx',
              password: ref('pfx-password', 'IDM_SERVER_PFX', ['server']),
            },
            identityServerCertificate: {
              file: './certs/identityserver.pfx',
              password: ref('pfx-password', 'IDM_IDSRV_PFX', ['server']),
            },
            tlsCertificate: {
              file: './certs/idm-ssl.pfx',
              password: ref('pfx-password', 'IDM_SERVER_SSL_PFX', ['server']),
            },
          }
        : {url: `https://${names.server}:${serverPort}`},
      agents: [
        {
          identifier: 'SandboxAgent',
          alias: names.agent,
          url: `https://${names.agent}:${agentPort}`,
          workingDirectory: agentDir,
          serviceAccount: account,
          encryptionCertificate: {
            file: './certs/agent-files.pfx',
            password: ref('pfx-password', agentVar('SandboxAgent', 'PFX'), ['SandboxAgent']),
          },
          identityServerCertificate: {
            file: './certs/identityserver-public.pfx',
            password: ref('pfx-password', 'IDM_IDSRV_PFX', ['SandboxAgent']),
          },
          tlsCertificate: {
            file: './certs/idm-agent-ssl.pfx',
            password: ref('pfx-password', agentVar('SandboxAgent', 'SSL_PFX'), ['SandboxAgent']),
          },
          openIdClient: {id: 'Job', secret: ref('job-secret', jobVar('SandboxAgent'), ['SandboxAgent'])},
          sourcesRootPaths: [join(agentDir, 'Sources')],
        },
        ...extraAgents.map((a) => ({
          identifier: a.identifier,
          alias: a.alias,
          url: `https://${a.alias}:${agentPort}`,
          workingDirectory: join(dir, a.dir),
          serviceAccount: account,
          encryptionCertificate: {
            file: `./certs/${a.dir}-files.pfx`,
            password: ref('pfx-password', agentVar(a.identifier, 'PFX'), [a.identifier]),
          },
          identityServerCertificate: {
            file: './certs/identityserver-public.pfx',
            password: ref('pfx-password', 'IDM_IDSRV_PFX', [a.identifier]),
          },
          tlsCertificate: {
            file: './certs/idm-agent-ssl.pfx',
            password: ref('pfx-password', agentVar(a.identifier, 'SSL_PFX'), [a.identifier]),
          },
          openIdClient: {id: 'Job', secret: ref('job-secret', jobVar(a.identifier), [a.identifier])},
          sourcesRootPaths: [join(dir, a.dir, 'Sources')],
        })),
      ],
      connectors: connectors
        .filter((c) => !perAgent || c.identifier === 'AD' || c.identifier === (onPrem ? 'HRDatabase' : 'SCIMApp'))
        .map((c) => (perAgent && c.identifier !== 'AD' ? {...c, agent: second} : c)),
      smtp: {
        host: names.smtp,
        port: smtpPort,
        secureSocketOption: o.smtp?.mode === 'implicit-tls' ? 'SslOnConnect' : 'StartTls',
        username: smtpUser,
        password: ref('smtp-password', 'IDM_SMTP_PASSWORD', everyHost),
        fromAddress: `no-reply@${SANDBOX_DOMAIN}`,
        testRecipient: `it-admins@${SANDBOX_DOMAIN}`,
      },
      network: {
        dnsServers: [`127.0.0.1:${dns.port}`],
        caFile: './certs/sandbox-ca.pem',
        ...(o.proxy === false ? {} : {httpsProxy: `http://127.0.0.1:${proxyPort}`, noProxy: 'localhost'}),
      },
      // This machine stands in for the network, not for the product's host: its .NET and IIS are not judged.
      checks: {
        timeout: '5s',
        skip: ['host.runtime', 'host.iis'],
        ...(sql
          ? {
              settings: {
                'sql.connection': {browserPort: sql.browserPort},
                'connector.sql': {browserPort: sql.browserPort},
              },
            }
          : {}),
        ...o.checks,
      },
    }
    // Only the variables the file names (a connector left out names none).
    const named = JSON.stringify(environment)
    for (const name of Object.keys(secrets)) if (!named.includes(`\${env:${name}}`)) delete secrets[name]
    for (const [h, list] of Object.entries(hostSecrets)) hostSecrets[h] = list.filter((n) => n in secrets)
    const envFile = join(dir, 'idm-preflight.yaml')
    await writeFile(
      envFile,
      `# idm-preflight sandbox environment: every server below runs on 127.0.0.1 and is a stand-in,\n# not Identity Manager. Written by idm-preflight's sandbox; it lives only while the sandbox runs.\n${stringifyEnvironment(environment)}`,
    )
    return {
      dir,
      envFile,
      environment,
      names,
      ports: {
        dns: dns.port,
        server: serverPort,
        agent: agentPort,
        smtp: smtpPort,
        proxy: proxyPort,
        ...(sqlPort ? {sql: sqlPort} : {}),
        directory: directoryPort,
        directoryTls: directoryTlsPort,
        api: apiPort,
      },
      ca,
      secrets,
      hostSecrets,
      smtpMessages: (smtp as {messages: ReceivedMail[]}).messages,
      proxyTunnels: proxy.tunnels,
      // A folder the sandbox made for itself goes with it (its secrets too); one given as `dir`
      // (demo's) is the caller's to keep or remove.
      stop: async () => {
        await closeAll(running)
        if (!o.dir) await rm(dir, {recursive: true, force: true})
      },
    }
  } catch (e) {
    await closeAll(running)
    if (!o.dir) await rm(dir, {recursive: true, force: true})
    throw e
  }
}

/**
 * The agent's working directory with the production-agent rights (DOMAIN.md §2) for a real
 * account: as root, the folders belong to root and `nobody` may write only Temp, Work and Mails;
 * otherwise the current user is the account, with write removed where the profile denies it.
 * Returns the service account's name.
 */
async function workingDirectory(root: string, folders: string[]): Promise<string> {
  for (const sub of folders) await mkdir(join(root, sub), {recursive: true})
  const writable = new Set(['Temp', 'Work', 'Mails'])
  if (process.getuid?.() === 0) {
    for (const sub of ['', ...folders]) await chmod(join(root, sub), 0o755)
    for (const sub of folders.filter((f) => writable.has(f))) await chown(join(root, sub), 65534, 65534)
    return 'nobody'
  }
  for (const sub of ['', ...folders.filter((f) => !writable.has(f))]) await chmod(join(root, sub), 0o555)
  return userInfo().username
}

async function closeAll(running: Running[]): Promise<void> {
  await Promise.allSettled(running.map((r) => r.close()))
}
