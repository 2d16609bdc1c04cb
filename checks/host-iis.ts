import {isAbsolute, resolve} from 'node:path'
import {defineCheck, type Finding, type PlannedTarget, netwrixDocs, type CertificateRef} from '../src/model/index.js'
import {
  appPoolOf,
  expectedSite,
  IIS_SITES_SCRIPT,
  parseBindingInformation,
  parseIisSites,
  windowsPathKey,
  type ExpectedSite,
  type IisFacts,
  type IisSiteFacts,
} from '../src/product/index.js'
import {isWindowsPath, sharedAnswers, psString} from '../src/base/index.js'
import {powershellJson} from '../src/probes/windows/index.js'

interface VersionFacts {
  installed: boolean
  major?: number
  minor?: number
}

/** The site of one installation, as the environment file describes it (DOMAIN.md §5.2). */
interface SiteParams {
  owner: string
  /** `<workingDirectory>\Runtime`: the site is found by its physical path (naming is free). */
  runtime: string
  hostName: string
  port: number
  serviceAccount?: string
  certificate?: {thumbprint?: string; subject?: string; file?: string; password?: string}
}

type Params = {minMajor: number; site?: undefined} | {minMajor?: undefined; site: SiteParams}

type Facts =
  | ({kind: 'version'} & VersionFacts)
  | ({kind: 'site'} & IisFacts & {
        /** The tlsCertificate's thumbprint, read from its PFX file. */
        expectedThumbprint?: string
        certificateError?: string
      })

/** IIS's version as the registry says it (HKLM\SOFTWARE\Microsoft\InetStp), from the script's JSON. */
export function parseInetStp(json: unknown): VersionFacts {
  const j = json as {MajorVersion?: number; MinorVersion?: number} | null
  if (!j || j.MajorVersion === undefined || j.MajorVersion === null) return {installed: false}
  return {installed: true, major: Number(j.MajorVersion), minor: Number(j.MinorVersion ?? 0)}
}

/** Reads IIS's version from the registry; prints `null` when IIS is not installed. */
export const INETSTP_SCRIPT =
  "$k = Get-ItemProperty -LiteralPath 'HKLM:\\SOFTWARE\\Microsoft\\InetStp' -ErrorAction SilentlyContinue; if ($k) { $k | Select-Object MajorVersion, MinorVersion | ConvertTo-Json -Compress } else { 'null' }"

// The sites of a host, read once for all the instances of a run.
const hostSites = sharedAnswers<IisFacts>()

/** The tlsCertificate as the site must hold it: what install-iis-site.ps1 binds (expectedSite). */
function certificateParam(e: ExpectedSite, ref: CertificateRef | undefined): SiteParams['certificate'] {
  if (e.thumbprint && !e.pfxFile) return {thumbprint: e.thumbprint}
  if (e.certSubject) return {subject: e.certSubject}
  if (e.pfxFile) return {file: e.pfxFile, ...(ref?.password !== undefined ? {password: ref.password} : {})}
  return undefined
}

const IIS_MANAGER = 'IIS Manager → Application Pools →'
const minutes = (v: number) => (Number.isFinite(v) ? `${v} min` : 'unreadable')
const SCRIPT_FIX = 'or run install-iis-site.ps1 that idm-preflight scaffold wrote in the working directory'

/**
 * The pool's settings as the "Install the Agents" and "Install the Server" pages
 * (installation-guide/production-ready/agent and …/server, every version) give them: "The
 * following is mandatory: … .NET CLR Version > No Managed Code", a failure when it differs; "After
 * creation, the following settings are recommended: … Start Mode set to AlwaysRunning; … Idle
 * Time-out (minutes) set to 0 and Load User Profile set to True; … Regular time intervals set to
 * 0", warnings that quote the pages' reason where they give one.
 */
function poolFindings(site: IisSiteFacts, serviceAccount: string | undefined): Finding[] {
  const pool = site.pool!
  const name = site.applicationPool
  const out: Finding[] = []
  const finding = (status: 'fail' | 'warn', message: string, setting: string, command: string) =>
    out.push({
      status,
      message: `pool ${name}: ${message}`,
      remediation: `${IIS_MANAGER} ${name} → ${setting}; or Set-ItemProperty ${psString(`IIS:\\AppPools\\${name}`)} ${command}`,
    })
  if (pool.managedRuntimeVersion !== '')
    finding(
      'fail',
      `.NET CLR version ${pool.managedRuntimeVersion}: the agent and server pages make No Managed Code mandatory`,
      'Basic Settings → .NET CLR version: No Managed Code',
      "-Name managedRuntimeVersion -Value ''",
    )
  if (pool.startMode !== 'AlwaysRunning')
    finding(
      'warn',
      `start mode ${pool.startMode || '(unset)'}: the agent and server pages recommend AlwaysRunning (server page: "IIS starts the Identity Manager Server only if an incoming http request is made on the server and the scheduler is not launched until the Identity Manager Server is started")`,
      'Advanced Settings → Start Mode: AlwaysRunning',
      '-Name startMode -Value AlwaysRunning',
    )
  if (!(pool.idleTimeoutMinutes === 0))
    finding(
      'warn',
      `idle time-out ${minutes(pool.idleTimeoutMinutes)}: the agent and server pages recommend 0 (they give no reason)`,
      'Advanced Settings → Idle Time-out (minutes): 0',
      '-Name processModel.idleTimeout -Value ([TimeSpan]::Zero)',
    )
  if (!pool.loadUserProfile)
    finding(
      'warn',
      'Load User Profile is off: the agent and server pages recommend True (they give no reason)',
      'Advanced Settings → Load User Profile: True',
      '-Name processModel.loadUserProfile -Value $true',
    )
  if (!(pool.periodicRestartMinutes === 0))
    finding(
      'warn',
      `${Number.isFinite(pool.periodicRestartMinutes) ? `recycled every ${pool.periodicRestartMinutes} min` : 'periodic recycling unreadable'}: the agent and server pages recommend no periodic recycling ("Recycling the application pool creates a discontinuation in the connection between server and agent, which can disrupt some of Identity Manager's features such as the job scheduler")`,
      'Recycling → Regular time intervals: off (0)',
      '-Name recycling.periodicRestart.time -Value ([TimeSpan]::Zero)',
    )
  if (serviceAccount) {
    const poolOf = appPoolOf(serviceAccount)
    const runsAs =
      pool.identityType === 'SpecificUser'
        ? pool.userName
        : pool.identityType === 'ApplicationPoolIdentity'
          ? `IIS AppPool\\${name}`
          : pool.identityType
    const right = poolOf
      ? pool.identityType === 'ApplicationPoolIdentity' && poolOf.toLowerCase() === name.toLowerCase()
      : pool.identityType === 'SpecificUser' && pool.userName.toLowerCase() === serviceAccount.toLowerCase()
    if (!right)
      out.push({
        status: 'fail',
        message: `pool ${name} runs as ${runsAs || '(unknown)'}, not as ${serviceAccount}: the folder rights and SQL login are the service account's`,
        remediation: poolOf
          ? `${poolOf.toLowerCase() === name.toLowerCase() ? `${IIS_MANAGER} ${name} → Advanced Settings → Identity: ApplicationPoolIdentity` : `run the site in pool ${poolOf}, or make serviceAccount IIS AppPool\\${name}`}`
          : `${IIS_MANAGER} ${name} → Advanced Settings → Identity: Custom account ${serviceAccount}; or install-iis-site.ps1 -Credential (Get-Credential ${psString(serviceAccount)})`,
      })
  }
  if (pool.state && pool.state !== 'Started')
    out.push({
      status: 'fail',
      message: `pool ${name} is ${pool.state}`,
      remediation: `Start-WebAppPool -Name ${psString(name)} (and read the Windows event log if it stops again)`,
    })
  return out
}

/** The https binding for the URL's host and port, and its certificate. */
function bindingFindings(
  p: SiteParams,
  site: IisSiteFacts,
  f: {expectedThumbprint?: string; certificateError?: string},
  now: Date,
): Finding[] {
  const https = site.bindings
    .filter((b) => b.protocol === 'https')
    .map((b) => ({b, info: parseBindingInformation(b.bindingInformation)}))
    .filter((x) => x.info?.port === p.port)
  const want = p.hostName.toLowerCase()
  const exact = https.find((x) => x.info!.host === want)
  const any = https.find((x) => x.info!.host === '')
  const seen = site.bindings.map((b) => `${b.protocol} ${b.bindingInformation}`).join(', ') || 'none'
  const shown = `https ${p.hostName || '*'}:${p.port}`
  const out: Finding[] = []
  const chosen = exact ?? (want ? any : undefined)
  if (!chosen)
    return [
      {
        status: 'fail',
        message: `site ${site.name} has no ${shown} binding (bindings: ${seen}): browsers and agents cannot reach it at the URL`,
        remediation: `New-WebBinding -Name ${psString(site.name)} -Protocol https -Port ${p.port}${p.hostName ? ` -HostHeader ${psString(p.hostName)} -SslFlags 1` : ''}; ${SCRIPT_FIX}`,
      },
    ]
  if (!exact)
    out.push({
      status: 'warn',
      message: `site ${site.name} answers https on port ${p.port} for every host name (${chosen.b.bindingInformation}), not for ${p.hostName} only`,
      remediation: `set the binding's host name to ${p.hostName} with Require Server Name Indication, so that other sites can share the port`,
    })
  const b = chosen.b
  if (!b.certificateHash)
    return [
      ...out,
      {
        status: 'fail',
        message: `the ${b.bindingInformation} binding of site ${site.name} has no certificate: the TLS handshake fails`,
        remediation: `IIS Manager → Sites → ${site.name} → Bindings → https → SSL certificate; ${SCRIPT_FIX}`,
      },
    ]
  const store = b.certificateStoreName || 'My'
  if (!b.certificate)
    return [
      ...out,
      {
        status: 'fail',
        message: `the ${b.bindingInformation} binding names certificate ${b.certificateHash}, which is not in LocalMachine\\${store}`,
        remediation: 'import the certificate into LocalMachine\\My and bind it again',
      },
    ]
  const c = p.certificate
  if (c?.thumbprint && c.thumbprint !== b.certificateHash)
    out.push({
      status: 'fail',
      message: `the binding uses certificate ${b.certificateHash} (${b.certificate.subject}), not the tlsCertificate ${c.thumbprint} the environment file names (and cert.tls judged)`,
      remediation: `bind ${c.thumbprint}: ${SCRIPT_FIX}; or correct tlsCertificate`,
    })
  else if (c?.subject && c.subject !== b.certificate.subject)
    out.push({
      status: 'fail',
      message: `the binding uses certificate ${b.certificate.subject} (${b.certificateHash}), not "${c.subject}" the environment file names`,
      remediation: `bind the certificate with subject ${c.subject}: ${SCRIPT_FIX}`,
    })
  else if (c?.file && f.expectedThumbprint && f.expectedThumbprint !== b.certificateHash)
    out.push({
      status: 'fail',
      message: `the binding uses certificate ${b.certificateHash} (${b.certificate.subject}), not the one in ${c.file} (${f.expectedThumbprint}) that cert.tls judged`,
      remediation: `import ${c.file} and bind it: ${SCRIPT_FIX}`,
    })
  else if (c?.file && f.certificateError)
    out.push({
      status: 'warn',
      message: `the bound certificate ${b.certificateHash} was not compared with ${c.file}: ${f.certificateError}`,
      remediation: 'cert.tls says why the file cannot be opened',
    })
  const notAfter = Date.parse(b.certificate.notAfter)
  if (Number.isFinite(notAfter) && notAfter < now.getTime())
    out.push({
      status: 'fail',
      message: `the bound certificate ${b.certificateHash} (${b.certificate.subject}) expired on ${b.certificate.notAfter.slice(0, 10)}`,
      remediation: 'bind a valid certificate',
    })
  return out
}

/** The verdicts on the site that serves `runtime`, its pool and its binding. */
export function siteFindings(p: SiteParams, f: Extract<Facts, {kind: 'site'}>, now: Date): Finding[] {
  if (!f.webAdministration)
    return [
      {
        status: 'fail',
        message: 'the WebAdministration module is not there: IIS is not installed, or without its scripting tools',
        remediation:
          'Server Manager → Add Roles and Features → Web Server (IIS) → Management Tools → IIS Management Scripts and Tools',
      },
    ]
  const key = windowsPathKey(p.runtime)
  const serving = f.sites.filter((s) => windowsPathKey(s.physicalPath) === key)
  if (serving.length === 0)
    return [
      {
        status: 'fail',
        message: `no IIS site serves ${p.runtime} (sites here: ${f.sites.map((s) => `${s.name} → ${s.physicalPath}`).join(', ') || 'none'})`,
        remediation: `run install-iis-site.ps1 that idm-preflight scaffold wrote in the working directory (-WhatIf shows what it does)`,
      },
    ]
  const site = serving.find((s) => s.state === 'Started') ?? serving[0]!
  const out: Finding[] = []
  if (serving.length > 1)
    out.push({
      status: 'warn',
      message: `${serving.length} sites serve ${p.runtime} (${serving.map((s) => s.name).join(', ')}): judging ${site.name}`,
      remediation: 'remove the others: two sites of one runtime share its Temp and Work folders',
    })
  if (site.state !== 'Started')
    out.push({
      status: 'fail',
      message: `site ${site.name} is ${site.state || 'not started'}`,
      remediation: `Start-Website -Name ${psString(site.name)} (a binding another site holds stops it from starting)`,
    })
  if (!site.pool)
    out.push({
      status: 'fail',
      message: `site ${site.name} runs in pool ${site.applicationPool}, which does not exist`,
      remediation: SCRIPT_FIX.replace(/^or /, ''),
    })
  else out.push(...poolFindings(site, p.serviceAccount))
  if (!site.preloadEnabled)
    out.push({
      status: 'warn',
      message: `site ${site.name} is not preloaded: the server page's optional start-mode step sets preloadEnabled to true ("important if the scheduler is enabled")`,
      remediation: `Set-ItemProperty ${psString(`IIS:\\Sites\\${site.name}`)} -Name applicationDefaults.preloadEnabled -Value $true (with the Application Initialization feature)`,
    })
  out.push(...bindingFindings(p, site, f, now))
  if (!out.some((x) => x.status === 'fail' || x.status === 'warn')) {
    const b = site.bindings.find(
      (x) => x.protocol === 'https' && parseBindingInformation(x.bindingInformation)?.host === p.hostName.toLowerCase(),
    )
    out.push({
      status: 'pass',
      message: `site ${site.name} serves ${p.runtime} in pool ${site.applicationPool} (No Managed Code, AlwaysRunning, idle time-out 0, Load User Profile, no periodic recycling${p.serviceAccount ? `, as ${p.serviceAccount}` : ''}); https ${p.hostName || '*'}:${p.port} with certificate ${b?.certificateHash ?? ''}`,
    })
  }
  return out
}

export default defineCheck<Params, Facts>({
  id: 'host.iis',
  summary:
    'IIS 10 or later (before); after installation, the site that serves Runtime: its pool (No Managed Code, mandatory; AlwaysRunning, idle 0, Load User Profile, no periodic recycling, recommended: warnings; the service account) and its https binding with the tlsCertificate (Windows)',
  docs: netwrixDocs('installation-guide/production-ready/agent'),
  flow: 'host',
  topologies: ['saas', 'on-prem-integrated', 'on-prem-separate'],
  platforms: ['win32'],
  stages: "IIS's version: before; each site: after (the server's before too with server.installed)",
  params: {
    type: 'object',
    additionalProperties: false,
    properties: {
      minMajor: {type: 'integer'},
      site: {
        type: 'object',
        additionalProperties: false,
        required: ['owner', 'runtime', 'hostName', 'port'],
        properties: {
          owner: {type: 'string'},
          runtime: {type: 'string'},
          hostName: {type: 'string'},
          port: {type: 'integer'},
          serviceAccount: {type: 'string'},
          certificate: {
            type: 'object',
            additionalProperties: false,
            properties: {
              thumbprint: {type: 'string'},
              subject: {type: 'string'},
              file: {type: 'string'},
              password: {type: 'string'},
            },
          },
        },
      },
    },
  },
  plan(env, ctx) {
    const out: PlannedTarget<Params>[] = [{target: 'local', params: {minMajor: 10}}]
    const add = (
      owner: string,
      role: 'server' | 'agent',
      o: {
        url?: string
        alias?: string
        workingDirectory?: string
        serviceAccount?: string
        tlsCertificate?: CertificateRef
      },
      stage: 'before' | 'after',
    ) => {
      const whose = {owner: owner === 'server' ? ('server' as const) : {agent: owner}}
      if (!o.workingDirectory) {
        out.push({
          target: owner,
          ...whose,
          stage,
          params: {site: {owner, runtime: '', hostName: '', port: 443}},
          skip: `no workingDirectory for ${owner}: the site is found by its physical path (<workingDirectory>\\Runtime)`,
        })
        return
      }
      const e = expectedSite({role, organization: env.organization, ...o}, ctx.baseDir)
      const wd =
        isAbsolute(o.workingDirectory) || isWindowsPath(o.workingDirectory)
          ? o.workingDirectory
          : resolve(ctx.baseDir, o.workingDirectory)
      const certificate = certificateParam(e, o.tlsCertificate)
      out.push({
        target: owner,
        ...whose,
        stage,
        // The page that gives the pool's settings: "Install the Server" for the server's site.
        ...(role === 'server' ? {docs: netwrixDocs('installation-guide/production-ready/server')} : {}),
        params: {
          site: {
            owner,
            runtime: `${wd.replace(/\//g, '\\').replace(/\\+$/, '')}\\Runtime`,
            hostName: e.hostName,
            port: e.port,
            ...(o.serviceAccount ? {serviceAccount: o.serviceAccount} : {}),
            ...(certificate ? {certificate} : {}),
          },
        },
      })
    }
    // The server's site (its integrated agent runs in it); in SaaS the server is Netwrix's.
    if (env.topology !== 'saas') add('server', 'server', env.server, env.server.installed ? 'before' : 'after')
    if (env.topology !== 'on-prem-integrated') for (const a of ctx.agents) add(a.identifier, 'agent', a, 'after')
    return out
  },
  title: (p) => (p.site ? `IIS site of ${p.site.owner}` : 'IIS of this host'),
  async probe(p, ctx): Promise<Facts> {
    if (!p.site) return {kind: 'version', ...parseInetStp(await powershellJson(INETSTP_SCRIPT, ctx.signal))}
    const c = p.site.certificate
    const [facts, cert] = await Promise.all([
      hostSites(
        'sites',
        async () => parseIisSites(await powershellJson(IIS_SITES_SCRIPT, AbortSignal.timeout(30_000))),
        ctx.signal,
      ),
      c?.file
        ? import('../src/probes/pki/certificates.js').then(({loadCertificateFile}) =>
            loadCertificateFile(c.file!, c.password),
          )
        : undefined,
    ])
    const thumbprint = cert?.ok ? cert.file.leaf?.thumbprint : undefined
    return {
      kind: 'site',
      ...facts,
      ...(thumbprint ? {expectedThumbprint: thumbprint} : {}),
      ...(cert && !cert.ok ? {certificateError: cert.detail} : {}),
    }
  },
  evaluate(p, f, ctx): Finding[] {
    if (f.kind === 'site') return siteFindings(p.site!, f, ctx.now)
    const minMajor = p.minMajor ?? 10
    if (!f.installed)
      return [
        {
          status: 'fail',
          message: 'IIS is not installed',
          remediation:
            'Server Manager → Add Roles and Features → Web Server (IIS); then install the ASP.NET Core Hosting Bundle',
        },
      ]
    if ((f.major ?? 0) < minMajor)
      return [
        {
          status: 'fail',
          message: `IIS ${f.major}.${f.minor}; the agent and server pages: "You need to have an IIS ${minMajor}.0 or greater"`,
          remediation: 'move to Windows Server 2016 or later (IIS 10)',
        },
      ]
    return [{status: 'pass', message: `IIS ${f.major}.${f.minor}`}]
  },
  // What `checks show` says beyond the definition (verdicts, and the docs sentences it rests on).
  explain: {
    how: "Reads IIS's version from the registry; after installation, the sites and pools (WebAdministration) to find the site serving each <workingDirectory>\\Runtime, and judges its pool, its https binding for the URL's host and port, and the binding's certificate.",
    verdicts: [
      {status: 'pass', when: 'IIS 10 or later; the site, its pool and its binding as the docs describe'},
      {
        status: 'fail',
        when: 'IIS missing or older than 10; no site for Runtime; the pool not No Managed Code (mandatory), stopped, or another identity than serviceAccount',
        fix: "the IIS Manager setting and the Set-ItemProperty command, or scaffold's install-iis-site.ps1",
      },
      {
        status: 'warn',
        when: "the pool not AlwaysRunning, idle time-out not 0, Load User Profile off, periodic recycling on, or the site not preloaded: recommended, not required; the pages' reason quoted where they give one",
        fix: "the IIS Manager setting and the Set-ItemProperty command, or scaffold's install-iis-site.ps1",
      },
      {
        status: 'fail',
        when: 'no https binding for the host and port, no certificate, one not in the store, expired, or not the tlsCertificate',
        fix: 'New-WebBinding and the certificate to bind',
      },
      {
        status: 'warn',
        when: 'the binding answers every host name on the port (no SNI host)',
        fix: 'set the host name with Require Server Name Indication',
      },
      {status: 'skip', when: 'not Windows'},
    ],
    sources: [
      {
        page: netwrixDocs('installation-guide/requirements/agent-requirements'),
        quote: 'An Internet Information Services (IIS) website from the minimal version IIS 10.0 (recommended)',
      },
      {
        page: netwrixDocs('installation-guide/production-ready/agent'),
        quote:
          'After creation, the following settings are recommended: … Start Mode set to AlwaysRunning; … Idle Time-out (minutes) set to 0 and Load User Profile set to True; … Regular time intervals set to 0. … The following is mandatory: … .NET CLR Version > No Managed Code',
      },
      {
        page: netwrixDocs('user-guide/deploy/production-agent-installation/iis-configuration'),
        quote:
          'Right-click on **Sites** to add a new site named `Usercube<Organization>`, make sure that the selected application pool is `Usercube` and set the `path` field to the `Runtime` folder.',
      },
    ],
  },
})
