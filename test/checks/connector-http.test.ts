import assert from 'node:assert/strict'
import {createServer as createPlainServer} from 'node:http'
import {createServer} from 'node:https'
import type {AddressInfo} from 'node:net'
import {after, before, describe, test} from 'node:test'
import connectorHttp from '../../checks/connector-http.js'
import type {HttpFacts} from '../../src/probes/http/http-probe.js'
import {serverCert} from '../../src/sandbox/pki.js'
import {startHttps, startProxy} from '../../src/sandbox/servers.js'
import {loopbackNetwork, type LoopbackNetwork} from '../helpers/loopback.js'
import {runCheck} from '../helpers/run-check.js'
import {parse} from 'yaml'
import type {Environment} from '../../src/model/environment.js'
import {saasEnv} from '../helpers/envs.js'

const HOST = 'api.contoso.test'
const PW = 'Api-Pa55-word'
const facts = (r: {data: unknown}) => (r.data as {facts: HttpFacts}).facts

describe('connector.http against local HTTPS APIs', () => {
  let net: LoopbackNetwork
  let api: Awaited<ReturnType<typeof startHttps>>
  let forbidden: ReturnType<typeof createServer>
  let forbiddenPort: number
  const seen: string[] = []
  before(async () => {
    net = await loopbackNetwork(HOST, 'connector.http test CA')
    api = await startHttps({
      cert: serverCert(net.ca, [HOST]),
      ca: net.ca,
      api: {prefix: '/scim', user: 'svc', password: PW},
    })
    const c = serverCert(net.ca, [HOST])
    forbidden = createServer({cert: c.certPem + net.ca.certPem, key: c.keyPem}, (req, res) => {
      seen.push(String(req.headers.authorization ?? ''))
      if (req.url === '/redirect')
        return void res.writeHead(302, {location: 'https://sso.contoso.test/login?next=/redirect'}).end()
      res.writeHead(403, {'content-type': 'application/json'})
      res.end('{"error":"insufficient role"}')
    })
    await new Promise<void>((r) => forbidden.listen(0, '127.0.0.1', r))
    forbiddenPort = (forbidden.address() as AddressInfo).port
  })
  after(async () => {
    await api?.close()
    forbidden?.close()
    await net?.close()
  })
  const params = (o: Record<string, unknown> = {}) => ({
    owner: 'Agent1',
    system: 'SCIMApp/SCIMExport',
    connection: 'SCIMExport',
    url: `https://${HOST}:${api.port}/scim`,
    auth: 'basic',
    username: 'svc',
    password: PW,
    dnsServers: net.dnsServers,
    caFile: net.caFile,
    ...o,
  })

  test('good Basic credentials: pass with the status', async () => {
    const r = await runCheck(connectorHttp, params())
    assert.equal(r.status, 'pass', r.message)
    assert.match(r.message, /answered HTTP 200 as svc \(Basic\) directly, certificate trusted/)
  })

  test('a wrong password: fail, 401 explained as refused credentials', async () => {
    const r = await runCheck(connectorHttp, params({password: 'wrong-one'}))
    assert.equal(r.status, 'fail')
    assert.equal(facts(r).status, 401)
    assert.match(r.message, /401 Unauthorized as svc \(Basic\) directly: it asks for Basic/)
    assert.match(r.remediation, /credentials are refused/)
  })

  test('no credentials: fail, the fix says to set them', async () => {
    const r = await runCheck(connectorHttp, params({auth: 'none', username: undefined, password: undefined}))
    assert.equal(facts(r).status, 401)
    assert.match(r.remediation, /needs credentials/)
  })

  test('403: authenticated but not allowed', async () => {
    const r = await runCheck(connectorHttp, params({url: `https://${HOST}:${forbiddenPort}/api/now/table/sys_user`}))
    assert.equal(r.status, 'fail')
    assert.match(r.message, /403 Forbidden as svc \(Basic\) directly: authenticated, but not allowed/)
  })

  test('an untrusted certificate: fail, and the credentials are never sent', async () => {
    const before = seen.length
    const r = await runCheck(connectorHttp, params({url: `https://${HOST}:${forbiddenPort}/x`, caFile: undefined}))
    assert.equal(r.status, 'fail')
    assert.match(r.message, /certificate is not trusted here .*; the credentials were not sent/)
    assert.equal(seen.length, before)
  })

  test('a bearer token goes as Authorization: Bearer', async () => {
    const before = seen.length
    await runCheck(
      connectorHttp,
      params({
        url: `https://${HOST}:${forbiddenPort}/x`,
        auth: 'bearer',
        username: undefined,
        password: undefined,
        token: 'tok-123',
      }),
    )
    assert.equal(seen.at(-1), 'Bearer tok-123')
    assert.equal(seen.length, before + 1)
  })

  test("through the proxy: the tunnel is the proxy's, and the result says so", async () => {
    const proxy = await startProxy((h) => (h === HOST ? '127.0.0.1' : h))
    try {
      const r = await runCheck(connectorHttp, params({proxy: `http://127.0.0.1:${proxy.port}`}))
      assert.equal(r.status, 'pass', r.message)
      assert.match(r.message, new RegExp(`through the proxy http://127\\.0\\.0\\.1:${proxy.port}`))
      assert.deepEqual(proxy.tunnels, [`${HOST}:${api.port}`])
    } finally {
      await proxy.close()
    }
  })

  // The SCIM page: "The credential attributes (ApplicationId, ApplicationKey, Login and Password)
  // are used to obtain a token from the application for our requests", in a way it does not give.
  test('SCIM credentials the product exchanges for a token: the API is reached without them, and what was not tried is said', async () => {
    const before = seen.length
    const r = await runCheck(
      connectorHttp,
      params({
        url: `https://${HOST}:${forbiddenPort}/services/scim`,
        api: 'scim',
        auth: 'none',
        tokenFrom: {settings: ['ApplicationId', 'ApplicationKey', 'Login', 'Password']},
      }),
    )
    assert.equal(seen.length, before + 1)
    assert.equal(seen.at(-1), '', 'no Authorization header: the product does not send Basic credentials')
    assert.equal(r.status, 'pass', r.message)
    assert.match(r.message, /answered HTTP 403 without credentials directly, certificate trusted/)
    assert.match(
      r.message,
      /ApplicationId, ApplicationKey, Login, Password not tried: the SCIM page: they "are used to obtain a token from the application for our requests", without saying how \(no OAuth2Url: the product finds the token endpoint itself\)/,
    )
    assert.doesNotMatch(r.message, /Basic/)
  })

  test('ServiceNow: Login and Password go as Basic ("authentication, Basic or OAuth"); its 403 names the role the page asks for', async () => {
    const r = await runCheck(
      connectorHttp,
      params({url: `https://${HOST}:${forbiddenPort}/api/now/table/sys_user`, api: 'servicenow'}),
    )
    assert.equal(r.status, 'fail')
    assert.match(r.message, /403 Forbidden as svc \(Basic\)/)
    assert.match(r.remediation, /snc_platform_rest_api_access/)
    assert.equal(seen.at(-1), `Basic ${Buffer.from(`svc:${PW}`).toString('base64')}`)
  })

  test('plan: the API and its page decide the authentication; a ServiceNow connection links its own page', () => {
    const env = {
      ...parse(saasEnv('/tmp/idm-wd')),
      connectors: [
        {
          identifier: 'APIs',
          agent: 'ContosoAD',
          connections: [
            {
              identifier: 'SCIMExport',
              type: 'http',
              url: 'https://scim.contoso.com/services/scim',
              applicationId: 'app',
              applicationKey: 'key',
              username: 'svc',
              password: 'pw',
              oauth2Url: 'https://login.contoso.com/token',
            },
            {identifier: 'SCIMToken', type: 'http', url: 'https://scim.contoso.com/scim', token: 't'},
            {
              identifier: 'SNBasic',
              type: 'http',
              api: 'servicenow',
              url: 'https://c.service-now.com/api/now/table',
              username: 'svc',
              password: 'pw',
            },
            {
              identifier: 'SNOAuth',
              type: 'http',
              api: 'servicenow',
              url: 'https://c.service-now.com/api/now/table',
              username: 'svc',
              password: 'pw',
              clientId: 'id',
              clientSecret: 'secret',
              oauth2Url: 'https://c.service-now.com/oauth_token.do',
            },
          ],
        },
      ],
    } as Environment
    const plan = connectorHttp.plan(env, {
      platform: 'linux',
      settings: {},
      agents: env.agents!,
      baseDir: '/',
      processEnv: {},
    })
    const by = (id: string) => plan.find((t) => t.params.connection === id)!
    assert.deepEqual(
      [by('SCIMExport').params.auth, by('SCIMExport').params.tokenFrom],
      [
        'none',
        {
          settings: ['ApplicationId', 'ApplicationKey', 'Login', 'Password'],
          oauth2Url: 'https://login.contoso.com/token',
        },
      ],
    )
    assert.equal(by('SCIMToken').params.auth, 'bearer')
    assert.deepEqual([by('SNBasic').params.auth, by('SNBasic').params.tokenFrom], ['basic', undefined])
    assert.deepEqual(by('SNOAuth').params.tokenFrom?.settings, ['ClientId', 'ClientSecret', 'Login', 'Password'])
    assert.match(by('SNBasic').docs!, /references-connectors\/servicenowentitymanagement$/)
    assert.equal(by('SCIMExport').docs, undefined)
  })

  test('a redirect (to an SSO page): warn, naming where it goes; never a pass', async () => {
    const r = await runCheck(connectorHttp, params({url: `https://${HOST}:${forbiddenPort}/redirect`}))
    assert.equal(r.status, 'warn', r.message)
    assert.equal(facts(r).status, 302)
    assert.match(
      r.message,
      /answered 302 as svc \(Basic\) directly: a redirect to https:\/\/sso\.contoso\.test\/login\?next=\/redirect/,
    )
    assert.match(r.remediation, /the API is not at this URL/)
  })

  test('http:// with credentials: warn that they cross in clear; no certificate trusted without TLS', async () => {
    const plain = createPlainServer((_req, res) => res.writeHead(200).end('{}'))
    await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve))
    try {
      const url = `http://${HOST}:${(plain.address() as AddressInfo).port}/scim`
      const r = await runCheck(connectorHttp, params({url}))
      assert.equal(r.status, 'warn', r.message)
      const all = JSON.stringify(r.data)
      // TLS is named only as what was not there.
      assert.doesNotMatch(`${r.message} ${all}`.replace(/without TLS/g, ''), /certificate|trusted|TLS|handshake/i)
      assert.match(all, /answered HTTP 200 as svc \(Basic\) directly, without TLS/)
      assert.match(r.message, /the password of svc crosses the network in clear \(http:\/\/\)/)
      assert.match(r.remediation, /https/)
      // Without credentials, plain HTTP is said but not a warning.
      const none = await runCheck(connectorHttp, params({url, auth: 'none', username: undefined, password: undefined}))
      assert.equal(none.status, 'pass', none.message)
      assert.match(none.message, /without TLS/)
    } finally {
      plain.close()
    }
  })

  test('nothing listening: fail in the connect phase', async () => {
    const r = await runCheck(connectorHttp, params({url: `https://${HOST}:1/scim`}))
    assert.equal(r.status, 'fail')
    assert.equal(facts(r).failedPhase, 'connect')
  })
})
