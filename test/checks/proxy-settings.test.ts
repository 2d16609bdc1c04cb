import assert from 'node:assert/strict'
import {describe, test} from 'node:test'
import check from '../../checks/proxy-settings.js'
import {bypassesProxy, displayProxy, httpsProxyProblems, parseProxy} from '../../src/product/proxy.js'

const ctx = {now: new Date('2026-11-22T00:00:00Z'), expiryWarningDays: 30}
const serverUrl = 'https://idm.contoso.com'
type Row = [
  name: string,
  file: {httpsProxy?: string; noProxy?: string},
  env: {HTTPS_PROXY?: string; NO_PROXY?: string},
  status: string,
  message: RegExp,
]

const rows: Row[] = [
  ['no proxy at all', {}, {}, 'pass', /no proxy configured: the product connects directly/],
  [
    'host:port',
    {httpsProxy: 'proxy.contoso.com:8080'},
    {},
    'pass',
    /network\.httpsProxy proxy\.contoso\.com:8080 is well-formed; agent → idm\.contoso\.com goes through the proxy/,
  ],
  ['bare host', {httpsProxy: 'proxy.contoso.com'}, {}, 'pass', /well-formed/],
  ['ip:port', {httpsProxy: '10.0.0.8:3128'}, {}, 'pass', /well-formed/],
  [
    'http URL with credentials',
    {httpsProxy: 'http://bob:S3cret@proxy:8080'},
    {},
    'pass',
    /http:\/\/bob:\*\*\*@proxy:8080 is well-formed/,
  ],
  [
    'https scheme',
    {httpsProxy: 'https://proxy:8080'},
    {},
    'fail',
    /uses the scheme https:\/\/; only http:\/\/ is accepted.*silently ignores it/,
  ],
  ['socks scheme', {httpsProxy: 'socks5://proxy:1080'}, {}, 'fail', /scheme socks5:\/\//],
  ['trailing slash', {httpsProxy: 'http://proxy:8080/'}, {}, 'fail', /has a path or trailing "\/"/],
  ['a path', {httpsProxy: 'http://proxy:8080/pac'}, {}, 'fail', /has a path or trailing "\/pac"/],
  ['bad port', {httpsProxy: 'proxy:99999'}, {}, 'fail', /invalid port/],
  ['spaces inside', {httpsProxy: 'proxy :8080'}, {}, 'fail', /contains spaces/],
  ['credentials without scheme', {httpsProxy: 'bob:pw@proxy:8080'}, {}, 'fail', /credentials without http:\/\//],
  [
    'NO_PROXY star',
    {httpsProxy: 'proxy:8080', noProxy: '*'},
    {},
    'fail',
    /contains "\*", which the product does not accept/,
  ],
  [
    'NO_PROXY *.domain',
    {httpsProxy: 'proxy:8080', noProxy: '*.contoso.com'},
    {},
    'fail',
    /the wildcard is a leading dot, not "\*\."/,
  ],
  [
    'NO_PROXY URL',
    {httpsProxy: 'proxy:8080', noProxy: 'https://idm.contoso.com'},
    {},
    'fail',
    /is a URL; NO_PROXY takes host names/,
  ],
  [
    'NO_PROXY empty entry',
    {httpsProxy: 'proxy:8080', noProxy: 'a.com,,b.com'},
    {},
    'warn',
    /empty entry \(position 2\)/,
  ],
  [
    'NO_PROXY spaces',
    {httpsProxy: 'proxy:8080', noProxy: 'a.com, b.com'},
    {},
    'warn',
    /entry "b\.com" has spaces around it/,
  ],
  [
    'NO_PROXY sends the server direct',
    {httpsProxy: 'proxy:8080', noProxy: '.contoso.com'},
    {},
    'pass',
    /agent → idm\.contoso\.com goes direct \(NO_PROXY \.contoso\.com\)/,
  ],
  [
    'NO_PROXY without proxy',
    {},
    {NO_PROXY: '.contoso.com'},
    'warn',
    /NO_PROXY is set but no HTTPS_PROXY: it has no effect/,
  ],
  [
    'from the process environment',
    {},
    {HTTPS_PROXY: 'https://proxy:8080'},
    'fail',
    /^HTTPS_PROXY "https:\/\/proxy:8080" uses the scheme https/,
  ],
  [
    'file and host disagree',
    {httpsProxy: 'proxy:8080'},
    {HTTPS_PROXY: 'other:3128'},
    'warn',
    /this host's HTTPS_PROXY \(other:3128\) differs from network\.httpsProxy \(proxy:8080\)/,
  ],
  ['empty value', {httpsProxy: ''}, {}, 'warn', /is set but empty/],
]

describe('proxy.settings evaluate', () => {
  for (const [name, file, env, status, message] of rows) {
    test(name, () => {
      const findings = check.evaluate(
        {fileHttpsProxy: file.httpsProxy, fileNoProxy: file.noProxy, serverUrl},
        {env: {HTTPS_PROXY: env.HTTPS_PROXY, NO_PROXY: env.NO_PROXY}},
        ctx,
      )
      const worst = findings.find((f) => f.status === status)
      assert.ok(worst, `no ${status} finding in ${JSON.stringify(findings)}`)
      assert.match(worst.message, message)
      if (status === 'fail') assert.ok(worst.remediation, 'a failure says how to fix it')
      if (status === 'pass')
        assert.ok(
          findings.every((f) => f.status === 'pass'),
          JSON.stringify(findings),
        )
    })
  }

  test('the probe reads HTTPS_PROXY and NO_PROXY of this process, any case', async () => {
    const saved = {...process.env}
    try {
      delete process.env.HTTPS_PROXY
      delete process.env.NO_PROXY
      process.env.https_proxy = 'http://p:1'
      process.env.no_proxy = '.x'
      const facts = await check.probe(
        {serverUrl},
        {signal: new AbortController().signal, timeoutMs: 1000, secret: () => {}},
      )
      assert.deepEqual(facts.env, {HTTPS_PROXY: 'http://p:1', NO_PROXY: '.x'})
    } finally {
      for (const k of ['https_proxy', 'no_proxy', 'HTTPS_PROXY', 'NO_PROXY']) delete process.env[k]
      Object.assign(process.env, saved)
    }
  })

  test('plan reads network.httpsProxy/noProxy and targets "network"', () => {
    const planned = check.plan(
      {network: {httpsProxy: 'p:1', noProxy: '.a'}, server: {url: serverUrl}} as never,
      {} as never,
    )
    assert.deepEqual(planned, [{target: 'network', params: {fileHttpsProxy: 'p:1', fileNoProxy: '.a', serverUrl}}])
  })
})

describe('proxy helpers', () => {
  test('parseProxy splits scheme, credentials, host, port and rest', () => {
    assert.deepEqual(parseProxy('http://u:p@h:8080/x'), {
      scheme: 'http',
      username: 'u',
      hasPassword: true,
      password: 'p',
      host: 'h',
      port: 8080,
      rest: '/x',
    })
    assert.deepEqual(parseProxy('[::1]:3128'), {
      scheme: undefined,
      username: undefined,
      hasPassword: false,
      password: undefined,
      host: '[::1]',
      port: 3128,
      rest: '',
    })
    // The userinfo runs to the last "@": a password with "/" or "@" is never read as a path or host.
    for (const pw of ['pa/ss99', 'p@ss99', 'a:b/c@d']) {
      const p = parseProxy(`http://bob:${pw}@proxy.contoso.com:3128`)!
      assert.equal(p.password, pw)
      assert.equal(p.host, 'proxy.contoso.com')
      assert.equal(p.port, 3128)
      assert.equal(p.rest, '')
    }
  })
  test('a password with an unencoded "/" or "@" fails, and is never printed', () => {
    for (const pw of ['pa/ss99', 'p@ss99']) {
      const problems = httpsProxyProblems(`http://bob:${pw}@proxy.contoso.com:3128`, 'HTTPS_PROXY')
      assert.ok(problems.some((x) => x.severity === 'fail' && /percent-encode/.test(x.remediation)))
      for (const x of problems) assert.ok(!`${x.message} ${x.remediation}`.includes(pw), x.message)
    }
    assert.deepEqual(httpsProxyProblems('http://bob:pa%2Fss99@proxy.contoso.com:3128', 'HTTPS_PROXY'), [])
  })
  test('displayProxy hides the password only', () => {
    assert.equal(displayProxy('http://bob:hunter2@proxy:8080'), 'http://bob:***@proxy:8080')
    assert.equal(displayProxy('proxy:8080'), 'proxy:8080')
    assert.equal(displayProxy('http://bob:pa/ss99@proxy:8080'), 'http://bob:***@proxy:8080')
    assert.equal(displayProxy('http://bob:p@ss99@proxy:8080'), 'http://bob:***@proxy:8080')
  })
  test('bypassesProxy: exact host and leading-dot domains', () => {
    assert.equal(bypassesProxy('idm.contoso.com', 'localhost,.contoso.com'), '.contoso.com')
    assert.equal(bypassesProxy('contoso.com', '.contoso.com'), '.contoso.com')
    assert.equal(bypassesProxy('idm.contoso.com', 'idm.contoso.com'), 'idm.contoso.com')
    assert.equal(bypassesProxy('evilcontoso.com', '.contoso.com'), undefined)
    assert.equal(bypassesProxy('idm.contoso.com', '*'), undefined)
  })
})
