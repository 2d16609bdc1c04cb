import {VERSIONS} from '../model/index.js'
import {httpsUrlProblem} from '../environment/index.js'
import {shString} from '../base/index.js'
import {certificatePath, passwordVariable, type CertificatePurpose} from './cert-files.js'

/**
 * The `init` questions: each is a flag too. Where an answer identifies the customer (the
 * organization, the server URL) there is no default; `--yes` takes every other default.
 */

export type Answers = Record<string, string | undefined>

export interface Question {
  name: string
  flag: string
  message: string
  /** A choice among these (from the answers so far: an impossible pair is not offered). */
  choices?: Choice[] | ((a: Answers) => Choice[])
  /**
   * The default, from the answers so far. No function, or `null`: this answer has no default
   * (the customer's own, or nothing may be derived here); `undefined`: not known yet, because an
   * answer it derives from is still missing.
   */
  default?: (a: Answers) => string | null | undefined
  when?: (a: Answers) => boolean
  validate?: (v: string, a: Answers) => string | undefined
  /**
   * A choice this answer implies when it is given as a flag and the choice is not:
   * `--smtp-host` means `--mail smtp`. Undefined where it implies nothing (with these answers).
   */
  implies?: (a: Answers) => {name: string; value: string} | undefined
  /** Why this answer, given as a flag, is not asked with these answers (default: the topology). */
  notAsked?: (a: Answers) => string
  /** The environment file's fields this answer makes (dotted paths): an error there is its. */
  fields: string[]
}

export interface Choice {
  value: string
  name: string
}

/** The choices of `q` with the answers so far. */
export function choicesOf(q: Question, a: Answers): Choice[] | undefined {
  return typeof q.choices === 'function' ? q.choices(a) : q.choices
}

const onPrem = (a: Answers) => a.topology !== 'saas'
const hasAgent = (a: Answers) => a.topology !== 'on-prem-integrated'
/**
 * The customer's domain, from the server URL: on premises only. In SaaS the server URL is the
 * tenant's (contoso.usercube.com): its domain is Netwrix's, never a default for the agent, SMTP
 * or mail addresses, which live in the organization's own domain.
 */
const customerDomainOf = (a: Answers): string | null | undefined => {
  if (a.topology === 'saas') return null
  try {
    return new URL(a.serverUrl ?? '').hostname.split('.').slice(1).join('.') || undefined
  } catch {
    return undefined
  }
}
/**
 * The wizard writes the recommended setup only: https. (An environment file written by hand may
 * use http://, which the product accepts: validate warns.)
 */
const wizardUrlProblem = (v: string) =>
  httpsUrlProblem(v) ?? (/^http:\/\//i.test(v) ? 'must use https:// (the docs recommend HTTPS)' : undefined)
const compact = (s: string | undefined) => (s ?? '').replace(/[^A-Za-z0-9]/g, '')

/** Where the agent's settings are: its own working directory, or the server's (integrated). */
const agentDir = (a: Answers) =>
  a.topology === 'on-prem-integrated' ? a.serverWorkingDirectory : a.agentWorkingDirectory

const thumbprintProblem = (v: string) =>
  /^[0-9A-Fa-f]{40}$/.test(v.replace(/[\s:]/g, '')) ? undefined : '40 hexadecimal digits (the SHA-1 thumbprint)'
// eslint-disable-next-line no-control-regex
const BAD_PATH_CHARACTERS = /[\u0000-\u001f"<>|?*]/
const pathProblem = (v: string) =>
  !v.trim()
    ? 'a path is needed'
    : BAD_PATH_CHARACTERS.test(v.replace(/^[A-Za-z]:/, ''))
      ? 'not a valid path'
      : undefined

/**
 * The three questions of one certificate: how it is provided (created by scaffold, a PFX file,
 * the Windows store; a TLS certificate may also wait), then the file or the thumbprint. Giving the
 * file or the thumbprint as a flag implies the choice.
 */
function certificateQuestions(o: {
  name: string
  flag: string
  message: string
  field: string
  when: (a: Answers) => boolean
  create: string
  tls?: boolean
}): Question[] {
  return [
    {
      name: o.name,
      flag: o.flag,
      message: o.message,
      when: o.when,
      fields: [o.field],
      choices: [
        {value: 'create', name: o.create},
        {value: 'file', name: o.tls ? 'a PFX file from your CA (recommended)' : 'an existing PFX file'},
        {value: 'store', name: 'in the Windows certificate store (by thumbprint)'},
        ...(o.tls ? [{value: 'none', name: 'not now (the https binding is made without one)'}] : []),
      ],
      default: () => 'create',
    },
    {
      name: `${o.name}File`,
      flag: `${o.flag}-file`,
      message: `${o.message}: the PFX file (its path on the host)`,
      when: (a) => o.when(a) && a[o.name] === 'file',
      fields: [`${o.field}.file`],
      default: () => null,
      validate: pathProblem,
      implies: () => ({name: o.name, value: 'file'}),
    },
    {
      name: `${o.name}Thumbprint`,
      flag: `${o.flag}-thumbprint`,
      message: `${o.message}: its thumbprint (40 hex digits)`,
      when: (a) => o.when(a) && a[o.name] === 'store',
      fields: [`${o.field}.store`],
      validate: thumbprintProblem,
      implies: () => ({name: o.name, value: 'store'}),
    },
  ]
}

export const QUESTIONS: Question[] = [
  {
    name: 'topology',
    flag: 'topology',
    message: 'Topology',
    fields: ['topology'],
    choices: [
      {value: 'on-prem-integrated', name: 'on premises, the agent integrated in the server (most installations)'},
      {value: 'on-prem-separate', name: 'on premises, with separate agents'},
      {value: 'saas', name: 'SaaS: Netwrix hosts the server, you install agents'},
    ],
    default: () => 'on-prem-integrated',
  },
  {
    name: 'product',
    flag: 'product',
    message: 'Product version',
    fields: ['product'],
    // Only what goes with the topology is offered: SaaS is the product of topology saas, and only
    // its. Newest first; the names are VERSIONS' (src/model/versions.ts).
    choices: (a) =>
      a.topology === 'saas'
        ? [{value: 'saas', name: VERSIONS.saas.name}]
        : (['6.3', '6.2', '6.1'] as const).map((value) => ({value, name: VERSIONS[value].name})),
    default: (a) => (a.topology === 'saas' ? 'saas' : '6.3'),
    validate: (v, a) =>
      (a.topology === 'saas') !== (v === 'saas') ? 'SaaS goes with topology saas, and only with it' : undefined,
  },
  {
    name: 'organization',
    flag: 'organization',
    message: 'Organization (e.g. Contoso)',
    fields: ['organization'],
    validate: (v) =>
      /^[A-Za-z0-9][\w .&-]{0,99}$/.test(v) ? undefined : 'letters, digits, spaces, . & - _; up to 100',
  },
  {
    name: 'name',
    flag: 'name',
    message: 'Name of this environment (shown in reports)',
    fields: ['name'],
    default: (a) =>
      `${(a.organization ?? 'idm').toLowerCase().replace(/[^a-z0-9]+/g, '-')}-${a.topology === 'saas' ? 'saas' : 'prod'}`,
    validate: (v) => (v.trim() && v.length <= 100 ? undefined : 'a name of 1 to 100 characters'),
  },
  {
    name: 'serverUrl',
    flag: 'server-url',
    message: 'Server URL (ApplicationUri), e.g. https://idm.contoso.com',
    fields: ['server.url'],
    validate: (v) => {
      const p = wizardUrlProblem(v)
      return p ? `the URL ${p}` : undefined
    },
  },
  {
    name: 'serverAlias',
    flag: 'server-alias',
    message: 'DNS alias of the server',
    fields: ['server.alias'],
    when: onPrem,
    default: (a) => safeHost(a.serverUrl),
    validate: (v) => hostProblem(v),
  },
  {
    name: 'serverWorkingDirectory',
    flag: 'working-directory',
    message: 'Server working directory',
    fields: ['server.workingDirectory'],
    when: onPrem,
    default: (a) => `C:/identitymanager${compact(a.organization)}`,
    validate: pathProblem,
  },
  {
    name: 'serverServiceAccount',
    flag: 'service-account',
    message: 'Server service account (a domain account, DOMAIN\\user)',
    fields: ['server.serviceAccount'],
    when: onPrem,
    // No default: the server-requirements page says the built-in pool identity "should not be
    // used" (it cannot log in to a SQL Server on another host); a domain account is the customer's.
    validate: (v) =>
      /^[^\\/\s]+\\[^\\/\s][^\\/]*$/.test(v) && !/^(\.|iis apppool|nt authority|builtin)\\/i.test(v)
        ? undefined
        : 'a domain account written DOMAIN\\user (the built-in pool and local accounts cannot log in to a SQL Server on another host)',
  },
  {
    name: 'databaseServer',
    flag: 'database-server',
    message: 'SQL Server (host, host\\instance or host,port)',
    fields: ['server.database'],
    when: onPrem,
    default: () => '.',
    validate: (v) => (/^[^;=\s]+$/.test(v) ? undefined : 'a host, host\\instance or host,port (no ; = or spaces)'),
  },
  {
    name: 'databaseName',
    flag: 'database-name',
    message: 'Database',
    fields: ['server.database'],
    when: onPrem,
    default: (a) => `Usercube${compact(a.organization)}`,
    validate: (v) => (/^[^;=\]]+$/.test(v) ? undefined : 'a database name (no ; = ])'),
  },
  {
    name: 'databaseAuth',
    flag: 'database-auth',
    message: 'SQL authentication',
    fields: ['server.database'],
    when: onPrem,
    choices: [
      {value: 'windows', name: 'Windows (Integrated Security: no password in files, recommended)'},
      {value: 'sql', name: 'a SQL login (its connection string will come from IDM_SQL_CONNECTION)'},
    ],
    default: () => 'windows',
  },
  {
    name: 'agentId',
    flag: 'agent-id',
    message: 'Agent identifier (AgentIdentifier; not "Local")',
    fields: ['agents[0].identifier'],
    default: (a) => `${compact(a.organization) || 'My'}Agent`,
    validate: (v) =>
      v.toLowerCase() === 'local'
        ? '"Local" is reserved'
        : /^[A-Za-z0-9_-]+$/.test(v)
          ? undefined
          : 'letters, digits, _ and -',
  },
  {
    name: 'agentUrl',
    flag: 'agent-url',
    message: "Agent's HTTPS URL (a host name in your organization's domain)",
    fields: ['agents[0].url', 'agents[0].alias'],
    when: hasAgent,
    default: (a) => {
      const d = customerDomainOf(a)
      return d ? `https://idm-agent.${d}` : d
    },
    validate: (v) => wizardUrlProblem(v),
  },
  {
    name: 'agentWorkingDirectory',
    flag: 'agent-working-directory',
    message: 'Agent working directory',
    fields: ['agents[0].workingDirectory'],
    when: hasAgent,
    default: (a) => `C:/identitymanager${compact(a.organization)}Agent`,
    validate: pathProblem,
  },
  {
    name: 'agentServiceAccount',
    flag: 'agent-service-account',
    message: 'Agent service account',
    fields: ['agents[0].serviceAccount'],
    when: hasAgent,
    default: () => 'IIS AppPool\\Usercube',
    validate: (v) =>
      /^[^\\/]*[^\\/\s]\\[^\\/\s][^\\/]*$/.test(v)
        ? undefined
        : 'an account written DOMAIN\\user (or IIS AppPool\\Name)',
  },
  ...certificateQuestions({
    name: 'serverEncryption',
    flag: 'server-encryption',
    message: "Server's encryption certificate",
    field: 'server.encryptionCertificate',
    when: onPrem,
    create: 'create one (scaffold --server --generate-certificates, or idm-preflight cert create)',
  }),
  ...certificateQuestions({
    name: 'identityServer',
    flag: 'identity-server',
    message: "Server's IdentityServer certificate (signs the tokens agents verify)",
    field: 'server.identityServerCertificate',
    when: onPrem,
    create: 'create one (scaffold --generate-certificates creates the key pair)',
  }).map((q) =>
    // In SaaS the agent's is the PFX Netwrix gives: its place is asked, under the same flag.
    q.name === 'identityServerFile'
      ? {
          ...q,
          message: 'IdentityServer certificate: the PFX file (its path on the host)',
          when: (a: Answers) => a.topology === 'saas' || (onPrem(a) && a.identityServer === 'file'),
          fields: ['server.identityServerCertificate.file', 'agents[0].identityServerCertificate.file'],
          default: (a: Answers) => {
            const dir = agentDir(a)
            return a.topology === 'saas' && dir ? certificatePath(dir, a.agentId ?? 'agent', 'identity-server') : null
          },
          implies: (a: Answers) => (onPrem(a) ? {name: 'identityServer', value: 'file'} : undefined),
        }
      : q,
  ),
  ...certificateQuestions({
    name: 'serverTls',
    flag: 'server-tls',
    message: "Server site's TLS certificate (the https binding)",
    field: 'server.tlsCertificate',
    when: onPrem,
    create: 'create a self-signed one (scaffold --generate-certificates; clients must trust it)',
    tls: true,
  }),
  ...certificateQuestions({
    name: 'agentEncryption',
    flag: 'agent-encryption',
    message: "Agent's encryption certificate (its own, not the server's)",
    field: 'agents[0].encryptionCertificate',
    when: hasAgent,
    create: 'create one (scaffold --generate-certificates, or idm-preflight cert create)',
  }),
  ...certificateQuestions({
    name: 'agentTls',
    flag: 'agent-tls',
    message: "Agent site's TLS certificate (the https binding)",
    field: 'agents[0].tlsCertificate',
    when: hasAgent,
    create: 'create a self-signed one (scaffold --generate-certificates; clients must trust it)',
    tls: true,
  }),
  {
    name: 'mail',
    flag: 'mail',
    message: 'Mail',
    fields: ['smtp'],
    choices: [
      {value: 'smtp', name: 'an SMTP server'},
      {value: 'pickup', name: 'a pickup directory (a local SMTP service reads it)'},
      {value: 'none', name: 'not now'},
    ],
    default: () => 'none',
  },
  {
    name: 'smtpHost',
    flag: 'smtp-host',
    message: 'SMTP server',
    fields: ['smtp.host'],
    when: (a) => a.mail === 'smtp',
    default: (a) => {
      const d = customerDomainOf(a)
      return d ? `smtp.${d}` : d
    },
    validate: (v) => hostProblem(v),
    implies: () => ({name: 'mail', value: 'smtp'}),
  },
  {
    name: 'smtpPort',
    flag: 'smtp-port',
    message: 'SMTP port',
    fields: ['smtp.port', 'smtp.secureSocketOption'],
    when: (a) => a.mail === 'smtp',
    default: () => '587',
    validate: (v) => (/^\d+$/.test(v) && +v > 0 && +v < 65536 ? undefined : 'a port number, 1 to 65535'),
    implies: () => ({name: 'mail', value: 'smtp'}),
  },
  {
    name: 'smtpUsername',
    flag: 'smtp-username',
    message: 'SMTP user name (empty: none)',
    fields: ['smtp.username', 'smtp.password'],
    when: (a) => a.mail === 'smtp',
    default: () => '',
    implies: () => ({name: 'mail', value: 'smtp'}),
  },
  {
    name: 'pickupDirectory',
    flag: 'pickup-directory',
    message: 'Pickup directory',
    fields: ['smtp.pickupDirectory'],
    when: (a) => a.mail === 'pickup',
    default: () => 'C:/inetpub/mailroot/Pickup',
    validate: pathProblem,
    implies: () => ({name: 'mail', value: 'pickup'}),
  },
  {
    name: 'fromAddress',
    flag: 'from-address',
    message: 'Sender address',
    fields: ['smtp.fromAddress', 'smtp'],
    when: (a) => a.mail !== 'none',
    notAsked: (a) => `goes with --mail smtp or --mail pickup, not --mail ${a.mail}`,
    default: (a) => {
      const d = customerDomainOf(a)
      return d ? `no-reply@${d}` : d
    },
    validate: (v) => (/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(v) ? undefined : 'an email address'),
  },
]

/** A host name as DNS writes it (letters, digits, - and dots). */
function hostProblem(v: string): string | undefined {
  return /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/.test(v)
    ? undefined
    : 'a host name (letters, digits, - and dots)'
}

/** The question an environment-file error belongs to (by the fields each answer makes). */
export function questionOf(path: string, a: Answers): Question | undefined {
  const applicable = QUESTIONS.filter((q) => !q.when || q.when(a))
  const matches = (f: string) => path === f || path.startsWith(`${f}.`) || path.startsWith(`${f}[`)
  // The most specific field wins (smtp.fromAddress before smtp).
  let best: {q: Question; len: number} | undefined
  for (const q of applicable)
    for (const f of q.fields) if (matches(f) && (!best || f.length > best.len)) best = {q, len: f.length}
  return best?.q
}

/** The `init` command line that gives these answers (every one, so that it needs no terminal). */
export function commandLine(a: Answers, out: string): string {
  const parts = ['idm-preflight', 'init', '--out', shWord(out)]
  for (const q of QUESTIONS) {
    if (q.when && !q.when(a)) continue
    const v = a[q.name]
    if (v === undefined) continue
    parts.push(`--${q.flag}`, shWord(v))
  }
  return parts.join(' ')
}

/** A shell word: quoted only when it must be. */
export function shWord(v: string): string {
  return /^[A-Za-z0-9_./:@%+,=-]+$/.test(v) ? v : shString(v)
}

function safeHost(url: string | undefined): string | undefined {
  try {
    return new URL(url ?? '').hostname || undefined
  } catch {
    return undefined
  }
}

/** The variables the written file refers to, with what to put in each. */
export interface EnvVar {
  name: string
  what: string
}

/** A certificate `init` names: how it is provided, and where scaffold will create it. */
export interface NamedCertificate {
  field: string
  purpose: CertificatePurpose
  /** `create`: scaffold --generate-certificates makes it; `provide`: the user puts it there. */
  how: 'create' | 'provide' | 'store'
  file?: string
  /** The variable that holds its password. */
  variable?: string
}

/** The environment file for the answers: secrets only ever as ${env:NAME} references. */
export function environmentFromAnswers(a: Answers): {
  env: Record<string, unknown>
  variables: EnvVar[]
  certificates: NamedCertificate[]
} {
  const vars: EnvVar[] = []
  const certificates: NamedCertificate[] = []
  const ref = (name: string, what: string) => {
    if (!vars.some((v) => v.name === name)) vars.push({name, what})
    return `\${env:${name}}`
  }
  const saas = a.topology === 'saas'
  const store = (thumbprint: string) => ({
    store: {
      thumbprint: thumbprint.replace(/[\s:]/g, '').toUpperCase(),
      storeLocation: 'LocalMachine',
      storeName: 'My',
    },
  })
  /** One certificate from its answers, at the rule's path when scaffold creates it. */
  const cert = (o: {
    choice: string | undefined
    file: string | undefined
    thumbprint: string | undefined
    dir: string
    owner: string
    side: 'server' | 'agent'
    purpose: CertificatePurpose
    field: string
    what: string
  }) => {
    if (o.choice === 'none') return undefined
    if (o.choice === 'store') {
      certificates.push({field: o.field, purpose: o.purpose, how: 'store'})
      return store(o.thumbprint!)
    }
    const file = o.choice === 'file' ? o.file! : certificatePath(o.dir, o.owner, o.purpose)
    const variable = passwordVariable(o.side, o.purpose)
    certificates.push({
      field: o.field,
      purpose: o.purpose,
      how: o.choice === 'file' ? 'provide' : 'create',
      file,
      variable,
    })
    return {
      file,
      password: ref(
        variable,
        `the password of ${file} (${o.what}${o.choice === 'file' ? '' : `: scaffold${o.side === 'server' && a.topology === 'on-prem-separate' ? ' --server' : ''} --generate-certificates creates it with this password`})`,
      ),
    }
  }
  const server: Record<string, unknown> = {url: a.serverUrl}
  const serverDir = a.serverWorkingDirectory ?? ''
  if (!saas) {
    server.alias = a.serverAlias
    server.workingDirectory = a.serverWorkingDirectory
    server.serviceAccount = a.serverServiceAccount
    // Encrypt=true, as Microsoft.Data.SqlClient defaults to since version 4: the SQL Server's
    // certificate must then be trusted by the server's host (sql.connection says when it is not).
    server.database = {
      connectionString:
        a.databaseAuth === 'sql'
          ? ref('IDM_SQL_CONNECTION', suggestedConnectionString(a.databaseServer, a.databaseName, 'sql'))
          : suggestedConnectionString(a.databaseServer, a.databaseName, 'windows'),
    }
    const sc = {dir: serverDir, owner: 'server', side: 'server' as const}
    const enc = cert({
      ...sc,
      choice: a.serverEncryption,
      file: a.serverEncryptionFile,
      thumbprint: a.serverEncryptionThumbprint,
      purpose: 'encryption',
      field: 'server.encryptionCertificate',
      what: "the server's encryption certificate",
    })
    if (enc) server.encryptionCertificate = enc
    const ids = cert({
      ...sc,
      choice: a.identityServer,
      file: a.identityServerFile,
      thumbprint: a.identityServerThumbprint,
      purpose: 'identity-server',
      field: 'server.identityServerCertificate',
      what:
        a.topology === 'on-prem-separate'
          ? "the server's IdentityServer key pair, which signs the tokens agents verify; the agent's is its public part, which scaffold exports with the same password (or cert create --public-from, on the server's host)"
          : "the server's IdentityServer key pair, which signs the tokens agents verify",
    })
    if (ids) server.identityServerCertificate = ids
    const tls = cert({
      ...sc,
      choice: a.serverTls,
      file: a.serverTlsFile,
      thumbprint: a.serverTlsThumbprint,
      purpose: 'tls',
      field: 'server.tlsCertificate',
      what: "the server site's https binding",
    })
    if (tls) server.tlsCertificate = tls
  }
  // On premises the server's; in SaaS the agent's appsettings.json needs it too (settings-files page).
  server.license = ref('IDM_LICENSE', 'the license string Netwrix gave you')
  const agents: Record<string, unknown>[] = []
  if (a.topology === 'on-prem-integrated') agents.push({identifier: a.agentId})
  else {
    const agentDir = a.agentWorkingDirectory ?? ''
    const owner = a.agentId ?? 'agent'
    const ac = {dir: agentDir, owner, side: 'agent' as const}
    // The agent verifies the server's tokens: in SaaS with the PFX Netwrix gives; on premises with
    // the server's certificate, its public part (scaffold exports it from the server's PFX).
    let identityServerCertificate: Record<string, unknown>
    if (saas) {
      const file = a.identityServerFile ?? certificatePath(agentDir, owner, 'identity-server')
      certificates.push({
        field: 'agents[0].identityServerCertificate',
        purpose: 'identity-server',
        how: 'provide',
        file,
        variable: passwordVariable('agent', 'identity-server'),
      })
      identityServerCertificate = {
        file,
        password: ref(
          passwordVariable('agent', 'identity-server'),
          `the password of the IdentityServer PFX Netwrix gave you (put the PFX at ${file})`,
        ),
      }
    } else if (a.identityServer === 'store') {
      // The same certificate, imported on the agent's host (its public part is enough).
      certificates.push({field: 'agents[0].identityServerCertificate', purpose: 'identity-server-public', how: 'store'})
      identityServerCertificate = store(a.identityServerThumbprint!)
    } else {
      const file = certificatePath(agentDir, owner, 'identity-server-public')
      certificates.push({
        field: 'agents[0].identityServerCertificate',
        purpose: 'identity-server-public',
        how: 'create',
        file,
        variable: passwordVariable('agent', 'identity-server-public'),
      })
      identityServerCertificate = {
        file,
        password: ref(
          passwordVariable('agent', 'identity-server-public'),
          "the password of the server's IdentityServer PFX (scaffold --server --generate-certificates creates it; scaffold of the agent exports its public part, with the same password)",
        ),
      }
    }
    const agent: Record<string, unknown> = {
      identifier: a.agentId,
      alias: safeHost(a.agentUrl),
      url: a.agentUrl,
      workingDirectory: a.agentWorkingDirectory,
      serviceAccount: a.agentServiceAccount,
    }
    const enc = cert({
      ...ac,
      choice: a.agentEncryption,
      file: a.agentEncryptionFile,
      thumbprint: a.agentEncryptionThumbprint,
      purpose: 'encryption',
      field: 'agents[0].encryptionCertificate',
      what: "the agent's own encryption certificate",
    })
    if (enc) agent.encryptionCertificate = enc
    agent.identityServerCertificate = identityServerCertificate
    const tls = cert({
      ...ac,
      choice: a.agentTls,
      file: a.agentTlsFile,
      thumbprint: a.agentTlsThumbprint,
      purpose: 'tls',
      field: 'agents[0].tlsCertificate',
      what: "the agent site's https binding",
    })
    if (tls) agent.tlsCertificate = tls
    agent.openIdClient = {
      id: 'Job',
      secret: ref(
        'IDM_JOB_SECRET',
        saas
          ? 'the plain secret of the Job client, from Netwrix'
          : 'the plain secret of the Job OpenId client (its HashedSecret goes in the XML configuration)',
      ),
    }
    agents.push(agent)
  }
  const env: Record<string, unknown> = {
    version: 1,
    name: a.name,
    product: a.product,
    topology: a.topology,
    organization: a.organization,
    server,
    agents,
  }
  if (a.mail === 'smtp') {
    env.smtp = {
      host: a.smtpHost,
      port: Number(a.smtpPort ?? 587),
      secureSocketOption: Number(a.smtpPort) === 465 ? 'SslOnConnect' : 'StartTls',
      ...(a.smtpUsername
        ? {username: a.smtpUsername, password: ref('IDM_SMTP_PASSWORD', `the password of ${a.smtpUsername}`)}
        : {}),
      fromAddress: a.fromAddress,
    }
  } else if (a.mail === 'pickup') env.smtp = {pickupDirectory: a.pickupDirectory, fromAddress: a.fromAddress}
  env.checks = {timeout: '5s', expiryWarningDays: 30}
  return {env, variables: vars, certificates}
}

/** How the wizard asks (inquirer on a terminal); absent when nothing may be asked. */
export interface Asker {
  select(q: Question, choices: Choice[], def: string | undefined, a: Answers): Promise<string>
  /** `validate` is the question's, with the answers so far. */
  input(q: Question, def: string | undefined, validate: (v: string) => string | undefined): Promise<string>
}

export interface Resolved {
  answers: Answers
  /** Flags of answers that have no default here (without a terminal). */
  noDefault: string[]
  /** Flags of answers that have a default, left to --yes (without a terminal). */
  defaulted: string[]
  /** What was implied (`--smtp-host implies --mail smtp`). */
  notes: string[]
  /** The answers typed at the terminal (the ones the wizard can go back to). */
  asked: string[]
}

/** An answer given as a flag that cannot be used: the flag and why. */
export class AnswerError extends Error {
  constructor(
    readonly flag: string,
    message: string,
  ) {
    super(message)
  }
}

/**
 * The answers, question by question: a flag first (validated), then what another flag implies,
 * then the only possible choice, then an earlier answer of this session (the wizard going back to
 * one question keeps the others), then the terminal or the default. A flag whose question does
 * not apply to the other answers is an error, never dropped silently.
 */
export async function resolveAnswers(o: {
  given: Answers
  yes: boolean
  ask?: Asker
  previous?: Answers
  reask?: string
}): Promise<Resolved> {
  const a: Answers = {}
  const r: Resolved = {answers: a, noDefault: [], defaulted: [], notes: [], asked: []}
  const givenFlag = (q: Question) => o.given[q.name]
  for (const q of QUESTIONS) {
    if (q.when && !q.when(a)) continue
    const g = givenFlag(q)
    if (g !== undefined) {
      const problem = q.validate?.(g, a)
      if (problem) throw new AnswerError(q.flag, `--${q.flag} ${g}: ${problem}`)
      const choices = choicesOf(q, a)
      if (choices && !choices.some((c) => c.value === g))
        throw new AnswerError(
          q.flag,
          `--${q.flag} ${g}: not with these answers (${choices.map((c) => c.value).join(' or ')})`,
        )
      a[q.name] = g
      continue
    }
    const by = QUESTIONS.find((d) => givenFlag(d) !== undefined && d.implies?.(a)?.name === q.name)
    if (by) {
      const value = by.implies!(a)!.value
      a[q.name] = value
      r.notes.push(`--${by.flag} implies --${q.flag} ${value}`)
      continue
    }
    const choices = choicesOf(q, a)
    if (choices?.length === 1) {
      a[q.name] = choices[0]!.value
      continue
    }
    const before = o.previous?.[q.name]
    const stillGood =
      before !== undefined && !q.validate?.(before, a) && (!choices || choices.some((c) => c.value === before))
    if (stillGood && q.name !== o.reask) {
      a[q.name] = before
      if (o.ask) r.asked.push(q.name)
      continue
    }
    const def = (stillGood ? before : undefined) ?? q.default?.(a)
    if (o.ask) {
      a[q.name] = choices
        ? await o.ask.select(q, choices, def ?? undefined, a)
        : await o.ask.input(q, def ?? undefined, (v) => q.validate?.(v, a))
      r.asked.push(q.name)
    } else if (def === null || !q.default) {
      // No default for this answer here (the customer's own, or not derivable: in SaaS nothing
      // is derived from the tenant's domain): name the flag.
      r.noDefault.push(`--${q.flag}`)
      a[q.name] = `<${q.flag}>` // so that the questions after it are judged as they would be
    } else if (o.yes) a[q.name] = def ?? undefined
    else {
      r.defaulted.push(`--${q.flag}`)
      a[q.name] = def ?? undefined
    }
  }
  // A flag for a question these answers do not ask: said, not dropped.
  for (const q of QUESTIONS) {
    if (givenFlag(q) === undefined || !q.when || q.when(a)) continue
    const wants = q.implies?.(a)
    if (wants) {
      const other = QUESTIONS.find((x) => x.name === wants.name)!
      throw new AnswerError(
        q.flag,
        `--${q.flag} goes with --${other.flag} ${wants.value}, not --${other.flag} ${a[wants.name]}`,
      )
    }
    throw new AnswerError(q.flag, `--${q.flag} ${q.notAsked?.(a) ?? `does not apply to topology ${a.topology}`}`)
  }
  return r
}

/**
 * The connection string init suggests (and `init --from-workdir` writes for a separate agent, whose
 * files do not hold the server's): Encrypt=true, Microsoft.Data.SqlClient's default since version 4;
 * a SQL login's string shows where the login and password go and is kept behind a reference.
 */
export function suggestedConnectionString(
  server: string | undefined,
  database: string | undefined,
  auth: 'sql' | 'windows',
): string {
  const who = auth === 'sql' ? 'User ID=<login>;Password=<password>' : 'Integrated Security=SSPI'
  return `Data Source=${server};Database=${database};${who};Encrypt=true;Min Pool Size=10`
}

/** One scaffold command init's answers call for, and what it needs to run here. */
export interface ScaffoldStep {
  workingDirectory: string
  args: string[]
  command: string
  note?: string
  /** The password variables scaffold --generate-certificates needs for this step. */
  variables: string[]
}

/** The scaffold commands these answers call for: the server first (on premises), then the agent. */
export function scaffoldSteps(
  a: Record<string, string | undefined>,
  certificates: NamedCertificate[],
  out: string,
  shWord: (v: string) => string,
): ScaffoldStep[] {
  const step = (side: 'server' | 'agent', wd: string | undefined, server: boolean): ScaffoldStep | undefined => {
    if (!wd) return undefined
    const mine = certificates.filter((c) =>
      side === 'server' ? c.field.startsWith('server.') : c.field.startsWith('agents['),
    )
    const create = mine.filter((c) => c.how === 'create')
    const args = [...(server ? ['--server'] : []), ...(create.length ? ['--generate-certificates'] : [])]
    return {
      workingDirectory: wd,
      args,
      command: ['idm-preflight scaffold -c', shWord(out), ...args].join(' '),
      ...(server && a.topology === 'on-prem-separate'
        ? {note: "the server's first: the agent's IdentityServer is its public part"}
        : {}),
      variables: create.map((c) => c.variable).filter((v): v is string => v !== undefined),
    }
  }
  if (a.topology === 'on-prem-integrated')
    return [step('server', a.serverWorkingDirectory, false)].filter((x) => x !== undefined)
  const steps = [
    ...(a.topology === 'on-prem-separate' ? [step('server', a.serverWorkingDirectory, true)] : []),
    step('agent', a.agentWorkingDirectory, false),
  ]
  return steps.filter((x) => x !== undefined)
}
