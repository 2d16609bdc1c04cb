import assert from 'node:assert/strict'
import {createServer as createHttpServer} from 'node:http'
import tls from 'node:tls'
import {fileURLToPath} from 'node:url'
import {after, before, describe, test} from 'node:test'
import check from '../../checks/server-reachability.js'
import {serverCert} from '../../src/sandbox/pki.js'
import {startHostile, startHttps, startProxy} from '../../src/sandbox/servers.js'
import {loopbackNetwork, type LoopbackNetwork} from '../helpers/loopback.js'
import {runCheckMeasured} from '../helpers/rss.js'
import {runCheck} from '../helpers/run-check.js'

const CHECK = fileURLToPath(new URL('../../checks/server-reachability.ts', import.meta.url))

describe('server.reachability against a real HTTPS server, directly and through a CONNECT proxy', () => {
  const host = 'idm.contoso.test'
  let net: LoopbackNetwork
  before(async () => (net = await loopbackNetwork(host)))
  after(() => net.close())
  const params = (port: number, extra: object = {}) => ({
    url: `https://${host}:${port}`,
    health: true,
    dnsServers: net.dnsServers,
    caFile: net.caFile,
    ...extra,
  })

  test('direct: HTTP answer and /hc Healthy', async () => {
    const s = await startHttps({cert: serverCert(net.ca, [host]), ca: net.ca})
    try {
      const r = await runCheck(check, params(s.port))
      assert.equal(r.status, 'pass', r.message)
      assert.equal(r.message, `https://${host}:${s.port} answered HTTP 200 directly; /hc answers Healthy`)
      assert.deepEqual(s.requests, ['GET /', 'GET /hc'])
    } finally {
      await s.close()
    }
  })

  test('through the proxy: the tunnel is really used', async () => {
    const s = await startHttps({cert: serverCert(net.ca, [host]), ca: net.ca})
    const proxy = await startProxy(() => '127.0.0.1')
    try {
      const r = await runCheck(check, params(s.port, {proxy: `http://127.0.0.1:${proxy.port}`}))
      assert.equal(r.status, 'pass', r.message)
      assert.match(r.message, new RegExp(`answered HTTP 200 through the proxy 127\\.0\\.0\\.1:${proxy.port}`))
      assert.deepEqual(proxy.tunnels, [`${host}:${s.port}`, `${host}:${s.port}`])
    } finally {
      await s.close()
      await proxy.close()
    }
  })

  test('a peer that floods its body is judged on what it sent, without waiting for the timeout', async (t) => {
    const c = serverCert(net.ca, [host])
    const flood = tls.createServer({key: c.keyPem, cert: c.certPem}, (sock) => {
      sock.on('error', () => undefined)
      sock.once('data', () => {
        sock.write('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n')
        const chunk = Buffer.alloc(65536, 'A')
        const pump = () => {
          while (!sock.destroyed && sock.write(chunk));
        }
        sock.on('drain', pump)
        pump()
      })
    })
    await new Promise<void>((r) => flood.listen(0, '127.0.0.1', () => r()))
    try {
      // In a process of its own, to bound what the flood costs in memory.
      const {result: r, peakMB} = await runCheckMeasured(
        CHECK,
        params((flood.address() as {port: number}).port),
        20_000,
      )
      t.diagnostic(`peak resident memory ${peakMB.toFixed(0)} MB`)
      assert.ok(peakMB < 200, `peak resident memory ${peakMB} MB`)
      assert.equal(r.status, 'warn', r.message)
      // Cut at 60 characters, the cut marked (so that a secret cut in two is found: redact.ts).
      assert.match(r.message, /\/hc answered 200 "A{60}…", not Healthy/)
      // The verdict came from the first kilobytes, not from the 20 s deadline.
      assert.ok(r.durationMs < 10_000, `${r.durationMs} ms`)
    } finally {
      flood.close()
    }
  })

  test('an http:// server (allowed, not recommended) is reached directly and through the proxy, /hc included', async () => {
    const plain = createHttpServer((req, res) => {
      res.writeHead(200, {'content-type': 'text/plain'})
      res.end(req.url === '/hc' ? 'Healthy' : 'Identity Manager')
    })
    await new Promise<void>((r) => plain.listen(0, '127.0.0.1', () => r()))
    const proxy = await startProxy(() => '127.0.0.1')
    try {
      const port = (plain.address() as {port: number}).port
      const p = {...params(port), url: `http://${host}:${port}`}
      const direct = await runCheck(check, p)
      assert.equal(direct.status, 'pass', direct.message)
      assert.equal(direct.message, `http://${host}:${port} answered HTTP 200 directly; /hc answers Healthy`)
      const via = await runCheck(check, {...p, proxy: `http://127.0.0.1:${proxy.port}`})
      assert.equal(via.status, 'pass', via.message)
      assert.deepEqual(proxy.forwarded, [`GET http://${host}:${port}/`, `GET http://${host}:${port}/hc`])
      assert.deepEqual(proxy.tunnels, [], 'no CONNECT for http')
    } finally {
      plain.close()
      await proxy.close()
    }
  })

  test('http:// is never a pass when it must not be: /hc not Healthy, a dead proxy, a peer that trickles', async () => {
    const sick = createHttpServer((req, res) => {
      res.writeHead(req.url === '/hc' ? 503 : 200, {'content-type': 'text/plain'})
      res.end(req.url === '/hc' ? 'Unhealthy' : 'Identity Manager')
    })
    // Headers, then a byte every 200 ms, never an end.
    const trickle = createHttpServer((_req, res) => {
      res.writeHead(200, {'content-type': 'text/plain'})
      const t = setInterval(() => res.write('.'), 200)
      res.on('close', () => clearInterval(t))
    })
    await Promise.all([sick, trickle].map((s) => new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()))))
    try {
      const at = (s: typeof sick) => ({...params(0), url: `http://${host}:${(s.address() as {port: number}).port}`})
      const unhealthy = await runCheck(check, at(sick))
      assert.equal(unhealthy.status, 'warn', unhealthy.message)
      assert.match(unhealthy.message, /\/hc answered 503 "Unhealthy", not Healthy/)
      const deadProxy = await runCheck(check, {...at(sick), proxy: 'http://127.0.0.1:1'})
      assert.equal(deadProxy.status, 'fail', deadProxy.message)
      assert.match(deadProxy.message, /proxy failed: cannot reach the proxy 127\.0\.0\.1:1/)
      const slow = await runCheck(check, at(trickle), {timeoutMs: 1500})
      assert.equal(slow.status, 'error', slow.message)
      assert.match(slow.message, /no answer within 1\.5s \(timeout\)/)
    } finally {
      sick.close()
      trickle.closeAllConnections()
      trickle.close()
    }
  })

  test('a proxy that is down fails at the proxy phase', async () => {
    const r = await runCheck(check, params(443, {proxy: 'http://127.0.0.1:1'}))
    assert.equal(r.status, 'fail')
    assert.match(r.message, /through the proxy 127\.0\.0\.1:1: proxy failed: cannot reach the proxy 127\.0\.0\.1:1/)
  })

  test('/hc not Healthy is a warning (not installed yet, or no database)', async () => {
    const s = await startHttps({cert: serverCert(net.ca, [host]), ca: net.ca, health: 'Unhealthy'})
    try {
      const r = await runCheck(check, params(s.port))
      assert.equal(r.status, 'warn')
      assert.match(r.message, /\/hc answered 503 "Unhealthy", not Healthy/)
    } finally {
      await s.close()
    }
  })

  test('SaaS: no /hc request', async () => {
    const s = await startHttps({cert: serverCert(net.ca, [host]), ca: net.ca})
    try {
      const r = await runCheck(check, params(s.port, {health: false}))
      assert.equal(r.status, 'pass')
      assert.deepEqual(s.requests, ['GET /'])
    } finally {
      await s.close()
    }
  })

  test('an untrusted certificate is a failure: the agent would refuse it', async () => {
    const s = await startHttps({cert: serverCert(net.ca, [host], 'self-signed'), ca: net.ca, fault: 'self-signed'})
    try {
      const r = await runCheck(check, params(s.port))
      assert.equal(r.status, 'fail')
      assert.match(r.message, /certificate is not trusted here \(DEPTH_ZERO_SELF_SIGNED_CERT\)/)
    } finally {
      await s.close()
    }
  })

  for (const [kind, status] of [
    ['silent', 'error'],
    ['garbage', 'fail'],
    ['close', 'fail'],
  ] as const) {
    test(`a hostile server (${kind}) ends within the timeout`, async () => {
      const h = await startHostile(kind)
      try {
        const t0 = performance.now()
        const r = await runCheck(check, params(h.port), {timeoutMs: 800})
        assert.equal(r.status, status, r.message)
        assert.ok(performance.now() - t0 < 1500)
      } finally {
        await h.close()
      }
    })
  }

  test('plan: through HTTPS_PROXY unless NO_PROXY sends the server direct; integrated agents skip', () => {
    const base = {topology: 'saas', server: {url: 'https://t.contoso.com'}, network: {httpsProxy: 'http://p:3128'}}
    const ctx = {agents: [], baseDir: '/', processEnv: {}}
    assert.equal(check.plan(base as never, ctx as never)[0]!.params.proxy, 'http://p:3128')
    assert.equal(
      check.plan({...base, network: {...base.network, noProxy: '.contoso.com'}} as never, ctx as never)[0]!.params
        .proxy,
      undefined,
    )
    assert.equal(
      check.plan({...base, network: undefined} as never, {...ctx, processEnv: {HTTPS_PROXY: 'q:1'}} as never)[0]!.params
        .proxy,
      'q:1',
    )
    assert.match(
      check.plan({...base, topology: 'on-prem-integrated'} as never, ctx as never)[0]!.skip!,
      /integrated agent/,
    )
  })

  test('plan: on premises the server is reached before an agent is installed once server.installed says so', async () => {
    const {default: tlsEndpoint} = await import('../../checks/tls-endpoint.js')
    const onPrem = {topology: 'on-prem-separate', server: {url: 'https://idm.contoso.com'}}
    const ctx = {agents: [{identifier: 'A', url: 'https://a.contoso.com'}], baseDir: '/', processEnv: {}}
    assert.equal(check.plan(onPrem as never, ctx as never)[0]!.stage, 'after')
    const installed = {...onPrem, server: {...onPrem.server, installed: true}}
    assert.equal(check.plan(installed as never, ctx as never)[0]!.stage, 'before')
    const tlsPlan = tlsEndpoint.plan(installed as never, ctx as never)
    assert.deepEqual(
      tlsPlan.map((t) => [t.target, t.stage]),
      [
        ['https://idm.contoso.com', 'before'],
        ['https://a.contoso.com', 'after'],
      ],
    )
    // An http:// URL has no TLS: tls.endpoint says so instead of failing a handshake.
    const http = tlsEndpoint.plan({...onPrem, server: {url: 'http://idm.contoso.com'}} as never, ctx as never)
    assert.match(http[0]!.skip!, /is http:\/\/: no TLS to check \(the docs recommend HTTPS\)/)
  })
})
