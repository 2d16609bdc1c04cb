import {defineCheck, type FileRuleFinding, type Finding, netwrixDocs} from '../src/model/index.js'
import {isReference} from '../src/environment/index.js'
import {bypassesProxy, displayProxy, httpsProxyProblems, noProxyProblems} from '../src/product/index.js'

interface Params {
  /** What the environment file says the product will see (network.httpsProxy / noProxy). */
  fileHttpsProxy?: string
  fileNoProxy?: string
  serverUrl: string
}

interface Facts {
  /** The proxy variables of this process (what a shell or service on this host sets). */
  env: Record<'HTTPS_PROXY' | 'NO_PROXY', string | undefined>
}

export default defineCheck<Params, Facts>({
  id: 'proxy.settings',
  summary: 'HTTPS_PROXY and NO_PROXY have the forms the product accepts (it silently ignores bad values)',
  docs: netwrixDocs('integration-guide/network-configuration/proxy', '6.1'),
  flow: 'network',
  topologies: ['saas', 'on-prem-integrated', 'on-prem-separate'],
  params: {
    type: 'object',
    additionalProperties: false,
    required: ['serverUrl'],
    properties: {fileHttpsProxy: {type: 'string'}, fileNoProxy: {type: 'string'}, serverUrl: {type: 'string'}},
  },
  plan: (env) => [
    {
      target: 'network',
      params: {fileHttpsProxy: env.network?.httpsProxy, fileNoProxy: env.network?.noProxy, serverUrl: env.server.url},
    },
  ],
  title: () => 'Outbound proxy settings',
  async probe() {
    // .NET reads these variables case-insensitively on Windows; on POSIX both spellings exist.
    // An empty variable is no proxy, for .NET as for curl.
    const read = (name: string) => process.env[name] || process.env[name.toLowerCase()] || undefined
    return {env: {HTTPS_PROXY: read('HTTPS_PROXY'), NO_PROXY: read('NO_PROXY')}}
  },
  evaluate(p, facts): Finding[] {
    const out: Finding[] = []
    const proxy = p.fileHttpsProxy ?? facts.env.HTTPS_PROXY
    const proxySource = p.fileHttpsProxy !== undefined ? 'network.httpsProxy' : 'HTTPS_PROXY'
    const noProxy = p.fileNoProxy ?? facts.env.NO_PROXY
    const noProxySource = p.fileNoProxy !== undefined ? 'network.noProxy' : 'NO_PROXY'
    const webConfig =
      'set it in web.config: <aspNetCore><environmentVariables><environmentVariable name="HTTPS_PROXY" value="..."/>'

    if (proxy === undefined) {
      out.push({
        status: 'pass',
        message: 'no proxy configured: the product connects directly (it ignores the Windows system proxy)',
      })
      if (noProxy !== undefined && noProxy.trim() !== '')
        out.push({
          status: 'warn',
          message: `${noProxySource} is set but no HTTPS_PROXY: it has no effect`,
          remediation: 'remove it, or set HTTPS_PROXY too',
        })
      return out
    }
    httpsProxyProblems(proxy, proxySource).forEach((prob, i) =>
      out.push({
        status: prob.severity,
        message: prob.message,
        remediation: i === 0 ? `${prob.remediation}; ${webConfig}` : prob.remediation,
      }),
    )
    if (noProxy !== undefined)
      for (const prob of noProxyProblems(noProxy, noProxySource))
        out.push({status: prob.severity, message: prob.message, remediation: prob.remediation})

    if (
      p.fileHttpsProxy !== undefined &&
      facts.env.HTTPS_PROXY !== undefined &&
      facts.env.HTTPS_PROXY !== p.fileHttpsProxy
    ) {
      out.push({
        status: 'warn',
        message: `this host's HTTPS_PROXY (${displayProxy(facts.env.HTTPS_PROXY)}) differs from network.httpsProxy (${displayProxy(p.fileHttpsProxy)})`,
        remediation:
          "the product sees its own web.config or service environment, not this shell's: make both say the same",
      })
    }
    if (out.every((f) => f.status === 'pass')) {
      let host = ''
      try {
        host = new URL(p.serverUrl).hostname
      } catch {
        // server.url was already reported by validation
      }
      const direct = host && noProxy ? bypassesProxy(host, noProxy) : undefined
      out.push({
        status: 'pass',
        message: `${proxySource} ${displayProxy(proxy)} is well-formed; ${
          host
            ? direct
              ? `agent → ${host} goes direct (NO_PROXY ${direct})`
              : `agent → ${host} goes through the proxy`
            : ''
        }`.replace(/; $/, ''),
      })
    }
    return out
  },
  data: (f) => ({env: {HTTPS_PROXY: f.env.HTTPS_PROXY && displayProxy(f.env.HTTPS_PROXY), NO_PROXY: f.env.NO_PROXY}}),
  // The file's own values are judged by the rules evaluate applies to them (src/product/proxy.ts):
  // validate says them without this host's variables, which only check can see.
  fileRules(env) {
    const out: FileRuleFinding[] = []
    const {httpsProxy, noProxy} = env.network ?? {}
    if (httpsProxy !== undefined && !isReference(httpsProxy))
      for (const p of httpsProxyProblems(httpsProxy, 'network.httpsProxy'))
        out.push({path: ['network', 'httpsProxy'], status: p.severity, message: p.message, remediation: p.remediation})
    if (noProxy !== undefined && !isReference(noProxy))
      for (const p of noProxyProblems(noProxy, 'network.noProxy'))
        out.push({path: ['network', 'noProxy'], status: p.severity, message: p.message, remediation: p.remediation})
    return out
  },
  // What `checks show` says beyond the definition (verdicts, and the docs sentences it rests on).
  explain: {
    how: "Reads network.httpsProxy and network.noProxy from the environment file (else this host's HTTPS_PROXY and NO_PROXY) and judges their form as .NET reads them; nothing is sent. validate applies the same rules to the file's values.",
    verdicts: [
      {
        status: 'pass',
        when: 'no proxy is configured (the product connects directly), or the proxy is well-formed; says whether agent → server goes through it',
      },
      {
        status: 'fail',
        when: 'HTTPS_PROXY uses https://, has a path or a trailing "/", spaces, an invalid port, credentials without http://, or a password with an unencoded / @ ? #',
        fix: 'write http://host:port or host:port, in web.config (aspNetCore environmentVariables)',
      },
      {
        status: 'fail',
        when: 'NO_PROXY contains "*", an entry "*.domain" or a URL',
        fix: 'list host names; a leading "." is the wildcard (.contoso.com)',
      },
      {
        status: 'warn',
        when: "an empty value or entry, spaces around entries, NO_PROXY without HTTPS_PROXY, or this host's HTTPS_PROXY differing from the file's",
        fix: 'make web.config and this host say the same',
      },
    ],
    sources: [
      {
        page: netwrixDocs('integration-guide/network-configuration/proxy', '6.1'),
        quote:
          'The URL must start with `http`, **not https**, and cannot include any text after the hostname, IP, or port.',
      },
      {
        page: netwrixDocs('integration-guide/network-configuration/proxy', '6.1'),
        quote:
          'To exclude all subdomains ("wildcard" exclusion), domains in the `NO_PROXY` list need to be prefixed with a dot (`.`), which is standard, but not particularly well documented. **Do not use the star (`*`) prefix !!!**',
      },
      {
        page: netwrixDocs('integration-guide/network-configuration/proxy', '6.1'),
        quote:
          'The dotnet environment does not rely on the OS-wide proxy configuration. It is mandatory to use the above-mentioned environment variables to configure the proxy.',
      },
    ],
  },
})
