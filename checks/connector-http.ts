import {defineCheck, type Finding, netwrixDocs, type Connection} from '../src/model/index.js'
import {
  connectionsOf,
  connectorParamsSchema,
  noConnectionReason,
  ownedBy,
  bypassesProxy,
  displayProxy,
} from '../src/product/index.js'
import type {HttpFacts} from '../src/probes/http/index.js'
import {networkParams, networkParamsSchema, type NetworkParams} from '../src/environment/index.js'

interface Params extends NetworkParams {
  owner: string
  system: string
  connection: string
  url: string
  /** The HTTPS_PROXY the agent will use for this host, when one is set and not bypassed. */
  proxy?: string
  /** Which connector's API (`scim` unless the connection says `servicenow`). */
  api?: 'scim' | 'servicenow'
  auth: 'none' | 'basic' | 'bearer'
  username?: string
  password?: string
  token?: string
  /**
   * The settings the product gets a token with, as the API's page names them, when it does: the
   * request is then made without credentials, and what was not tried is said.
   */
  tokenFrom?: {settings: string[]; oauth2Url?: string}
}

/**
 * How the product authenticates to the API, as its reference page says:
 * - SCIM (references-connectors/scim): "The credential attributes (ApplicationId, ApplicationKey,
 *   Login and Password) are used to obtain a token from the application for our requests";
 *   OAuthToken is a "Generated OAuth token to connect to the application"; OAuth2Url is the "URL
 *   which get tokens for the requests. The system can usually find this information".
 * - ServiceNow (references-connectors/servicenowentitymanagement): "the appropriate configuration
 *   in ServiceNow of authentication, Basic or OAuth": Login and Password, with ClientId,
 *   ClientSecret and OAuth2Url "used (and required) with OAuth".
 * Neither page says which OAuth grant the product uses: a token request cannot be reproduced, so
 * the check then reaches the API without credentials and says the credentials were not tried. An
 * OAuthToken is sent as an OAuth 2.0 bearer token (RFC 6750): this tool's reading of "OAuth token".
 */
function authOf(k: Connection): Pick<Params, 'auth' | 'tokenFrom'> {
  if (k.token !== undefined) return {auth: 'bearer'}
  const oauth2Url = k.oauth2Url ? {oauth2Url: k.oauth2Url} : {}
  if ((k.api ?? 'scim') === 'servicenow') {
    if (k.clientId)
      return {auth: 'none', tokenFrom: {settings: ['ClientId', 'ClientSecret', 'Login', 'Password'], ...oauth2Url}}
    return {auth: k.username ? 'basic' : 'none'}
  }
  const settings = [
    ...(k.applicationId ? ['ApplicationId'] : []),
    ...(k.applicationKey !== undefined ? ['ApplicationKey'] : []),
    ...(k.username ? ['Login', 'Password'] : []),
  ]
  return settings.length ? {auth: 'none', tokenFrom: {settings, ...oauth2Url}} : {auth: 'none'}
}

const FIX: Record<string, string> = {
  dns: "the API's host must resolve from the agent's host (through the proxy, the proxy resolves it)",
  proxy: "check HTTPS_PROXY (proxy.settings), the proxy's allow-list for this host, and its credentials",
  connect: 'check that the API is up and that the agent may reach it on that port (firewall, NO_PROXY)',
  tls: 'the peer did not complete a TLS handshake: check the URL (https on an http port?)',
  http: 'the peer accepted the connection but did not answer HTTP',
}

export default defineCheck<Params, HttpFacts>({
  id: 'connector.http',
  summary:
    "HTTPS API connection (SCIM, ServiceNow) from the agent's host: DNS, the proxy when set, TLS trust and host name, then the HTTP status with the authentication the API's page gives (Basic, a token; credentials the product exchanges for a token are said not tried)",
  docs: netwrixDocs('integration-guide/connectors/references-connectors/scim'),
  flow: 'agent-systems',
  topologies: ['saas', 'on-prem-integrated', 'on-prem-separate'],
  roles: ['agent'],
  params: {
    type: 'object',
    additionalProperties: false,
    required: ['owner', 'system', 'connection', 'url', 'auth'],
    properties: {
      ...connectorParamsSchema,
      url: {type: 'string'},
      proxy: {type: 'string'},
      api: {enum: ['scim', 'servicenow']},
      auth: {enum: ['none', 'basic', 'bearer']},
      tokenFrom: {
        type: 'object',
        additionalProperties: false,
        required: ['settings'],
        properties: {settings: {type: 'array', items: {type: 'string'}}, oauth2Url: {type: 'string'}},
      },
      username: {type: 'string'},
      password: {type: 'string'},
      token: {type: 'string'},
      ...networkParamsSchema,
    },
  },
  emptyReason: (env, ctx) => noConnectionReason(env, ctx, ['http']),
  plan(env, ctx) {
    const proxy = env.network?.httpsProxy ?? ctx.processEnv.HTTPS_PROXY ?? ctx.processEnv.https_proxy
    const noProxy = env.network?.noProxy ?? ctx.processEnv.NO_PROXY ?? ctx.processEnv.no_proxy
    return connectionsOf(env, ctx, ['http']).map(({connection: k, owner, target, system}) => {
      const url = k.url ?? ''
      let host = ''
      try {
        host = new URL(url).hostname
      } catch {
        // validate says what is wrong with the URL; the instance is a skip.
      }
      const params: Params = {
        owner,
        system,
        connection: k.identifier,
        url,
        ...(proxy && host && !(noProxy && bypassesProxy(host, noProxy)) ? {proxy} : {}),
        api: k.api ?? 'scim',
        ...authOf(k),
        ...(k.username ? {username: k.username} : {}),
        ...(k.password !== undefined ? {password: k.password} : {}),
        ...(k.token !== undefined ? {token: k.token} : {}),
        ...networkParams(env, ctx.baseDir),
      }
      const docs =
        k.api === 'servicenow'
          ? {docs: netwrixDocs('integration-guide/connectors/references-connectors/servicenowentitymanagement')}
          : {}
      return host
        ? {target, ...docs, ...ownedBy(owner), params}
        : {target, ...docs, ...ownedBy(owner), params, skip: `url ${url} is not an absolute URL (validate says why)`}
    })
  },
  title: (p) => `${p.connection} → ${p.url}`,
  async probe(p, ctx) {
    const {probeHttps} = await import('../src/probes/http/http-probe.js')
    const authorization =
      p.auth === 'basic'
        ? `Basic ${Buffer.from(`${p.username}:${p.password ?? ''}`).toString('base64')}`
        : p.auth === 'bearer'
          ? `Bearer ${p.token ?? ''}`
          : undefined
    return probeHttps({
      url: p.url,
      proxy: p.proxy,
      dnsServers: p.dnsServers,
      caFile: p.caFile,
      signal: ctx.signal,
      timeoutMs: ctx.timeoutMs,
      ...(authorization ? {headers: {authorization}} : {}),
    })
  },
  evaluate(p, f): Finding[] {
    const via = f.proxy ? ` through the proxy ${displayProxy(p.proxy ?? f.proxy)}` : ' directly'
    const as =
      p.auth === 'basic'
        ? ` as ${p.username} (Basic)`
        : p.auth === 'bearer'
          ? ' with the bearer token'
          : ' without credentials'
    if (f.failedPhase)
      return [
        {
          status: 'fail',
          message: `${p.url} unreachable${via}: ${f.failedPhase} failed: ${f.error}`,
          remediation: FIX[f.failedPhase] ?? '',
        },
      ]
    if (f.tlsAuthorized === false)
      return [
        {
          status: 'fail',
          message: `${p.url}: the certificate is not trusted here (${f.tlsError})${p.auth === 'none' ? '' : '; the credentials were not sent'}`,
          remediation:
            "the agent refuses such a peer: add the API's CA to network.caFile and to the agent's trust store, or use the name its certificate gives",
        },
      ]
    const s = f.status ?? 0
    if (p.tokenFrom) return tokenFindings(p, s, via)
    if (s === 401)
      return [
        {
          status: 'fail',
          message: `${p.url} answered 401 Unauthorized${as}${via}${f.wwwAuthenticate ? `: it asks for ${f.wwwAuthenticate.split(/[\s,]/)[0]}` : ''}`,
          remediation:
            p.auth === 'none'
              ? 'the API needs credentials: set username and password (Basic) or token (Bearer) on the connection'
              : p.auth === 'basic' && f.wwwAuthenticate && !/^basic/i.test(f.wwwAuthenticate)
                ? `the API does not take Basic authentication (it asks for ${f.wwwAuthenticate.split(/[\s,]/)[0]}): use a token`
                : 'the credentials are refused: check the login and the password or token reference (expired? revoked?)',
        },
      ]
    if (s === 403)
      return [
        {
          status: 'fail',
          message: `${p.url} answered 403 Forbidden${as}${via}: authenticated, but not allowed`,
          remediation:
            p.api === 'servicenow'
              ? 'the account lacks the rights: the ServiceNow page asks for "a service account with the snc_platform_rest_api_access role, as well as reading and writing permissions"; or the proxy or a WAF forbids this host'
              : "the account lacks the application's rights, or the proxy or a WAF forbids this host",
        },
      ]
    if (s === 407)
      return [
        {
          status: 'fail',
          message: `${p.url} answered 407: the proxy wants credentials`,
          remediation: 'HTTPS_PROXY=http://user:password@proxy:port, the password from ${env:…}',
        },
      ]
    if (s >= 500)
      return [
        {
          status: 'fail',
          message: `${p.url} answered ${s}${via}: the API is failing`,
          remediation: "check the API's own status; the connector's jobs would fail the same way",
        },
      ]
    if (s === 404)
      return [
        {
          status: 'warn',
          message: `${p.url} answered 404${as}${via}: the host answers, but not at this path`,
          remediation:
            p.api === 'servicenow'
              ? 'check the URL: the Table API endpoint (https://<instance>.service-now.com/api/now/table)'
              : 'check the URL: the SCIM page\'s Server is the "URL of the SCIM endpoints of your application, excluding /v2"',
        },
      ]
    // TLS is said only where there was TLS: an http:// URL has no certificate to trust.
    const plain = p.url.toLowerCase().startsWith('http://')
    const secured = plain ? 'without TLS' : 'certificate trusted'
    // This tool's policy: a redirect is not the API answering (often an SSO login page); the
    // connector's calls would land elsewhere, or not be followed.
    if (s >= 300 && s < 400)
      return [
        {
          status: 'warn',
          message: `${p.url} answered ${s}${as}${via}: a redirect ${f.location ? `to ${f.location}` : 'without a Location'}, ${secured}`,
          remediation:
            'the API is not at this URL: use the one it answers at (a redirect to a login page means the base URL or the path is wrong)',
        },
      ]
    const out: Finding[] = [
      {
        status: s >= 200 && s < 300 ? 'pass' : 'warn',
        message: `${p.url} answered HTTP ${s}${as}${via}, ${secured}`,
        ...(s >= 400 ? {remediation: 'an unexpected status: check the URL and the credentials'} : {}),
      },
    ]
    if (plain && p.auth !== 'none')
      out.push({
        status: 'warn',
        message: `${p.url}: ${p.auth === 'basic' ? `the password of ${p.username}` : 'the bearer token'} crosses the network in clear (http://)`,
        remediation: 'use an https:// URL: anyone on the path can read the credentials',
      })
    return out
  },
  // What `checks show` says beyond the definition (verdicts, and the docs sentences it rests on).
  explain: {
    how: "From the agent's host, an HTTPS GET of the API's URL through HTTPS_PROXY unless NO_PROXY bypasses it, the certificate verified before any credential is sent, authenticated as the API's page says: ServiceNow's Login and Password as Basic, an OAuthToken as a bearer token; the credentials the product exchanges for a token (SCIM's ApplicationId, ApplicationKey, Login, Password; ServiceNow's OAuth) are not sent, and said not tried. The status is explained.",
    verdicts: [
      {status: 'pass', when: 'the API answered 2xx/3xx with the given authentication, certificate trusted'},
      {
        status: 'pass',
        when: 'credentials the product exchanges for a token: the API answered without them (401 or 403 included), certificate trusted; a skip finding says what was not tried',
      },
      {
        status: 'fail',
        when: 'a phase failed (DNS, proxy, connect, TLS, HTTP), the certificate is not trusted, or 401, 403, 407 or 5xx',
        fix: 'per status: the credentials, the account rights, the proxy credentials, the API itself',
      },
      {status: 'warn', when: '404 (the host answers, not at this path) or another 4xx', fix: 'check the base URL'},
    ],
    sources: [
      {
        page: netwrixDocs('installation-guide/requirements/agent-requirements'),
        quote:
          'Every Identity Manager agent needs one or several service accounts on the target managed systems, able to read and write to said managed systems.',
      },
      {
        page: netwrixDocs('integration-guide/connectors/references-connectors/scim'),
        quote:
          'The credential attributes (ApplicationId, ApplicationKey, Login and Password) are used to obtain a token from the application for our requests.',
      },
      {
        page: netwrixDocs('integration-guide/connectors/references-connectors/servicenowentitymanagement'),
        quote: 'the appropriate configuration in ServiceNow of authentication, Basic or OAuth.',
      },
    ],
    policy:
      'An OAuthToken is sent as an OAuth 2.0 bearer token: this tool\'s reading of the SCIM page\'s "Generated OAuth token"',
  },
})

/**
 * The product gets a token with the connection's credentials (the API's page), in a way the page
 * does not give: the API was reached without them. A 401 or 403 is then what an API without a
 * token answers, not a fault; what was not tried is said, as a finding of its own.
 */
function tokenFindings(p: Params, s: number, via: string): Finding[] {
  const page =
    p.api === 'servicenow'
      ? 'the ServiceNow page gives OAuth2Url, ClientId and ClientSecret "used (and required) with OAuth", not the grant'
      : 'the SCIM page: they "are used to obtain a token from the application for our requests", without saying how'
  const from = p.tokenFrom!
  const untried: Finding = {
    status: 'skip',
    message: `${from.settings.join(', ')} not tried: ${page}${from.oauth2Url ? ` (token endpoint ${from.oauth2Url})` : p.api === 'scim' ? ' (no OAuth2Url: the product finds the token endpoint itself)' : ''}`,
    remediation: "the connector's first export job tries them: read its log on the agent",
  }
  if (s >= 500)
    return [
      {
        status: 'fail',
        message: `${p.url} answered ${s}${via}: the API is failing`,
        remediation: "check the API's own status; the connector's jobs would fail the same way",
      },
      untried,
    ]
  if (s === 404 || s === 407 || (s >= 400 && s !== 401 && s !== 403))
    return [
      {
        status: s === 407 ? 'fail' : 'warn',
        message: `${p.url} answered ${s} without credentials${via}`,
        remediation:
          s === 407
            ? 'the proxy wants credentials: HTTPS_PROXY=http://user:password@proxy:port, the password from ${env:…}'
            : 'check the URL',
      },
      untried,
    ]
  return [
    {
      status: 'pass',
      message: `${p.url} answered HTTP ${s} without credentials${via}, certificate trusted`,
    },
    untried,
  ]
}
