import {existsSync} from 'node:fs'
import {dirname, isAbsolute, join, resolve} from 'node:path'
import {
  readTemplate,
  FileReadError,
  readRegularFile,
  refuseOverwrite,
  writeFileAtomic,
  writeError,
  writeUserFile,
} from '../io/index.js'
import {parseJsonc} from '../documents/index.js'
import {
  isSecretSettingKey,
  SECURE_SOCKET_OPTIONS,
  STORE_LOCATIONS,
  STORE_NAMES,
  type Environment,
  type Product,
  type Topology,
  VERSIONS,
} from '../model/index.js'
import {UsageError, urlCredentials, isWindowsPath} from '../base/index.js'
import {isProtectedPassword, MAX_SETTINGS_BYTES, roleOf, settingOf as get} from '../product/index.js'
import {suggestedConnectionString} from './init.js'
import {detectProductPrefix} from './plan.js'
import {readWebConfig, renderJson} from './render.js'
import {agentData, PLACEHOLDER_PREFIX, scaffoldTarget, serverData} from './settings.js'

/**
 * `init --from-workdir`: the environment file that describes an installation already there (a
 * server with its integrated agent, or a separate or SaaS agent), read from its Runtime's
 * settings files and web.config. It is scaffold read backwards (src/scaffold/settings.ts says what
 * each key is made from): every secret becomes a `${env:NAME}` reference, with the file and key it
 * came from, and whatever the environment file cannot say is listed, found by rendering the
 * adopted file as scaffold would into an empty folder and comparing key by key.
 */

type Obj = Record<string, unknown>
const isObj = (v: unknown): v is Obj => !!v && typeof v === 'object' && !Array.isArray(v)

/** A variable the adopted file refers to: where its value is found. The value itself is never printed. */
export interface AdoptedVariable {
  name: string
  /** The settings file (relative to the working directory) and the configuration key, A:B:C. */
  file: string
  key: string
  /** The environment file's field that refers to it. */
  field: string
}

/** Something of the installation the environment file cannot say: scaffold would not write it so. */
export interface Unexpressed {
  file: string
  key: string
  why: string
}

export interface Adoption {
  /** The environment file, secrets as references. */
  env: Record<string, unknown>
  variables: AdoptedVariable[]
  unexpressed: Unexpressed[]
  /** What was inferred, and from what (the topology, the product version, the agent's URL…). */
  notes: string[]
  role: 'server' | 'agent'
  workingDirectory: string
  /** The variables' values, for the caller's own check of the round trip: never print them. */
  secrets: Record<string, string>
}

export interface AdoptOptions {
  topology?: string
  product?: string
  organization?: string
  agentUrl?: string
  /** A separate agent's directory does not say where the server is: its working directory and database. */
  serverWorkingDirectory?: string
  databaseServer?: string
  databaseName?: string
  databaseAuth?: string
  /** The agent's identifier, when the settings do not say it (scaffold's placeholder) or to replace it. */
  agentId?: string
}

const RUNTIME_FILES = ['appsettings.json', 'appsettings.agent.json'] as const

/** Reads a working directory (or its Runtime folder) and describes it as an environment file. */
export async function adoptWorkdir(dirArg: string, o: AdoptOptions = {}): Promise<Adoption> {
  let wd = resolve(dirArg)
  // The Runtime folder itself may be given.
  if (!existsSync(join(wd, 'Runtime')) && existsSync(join(wd, 'appsettings.json'))) wd = dirname(wd)
  const runtime = join(wd, 'Runtime')
  if (!existsSync(runtime))
    throw new UsageError(
      `--from-workdir ${dirArg}: no Runtime folder there`,
      [],
      "give the installation's working directory (the folder that holds Runtime, Temp and Work)",
    )
  const [main, agentFile] = await Promise.all(RUNTIME_FILES.map((n) => readSettings(join(runtime, n), n)))
  if (main === undefined)
    throw new UsageError(
      `--from-workdir ${dirArg}: Runtime/appsettings.json is not there`,
      [],
      "give the working directory of an installed server or agent (its Runtime holds the product's settings files)",
    )
  const web = await readWebConfigOf(join(runtime, 'web.config'))
  const notes: string[] = []
  const unexpressed: Unexpressed[] = []
  const variables: AdoptedVariable[] = []
  const secrets: Record<string, string> = {}
  const ref = (name: string, value: string, file: string, key: string, field: string) => {
    if (value.startsWith(PLACEHOLDER_PREFIX))
      notes.push(`${field}: not set yet in ${file} ${key} (scaffold's placeholder): set ${name} to the real value`)
    let n = name
    for (let i = 2; secrets[n] !== undefined && secrets[n] !== value; i++) n = `${name}_${i}`
    if (secrets[n] === undefined) {
      secrets[n] = value
      variables.push({name: n, file, key, field})
    }
    return `\${env:${n}}`
  }

  const role = roleOf(main)
  const url = str(get(main, 'ApplicationUri'))
  if (!url)
    throw new UsageError(
      `--from-workdir ${dirArg}: Runtime/appsettings.json has no ApplicationUri`,
      [],
      'the server URL is what an installation is about: set it in the file, or write the environment file with init',
    )
  const prefix =
    (await detectProductPrefix(runtime)) ?? /\.\/(\w+)-(?:agent|server)\.dll/i.exec(web?.arguments ?? '')?.[1]
  let topology: Topology
  // A server's directory is the server with its integrated agent; an agent's, a separate or SaaS one.
  if (o.topology && (role === 'server') !== (o.topology === 'on-prem-integrated'))
    throw new UsageError(
      `--topology ${o.topology} does not fit ${dirArg}: it is ${role === 'server' ? "a server's working directory (appsettings.json has ConnectionString)" : "an agent's working directory (appsettings.json has no ConnectionString)"}`,
      [],
      role === 'server'
        ? "a server's directory is adopted as on-prem-integrated; for on-prem-separate, adopt each agent's directory, with --working-directory, --database-server and --database-name for the server"
        : 'an agent directory is adopted as on-prem-separate or saas',
    )
  if (o.topology) topology = o.topology as Topology
  else if (role === 'server') {
    topology = 'on-prem-integrated'
    notes.push(
      'topology on-prem-integrated: a server working directory (appsettings.json has ConnectionString), with its integrated agent',
    )
  } else {
    const saas = /\.usercube\.com$/i.test(hostOf(url))
    topology = saas ? 'saas' : 'on-prem-separate'
    notes.push(
      `topology ${topology}: an agent working directory whose ApplicationUri is ${saas ? 'a Netwrix tenant (*.usercube.com)' : 'not a Netwrix tenant'} (--topology to say otherwise)`,
    )
  }
  // Identitymanager-* names say 6.2 (as before: the rename came with it). Usercube-* is the name in
  // the 6.1, 6.2 and 6.3 docs (VERSIONS' productFiles), and no runtime says nothing: no guess then,
  // --product, else the newest on-premises version, said as not read from the files (this tool's
  // own policy).
  const newest = (Object.keys(VERSIONS) as Product[])
    .filter((v) => v !== 'saas')
    .sort((x, y) => Number(y) - Number(x))[0]!
  const renamed = /^identitymanager$/i.test(prefix ?? '')
  const product = o.product ?? (topology === 'saas' ? 'saas' : renamed ? '6.2' : newest)
  if (!o.product && topology !== 'saas')
    notes.push(
      renamed
        ? `product ${product}: the runtime's files are named ${prefix}-*`
        : `product ${product}: not read from the files (${prefix ? `${prefix}-* is the name in 6.1, 6.2 and 6.3` : 'no runtime files to tell'}): the newest on-premises version, --product to say otherwise`,
    )

  const mainName = 'Runtime/appsettings.json'
  const agentName = 'Runtime/appsettings.agent.json'
  const certificate = (block: unknown, file: string, path: string, field: string, pwVar: string, ids: boolean) =>
    certificateOf(block, file, path, field, pwVar, ids, runtime, ref)

  /** The encryption and IdentityServer certificates of the main settings file, for `server` or `agents[0]`. */
  const certificatesOf = (owner: string, encryptionVar: string) => {
    const out: Record<string, unknown> = {}
    const enc = certificate(
      get(main, 'EncryptionCertificate'),
      mainName,
      'EncryptionCertificate',
      `${owner}.encryptionCertificate`,
      encryptionVar,
      false,
    )
    if (enc) out.encryptionCertificate = enc
    const ids = certificate(
      get(main, 'IdentityServer'),
      mainName,
      'IdentityServer',
      `${owner}.identityServerCertificate`,
      'IDM_IDENTITYSERVER_PFX',
      true,
    )
    if (ids) out.identityServerCertificate = ids
    return out
  }

  const server: Obj = {url}
  const agent: Obj = {}
  const openId = get(agentFile, 'OpenId')
  const written = str(get(openId, 'AgentIdentifier'))
  // scaffold's own placeholder (`<REQUIRED: the AgentIdentifier …>`) is no identifier yet.
  const placeholder = written?.startsWith(PLACEHOLDER_PREFIX) === true
  if (placeholder && !o.agentId)
    throw new UsageError(
      `--from-workdir ${dirArg}: agent identifier not set yet in Runtime/appsettings.agent.json (scaffold's placeholder)`,
      [],
      'pass --agent-id ID (the AgentIdentifier of your XML configuration), or set OpenId:AgentIdentifier in the file',
    )
  if (o.agentId && written && !placeholder && o.agentId !== written)
    notes.push(`agent identifier ${o.agentId}: from --agent-id (Runtime/appsettings.agent.json says ${written})`)
  else if (o.agentId && placeholder)
    notes.push(
      `agent identifier ${o.agentId}: from --agent-id (Runtime/appsettings.agent.json holds scaffold's placeholder)`,
    )
  const identifier = o.agentId ?? written
  if (identifier) agent.identifier = identifier
  const license = str(get(main, 'License'))
  if (license !== undefined) server.license = ref('IDM_LICENSE', license, mainName, 'License', 'server.license')

  const account = await serviceAccountOf(wd)
  if (account) notes.push(`service account ${account}: from install-iis-site.ps1 in the working directory`)
  if (role === 'server') {
    server.workingDirectory = wd
    if (account) server.serviceAccount = account
    const cs = str(get(main, 'ConnectionString'))
    if (cs !== undefined)
      server.database = {
        connectionString: /(^|;)\s*(password|pwd)\s*=/i.test(cs)
          ? ref('IDM_SQL_CONNECTION', cs, mainName, 'ConnectionString', 'server.database.connectionString')
          : cs,
      }
    Object.assign(server, certificatesOf('server', 'IDM_SERVER_PFX'))
  } else {
    if (topology === 'on-prem-separate') {
      // The server's own facts are not in an agent's files: the init flags that say them.
      if (o.serverWorkingDirectory) server.workingDirectory = o.serverWorkingDirectory
      if (o.databaseServer && o.databaseName)
        server.database = {
          connectionString:
            o.databaseAuth === 'sql'
              ? ref(
                  'IDM_SQL_CONNECTION',
                  '',
                  "the server's Runtime/appsettings.json (not in an agent's)",
                  'ConnectionString',
                  'server.database.connectionString',
                )
              : // As init writes it.
                suggestedConnectionString(o.databaseServer, o.databaseName, 'windows'),
        }
    }
    const agentUrl = o.agentUrl ?? (await agentUrlOf(wd))
    if (agentUrl) {
      agent.url = agentUrl
      if (!o.agentUrl) notes.push(`agent URL ${agentUrl}: from install-iis-site.ps1 in the working directory`)
    }
    agent.workingDirectory = wd
    if (account) agent.serviceAccount = account
    Object.assign(agent, certificatesOf('agents[0]', 'IDM_AGENT_PFX'))
  }
  // The site's host name and https certificate are not in the settings files: read back from the
  // install-iis-site.ps1 scaffold wrote, else said as missing.
  const side = role === 'server' ? server : agent
  const sideField = role === 'server' ? 'server' : 'agents[0]'
  const site = await siteOf(wd)
  if (site) {
    if (site.hostName) side.alias = site.hostName
    const storeName = (STORE_NAMES as readonly string[]).includes(site.storeName ?? '') ? site.storeName : 'My'
    if (site.pfxFile)
      side.tlsCertificate = {
        file: site.pfxFile,
        password: ref(
          role === 'server' ? 'IDM_SERVER_TLS_PFX' : 'IDM_AGENT_TLS_PFX',
          '',
          'install-iis-site.ps1',
          '$PfxFile (its password is not stored: the one the PFX was made with)',
          `${sideField}.tlsCertificate.password`,
        ),
      }
    else if (site.thumbprint || site.certSubject)
      side.tlsCertificate = {
        store: {
          ...(site.thumbprint ? {thumbprint: site.thumbprint} : {subject: site.certSubject}),
          storeLocation: 'LocalMachine',
          storeName,
        },
      }
    const read = [site.hostName ? 'alias' : '', side.tlsCertificate ? 'tlsCertificate' : ''].filter(Boolean)
    if (read.length) notes.push(`${read.join(' and ')}: from install-iis-site.ps1 in the working directory`)
  } else
    unexpressed.push({
      file: 'install-iis-site.ps1',
      key: `${sideField}.alias, ${sideField}.tlsCertificate`,
      why: "not in the settings files (no install-iis-site.ps1 scaffold wrote): add them (the site's host name and https certificate)",
    })
  const clients = get(openId, 'OpenIdClients')
  const def = str(get(openId, 'DefaultOpenIdClient'))
  if (isObj(clients) && Object.keys(clients).length) {
    const id =
      (def && Object.keys(clients).find((k) => k.toLowerCase() === def.toLowerCase())) ?? Object.keys(clients)[0]!
    const secret = str(clients[id])
    agent.openIdClient = {
      id,
      ...(secret !== undefined
        ? {
            secret: ref(
              'IDM_JOB_SECRET',
              secret,
              agentName,
              `OpenId:OpenIdClients:${id}`,
              'agents[0].openIdClient.secret',
            ),
          }
        : {}),
    }
  }
  const roots = get(agentFile, 'SourcesRootPaths')
  if (Array.isArray(roots) && roots.every((r) => typeof r === 'string')) agent.sourcesRootPaths = roots

  const env: Obj = {
    version: 1,
    name: '',
    product,
    topology,
    organization: '',
    server,
    agents: agent.identifier ? [agent] : [],
  }
  if (!agent.identifier)
    notes.push('no OpenId:AgentIdentifier in Runtime/appsettings.agent.json: the file names no agent')
  // The organization: given, else the license's LicensedTo, else from the URL: a tenant's name
  // (contoso.usercube.com), or the domain's (idm.contoso.com).
  const labels = hostOf(url).split('.')
  const org =
    o.organization ??
    licensedTo(license) ??
    (topology === 'saas' || labels.length < 2 ? labels[0]! : labels.at(-2)!).replace(/^./, (c) => c.toUpperCase())
  env.organization = org
  env.name = `${org.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-${topology === 'saas' ? 'saas' : role === 'server' ? 'server' : (identifier ?? 'agent').toLowerCase()}`

  // Mail: the server's own MailSettings, else the agent's (PasswordResetSettings).
  const serverMail = get(main, 'MailSettings')
  const agentMail = get(get(agentFile, 'PasswordResetSettings'), 'MailSettings')
  const mail = isObj(serverMail) ? serverMail : agentMail
  const mailFile = isObj(serverMail) ? mainName : agentName
  const mailKey = isObj(serverMail) ? 'MailSettings' : 'PasswordResetSettings:MailSettings'
  if (isObj(mail)) {
    if (get(mail, 'UseSpecifiedPickupDirectory') === true || get(mail, 'UseSpecifiedPickupDirectory') === 'true')
      env.smtp = {pickupDirectory: str(get(mail, 'PickupDirectory')), fromAddress: str(get(mail, 'FromAddress'))}
    else if (str(get(mail, 'Host'))) {
      const option = str(get(mail, 'SecureSocketOption'))
      const user = str(get(mail, 'Username') ?? get(mail, 'UserName'))
      const password = str(get(mail, 'Password'))
      env.smtp = {
        host: str(get(mail, 'Host')),
        ...(get(mail, 'Port') !== undefined && Number.isInteger(Number(get(mail, 'Port')))
          ? {port: Number(get(mail, 'Port'))}
          : {}),
        ...(option && (SECURE_SOCKET_OPTIONS as readonly string[]).includes(option)
          ? {secureSocketOption: option}
          : {}),
        ...(user ? {username: user} : {}),
        ...(password !== undefined
          ? {password: ref('IDM_SMTP_PASSWORD', password, mailFile, `${mailKey}:Password`, 'smtp.password')}
          : {}),
        ...(get(mail, 'UseDefaultCredentials') === true ? {useDefaultCredentials: true} : {}),
        ...(str(get(mail, 'FromAddress')) ? {fromAddress: str(get(mail, 'FromAddress'))} : {}),
      }
    }
  }

  // web.config: the proxy variables the product reads.
  const network: Obj = {}
  const proxy = web?.environment.HTTPS_PROXY
  if (proxy)
    network.httpsProxy = urlCredentials(proxy)
      ? ref(
          'IDM_HTTPS_PROXY',
          proxy,
          'Runtime/web.config',
          'aspNetCore/environmentVariables/HTTPS_PROXY',
          'network.httpsProxy',
        )
      : proxy
  if (web?.environment.NO_PROXY) network.noProxy = web.environment.NO_PROXY
  if (Object.keys(network).length) env.network = network

  const connectors = connectionsOf(get(agentFile, 'Connections'), identifier, topology, agentName, ref, unexpressed)
  if (connectors.length) env.connectors = connectors

  // What the environment file cannot say: render it as scaffold would into an empty folder, and
  // compare with what is there, key by key.
  const resolved = resolveRefs(env, secrets) as unknown as Environment
  const t = scaffoldTarget(resolved, undefined, wd)
  if (!('error' in t)) {
    const data = t.role === 'agent' ? agentData(resolved, t, wd, 0) : serverData(resolved, t, wd)
    const originals = {'appsettings.json': main, 'appsettings.agent.json': agentFile}
    for (const name of RUNTIME_FILES) {
      const rendered = renderJson(JSON.parse(await readTemplate(`${t.role}/Runtime/${name}`)), data)
      unexpressed.push(...compareSettings(`Runtime/${name}`, originals[name] ?? {}, rendered))
    }
  } else notes.push(`scaffold could not describe it: ${t.error}`)
  if (web) {
    if (web.hostingModel && web.hostingModel.toLowerCase() !== 'inprocess')
      unexpressed.push({
        file: 'Runtime/web.config',
        key: 'aspNetCore/@hostingModel',
        why: `${web.hostingModel}: scaffold writes inprocess into a new folder (it keeps the attribute of a web.config already there)`,
      })
    for (const name of Object.keys(web.environment))
      if (name !== 'HTTPS_PROXY' && name !== 'NO_PROXY')
        unexpressed.push({
          file: 'Runtime/web.config',
          key: `aspNetCore/environmentVariables/${name}`,
          why: 'the environment file has no field for it (scaffold keeps it in a web.config already there)',
        })
    if (prefix && !/^usercube$/i.test(prefix))
      notes.push(
        `the runtime's files are named ${prefix}-*: scaffold finds them in an extracted runtime, or give it --product-files ${prefix}`,
      )
  }
  return {env, variables, unexpressed, notes, role, workingDirectory: wd, secrets}
}

async function readSettings(path: string, name: string): Promise<Obj | undefined> {
  let bytes: Buffer
  try {
    bytes = await readRegularFile(path, MAX_SETTINGS_BYTES)
  } catch (e) {
    if (e instanceof FileReadError && e.code === 'missing') return undefined
    if (e instanceof FileReadError) throw new UsageError(`${path} ${e.message}`, [], 'make it a regular JSON file')
    throw e
  }
  const r = parseJsonc(path, bytes)
  if (!r.ok)
    throw new UsageError(`Runtime/${name} cannot be read as the product reads it`, r.diagnostics, 'fix the file first')
  if (!isObj(r.doc.value)) throw new UsageError(`${path}: the settings are not a JSON object`)
  return r.doc.value
}

async function readWebConfigOf(
  path: string,
): Promise<(ReturnType<typeof readWebConfig> & {hostingModel?: string}) | undefined> {
  let xml: string
  try {
    xml = (await readRegularFile(path, MAX_SETTINGS_BYTES)).toString('utf8')
  } catch (e) {
    if (e instanceof FileReadError && e.code === 'missing') return undefined
    if (e instanceof FileReadError) throw new UsageError(`${path} ${e.message}`, [], 'make it a regular XML file')
    throw e
  }
  try {
    const w = readWebConfig(xml)
    return {...w, hostingModel: /<aspNetCore\b[^>]*\bhostingModel="([^"]*)"/i.exec(xml)?.[1]}
  } catch (e) {
    throw new UsageError(`${path} is not XML the product can read: ${(e as Error).message}`)
  }
}

const str = (v: unknown): string | undefined =>
  typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined

function hostOf(url: string): string {
  try {
    return new URL(url).hostname
  } catch {
    return ''
  }
}

function licensedTo(license: string | undefined): string | undefined {
  try {
    const v = (JSON.parse(license ?? '') as Obj).LicensedTo
    return typeof v === 'string' && /^[A-Za-z0-9][\w .&-]{0,99}$/.test(v) ? v : undefined
  } catch {
    return undefined
  }
}

/** The agent's URL from the install-iis-site.ps1 scaffold wrote there ($HostName, $Port), if any. */
async function agentUrlOf(wd: string): Promise<string | undefined> {
  let text: string
  try {
    text = (await readRegularFile(join(wd, 'install-iis-site.ps1'), MAX_SETTINGS_BYTES)).toString('utf8')
  } catch {
    return undefined
  }
  const host = psVariable(text, 'HostName')
  const port = /^\$Port = (\d+)/m.exec(text)?.[1]
  if (!host) return undefined
  return `https://${host}${port && port !== '443' ? `:${port}` : ''}`
}

/** The IIS site install-iis-site.ps1 (as scaffold wrote it) makes: its host name and certificate. */
async function siteOf(
  wd: string,
): Promise<
  {hostName?: string; thumbprint?: string; certSubject?: string; storeName?: string; pfxFile?: string} | undefined
> {
  let text: string
  try {
    text = (await readRegularFile(join(wd, 'install-iis-site.ps1'), MAX_SETTINGS_BYTES)).toString('utf8')
  } catch {
    return undefined
  }
  const pfx = psVariable(text, 'PfxFile')
  return {
    hostName: psVariable(text, 'HostName'),
    thumbprint: psVariable(text, 'Thumbprint'),
    certSubject: psVariable(text, 'CertSubject'),
    storeName: psVariable(text, 'CertStoreName'),
    // The script holds a Windows path with backslashes; the environment file writes them forward.
    pfxFile: pfx && isWindowsPath(pfx) ? pfx.replace(/\\/g, '/') : pfx,
  }
}

/** A `$Name = '…'` line of a script scaffold wrote (psString quoting: '' is one quote). */
function psVariable(text: string, name: string): string | undefined {
  const v = new RegExp(`^\\$${name} = '((?:[^']|'')*)'`, 'm').exec(text)?.[1]?.replace(/''/g, "'")
  return v || undefined
}

/** The service account the scaffolded scripts in the working directory grant, if any. */
async function serviceAccountOf(wd: string): Promise<string | undefined> {
  try {
    return psVariable(
      (await readRegularFile(join(wd, 'install-iis-site.ps1'), MAX_SETTINGS_BYTES)).toString('utf8'),
      'Account',
    )
  } catch {
    return undefined
  }
}

/** A PFX password as the environment file holds it: the settings' escaping undone (one leading "@"). */
function realPassword(settingsValue: string): string {
  return !isProtectedPassword(settingsValue) && settingsValue.startsWith('@') ? settingsValue.slice(1) : settingsValue
}

/** A path the settings give, as scaffold writes it back: absolute (relative ones are Runtime's). */
function absoluteFrom(runtime: string, p: string): string {
  return isAbsolute(p) || isWindowsPath(p) ? p : join(runtime, p)
}

type Ref = (name: string, value: string, file: string, key: string, field: string) => string

/** `EncryptionCertificate` or `IdentityServer` (ids), read back into a certificate of the environment file. */
function certificateOf(
  block: unknown,
  file: string,
  path: string,
  field: string,
  pwVar: string,
  ids: boolean,
  runtime: string,
  ref: Ref,
): Obj | undefined {
  if (!isObj(block)) return undefined
  const k = ids
    ? {
        file: 'X509KeyFilePath',
        password: 'X509KeyFilePassword',
        location: 'X509StoreLocation',
        name: 'X509StoreName',
        thumbprint: 'X509Thumbprint',
        subject: 'X509SubjectDistinguishedName',
      }
    : {
        file: 'File',
        password: 'Password',
        location: 'StoreLocation',
        name: 'StoreName',
        thumbprint: 'Thumbprint',
        subject: 'DistinguishedName',
      }
  const pfx = str(get(block, k.file))
  if (pfx) {
    const pw = str(get(block, k.password))
    return {
      file: absoluteFrom(runtime, pfx),
      ...(pw !== undefined
        ? {password: ref(pwVar, realPassword(pw), file, `${path}:${k.password}`, `${field}.password`)}
        : {}),
    }
  }
  const location = str(get(block, k.location))
  const name = str(get(block, k.name))
  const thumbprint = str(get(block, k.thumbprint))
  const subject = str(get(block, k.subject))
  if (
    location &&
    name &&
    (STORE_LOCATIONS as readonly string[]).includes(location) &&
    (STORE_NAMES as readonly string[]).includes(name) &&
    (thumbprint || subject)
  )
    return {store: {...(thumbprint ? {thumbprint} : {subject}), storeLocation: location, storeName: name}}
  return undefined
}

/** The keys each connection type's settings are made from (src/scaffold/settings.ts connectionsData). */
const OWN_KEYS: Record<string, string[]> = {
  activeDirectory: ['servers', 'authtype', 'login', 'password', 'enablessl', 'filter'],
  ldap: ['servers', 'tables'],
  sql: ['connectionstring'],
  files: ['path', 'pathincremental', 'isfilenameregex'],
  http: ['server', 'login', 'password', 'oauthtoken'],
}

/** The agent's Connections, read back into connectors (one per connection: their grouping is not in the settings). */
function connectionsOf(
  section: unknown,
  agent: string | undefined,
  topology: Topology,
  file: string,
  ref: Ref,
  unexpressed: Unexpressed[],
): Obj[] {
  if (!isObj(section)) return []
  const out: Obj[] = []
  for (const [id, c] of Object.entries(section)) {
    const key = `Connections:${id}`
    if (!isObj(c)) {
      unexpressed.push({file, key, why: 'not an object of settings'})
      continue
    }
    const varBase = `IDM_${id.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}`
    const secret = (k: string, field: string, v: string, name = k.toUpperCase()) =>
      ref(`${varBase}_${name}`, v, file, `${key}:${k}`, field)
    const field = `connectors[${out.length}].connections[0]`
    const servers = get(c, 'Servers')
    const tables = get(c, 'Tables')
    let k: Obj | undefined
    let type: string | undefined
    const ldapServer = (s: unknown): Obj | undefined => {
      const m = /^(.*?)(?::(\d+))?$/.exec(str(get(s, 'Server')) ?? '')
      if (!m?.[1]) return undefined
      return {host: m[1], ...(m[2] ? {port: Number(m[2])} : {})}
    }
    const bind = (o: unknown): Obj => {
      const auth = str(get(o, 'AuthType'))
      const password = str(get(o, 'Password'))
      return {
        ...(auth && ['Basic', 'Anonymous', 'Negotiate'].includes(auth) ? {authType: auth} : {}),
        ...(str(get(o, 'Login')) ? {login: str(get(o, 'Login'))} : {}),
        ...(password !== undefined ? {password: secret('Password', `${field}.password`, realPassword(password))} : {}),
      }
    }
    if (Array.isArray(servers) && tables === undefined) {
      type = 'activeDirectory'
      const security = get(c, 'EnableSSL') === true ? 'ldaps' : 'none'
      const list = servers.map((s) => ({...ldapServer(s), baseDN: str(get(s, 'BaseDN'))}))
      const dns = [...new Set(list.map((s) => s.baseDN))]
      k = {
        servers: list.map((s) => (dns.length === 1 ? {...s, baseDN: undefined} : s)),
        ...(dns.length === 1 && dns[0] ? {baseDN: dns[0]} : {}),
        security,
        ...bind(c),
        ...(str(get(c, 'Filter')) ? {filter: str(get(c, 'Filter'))} : {}),
      }
    } else if (Array.isArray(servers) && Array.isArray(tables)) {
      type = 'ldap'
      const first = servers[0]
      const security = get(first, 'EnableSSL') === true ? 'ldaps' : 'none'
      const entries = tables.find((t) => String(get(t, 'Table')).toLowerCase() === 'entries')
      k = {
        servers: servers.map((s) => ldapServer(s)),
        ...(str(get(entries, 'BaseDN')) ? {baseDN: str(get(entries, 'BaseDN'))} : {}),
        security,
        ...bind(first),
        ...(str(get(entries, 'Filter')) ? {filter: str(get(entries, 'Filter'))} : {}),
      }
    } else if (str(get(c, 'ConnectionString')) !== undefined) {
      type = 'sql'
      const cs = str(get(c, 'ConnectionString'))!
      k = {
        connectionString: /(^|;)\s*(password|pwd)\s*=/i.test(cs)
          ? secret('ConnectionString', `${field}.connectionString`, cs, 'CONNECTION')
          : cs,
      }
    } else if (get(c, 'Path') !== undefined || get(c, 'PathIncremental') !== undefined) {
      type = 'files'
      k = {
        ...(str(get(c, 'Path')) ? {path: str(get(c, 'Path'))} : {}),
        ...(str(get(c, 'PathIncremental')) ? {pathIncremental: str(get(c, 'PathIncremental'))} : {}),
        ...(typeof get(c, 'IsFileNameRegex') === 'boolean' ? {isFileNameRegex: get(c, 'IsFileNameRegex')} : {}),
      }
    } else if (/^https?:\/\//i.test(str(get(c, 'Server')) ?? '')) {
      type = 'http'
      const password = str(get(c, 'Password'))
      const token = str(get(c, 'OAuthToken'))
      k = {
        url: str(get(c, 'Server')),
        ...(str(get(c, 'Login')) ? {username: str(get(c, 'Login'))} : {}),
        ...(password !== undefined ? {password: secret('Password', `${field}.password`, realPassword(password))} : {}),
        ...(token !== undefined ? {token: secret('OAuthToken', `${field}.token`, token, 'TOKEN')} : {}),
      }
    }
    if (!k || !type) {
      unexpressed.push({
        file,
        key,
        why: 'a connection of a kind the environment file does not describe (Active Directory, LDAP, SQL, CSV files or an HTTP API): kept by scaffold in a file already there, not written into a new one',
      })
      continue
    }
    // The other keys go into the connection's settings, as they are (scalars only).
    const settings: Obj = {}
    for (const [name, v] of Object.entries(c)) {
      if (OWN_KEYS[type]!.includes(name.toLowerCase())) continue
      if (typeof v === 'string' && isSecretSettingKey(name))
        settings[name] = secret(name, `${field}.settings.${name}`, v)
      else if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') settings[name] = v
      else
        unexpressed.push({
          file,
          key: `${key}:${name}`,
          why: "a list or an object: a connection's settings take values only",
        })
    }
    out.push({
      identifier: id,
      ...(topology === 'on-prem-integrated' || !agent ? {} : {agent}),
      connections: [{identifier: id, type, ...dropUndefined(k), ...(Object.keys(settings).length ? {settings} : {})}],
    })
  }
  return out
}

function dropUndefined<T extends Obj>(o: T): T {
  const out: Obj = {}
  for (const [k, v] of Object.entries(o))
    if (v !== undefined) out[k] = Array.isArray(v) ? v.map((x) => (isObj(x) ? dropUndefined(x) : x)) : v
  return out as T
}

/** The environment with its `${env:NAME}` references replaced by the values found. */
function resolveRefs(value: unknown, secrets: Record<string, string>): unknown {
  if (typeof value === 'string') {
    const m = /^\$\{env:([^}]+)\}$/.exec(value)
    return m ? (secrets[m[1]!] ?? value) : value
  }
  if (Array.isArray(value)) return value.map((v) => resolveRefs(v, secrets))
  if (isObj(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveRefs(v, secrets)]))
  return value
}

/**
 * A settings value as .NET configuration sees it: every leaf under its key A:B:0:C, keys
 * case-insensitive, values as strings.
 */
export function configurationKeys(value: unknown): Map<string, {key: string; value: string}> {
  const out = new Map<string, {key: string; value: string}>()
  const walk = (v: unknown, key: string) => {
    if (Array.isArray(v) || isObj(v)) {
      const entries = Array.isArray(v) ? v.map((x, i) => [String(i), x] as const) : Object.entries(v)
      if (entries.length === 0 && key) out.set(key.toLowerCase(), {key, value: ''})
      for (const [k, x] of entries) walk(x, key ? `${key}:${k}` : k)
    } else if (key) out.set(key.toLowerCase(), {key, value: v === null ? '' : String(v)})
  }
  walk(value, '')
  return out
}

/** What differs between a settings file and what scaffold writes from the adopted file: keys only, never values. */
function compareSettings(file: string, original: unknown, rendered: unknown): Unexpressed[] {
  const a = configurationKeys(original)
  const b = configurationKeys(rendered)
  const out: Unexpressed[] = []
  for (const [k, {key, value}] of a) {
    const r = b.get(k)
    if (r === undefined)
      out.push({
        file,
        key,
        why: 'the environment file has no field for it: scaffold keeps it in a file already there, not in a new one',
      })
    else if (r.value !== value)
      out.push({file, key, why: 'scaffold would write another value (the environment file cannot say this one)'})
  }
  for (const [k, {key}] of b)
    if (!a.has(k)) out.push({file, key, why: 'not in the installation: scaffold would add it (its default)'})
  return out
}

/** The header of the adopted file: where it comes from, and the variables to set. */
export function adoptedHeader(
  a: Adoption,
  schema = '# yaml-language-server: $schema=./node_modules/idm-preflight/schema/environment.schema.json',
): string {
  const lines = [
    schema,
    `# Written by idm-preflight init --from-workdir, from the installation in ${oneLine(a.workingDirectory)}.`,
    '# Secrets are references: set these variables to the values in the files named (never here):',
    ...a.variables.map((v) => `#   ${v.name}: ${v.file} ${oneLine(v.key)}`),
  ]
  if (a.unexpressed.length)
    lines.push(
      '# Not expressed in this file (scaffold into a new folder would not write them so):',
      ...a.unexpressed.map((u) => `#   ${u.file} ${oneLine(u.key)}: ${u.why}`),
    )
  return `${lines.join('\n')}\n`
}

/** Text for a comment line: control characters (a key or path holding a newline) as spaces. */
function oneLine(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, ' ')
}

/** What `init --from-workdir` needs of its command: the flags it shares with init, and output. */
export interface AdoptRun {
  dir: string
  out: string
  shown: string
  force: boolean
  options: AdoptOptions
  print?: (text: string) => Promise<void>
  /** The tool's own folder: `$schema` points at its schema (src/environment/schema-ref.ts). */
  root?: string
}

/**
 * `init --from-workdir DIR`: adopts the installation, writes the environment file (after checking
 * it as validate would), and says which variables to set, from which file and key, and what the
 * file cannot express. Returns the JSON result.
 */
export async function runAdopt(r: AdoptRun): Promise<Record<string, unknown>> {
  const [{stringifyEnvironment}, {rm}, {loadEnvironment}, {loadChecks}] = await Promise.all([
    import('../environment/file/yaml-out.js'),
    import('node:fs/promises'),
    import('../environment/file/config.js'),
    import('../run/registry.js'),
  ])
  await refuseOverwrite(r.out, r.shown, r.force)
  const a = await adoptWorkdir(r.dir, r.options)
  const schema = r.root ? await (await import('../environment/schema-ref.js')).schemaLine(r.out, r.root) : undefined
  const text = `${adoptedHeader(a, schema)}${stringifyEnvironment(a.env)}`
  // The file must pass validate: checked beside it, with the values found, before it replaces anything.
  const probe = join(dirname(r.out), `.idm-preflight-adopt-${process.pid}.yaml`)
  await writeFileAtomic(probe, text).catch((e: unknown) => {
    throw writeError(e, r.shown)
  })
  const check = await loadEnvironment(probe, await loadChecks(), {secrets: 'static', checkRules: true}).finally(() =>
    rm(probe, {force: true}),
  )
  if (!check.ok)
    throw new UsageError(
      `the installation in ${a.workingDirectory} does not make a valid environment file as read`,
      check.diagnostics.filter((d) => d.severity === 'error').map((d) => ({...d, file: r.shown})),
      a.role === 'agent' && a.env.topology === 'on-prem-separate'
        ? "a separate agent's files do not say where the server is installed, nor (without a scaffolded install-iis-site.ps1) the agent's own URL: give --working-directory (the server's), --database-server and --database-name (and --database-auth sql for a SQL login), and --agent-url"
        : 'give the answers it lacks as init flags (--topology, --product, --organization, --agent-url, --agent-id)',
    )
  await writeUserFile(r.out, text, {force: r.force, shown: r.shown})
  if (r.print) {
    const lines = [
      `Wrote ${r.shown}: ${a.env.topology}, ${a.role === 'server' ? 'the server' : `agent ${(a.env.agents as Obj[])[0]?.identifier ?? ''}`} in ${a.workingDirectory}.`,
      ...a.notes.map((n) => `  ${n}`),
    ]
    if (a.variables.length) {
      lines.push('', 'Set these variables to the values in the files named (they are never printed):')
      const w = Math.max(...a.variables.map((v) => v.name.length))
      for (const v of a.variables) lines.push(`  ${v.name.padEnd(w)}  ${v.file}  ${oneLine(v.key)}`)
    }
    if (a.unexpressed.length) {
      lines.push(
        '',
        `Not expressed in the environment file (${a.unexpressed.length}): scaffold into a new folder would not write them so`,
      )
      for (const u of a.unexpressed) lines.push(`  ${u.file}  ${oneLine(u.key)}: ${u.why}`)
    } else
      lines.push('', 'Everything in the settings files is expressed: scaffold of this file writes them key for key.')
    lines.push('', 'Next:', `  idm-preflight validate ${r.shown}`, `  idm-preflight check -c ${r.shown}`)
    await r.print(`${lines.join('\n')}\n`)
  }
  return {
    file: resolve(r.out),
    adoptedFrom: a.workingDirectory,
    role: a.role,
    environment: a.env,
    variables: a.variables,
    unexpressed: a.unexpressed,
    notes: a.notes,
  }
}
