import assert from 'node:assert/strict'
import {readFile} from 'node:fs/promises'
import {join} from 'node:path'
import {describe, test} from 'node:test'
import iis, {parseInetStp, siteFindings} from '../../checks/host-iis.js'
import {planChecks} from '../../src/run/planner.js'
import {parseBindingInformation, parseIisSites, type IisFacts} from '../../src/product/iis.js'

const ctx = {now: new Date('2026-12-01T00:00:00Z'), expiryWarningDays: 30}
const fixture = async (name: string): Promise<IisFacts> =>
  parseIisSites(JSON.parse(await readFile(join(import.meta.dirname, '../fixtures/windows', name), 'utf8')))

const AGENT = {
  owner: 'ContosoAD',
  runtime: 'C:\\identitymanagerContosoAgent\\Runtime',
  hostName: 'idm-agent.contoso.com',
  port: 443,
  serviceAccount: 'IIS AppPool\\Usercube',
  certificate: {thumbprint: '0123456789ABCDEF0123456789ABCDEF01234567'},
}
const site = (f: IisFacts, p = AGENT) => siteFindings(p, {kind: 'site', ...f}, ctx.now)
const statuses = (fs: {status: string}[]) => fs.map((x) => x.status)
/** The facts of iis-sites-ok.json with one change to the agent's site. */
async function okWith(change: (s: IisFacts['sites'][number]) => void): Promise<IisFacts> {
  const f = await fixture('iis-sites-ok.json')
  change(f.sites.find((s) => s.name === 'UsercubeAgentContoso')!)
  return f
}

describe('host.iis: the IIS version (before)', () => {
  test('registry answers', () => {
    assert.deepEqual(parseInetStp({MajorVersion: 10, MinorVersion: 0}), {installed: true, major: 10, minor: 0})
    assert.deepEqual(parseInetStp(null), {installed: false})
    const ev = (f: ReturnType<typeof parseInetStp>) => iis.evaluate({minMajor: 10}, {kind: 'version', ...f}, ctx)[0]!
    assert.equal(ev(parseInetStp({MajorVersion: 10, MinorVersion: 0})).status, 'pass')
    assert.match(
      ev(parseInetStp({MajorVersion: 8, MinorVersion: 5})).message,
      /IIS 8\.5; the agent and server pages: "You need to have an IIS 10\.0 or greater"/,
    )
    assert.match(ev(parseInetStp(null)).message, /IIS is not installed/)
  })
  test('off Windows it is planned as a skip with the reason', () => {
    const env = {topology: 'saas', product: 'saas', organization: 'C', server: {url: 'https://x'}, agents: []}
    const [inst] = planChecks(env as never, [iis], {stage: 'before', baseDir: '/', platform: 'linux'})
    assert.equal(inst!.skip, 'runs on win32 only (this host is linux)')
  })
})

describe('host.iis: the site, its pool and its binding (after)', () => {
  test('the script output parses, Windows PowerShell 5.1 shapes too', async () => {
    const ok = await fixture('iis-sites-ok.json')
    assert.equal(ok.sites.length, 2)
    assert.equal(ok.sites[1]!.pool!.startMode, 'AlwaysRunning')
    const one = await fixture('iis-sites-ps51-one.json')
    assert.equal(one.sites.length, 1)
    assert.equal(one.sites[0]!.bindings.length, 1)
    assert.equal(one.sites[0]!.bindings[0]!.sslFlags, 1)
    assert.equal(one.sites[0]!.bindings[0]!.certificateHash, 'ABCDEFABCDEFABCDEFABCDEFABCDEFABCDEFABCD')
    assert.equal(one.sites[0]!.pool!.loadUserProfile, true)
    assert.equal(one.sites[0]!.preloadEnabled, true)
    assert.throws(() => parseIisSites(null), /PowerShell gave no IIS sites/)
    assert.throws(() => parseIisSites('text'), /PowerShell gave no IIS sites/)
    assert.deepEqual(parseBindingInformation('[::1]:443:a.b'), {ip: '[::1]', port: 443, host: 'a.b'})
    assert.equal(parseBindingInformation('garbage'), undefined)
  })

  test('the documented settings pass, and the pass names what it promises', async () => {
    const fs = site(await fixture('iis-sites-ok.json'))
    assert.deepEqual(statuses(fs), ['pass'])
    assert.match(
      fs[0]!.message,
      /site UsercubeAgentContoso serves C:\\identitymanagerContosoAgent\\Runtime in pool Usercube/,
    )
    assert.match(fs[0]!.message, /as IIS AppPool\\Usercube\); https idm-agent\.contoso\.com:443 with certificate 0123/)
  })

  test('a pool at IIS defaults fails on the mandatory setting and warns on each recommended one, with its fix', async () => {
    const fs = site(await fixture('iis-sites-defaults.json'), {
      ...AGENT,
      serviceAccount: 'IIS AppPool\\UsercubeAgentContoso',
    })
    const text = fs.map((f) => `${f.status} ${f.message}`).join('\n')
    // The path is matched as IIS does: case-insensitive.
    assert.doesNotMatch(text, /no IIS site serves/)
    // The agent and server pages: No Managed Code "is mandatory"; the four others "are recommended".
    assert.match(
      text,
      /fail pool UsercubeAgentContoso: \.NET CLR version v4\.0: the agent and server pages make No Managed Code mandatory/,
    )
    assert.match(
      text,
      /warn pool .*start mode OnDemand: the agent and server pages recommend AlwaysRunning \(server page: "IIS starts the Identity Manager Server only if an incoming http request is made/,
    )
    assert.match(
      text,
      /warn pool .*idle time-out 20 min: the agent and server pages recommend 0 \(they give no reason\)/,
    )
    assert.match(
      text,
      /warn pool .*Load User Profile is off: the agent and server pages recommend True \(they give no reason\)/,
    )
    assert.match(
      text,
      /warn pool .*recycled every 1740 min: the agent and server pages recommend no periodic recycling \("Recycling the application pool creates a discontinuation/,
    )
    assert.doesNotMatch(text, /certificate keys and data-protection keys/)
    assert.match(text, /warn site .* is not preloaded/)
    assert.match(
      text,
      /fail site UsercubeAgentContoso has no https idm-agent\.contoso\.com:443 binding \(bindings: http \*:80:\)/,
    )
    assert.ok(!fs.some((f) => f.status === 'pass'))
    for (const f of fs.filter((x) => x.status === 'fail')) assert.ok(f.remediation, f.message)
    const clr = fs.find((f) => /CLR/.test(f.message))!
    assert.match(
      clr.remediation!,
      /No Managed Code; or Set-ItemProperty 'IIS:\\AppPools\\UsercubeAgentContoso' -Name managedRuntimeVersion -Value ''/,
    )
  })

  const mustNotPass: [string, (s: IisFacts['sites'][number]) => void, RegExp][] = [
    ['managed CLR', (s) => (s.pool!.managedRuntimeVersion = 'v4.0'), /No Managed Code/],
    ['pool stopped', (s) => (s.pool!.state = 'Stopped'), /pool Usercube is Stopped/],
    ['site stopped', (s) => (s.state = 'Stopped'), /site UsercubeAgentContoso is Stopped/],
    ['pool missing', (s) => (s.pool = null), /runs in pool Usercube, which does not exist/],
    [
      'a domain account instead of the pool identity',
      (s) => Object.assign(s.pool!, {identityType: 'SpecificUser', userName: 'CONTOSO\\other'}),
      /pool Usercube runs as CONTOSO\\other, not as IIS AppPool\\Usercube/,
    ],
    [
      'another pool',
      (s) => (s.applicationPool = 'DefaultAppPool'),
      /pool DefaultAppPool runs as IIS AppPool\\DefaultAppPool/,
    ],
    ['no https binding', (s) => (s.bindings = [s.bindings[0]!].map((b) => ({...b, protocol: 'http'}))), /has no https/],
    [
      'a binding for another host',
      (s) => (s.bindings[0]!.bindingInformation = '*:443:idm.contoso.com'),
      /has no https idm-agent\.contoso\.com:443 binding \(bindings: https \*:443:idm\.contoso\.com\)/,
    ],
    ['another port', (s) => (s.bindings[0]!.bindingInformation = '*:8443:idm-agent.contoso.com'), /has no https/],
    ['no certificate', (s) => (s.bindings[0]!.certificateHash = ''), /has no certificate: the TLS handshake fails/],
    ['certificate not in the store', (s) => (s.bindings[0]!.certificate = null), /which is not in LocalMachine\\My/],
    [
      'another certificate',
      (s) => (s.bindings[0]!.certificateHash = 'FF'.repeat(20)),
      /not the tlsCertificate 0123456789ABCDEF0123456789ABCDEF01234567/,
    ],
    [
      'an expired certificate',
      (s) => (s.bindings[0]!.certificate!.notAfter = '2026-11-01T00:00:00Z'),
      /expired on 2026-11-01/,
    ],
    [
      'the site serves another folder',
      (s) => (s.physicalPath = 'C:\\inetpub\\wwwroot\\Runtime'),
      /no IIS site serves C:\\identitymanagerContosoAgent\\Runtime/,
    ],
  ]
  // Recommended, not required (the agent and server pages): a warning, never a failure.
  const recommended: [string, (s: IisFacts['sites'][number]) => void, RegExp][] = [
    ['OnDemand', (s) => (s.pool!.startMode = 'OnDemand'), /start mode OnDemand/],
    ['idle time-out 20', (s) => (s.pool!.idleTimeoutMinutes = 20), /idle time-out 20 min/],
    ['idle time-out unreadable', (s) => (s.pool!.idleTimeoutMinutes = NaN), /idle time-out unreadable/],
    ['no Load User Profile', (s) => (s.pool!.loadUserProfile = false), /Load User Profile is off/],
    ['periodic recycling', (s) => (s.pool!.periodicRestartMinutes = 1740), /recycled every 1740 min/],
    ['periodic recycling unreadable', (s) => (s.pool!.periodicRestartMinutes = NaN), /periodic recycling unreadable/],
  ]
  for (const [name, change, message] of recommended)
    test(`recommended, a warning: ${name}`, async () => {
      const fs = site(await okWith(change))
      assert.deepEqual(statuses(fs), ['warn'], JSON.stringify(fs, null, 1))
      assert.match(fs[0]!.message, message)
      assert.match(fs[0]!.message, /the agent and server pages recommend/)
    })

  for (const [name, change, message] of mustNotPass)
    test(`must not pass: ${name}`, async () => {
      const fs = site(await okWith(change))
      assert.ok(!fs.some((f) => f.status === 'pass'), JSON.stringify(fs))
      assert.ok(
        fs.some((f) => f.status === 'fail' && message.test(f.message)),
        JSON.stringify(fs, null, 1),
      )
    })

  test('WebAdministration missing is a failure that says how to add it', async () => {
    const [f] = site(await fixture('iis-no-webadministration.json'))
    assert.equal(f!.status, 'fail')
    assert.match(f!.remediation!, /IIS Management Scripts and Tools/)
  })

  test('a binding for every host name on the port warns; two sites on one runtime warn', async () => {
    const wild = site(await okWith((s) => (s.bindings[0]!.bindingInformation = '*:443:')))
    assert.deepEqual(statuses(wild), ['warn'])
    assert.match(wild[0]!.message, /answers https on port 443 for every host name/)
    const f = await fixture('iis-sites-ok.json')
    f.sites.push({...f.sites[1]!, name: 'Copy', state: 'Stopped'})
    const two = site(f)
    assert.match(two[0]!.message, /2 sites serve .*judging UsercubeAgentContoso/)
  })

  test('the certificate is compared by subject, or with the PFX file read by the probe', async () => {
    const ok = await fixture('iis-sites-ok.json')
    const bySubject = (subject: string) => site(ok, {...AGENT, certificate: {subject}} as never)
    assert.deepEqual(statuses(bySubject('CN=idm-agent.contoso.com')), ['pass'])
    assert.match(
      bySubject('CN=other')
        .map((x) => x.message)
        .join(),
      /not "CN=other" the environment file names/,
    )
    const pfx = {...AGENT, certificate: {file: '/certs/agent-ssl.pfx'}} as never
    const withFile = (extra: object) => siteFindings(pfx, {kind: 'site', ...ok, ...extra}, ctx.now)
    assert.deepEqual(statuses(withFile({expectedThumbprint: '0123456789ABCDEF0123456789ABCDEF01234567'})), ['pass'])
    assert.match(
      withFile({expectedThumbprint: 'AA'.repeat(20)})
        .map((x) => x.message)
        .join(),
      /not the one in \/certs\/agent-ssl\.pfx \(AAAA/,
    )
    assert.deepEqual(statuses(withFile({certificateError: 'wrong password'})), ['warn'])
  })

  test('a domain service account passes only when the pool runs as it (case-insensitive)', async () => {
    const one = await fixture('iis-sites-ps51-one.json')
    const p = {
      owner: 'server',
      runtime: 'd:/IdentityManager/Runtime',
      hostName: 'idm.contoso.com',
      port: 8443,
      serviceAccount: 'contoso\\SVC-IDM',
    }
    assert.deepEqual(statuses(siteFindings(p, {kind: 'site', ...one}, ctx.now)), ['pass'])
    const other = siteFindings({...p, serviceAccount: 'CONTOSO\\svc-other'}, {kind: 'site', ...one}, ctx.now)
    assert.match(other[0]!.message, /runs as CONTOSO\\svc-idm, not as CONTOSO\\svc-other/)
    assert.match(other[0]!.remediation!, /Custom account CONTOSO\\svc-other/)
  })

  test('planned after installation, one site per installation of the topology, found by its Runtime', () => {
    const env = {
      topology: 'on-prem-separate',
      product: '6.2',
      organization: 'Contoso Ltd.',
      server: {url: 'https://IDM.contoso.com', workingDirectory: 'C:/idm', serviceAccount: 'CONTOSO\\svc-idm'},
      agents: [
        {
          identifier: 'ContosoAD',
          url: 'https://idm-agent.contoso.com:8443',
          workingDirectory: 'D:\\idm-agent\\',
          serviceAccount: 'IIS AppPool\\Usercube',
          tlsCertificate: {
            store: {
              thumbprint: '01 23 45 67 89 ab cd ef 01 23 45 67 89 ab cd ef 01 23 45 67',
              storeLocation: 'LocalMachine',
              storeName: 'My',
            },
          },
        },
        {identifier: 'NoDir'},
      ],
    }
    const plan = planChecks(env as never, [iis], {stage: 'after', baseDir: '/', platform: 'win32'})
    assert.deepEqual(
      plan.map((i) => [i.target, i.stage, i.skip ?? '']),
      [
        ['local', 'before', ''],
        ['server', 'after', ''],
        ['ContosoAD', 'after', ''],
        [
          'NoDir',
          'after',
          'no workingDirectory for NoDir: the site is found by its physical path (<workingDirectory>\\Runtime)',
        ],
      ].map(([t, s, k]) => [t, s, k]),
    )
    assert.deepEqual((plan[1]!.params as {site: object}).site, {
      owner: 'server',
      runtime: 'C:\\idm\\Runtime',
      hostName: 'idm.contoso.com',
      port: 443,
      serviceAccount: 'CONTOSO\\svc-idm',
    })
    assert.deepEqual((plan[2]!.params as {site: object}).site, {
      owner: 'ContosoAD',
      runtime: 'D:\\idm-agent\\Runtime',
      hostName: 'idm-agent.contoso.com',
      port: 8443,
      serviceAccount: 'IIS AppPool\\Usercube',
      certificate: {thumbprint: '0123456789ABCDEF0123456789ABCDEF01234567'},
    })
    // In SaaS only the agents' sites; integrated only the server's (its agent runs in it).
    const saas = planChecks({...env, topology: 'saas'} as never, [iis], {
      stage: 'after',
      baseDir: '/',
      platform: 'win32',
    })
    assert.deepEqual(
      saas.map((i) => i.target),
      ['local', 'ContosoAD', 'NoDir'],
    )
    const integrated = planChecks({...env, topology: 'on-prem-integrated'} as never, [iis], {
      stage: 'after',
      baseDir: '/',
      platform: 'win32',
    })
    assert.deepEqual(
      integrated.map((i) => i.target),
      ['local', 'server'],
    )
    // Before installation only the version runs; the sites say which flag runs them.
    const before = planChecks(env as never, [iis], {stage: 'before', baseDir: '/', platform: 'win32'})
    assert.deepEqual(
      before.map((i) => i.skip ?? ''),
      ['', 'runs after installation: use --stage after', 'runs after installation: use --stage after', before[3]!.skip],
    )
    // With server.installed the server's site is checked before its agents are installed.
    const installed = planChecks({...env, server: {...env.server, installed: true}} as never, [iis], {
      stage: 'before',
      baseDir: '/',
      platform: 'win32',
    })
    assert.deepEqual(installed.map((i) => [i.target, i.skip ?? '']).slice(0, 2), [
      ['local', ''],
      ['server', ''],
    ])
  })
})
