/**
 * The proxy formats Identity Manager accepts (DOMAIN.md §10, from the product's proxy page):
 * HTTPS_PROXY is `host`, `host:port`, `ip:port` or `http://[user:pass@]host:port`: the scheme must
 * be http, with no path and no trailing slash. NO_PROXY is a comma-separated list of hosts where a
 * leading `.` is the wildcard, and never `*`. The product (.NET) silently ignores a bad value.
 */

export interface ProxyProblem {
  severity: 'fail' | 'warn'
  message: string
  remediation: string
}

/** The parts of an HTTPS_PROXY value, or undefined where it cannot be read at all. */
export interface ParsedProxy {
  scheme?: string
  username?: string
  hasPassword: boolean
  /** Never printed: for redaction only. */
  password?: string
  host: string
  port?: number
  rest: string
}

const SCHEME_RE = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//
const HOST_RE = /^(\[[^\]]+\]|[^:/?#]+)(?::([^/?#]*))?(.*)$/s

/** The parts of an HTTPS_PROXY value, or undefined where it cannot be read at all. */
export function parseProxy(value: string): ParsedProxy | undefined {
  const v = value.trim()
  const scheme = SCHEME_RE.exec(v)
  let rest = scheme ? v.slice(scheme[0].length) : v
  // The userinfo runs to the last "@": a password holding "/" or "@" is read whole (and never
  // mistaken for a host or a path, which would print it).
  let username: string | undefined
  let password: string | undefined
  const at = rest.lastIndexOf('@')
  if (at >= 0) {
    const info = rest.slice(0, at)
    rest = rest.slice(at + 1)
    const colon = info.indexOf(':')
    username = (colon >= 0 ? info.slice(0, colon) : info) || undefined
    if (colon >= 0) password = info.slice(colon + 1)
  }
  const m = HOST_RE.exec(rest)
  if (!m) return undefined
  const port = m[2] === undefined || m[2] === '' ? undefined : Number(m[2])
  return {
    scheme: scheme?.[1]!.toLowerCase(),
    username,
    hasPassword: password !== undefined,
    password,
    host: m[1]!,
    port: port === undefined || Number.isNaN(port) ? (m[2] ? NaN : undefined) : port,
    rest: m[3] ?? '',
  }
}

/** The value with any password replaced by `***`, safe to print. */
export function displayProxy(value: string): string {
  const v = value.trim()
  const at = v.lastIndexOf('@')
  if (at < 0) return value
  const scheme = SCHEME_RE.exec(v)?.[0] ?? ''
  const info = v.slice(scheme.length, at)
  const colon = info.indexOf(':')
  if (colon < 0) return value
  return `${scheme}${info.slice(0, colon)}:***@${v.slice(at + 1)}`
}

/** Everything wrong with an HTTPS_PROXY value, in the product's terms. */
export function httpsProxyProblems(value: string, source: string): ProxyProblem[] {
  const shown = displayProxy(value)
  const ignored = 'the product silently ignores it and connects directly (symptom: "No such host is known")'
  const example = 'e.g. http://proxy.contoso.com:8080 or proxy.contoso.com:8080'
  if (value.trim() === '')
    return [{severity: 'warn', message: `${source} is set but empty`, remediation: `remove it, or set it (${example})`}]
  if (/\s/.test(value.trim()))
    return [
      {
        severity: 'fail',
        message: `${source} "${shown}" contains spaces; ${ignored}`,
        remediation: `remove the spaces (${example})`,
      },
    ]
  const p = parseProxy(value)
  if (!p)
    return [
      {severity: 'fail', message: `${source} "${shown}" is not a proxy address; ${ignored}`, remediation: example},
    ]
  const out: ProxyProblem[] = []
  if (value.trim() !== value)
    out.push({
      severity: 'warn',
      message: `${source} has spaces around it`,
      remediation: 'remove them: some readers keep them',
    })
  if (p.scheme !== undefined && p.scheme !== 'http') {
    out.push({
      severity: 'fail',
      message: `${source} "${shown}" uses the scheme ${p.scheme}://; only http:// is accepted (the proxy is spoken to in HTTP and tunnels TLS with CONNECT), so ${ignored}`,
      remediation: `write http://${p.host}${p.port ? `:${p.port}` : ''}`,
    })
  }
  if (p.rest !== '') {
    out.push({
      severity: 'fail',
      message: `${source} "${shown}" has a path or trailing "${p.rest}"; ${ignored}`,
      remediation: `remove "${p.rest}": write ${p.scheme ? `${p.scheme}://` : ''}${p.host}${p.port ? `:${p.port}` : ''}`,
    })
  }
  if (p.port !== undefined && (!Number.isInteger(p.port) || p.port < 1 || p.port > 65535)) {
    out.push({
      severity: 'fail',
      message: `${source} "${shown}" has an invalid port; ${ignored}`,
      remediation: 'use a port from 1 to 65535',
    })
  }
  if (p.password !== undefined && /[/@?#]/.test(p.password)) {
    out.push({
      severity: 'fail',
      message: `${source} has a password with an unencoded "/", "@", "?" or "#"; .NET reads the address up to that character, so the proxy is not used as written`,
      remediation: 'percent-encode those characters in the password (/ as %2F, @ as %40, ? as %3F, # as %23)',
    })
  }
  if ((p.username || p.hasPassword) && p.scheme === undefined) {
    out.push({
      severity: 'fail',
      message: `${source} has credentials without http://; ${ignored}`,
      remediation: 'write http://user:password@host:port',
    })
  }
  return out
}

/** Everything wrong with a NO_PROXY value. */
export function noProxyProblems(value: string, source: string): ProxyProblem[] {
  const out: ProxyProblem[] = []
  const entries = value.split(',')
  entries.forEach((raw, i) => {
    const e = raw.trim()
    if (e === '') {
      if (entries.length > 1)
        out.push({
          severity: 'warn',
          message: `${source} has an empty entry (position ${i + 1})`,
          remediation: 'remove the extra comma',
        })
      return
    }
    if (e === '*')
      out.push({
        severity: 'fail',
        message: `${source} contains "*", which the product does not accept (it ignores the whole setting)`,
        remediation: 'list the hosts or domains to reach directly, e.g. .contoso.com,localhost',
      })
    else if (e.startsWith('*.'))
      out.push({
        severity: 'fail',
        message: `${source} entry "${e}": the wildcard is a leading dot, not "*."`,
        remediation: `write ${e.slice(1)}`,
      })
    else if (/:\/\/|\//.test(e))
      out.push({
        severity: 'fail',
        message: `${source} entry "${e}" is a URL; NO_PROXY takes host names`,
        remediation: 'keep only the host name',
      })
    else if (raw !== e && raw.trim() !== '')
      out.push({
        severity: 'warn',
        message: `${source} entry "${e}" has spaces around it`,
        remediation: 'write the list without spaces: a,b,c',
      })
  })
  return out
}

/** Whether NO_PROXY sends `host` direct: exact host, or a `.domain` suffix (also matching `domain` itself). */
export function bypassesProxy(host: string, noProxy: string): string | undefined {
  const h = host.toLowerCase()
  for (const raw of noProxy.split(',')) {
    const e = raw.trim().toLowerCase()
    if (!e || e === '*') continue
    if (e.startsWith('.') ? h.endsWith(e) || h === e.slice(1) : h === e) return raw.trim()
  }
  return undefined
}
