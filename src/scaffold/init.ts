import {VERSIONS} from '../core/versions.js'
import {httpsUrlProblem} from '../core/semantics.js'

/**
 * The `init` questions: each is a flag too. Where an answer identifies the customer (the
 * organization, the server URL) there is no default; `--yes` takes every other default.
 */

export type Answers = Record<string, string | undefined>

export interface Question {
  name: string
  flag: string
  message: string
  choices?: {value: string; name: string}[]
  /**
   * The default, from the answers so far. No function, or `null`: this answer has no default
   * (the customer's own, or nothing may be derived here); `undefined`: not known yet, because an
   * answer it derives from is still missing.
   */
  default?: (a: Answers) => string | null | undefined
  when?: (a: Answers) => boolean
  validate?: (v: string, a: Answers) => string | undefined
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

export const QUESTIONS: Question[] = [
  {
    name: 'topology',
    flag: 'topology',
    message: 'Topology',
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
    // Newest first; the names are VERSIONS' (src/core/versions.ts).
    choices: (['6.3', '6.2', '6.1', 'saas'] as const).map((value) => ({value, name: VERSIONS[value].name})),
    default: (a) => (a.topology === 'saas' ? 'saas' : '6.3'),
    validate: (v, a) =>
      (a.topology === 'saas') !== (v === 'saas') ? 'SaaS goes with topology saas, and only with it' : undefined,
  },
  {
    name: 'organization',
    flag: 'organization',
    message: 'Organization (e.g. Contoso)',
    validate: (v) =>
      /^[A-Za-z0-9][\w .&-]{0,99}$/.test(v) ? undefined : 'letters, digits, spaces, . & - _; up to 100',
  },
  {
    name: 'serverUrl',
    flag: 'server-url',
    message: 'Server URL (ApplicationUri), e.g. https://idm.contoso.com',
    validate: (v) => {
      const p = wizardUrlProblem(v)
      return p ? `the URL ${p}` : undefined
    },
  },
  {
    name: 'serverAlias',
    flag: 'server-alias',
    message: 'DNS alias of the server',
    when: onPrem,
    default: (a) => safeHost(a.serverUrl),
  },
  {
    name: 'serverWorkingDirectory',
    flag: 'working-directory',
    message: 'Server working directory',
    when: onPrem,
    default: (a) => `C:/identitymanager${compact(a.organization)}`,
  },
  {
    name: 'serverServiceAccount',
    flag: 'service-account',
    message: 'Server service account (a domain account, DOMAIN\\user)',
    when: onPrem,
    // No default: the server-requirements page says the built-in pool identity "should not be
    // used" (it cannot log in to a SQL Server on another host); a domain account is the customer's.
  },
  {
    name: 'databaseServer',
    flag: 'database-server',
    message: 'SQL Server (host, host\\instance or host,port)',
    when: onPrem,
    default: () => '.',
  },
  {
    name: 'databaseName',
    flag: 'database-name',
    message: 'Database',
    when: onPrem,
    default: (a) => `Usercube${compact(a.organization)}`,
  },
  {
    name: 'databaseAuth',
    flag: 'database-auth',
    message: 'SQL authentication',
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
    when: hasAgent,
    default: (a) => `C:/identitymanager${compact(a.organization)}Agent`,
  },
  {
    name: 'agentServiceAccount',
    flag: 'agent-service-account',
    message: 'Agent service account',
    when: hasAgent,
    default: () => 'IIS AppPool\\Usercube',
  },
  {
    name: 'certificates',
    flag: 'certificates',
    message: 'Encryption certificate',
    choices: [
      {value: 'create', name: 'create one (idm-preflight cert create, or scaffold --generate-certificates)'},
      {value: 'file', name: 'an existing PFX file'},
      {value: 'store', name: 'in the Windows certificate store (by thumbprint)'},
    ],
    default: () => 'create',
  },
  {
    name: 'certificateFile',
    flag: 'certificate-file',
    message: 'PFX file',
    when: (a) => a.certificates === 'file',
    default: (a) => `./certs/${a.agentId ?? 'server'}-files.pfx`,
  },
  {
    name: 'certificateThumbprint',
    flag: 'certificate-thumbprint',
    message: 'Thumbprint (40 hex digits)',
    when: (a) => a.certificates === 'store',
    validate: (v) => (/^[0-9A-Fa-f]{40}$/.test(v.replace(/\s/g, '')) ? undefined : '40 hexadecimal digits'),
  },
  {
    name: 'mail',
    flag: 'mail',
    message: 'Mail',
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
    when: (a) => a.mail === 'smtp',
    default: (a) => {
      const d = customerDomainOf(a)
      return d ? `smtp.${d}` : d
    },
  },
  {
    name: 'smtpPort',
    flag: 'smtp-port',
    message: 'SMTP port',
    when: (a) => a.mail === 'smtp',
    default: () => '587',
    validate: (v) => (/^\d+$/.test(v) && +v > 0 && +v < 65536 ? undefined : 'a port number'),
  },
  {
    name: 'smtpUsername',
    flag: 'smtp-username',
    message: 'SMTP user name (empty: none)',
    when: (a) => a.mail === 'smtp',
    default: () => '',
  },
  {
    name: 'pickupDirectory',
    flag: 'pickup-directory',
    message: 'Pickup directory',
    when: (a) => a.mail === 'pickup',
    default: () => 'C:/inetpub/mailroot/Pickup',
  },
  {
    name: 'fromAddress',
    flag: 'from-address',
    message: 'Sender address',
    when: (a) => a.mail !== 'none',
    default: (a) => {
      const d = customerDomainOf(a)
      return d ? `no-reply@${d}` : d
    },
    validate: (v) => (/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(v) ? undefined : 'an email address'),
  },
]

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

/** The environment file for the answers: secrets only ever as ${env:NAME} references. */
export function environmentFromAnswers(a: Answers): {env: Record<string, unknown>; variables: EnvVar[]} {
  const vars: EnvVar[] = []
  const ref = (name: string, what: string) => {
    if (!vars.some((v) => v.name === name)) vars.push({name, what})
    return `\${env:${name}}`
  }
  const saas = a.topology === 'saas'
  const cert = (owner: string, pwVar: string) => {
    if (a.certificates === 'store')
      return {
        store: {
          thumbprint: a.certificateThumbprint!.replace(/\s/g, '').toUpperCase(),
          storeLocation: 'LocalMachine',
          storeName: 'My',
        },
      }
    const file = a.certificates === 'file' ? a.certificateFile! : `./certs/${owner}-files.pfx`
    return {file, password: ref(pwVar, `the password of ${file}`)}
  }
  const server: Record<string, unknown> = {url: a.serverUrl}
  if (!saas) {
    server.alias = a.serverAlias
    server.workingDirectory = a.serverWorkingDirectory
    server.serviceAccount = a.serverServiceAccount
    server.database = {
      connectionString:
        a.databaseAuth === 'sql'
          ? ref(
              'IDM_SQL_CONNECTION',
              `Data Source=${a.databaseServer};Database=${a.databaseName};User ID=<login>;Password=<password>;Min Pool Size=10;Encrypt=false`,
            )
          : `Data Source=${a.databaseServer};Database=${a.databaseName};Integrated Security=SSPI;Min Pool Size=10;Encrypt=false`,
    }
    server.encryptionCertificate = cert('server', 'IDM_SERVER_PFX')
    server.identityServerCertificate = {
      file: './certs/identityserver.pfx',
      password: ref(
        'IDM_IDENTITYSERVER_PFX',
        'the password of ./certs/identityserver.pfx (an RSA-2048 key pair for end-user tokens)',
      ),
    }
  }
  // On premises the server's; in SaaS the agent's appsettings.json needs it too (settings-files page).
  server.license = ref('IDM_LICENSE', 'the license string Netwrix gave you')
  const agents: Record<string, unknown>[] = []
  if (a.topology === 'on-prem-integrated') agents.push({identifier: a.agentId})
  else {
    agents.push({
      identifier: a.agentId,
      alias: safeHost(a.agentUrl),
      url: a.agentUrl,
      workingDirectory: a.agentWorkingDirectory,
      serviceAccount: a.agentServiceAccount,
      encryptionCertificate: cert(a.agentId ?? 'agent', 'IDM_AGENT_PFX'),
      identityServerCertificate: {
        file: './certs/identityserver-public.pfx',
        password: ref(
          'IDM_IDENTITYSERVER_PFX',
          saas
            ? 'the IdentityServer PFX password Netwrix gave you'
            : "the password of the server's IdentityServer certificate (public part)",
        ),
      },
      openIdClient: {
        id: 'Job',
        secret: ref(
          'IDM_JOB_SECRET',
          saas
            ? 'the plain secret of the Job client, from Netwrix'
            : 'the plain secret of the Job OpenId client (its HashedSecret goes in the XML configuration)',
        ),
      },
    })
  }
  const env: Record<string, unknown> = {
    version: 1,
    name: `${(a.organization ?? 'idm').toLowerCase().replace(/[^a-z0-9]+/g, '-')}-${saas ? 'saas' : 'prod'}`,
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
  return {env, variables: vars}
}
