import {parseTimeout} from './duration.js'
import {controlCharacter} from './terminal.js'
import type {Environment} from './environment.js'

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

  const today = new Date().toISOString().slice(0, 10)
  env.checks?.waivers?.forEach((w, i) => {
    if (/^\d{4}-\d{2}-\d{2}$/.test(w.until) && w.until < today)
      warn(['checks', 'waivers', i, 'until'], `this waiver expired on ${w.until}: ${w.id} failures count again`)
  })

  if (env.checks?.timeout !== undefined) {
    const t = parseTimeout(env.checks.timeout)
    if ('problem' in t) err(['checks', 'timeout'], t.problem)
  }
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
