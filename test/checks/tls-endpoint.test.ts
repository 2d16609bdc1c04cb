import assert from 'node:assert/strict'
import {after, before, describe, test} from 'node:test'
import check from '../../checks/tls-endpoint.js'
import {serverCert, type CertFault} from '../../src/sandbox/pki.js'
import {startHostile, startHttps, type HostileKind} from '../../src/sandbox/servers.js'
import {loopbackNetwork, type LoopbackNetwork} from '../helpers/loopback.js'
import {runCheck} from '../helpers/run-check.js'

describe('tls.endpoint against real TLS servers with certificates made at test time', () => {
  const host = 'idm.contoso.test'
  let net: LoopbackNetwork
  before(async () => (net = await loopbackNetwork(host, 'Contoso Test Root')))
  after(() => net.close())
  const params = (port: number, extra: object = {}) => ({
    url: `https://${host}:${port}`,
    host,
    port,
    role: 'server',
    dnsServers: net.dnsServers,
    caFile: net.caFile,
    ...extra,
  })

  async function withServer(o: {fault?: CertFault; oldTls?: boolean}, f: (port: number) => Promise<void>) {
    const s = await startHttps({
      cert: serverCert(net.ca, [host], o.fault),
      ca: net.ca,
      fault: o.fault,
      oldTls: o.oldTls,
    })
    try {
      await f(s.port)
    } finally {
      await s.close()
    }
  }

  test('a good endpoint passes, naming protocol, issuer, expiry, key and signature', () =>
    withServer({}, async (port) => {
      const r = await runCheck(check, params(port))
      assert.equal(r.status, 'pass', r.message)
      assert.match(
        r.message,
        /^TLSv1\.3, trusted \(issuer CN=Contoso Test Root, O=idm-preflight sandbox\), covers idm\.contoso\.test, valid until \d{4}-\d\d-\d\d \(36\d days\), RSA 2048, sha256WithRSAEncryption$/,
      )
    }))

  const faults: [string, {fault?: CertFault; oldTls?: boolean}, string, RegExp][] = [
    [
      'expired',
      {fault: 'expired'},
      'fail',
      /the certificate expired on \d{4}-\d\d-\d\d \(subject CN=idm\.contoso\.test.*issuer CN=Contoso Test Root.*thumbprint [0-9A-F]{40}\)/,
    ],
    ['not yet valid', {fault: 'not-yet-valid'}, 'fail', /the certificate is not valid before \d{4}-\d\d-\d\d/],
    ['expiring soon', {fault: 'expiring-soon'}, 'warn', /the certificate expires in [45] days/],
    [
      'wrong host',
      {fault: 'wrong-host'},
      'fail',
      /the certificate does not cover idm\.contoso\.test: it names DNS:other\.invalid/,
    ],
    ['self-signed', {fault: 'self-signed'}, 'fail', /not trusted: the certificate is self-signed/],
    [
      'SHA-1',
      {fault: 'sha1'},
      'fail',
      /signed with sha1WithRSAEncryption: this tool's baseline refuses SHA-1 and MD5, as browsers do/,
    ],
    [
      'RSA 1024',
      {fault: 'rsa-1024'},
      'fail',
      /RSA 1024-bit key, below this tool's security baseline for TLS certificates \(RSA 2048, EC 256; the product docs set none\)/,
    ],
    [
      'TLS 1.1 only',
      {oldTls: true},
      'fail',
      /negotiated TLSv1(\.1)?, below this tool's security baseline of TLS 1\.2 \(the product docs name no TLS version; checks\.settings\.tls\.endpoint\.minProtocol sets it\)/,
    ],
  ]
  for (const [name, o, status, re] of faults) {
    test(name, () =>
      withServer(o, async (port) => {
        const r = await runCheck(check, params(port))
        assert.equal(r.status, status, r.message)
        assert.match(r.message, re)
        assert.ok(r.remediation, 'says how to fix it')
      }),
    )
  }

  // No page of the docs names a TLS version: TLS 1.2 is this tool's baseline, and checks.settings moves it.
  test('checks.settings.tls.endpoint.minProtocol moves the baseline: TLS 1.3 asked of a 1.3 server passes, of an old one fails', async () => {
    const plan = check.plan({server: {url: `https://${host}`}, topology: 'saas', agents: []} as never, {
      settings: {minProtocol: 'TLSv1.3'},
      agents: [],
      baseDir: '/',
      processEnv: {},
      platform: 'linux',
    })
    assert.equal(plan[0]!.params.minProtocol, 'TLSv1.3')
    await withServer({}, async (port) => {
      const r = await runCheck(check, params(port, {minProtocol: 'TLSv1.3'}))
      assert.equal(r.status, 'pass', r.message)
    })
    await withServer({oldTls: true}, async (port) => {
      const r = await runCheck(check, params(port, {minProtocol: 'TLSv1'}))
      assert.doesNotMatch(r.message, /baseline/)
      const strict = await runCheck(check, params(port, {minProtocol: 'TLSv1.3'}))
      assert.match(strict.message, /below this tool's security baseline of TLS 1\.3/)
    })
  })

  test('a private CA not in network.caFile is not trusted', () =>
    withServer({}, async (port) => {
      const r = await runCheck(check, params(port, {caFile: undefined}))
      assert.equal(r.status, 'fail')
      assert.match(
        r.message,
        /not trusted: the (chain ends in a root this host does not trust|issuer is not trusted here)/,
      )
      assert.match(r.remediation, /network\.caFile/)
    }))

  test('expiryWarningDays moves the warning', () =>
    withServer({}, async (port) => {
      const r = await runCheck(check, params(port), {expiryWarningDays: 400})
      assert.equal(r.status, 'warn')
      assert.match(r.message, /expires in 36\d days/)
    }))

  const hostile: [HostileKind, string, RegExp][] = [
    ['silent', 'error', /no answer within 800ms \(timeout\)/],
    ['garbage', 'fail', /TLS handshake with idm\.contoso\.test:\d+ failed/],
    ['close', 'fail', /TLS handshake with idm\.contoso\.test:\d+ failed/],
  ]
  for (const [kind, status, re] of hostile) {
    test(`a hostile peer (${kind}) ends within the timeout`, async () => {
      const h = await startHostile(kind)
      try {
        const t0 = performance.now()
        const r = await runCheck(check, params(h.port), {timeoutMs: 800})
        assert.equal(r.status, status, r.message)
        assert.match(r.message, re)
        assert.ok(performance.now() - t0 < 1500)
      } finally {
        await h.close()
      }
    })
  }

  test('a closed port and an unknown name fail at their phase', async () => {
    const closed = await runCheck(check, params(1))
    assert.equal(closed.status, 'fail')
    assert.match(closed.message, /cannot connect to idm\.contoso\.test:1 \(127\.0\.0\.1\): connection refused/)
    const unknown = await runCheck(check, {...params(443), host: 'nope.contoso.test'})
    assert.match(unknown.message, /cannot resolve nope\.contoso\.test: no such name \(NXDOMAIN\)/)
  })

  test('a missing caFile is one error with the path, not a crash', () =>
    withServer({}, async (port) => {
      const r = await runCheck(check, params(port, {caFile: '/nonexistent/ca.pem'}))
      assert.equal(r.status, 'error')
      assert.match(r.message, /cannot read network\.caFile \/nonexistent\/ca\.pem: it does not exist/)
    }))

  test('plan: the server URL before installing in SaaS, after on premises; agent URLs after', () => {
    const env = {
      topology: 'saas',
      server: {url: 'https://t.usercube.com'},
      agents: [{identifier: 'A', url: 'https://IDM-agent.contoso.com:8443'}],
    }
    const planned = check.plan(env as never, {agents: env.agents, baseDir: '/'} as never)
    assert.deepEqual(
      planned.map((x) => [x.target, x.stage, x.params.host, x.params.port]),
      [
        ['https://t.usercube.com', 'before', 't.usercube.com', 443],
        ['https://IDM-agent.contoso.com:8443', 'after', 'IDM-agent.contoso.com', 8443],
      ],
    )
    const onprem = check.plan(
      {...env, topology: 'on-prem-separate'} as never,
      {agents: env.agents, baseDir: '/'} as never,
    )
    assert.equal(onprem[0]!.stage, 'after')
  })
})
