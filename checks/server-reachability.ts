import {defineCheck, type Finding, netwrixDocs} from '../src/model/index.js'
import {clip} from '../src/base/index.js'
import type {HttpFacts} from '../src/probes/http/index.js'
import {networkParams, networkParamsSchema, type NetworkParams} from '../src/environment/index.js'
import {bypassesProxy, displayProxy} from '../src/product/index.js'

interface Params extends NetworkParams {
  url: string
  /** The HTTPS_PROXY the agent will use, when one is set and the server is not in NO_PROXY. */
  proxy?: string
  /** On premises, GET /hc must answer Healthy. */
  health: boolean
}

interface Facts {
  root: HttpFacts
  hc?: HttpFacts
}

export default defineCheck<Params, Facts>({
  id: 'server.reachability',
  summary: 'The agent reaches the server over HTTPS (through the proxy when set); on premises /hc answers Healthy',
  docs: netwrixDocs('installation-guide/production-ready/server'),
  flow: 'agent-server',
  stages: 'before in SaaS (the tenant exists already) or with server.installed, else after',
  topologies: ['saas', 'on-prem-integrated', 'on-prem-separate'],
  roles: ['agent'],
  params: {
    type: 'object',
    additionalProperties: false,
    required: ['url', 'health'],
    properties: {url: {type: 'string'}, proxy: {type: 'string'}, health: {type: 'boolean'}, ...networkParamsSchema},
  },
  plan(env, ctx) {
    if (env.topology === 'on-prem-integrated')
      return [
        {
          target: env.server.url,
          params: {url: env.server.url, health: true},
          skip: 'the integrated agent runs inside the server: there is no agent → server hop',
        },
      ]
    const proxy = env.network?.httpsProxy ?? ctx.processEnv.HTTPS_PROXY ?? ctx.processEnv.https_proxy
    const noProxy = env.network?.noProxy ?? ctx.processEnv.NO_PROXY ?? ctx.processEnv.no_proxy
    const host = new URL(env.server.url).hostname
    const viaProxy = proxy && !(noProxy && bypassesProxy(host, noProxy)) ? proxy : undefined
    return [
      {
        target: env.server.url,
        // In SaaS the server exists before the agent is installed; on premises once it is
        // installed (server.installed: the docs install the server first), else after.
        stage: env.topology === 'saas' || env.server.installed ? 'before' : 'after',
        params: {
          url: env.server.url,
          ...(viaProxy ? {proxy: viaProxy} : {}),
          health: env.topology !== 'saas',
          ...networkParams(env, ctx.baseDir),
        },
      },
    ]
  },
  title: (p) => `Agent → ${p.url}`,
  async probe(p, ctx) {
    const {probeHttps} = await import('../src/probes/http/http-probe.js')
    const common = {
      proxy: p.proxy,
      dnsServers: p.dnsServers,
      caFile: p.caFile,
      signal: ctx.signal,
      timeoutMs: ctx.timeoutMs,
    }
    const root = await probeHttps({url: p.url, ...common})
    if (!p.health || root.failedPhase) return {root}
    return {root, hc: await probeHttps({url: `${p.url}/hc`, ...common})}
  },
  evaluate(p, f): Finding[] {
    const via = f.root.proxy ? ` through the proxy ${displayProxy(f.root.proxy)}` : ' directly'
    const r = f.root
    if (r.failedPhase) {
      const fix: Record<string, string> = {
        dns: 'see dns.alias for this name',
        proxy: "check HTTPS_PROXY (proxy.settings), the proxy's allow-list for this host, and its credentials",
        connect: 'check that the server is up and that this host may reach it on that port (firewall)',
        tls: 'see tls.endpoint for this URL',
        http: 'the server accepted the connection but did not answer HTTP: check the IIS site and its application pool',
      }
      return [
        {
          status: 'fail',
          message: `${p.url} unreachable${via}: ${r.failedPhase} failed: ${r.error}`,
          remediation: fix[r.failedPhase] ?? '',
        },
      ]
    }
    const out: Finding[] = []
    if (r.tlsAuthorized === false)
      out.push({
        status: 'fail',
        message: `${p.url} answered${via} but its certificate is not trusted here (${r.tlsError}); the agent will refuse it`,
        remediation: "see tls.endpoint for this URL; add a private CA to network.caFile and to this host's trust store",
      })
    if (p.health && f.hc) {
      const hc = f.hc
      if (hc.failedPhase || hc.status === undefined)
        out.push({
          status: 'warn',
          message: `${p.url}/hc did not answer (${hc.error}): not installed yet?`,
          remediation: 'after installing, browse to /hc: it must answer Healthy',
        })
      else if (hc.status === 200 && hc.body?.trim() === 'Healthy')
        out.push({status: 'pass', message: `/hc answers Healthy`})
      else
        out.push({
          status: 'warn',
          message: `${p.url}/hc answered ${hc.status} "${clip((hc.body ?? '').trim(), 60)}", not Healthy: the server cannot reach its database, or is not installed yet`,
          remediation: 'check the server log (Temp/stdout-server.log) and sql.connection',
        })
    }
    out.unshift({status: 'pass', message: `${p.url} answered HTTP ${r.status}${via}`})
    return out
  },
  // What `checks show` says beyond the definition (verdicts, and the docs sentences it rests on).
  explain: {
    how: 'An HTTPS GET of server.url from this host, through HTTPS_PROXY (a CONNECT tunnel) unless NO_PROXY bypasses the host, the certificate verified; on premises also GET /hc.',
    verdicts: [
      {status: 'pass', when: 'the server answered, directly or through the proxy; on premises /hc answers Healthy'},
      {
        status: 'fail',
        when: 'the DNS, proxy, connect, TLS or HTTP phase failed (named)',
        fix: 'dns.alias, proxy.settings, the firewall, tls.endpoint or the IIS site, per phase',
      },
      {
        status: 'fail',
        when: "the server's certificate is not trusted here",
        fix: "add the private CA to network.caFile and to the host's trust store",
      },
      {
        status: 'warn',
        when: '/hc does not answer, or answers other than Healthy (not installed yet, or no database)',
        fix: 'the server log and sql.connection',
      },
      {status: 'skip', when: 'on-prem-integrated: the agent runs inside the server'},
    ],
    sources: [
      {
        page: netwrixDocs('installation-guide/requirements/server-requirements'),
        quote: "Agents must be able to resolve the server's hostname.",
      },
      {
        page: netwrixDocs('installation-guide/requirements/agent-requirements'),
        quote:
          'The agent requires the use of HTTPS ports and an SSL certificate in order to perform HTTPS communication with the server.',
      },
    ],
  },
})
