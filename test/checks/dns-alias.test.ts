import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {createSocket} from 'node:dgram'
import {writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'
import check, {hostnameProblem} from '../../checks/dns-alias.js'
import {startDns} from '../../src/sandbox/servers.js'
import {ROOT, tempDir} from '../helpers/cli.js'
import {runCheck} from '../helpers/run-check.js'

describe('dns.alias against a real DNS server on 127.0.0.1', () => {
  let dns: Awaited<ReturnType<typeof startDns>>
  let servers: string[]
  before(async () => {
    dns = await startDns({
      'idm.contoso.test': {cname: 'web01.contoso.test'},
      'web01.contoso.test': {a: ['127.0.0.1']},
      'servfail.contoso.test': {fault: 'SERVFAIL'},
      'refused.contoso.test': {fault: 'REFUSED'},
      'silent.contoso.test': {fault: 'DROP'},
      'cname-only.contoso.test': {cname: 'nowhere.contoso.test'},
      // A loop the server itself writes into one answer: a → b → a → b …
      'loop-a.contoso.test': {cname: 'loop-b.contoso.test'},
      'loop-b.contoso.test': {cname: 'loop-a.contoso.test'},
    })
    servers = [`127.0.0.1:${dns.port}`]
  })
  after(() => dns.close())
  const p = (hostname: string, s = servers) => ({hostname, roles: ['server alias'], dnsServers: s})

  test('an alias resolves through its CNAME; the chain and the resolver are named', async () => {
    const r = await runCheck(check, p('idm.contoso.test'))
    assert.equal(r.status, 'pass')
    assert.equal(
      r.message,
      `idm.contoso.test → 127.0.0.1 via CNAME idm.contoso.test → web01.contoso.test (127.0.0.1:${dns.port})`,
    )
  })
  test('capitals are a warning (the alias still resolves)', async () => {
    const r = await runCheck(check, p('IDM.contoso.test'))
    assert.equal(r.status, 'warn')
    assert.match(
      r.message,
      /"IDM\.contoso\.test" has capitals; the requirements pages: "The DNS alias should be written in lowercase/,
    )
  })
  test('NXDOMAIN, SERVFAIL, REFUSED and a silent server each say what happened', async () => {
    const cases: [string, RegExp][] = [
      ['missing.contoso.test', /no such name \(NXDOMAIN\)/],
      ['servfail.contoso.test', /failed to answer \(SERVFAIL\)/],
      ['refused.contoso.test', /refused the query \(REFUSED\)/],
      ['silent.contoso.test', /no answer from the DNS server \(timeout\)/],
      ['cname-only.contoso.test', /no such name \(NXDOMAIN\)/],
    ]
    for (const [name, re] of cases) {
      const t0 = performance.now()
      const r = await runCheck(check, p(name), {timeoutMs: 1500})
      assert.equal(r.status, 'fail', `${name}: ${r.message}`)
      assert.match(r.message, re)
      assert.match(r.message, new RegExp(`via 127\\.0\\.0\\.1:${dns.port}`))
      assert.ok(r.remediation.length > 10)
      assert.ok(performance.now() - t0 < 1600, `${name} took too long`)
    }
  })
  test('a CNAME loop inside one answer is reported as a loop at once, not spun on', async () => {
    const t0 = performance.now()
    const r = await runCheck(check, p('loop-a.contoso.test'), {timeoutMs: 5000})
    assert.equal(r.status, 'fail', r.message)
    assert.match(
      r.message,
      /CNAME records form a loop .*loop-a\.contoso\.test → loop-b\.contoso\.test → loop-a\.contoso\.test/,
    )
    assert.match(r.remediation, /chain ends at a name with an A or AAAA record/)
    // Bounded by the answer, not by the timeout (the old resolver spun until memory ran out).
    assert.ok(performance.now() - t0 < 2500, `took ${performance.now() - t0} ms`)
  })
  test('a second server is tried when the first does not answer', async () => {
    const r = await runCheck(check, p('idm.contoso.test', ['127.0.0.1:1', `127.0.0.1:${dns.port}`]), {timeoutMs: 2000})
    assert.equal(r.status, 'pass', r.message)
  })
  test('a DNS server answering garbage is a timeout, not a crash', async () => {
    const sock = createSocket('udp4')
    sock.on('message', (_m, rinfo) => sock.send(Buffer.from('\u0000\u0001garbage'), rinfo.port, rinfo.address))
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()))
    try {
      const r = await runCheck(check, p('idm.contoso.test', [`127.0.0.1:${sock.address().port}`]), {timeoutMs: 1000})
      assert.equal(r.status, 'fail')
      assert.match(r.message, /timeout/)
    } finally {
      sock.close()
    }
  })
  test('an invalid host name fails without a query', async () => {
    const before = dns.queries.length
    const r = await runCheck(check, p('bad_name.contoso.test'))
    assert.equal(r.status, 'fail')
    assert.match(r.message, /is not a valid host name: it label "bad_name" may contain only letters/)
    assert.equal(dns.queries.length, before)
  })
  test('without dnsServers the system resolver answers', async () => {
    const r = await runCheck(check, {hostname: 'localhost', roles: ['SMTP server']})
    assert.equal(r.status, 'pass', r.message)
    assert.match(r.message, /localhost → .*\(system resolver[:)]/)
  })
  test('RFC 1123 syntax', () => {
    assert.equal(hostnameProblem('idm.contoso.com'), undefined)
    assert.equal(hostnameProblem('a'.repeat(64) + '.com'), 'has a label of 64 characters (63 at most)')
    assert.match(hostnameProblem('-idm.contoso.com')!, /inner hyphens/)
    assert.equal(hostnameProblem('idm..contoso.com'), 'has an empty label (two dots in a row)')
  })
  test('plan: one instance per name, spelling with capitals kept, roles merged', () => {
    const env = {
      topology: 'saas',
      server: {url: 'https://Contoso.usercube.com'},
      agents: [{identifier: 'A', alias: 'agent.contoso.com', url: 'https://agent.contoso.com:8443'}],
      smtp: {host: 'smtp.contoso.com'},
    }
    const planned = check.plan(env as never, {agents: env.agents, baseDir: '/'} as never)
    assert.deepEqual(
      planned.map((x) => [x.target, x.params.roles]),
      [
        ['Contoso.usercube.com', ['server URL']],
        ['agent.contoso.com', ['agent A alias', 'agent A URL']],
        ['smtp.contoso.com', ['SMTP server']],
      ],
    )
  })
})

const root = process.getuid?.() === 0
const unshare = spawnSync('sh', ['-c', 'command -v unshare'], {encoding: 'utf8'}).stdout.trim()
describe(
  'dns.alias through a system resolver that never answers',
  {skip: !root || !unshare ? 'needs root and unshare (a private /etc/resolv.conf in a mount namespace)' : false},
  () => {
    let dir: string
    let cleanup: () => Promise<void>
    let silent: ReturnType<typeof createSocket>
    before(async () => {
      ;({dir, cleanup} = await tempDir())
      // A name server that takes queries and never answers, on an address of its own.
      silent = createSocket('udp4')
      await new Promise<void>((resolve) => silent.bind(53, '127.0.0.53', resolve))
      await writeFile(join(dir, 'resolv.conf'), 'nameserver 127.0.0.53\noptions timeout:5 attempts:3\n')
      await writeFile(
        join(dir, 'env.yaml'),
        `version: 1\nname: dns\nproduct: saas\ntopology: saas\norganization: D\nserver: {url: https://idm.nowhere-contoso.test}\nagents:\n  - {identifier: A, url: https://agent.nowhere-contoso.test, workingDirectory: ${dir}, serviceAccount: svc}\n`,
      )
    })
    after(async () => {
      silent.close()
      await cleanup()
    })

    test('the check ends at its timeout and names the resolver it waited for', () => {
      const script = `mount --bind ${JSON.stringify(join(dir, 'resolv.conf'))} /etc/resolv.conf && exec "$@"`
      const t0 = Date.now()
      const r = spawnSync(
        unshare,
        [
          '-m',
          'sh',
          '-c',
          script,
          'sh',
          process.execPath,
          join(ROOT, 'bin', 'run.js'),
          'check',
          '-c',
          join(dir, 'env.yaml'),
          '--only',
          'dns.alias',
          '--timeout',
          '1s',
          '--format',
          'json',
        ],
        {encoding: 'utf8', timeout: 30_000},
      )
      const elapsed = Date.now() - t0
      assert.equal(r.status, 3, r.stdout + r.stderr)
      const report = JSON.parse(r.stdout) as {results: {id: string; status: string; message: string; target: string}[]}
      const dnsResults = report.results.filter((x) => x.id === 'dns.alias')
      assert.equal(dnsResults.length, 2)
      for (const x of dnsResults) {
        assert.equal(x.status, 'fail', x.message)
        assert.match(x.message, /no answer from the DNS server \(timeout\).* via system resolver: 127\.0\.0\.53/)
      }
      // Both aliases are looked up at once, and the process does not wait for the abandoned
      // lookups: the run costs one timeout, not resolv.conf's 3 x 5 s.
      assert.ok(elapsed < 6_000, `took ${elapsed} ms`)
    })
  },
)
