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
  host: string
  port?: number
  rest: string
}

const PROXY_RE =
  /^(?:([A-Za-z][A-Za-z0-9+.-]*):\/\/)?(?:([^:@/]*)(?::([^@/]*))?@)?(\[[^\]]+\]|[^:/?#]+)(?::([^/?#]*))?(.*)$/

export function parseProxy(value: string): ParsedProxy | undefined {
  const m = PROXY_RE.exec(value.trim())
  if (!m) return undefined
  const port = m[5] === undefined || m[5] === '' ? undefined : Number(m[5])
  return {
    scheme: m[1]?.toLowerCase(),
    username: m[2] || undefined,
    hasPassword: m[3] !== undefined,
    host: m[4]!,
    port: port === undefined || Number.isNaN(port) ? (m[5] ? NaN : undefined) : port,
    rest: m[6] ?? '',
  }
}

/** The value with any password replaced by `***`, safe to print. */
export function displayProxy(value: string): string {
  return value.replace(/(\/\/[^:@/]*:)[^@/]*@/, '$1***@')
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
