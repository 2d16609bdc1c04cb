import assert from 'node:assert/strict'
import {spawn, type ChildProcess} from 'node:child_process'
import {writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {after, before, describe, test} from 'node:test'
import connectorLdap from '../../checks/connector-ldap.js'
import type {LdapFacts, LdapParams} from '../../src/probes/ldap/ldap-probe.js'
import {startDirectory, type Directory} from '../../src/sandbox/ldap.js'
import {makeCA, serverCert, type Issued} from '../../src/sandbox/pki.js'
import {startDns, startHostile} from '../../src/sandbox/servers.js'
import {tempDir} from '../helpers/cli.js'
import {runCheck} from '../helpers/run-check.js'
import {runCheckMeasured} from '../helpers/rss.js'
import {Redactor} from '../../src/base/redact.js'
import {runChecks} from '../../src/run/runner.js'
import {BULK_READER, NO_SLAPD, READER, startSlapd, SUFFIX, type Slapd} from '../helpers/slapd.js'

const HOST = 'ldap.idm.test'
/** The check's module, for the runs measured in a process of their own. */
const CHECK = fileURLToPath(new URL('../../checks/connector-ldap.ts', import.meta.url))
const facts = (r: {data: unknown}) => (r.data as {facts: LdapFacts}).facts
/** Every finding's message, the passing ones too (the result's message holds the worst). */
const said = (r: {data: unknown}) =>
  (r.data as {findings: {message: string}[]}).findings.map((x) => x.message).join('\n')

/** A real OpenLDAP (Debian's slapd) on loopback: LDAPS, StartTLS, binds, size limits. */
describe('connector.ldap against slapd', {skip: NO_SLAPD}, () => {
  let t: Awaited<ReturnType<typeof tempDir>>
  let ca: Issued
  let caFile: string
  let dns: Awaited<ReturnType<typeof startDns>>
  let slapd: Slapd
  let strict: Slapd
  before(async () => {
    t = await tempDir()
    ca = makeCA('connector.ldap test CA')
    caFile = join(t.dir, 'ca.pem')
    await writeFile(caFile, ca.certPem)
    dns = await startDns({[HOST]: {a: ['127.0.0.1']}, 'other.idm.test': {a: ['127.0.0.1']}})
    slapd = await startSlapd({dir: join(t.dir, 'slapd'), ca, hostnames: [HOST], people: 120, sizeLimit: 50})
    strict = await startSlapd({dir: join(t.dir, 'strict'), ca, hostnames: [HOST], people: 3, requireTlsForBind: true})
  })
  after(async () => {
    await slapd?.stop()
    await strict?.stop()
    await dns?.close()
    await t?.cleanup()
  })
  const params = (o: Partial<LdapParams>): LdapParams => ({
    owner: 'Agent1',
    system: 'Directory/LDAPExport',
    connection: 'LDAPExport',
    activeDirectory: false,
    host: HOST,
    port: slapd.ldapsPort,
    security: 'ldaps',
    baseDN: SUFFIX,
    authType: 'Basic',
    login: BULK_READER,
    password: slapd.password,
    filter: '(objectClass=*)',
    countCap: 10000,
    dnsServers: [`127.0.0.1:${dns.port}`],
    caFile,
    ...o,
  })

  test('LDAPS, a good bind and a base DN: pass, with the entries counted by a paged search', async () => {
    const r = await runCheck(connectorLdap, params({}))
    assert.equal(r.status, 'pass', r.message)
    const f = facts(r)
    assert.equal(f.tls?.authorized, true)
    // 120 people + the suffix, ou=people and the two readers.
    assert.equal(f.pagedEntries, slapd.people + 4)
    assert.equal(f.unpagedLimit, 50)
    assert.match(
      said(r),
      /LDAPS TLSv1\.[23], certificate trusted, bound as cn=bulkreader,dc=idm,dc=test, dc=idm,dc=test read, 124 entries match/,
    )
    assert.match(said(r), /unpaged searches stop at 50 entries; paged ones .* read them all/)
  })

  test('StartTLS on the LDAP port: pass', async () => {
    const r = await runCheck(connectorLdap, params({port: slapd.ldapPort, security: 'starttls'}))
    assert.equal(r.status, 'pass', r.message)
    assert.match(said(r), /StartTLS TLSv1\.[23], certificate trusted/)
  })

  test('security none: the bind works but the password crossed in clear (warn)', async () => {
    const r = await runCheck(connectorLdap, params({port: slapd.ldapPort, security: 'none'}))
    assert.equal(r.status, 'warn', r.message)
    assert.match(said(r), /no TLS, bound as/)
    assert.match(r.message, /the bind password crossed the network in clear/)
  })

  test('a wrong password: fail in the bind phase with 49, the password never shown', async () => {
    const r = await runCheck(connectorLdap, params({login: READER, password: 'not-the-Password-9'}))
    assert.equal(r.status, 'fail')
    assert.equal(facts(r).failedPhase, 'bind')
    assert.equal(facts(r).resultCode, 49)
    assert.match(r.message, /bind failed as cn=reader,dc=idm,dc=test: invalid credentials \(49\)/)
    assert.doesNotMatch(JSON.stringify(r), /not-the-Password-9/)
  })

  test('a bind account that does not exist: 49 as well', async () => {
    const r = await runCheck(connectorLdap, params({login: `cn=nobody,${SUFFIX}`}))
    assert.equal(facts(r).failedPhase, 'bind')
    assert.equal(facts(r).resultCode, 49)
  })

  test('a base DN that does not exist: fail in the base phase (noSuchObject), naming what the server holds', async () => {
    const r = await runCheck(connectorLdap, params({baseDN: `ou=missing,${SUFFIX}`}))
    assert.equal(r.status, 'fail')
    assert.equal(facts(r).failedPhase, 'base')
    assert.equal(facts(r).resultCode, 32)
    assert.match(
      r.message,
      /ou=missing,dc=idm,dc=test does not exist \(noSuchObject 32\); the server holds dc=idm,dc=test/,
    )
  })

  test('untrusted LDAPS (the CA not in caFile): fail in the tls phase, no bind attempted', async () => {
    const r = await runCheck(connectorLdap, params({caFile: undefined}))
    assert.equal(r.status, 'fail')
    assert.equal(facts(r).failedPhase, 'tls')
    assert.equal(facts(r).tls?.authorized, false)
    assert.equal(facts(r).boundAs, undefined)
    assert.match(r.message, /tls failed: .*(SELF_SIGNED|unable to get local issuer).*\(the password was not sent\)/)
    assert.match(r.remediation, /network\.caFile/)
  })

  test('a certificate for another name: fail in the tls phase (host name)', async () => {
    const r = await runCheck(connectorLdap, params({host: 'other.idm.test'}))
    assert.equal(facts(r).failedPhase, 'tls')
    assert.match(r.message, /other\.idm\.test/)
  })

  test('StartTLS untrusted: fail in the starttls phase', async () => {
    const r = await runCheck(connectorLdap, params({port: slapd.ldapPort, security: 'starttls', caFile: undefined}))
    assert.equal(facts(r).failedPhase, 'starttls')
  })

  test('ldaps on the plain LDAP port: fail in the tls phase, saying the port does not speak TLS', async () => {
    const r = await runCheck(connectorLdap, params({port: slapd.ldapPort}))
    assert.equal(facts(r).failedPhase, 'tls')
    assert.match(r.remediation, /does not speak TLS on this port/)
  })

  test('the server stops paged searches at its size limit: fail, the export would be truncated', async () => {
    const r = await runCheck(connectorLdap, params({login: READER}))
    assert.equal(r.status, 'fail')
    assert.equal(facts(r).pagedLimit, 50)
    assert.match(
      r.message,
      /stopped a paged search after 50 entries \(sizeLimitExceeded\): an export would be truncated/,
    )
    assert.match(r.remediation, /size\.prtotal=unlimited/)
  })

  test('countCap stops the count (the directory holds more)', async () => {
    const r = await runCheck(connectorLdap, params({countCap: 30}))
    assert.equal(facts(r).capped, true)
    assert.equal(facts(r).pagedEntries, 30)
    assert.match(said(r), /≥ 30 entries match/)
  })

  test('a server that wants TLS for binds (confidentialityRequired): fail with the fix', async () => {
    const r = await runCheck(
      connectorLdap,
      params({port: strict.ldapPort, security: 'none', login: READER, password: strict.password}),
    )
    assert.equal(facts(r).failedPhase, 'bind')
    assert.equal(facts(r).resultCode, 13)
    assert.match(r.remediation, /ldaps or starttls/)
    const ok = await runCheck(connectorLdap, params({port: strict.ldapsPort, login: READER, password: strict.password}))
    assert.equal(ok.status, 'pass', ok.message)
  })

  test('Negotiate: reachability and the rootDSE only, a warning says the bind was not tested', async () => {
    // This slapd lets anyone read: the reads succeed unbound, and the verdict says what was not tested.
    // (countCap below the anonymous size limit: the limit is another test's subject.)
    const r = await runCheck(
      connectorLdap,
      params({authType: 'Negotiate', login: undefined, password: undefined, countCap: 40}),
    )
    assert.equal(r.status, 'warn', r.message)
    assert.equal(facts(r).boundAs, undefined)
    assert.match(r.message, /Negotiate \(Kerberos\) binds as the agent's Windows identity/)
  })
})

/** The sandbox's domain-controller stand-in: AD's bind sub-codes and LDAP signing. */
describe('connector.ldap against the sandbox directory (an AD stand-in) and hostile peers', () => {
  let ca: Issued
  let t: Awaited<ReturnType<typeof tempDir>>
  let caFile: string
  let dns: Awaited<ReturnType<typeof startDns>>
  let dc: Directory
  let signing: Directory
  const account = {dn: 'CN=svc-idm,OU=Service,DC=contoso,DC=test', password: 'Svc-Pa55-word'}
  before(async () => {
    t = await tempDir()
    ca = makeCA('connector.ldap AD test CA')
    caFile = join(t.dir, 'ca.pem')
    await writeFile(caFile, ca.certPem)
    dns = await startDns({'dc01.contoso.test': {a: ['127.0.0.1']}})
    const cert = serverCert(ca, ['dc01.contoso.test'])
    dc = await startDirectory({cert, ca, baseDN: 'DC=contoso,DC=test', account, people: 10})
    signing = await startDirectory({cert, ca, baseDN: 'DC=contoso,DC=test', account, requireSigning: true})
  })
  after(async () => {
    await dc?.close()
    await signing?.close()
    await dns?.close()
    await t?.cleanup()
  })
  const params = (o: Partial<LdapParams>): LdapParams => ({
    owner: 'Agent1',
    system: 'AD/ADExport',
    connection: 'ADExport',
    activeDirectory: true,
    host: 'dc01.contoso.test',
    port: dc.ldapsPort,
    security: 'ldaps',
    baseDN: 'DC=contoso,DC=test',
    authType: 'Basic',
    login: account.dn,
    password: account.password,
    filter: '(objectClass=*)',
    countCap: 10000,
    dnsServers: [`127.0.0.1:${dns.port}`],
    caFile,
    ...o,
  })

  test('a good bind: pass, the rootDSE says Active Directory', async () => {
    const r = await runCheck(connectorLdap, params({}))
    assert.equal(r.status, 'pass', r.message)
    assert.equal(facts(r).rootDse?.activeDirectory, true)
    assert.equal(facts(r).pagedEntries, 14)
    assert.deepEqual(dc.binds.at(-1), {dn: account.dn, ok: true, tls: true})
  })

  test("a wrong password: AD's data 52e is explained", async () => {
    const r = await runCheck(connectorLdap, params({password: 'Wrong-Pa55'}))
    assert.equal(facts(r).failedPhase, 'bind')
    assert.equal(facts(r).adDataCode, '52e')
    assert.match(r.message, /invalid credentials \(49\): the password is wrong \(AD 52e\)/)
  })

  test('a DC quoting the password in its refusal, where the message is cut (300): no 4 characters of it survive', async () => {
    const echo = await startDirectory({
      cert: serverCert(ca, ['dc01.contoso.test']),
      ca,
      baseDN: 'DC=contoso,DC=test',
      account,
      echoPasswordAt: 293,
    })
    try {
      const wrong = 'Zx71-Echo-Qv48-Pw'
      const redactor = new Redactor()
      redactor.addCredential(account.dn, wrong)
      const [r] = await runChecks(
        [
          {
            id: connectorLdap.id,
            target: 't',
            title: 't',
            flow: connectorLdap.flow,
            docs: connectorLdap.docs,
            stage: 'before',
            params: params({port: echo.ldapsPort, password: wrong}),
            check: connectorLdap,
          },
        ],
        {concurrency: 1, timeoutMs: 10_000, expiryWarningDays: 30, redactor},
      )
      // The quote reached the result, cut ...
      assert.match(facts(r!).error!, /^d{293}\*\*\*…$/)
      // ... and nothing of the password is left in it.
      const all = JSON.stringify(r)
      for (let i = 0; i + 4 <= wrong.length; i++) assert.ok(!all.includes(wrong.slice(i, i + 4)), all)
    } finally {
      await echo.close()
    }
  })

  test('a DC that enforces LDAP signing, bound in clear: fail with the LDAPS fix', async () => {
    const r = await runCheck(connectorLdap, params({port: signing.port, security: 'none'}))
    assert.equal(facts(r).failedPhase, 'bind')
    assert.equal(facts(r).resultCode, 8)
    assert.match(r.message, /stronger authentication \(8, LDAP signing\)/)
    assert.match(r.remediation, /enforces LDAP signing: use LDAPS/)
  })

  test('untrusted LDAPS: the password is never sent (no bind reaches the directory)', async () => {
    const before = dc.binds.length
    const r = await runCheck(connectorLdap, params({caFile: undefined}))
    assert.equal(facts(r).failedPhase, 'tls')
    assert.equal(dc.binds.length, before)
  })

  test('Negotiate: reachable, the bind and reads untested (warn), no password sent', async () => {
    const before = dc.binds.length
    const r = await runCheck(connectorLdap, params({authType: 'Negotiate', login: undefined, password: undefined}))
    // The stand-in, like AD, refuses reading the base DN without a bind.
    assert.equal(facts(r).failedPhase, 'base')
    assert.equal(dc.binds.length, before)
  })

  test('paging that never ends (the same entry, a cookie forever): stopped and said, not counted forever', async () => {
    const loop = await startDirectory({
      cert: serverCert(ca, ['dc01.contoso.test']),
      ca,
      baseDN: 'DC=contoso,DC=test',
      account,
      endlessPaging: true,
    })
    try {
      const r = await runCheck(connectorLdap, params({port: loop.ldapsPort, countCap: 1000}), {timeoutMs: 5000})
      assert.equal(r.status, 'fail')
      assert.equal(facts(r).failedPhase, 'search')
      assert.match(r.message, /the server sent 21 pages for 21 entries: its paging does not end/)
    } finally {
      await loop.close()
    }
  })

  for (const [security, longIds] of [
    ['ldaps', false],
    ['none', false],
    ['ldaps', true],
  ] as const)
    test(
      `one page of tiny entries that never ends (${security}${longIds ? ', message IDs in long form' : ''}): stopped inside the page at the count cap, what the server sent said, memory bounded`,
      {timeout: 60_000},
      async (t) => {
        const flood = await startDirectory({
          cert: serverCert(ca, ['dc01.contoso.test']),
          ca,
          baseDN: 'DC=contoso,DC=test',
          account,
          endlessPage: longIds ? {longIds} : true,
        })
        try {
          const port = security === 'ldaps' ? flood.ldapsPort : flood.port
          const {result: r, baseMB, peakMB} = await runCheckMeasured(CHECK, params({port, security}), 5000)
          t.diagnostic(`resident memory ${baseMB.toFixed(0)} MB before the probe, ${peakMB.toFixed(0)} MB at its peak`)
          assert.equal(r.status, 'fail', r.message)
          assert.equal(facts(r).failedPhase, 'search')
          assert.match(
            r.message,
            /search failed: the server sent 10001 entries \([\d.]+ KB\) in one page without ending it: stopped at the count cap \(10000, /,
          )
          assert.ok(peakMB < 200, `peak resident memory ${peakMB} MB`)
        } finally {
          await flood.close()
        }
      },
    )

  test(
    'a page that never ends, slower than the count cap: the timeout says what the server sent',
    {timeout: 60_000},
    async (t) => {
      const flood = await startDirectory({
        cert: serverCert(ca, ['dc01.contoso.test']),
        ca,
        baseDN: 'DC=contoso,DC=test',
        account,
        endlessPage: {everyMs: 100},
      })
      try {
        const {result: r, peakMB} = await runCheckMeasured(
          CHECK,
          params({port: flood.ldapsPort, countCap: 1_000_000}),
          3000,
        )
        t.diagnostic(`peak resident memory ${peakMB.toFixed(0)} MB`)
        assert.equal(r.status, 'fail', r.message)
        assert.equal(facts(r).failedPhase, 'search')
        assert.match(r.message, /the server sent \d{4,} entries \([\d.]+ KB\) without ending the page within 2\.7s/)
        assert.doesNotMatch(r.message, /no answer within/)
        assert.ok(peakMB < 200, `peak resident memory ${peakMB} MB`)
      } finally {
        await flood.close()
      }
    },
  )

  test('paging that loses entries (it ends after one page): the count is compared with an unpaged one, fail', async () => {
    const lossy = await startDirectory({
      cert: serverCert(ca, ['dc01.contoso.test']),
      ca,
      baseDN: 'DC=contoso,DC=test',
      account,
      people: 250,
      lossyPaging: true,
    })
    try {
      const r = await runCheck(connectorLdap, params({port: lossy.ldapsPort}), {timeoutMs: 5000})
      assert.equal(r.status, 'fail')
      assert.equal(facts(r).pagedEntries, 100)
      assert.equal(facts(r).pagedShort, 101)
      assert.match(
        r.message,
        /a paged search returned 100 entries, an unpaged one 101: the server's paging loses entries/,
      )
    } finally {
      await lossy.close()
    }
  })

  test('a name that does not resolve: fail in the dns phase', async () => {
    const r = await runCheck(connectorLdap, params({host: 'dc99.contoso.test'}))
    assert.equal(r.status, 'fail')
    assert.equal(facts(r).failedPhase, 'dns')
  })

  test('a silent peer (accepts, never answers): the tls phase is named, within the timeout', async () => {
    const silent = await startHostile('silent')
    try {
      const r = await runCheck(connectorLdap, params({port: silent.port}), {timeoutMs: 1500})
      assert.equal(r.status, 'fail')
      assert.equal(facts(r).failedPhase, 'tls')
      assert.match(r.message, /no answer within 1\.4 s|no answer within 1350 ms|no answer within/)
    } finally {
      await silent.close()
    }
  })

  test('a black-holed port (SYNs dropped): fail in the tcp phase at the timeout, no hang', async () => {
    const hole = await blackHole()
    try {
      const r = await runCheck(connectorLdap, params({port: hole.port, host: '127.0.0.1'}), {timeoutMs: 1500})
      assert.equal(r.status, 'fail')
      assert.equal(facts(r).failedPhase, 'tcp')
      assert.match(r.message, /tcp failed: no answer within/)
    } finally {
      hole.close()
    }
  })

  test('a peer that answers garbage: a named phase, no stack trace', async () => {
    const g = await startHostile('garbage')
    try {
      const r = await runCheck(connectorLdap, params({port: g.port, security: 'none'}), {timeoutMs: 1500})
      assert.equal(r.status, 'fail')
      assert.ok(facts(r).failedPhase, r.message)
      assert.doesNotMatch(r.message, /\n\s+at /)
    } finally {
      await g.close()
    }
  })
})

/**
 * A listening socket whose backlog is full: the kernel drops further SYNs, as a firewall that
 * black-holes a port does (python3, which the machines carry, makes one; Node cannot stop accepting).
 */
async function blackHole(): Promise<{port: number; close(): void}> {
  const code = [
    'import socket, time',
    "s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(0)",
    'port = s.getsockname()[1]',
    'fill = []',
    'for i in range(4):',
    '    c = socket.socket(); c.setblocking(False)',
    "    try: c.connect(('127.0.0.1', port))",
    '    except BlockingIOError: pass',
    '    fill.append(c)',
    'time.sleep(0.2)',
    'print(port, flush=True)',
    'time.sleep(120)',
  ].join('\n')
  const child: ChildProcess = spawn('python3', ['-c', code], {stdio: ['ignore', 'pipe', 'ignore']})
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject)
    child.stdout!.once('data', (d) => resolve(Number(String(d).trim())))
  })
  return {port, close: () => child.kill('SIGKILL')}
}

/** Peers that do not stop: a flood of one endless message, a trickle, and pages that never end. */
describe('connector.ldap against peers that never stop', () => {
  const params = (port: number): LdapParams => ({
    owner: 'Agent1',
    system: 'AD/ADExport',
    connection: 'ADExport',
    activeDirectory: true,
    host: '127.0.0.1',
    port,
    security: 'none',
    baseDN: 'DC=contoso,DC=test',
    authType: 'Anonymous',
    filter: '(objectClass=*)',
    countCap: 10000,
  })
  /** A TCP server that answers the first request with `reply(socket)`. */
  async function peer(reply: (s: import('node:net').Socket) => void) {
    const {createServer} = await import('node:net')
    const sockets = new Set<import('node:net').Socket>()
    const server = createServer((s) => {
      sockets.add(s)
      s.on('error', () => {})
      s.once('data', () => reply(s))
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    return {
      port: (server.address() as import('node:net').AddressInfo).port,
      close: () => {
        for (const s of sockets) s.destroy()
        server.close()
      },
    }
  }

  test('a message that never ends (a 2 GB length, then a flood): stopped at its header, named, memory bounded', async (t) => {
    const p = await peer((s) => {
      // SEQUENCE of length 0x7fffffff, then zeros as fast as loopback takes them.
      s.write(Buffer.from([0x30, 0x84, 0x7f, 0xff, 0xff, 0xff]))
      const chunk = Buffer.alloc(1 << 20)
      const pump = () => {
        while (!s.destroyed && s.write(chunk));
        if (!s.destroyed) s.once('drain', pump)
      }
      pump()
    })
    try {
      const {result: r, peakMB} = await runCheckMeasured(CHECK, params(p.port), 20_000)
      assert.equal(r.status, 'fail')
      assert.equal(facts(r).failedPhase, 'rootdse')
      assert.match(r.message, /the server announced a message of 2147483647 bytes \(at most 4 MB are read\): stopped/)
      t.diagnostic(`peak resident memory ${peakMB.toFixed(0)} MB`)
      assert.ok(peakMB < 200, `peak resident memory ${peakMB} MB`)
    } finally {
      p.close()
    }
  })

  test('a trickle (a byte every 200 ms): the phase is named at the timeout', async () => {
    const p = await peer((s) => {
      const t = setInterval(() => (s.destroyed ? clearInterval(t) : s.write(Buffer.from([0x30]))), 200)
      s.on('close', () => clearInterval(t))
    })
    try {
      const r = await runCheck(connectorLdap, params(p.port), {timeoutMs: 1500})
      assert.equal(r.status, 'fail')
      assert.equal(facts(r).failedPhase, 'rootdse')
      assert.match(r.message, /no answer within/)
    } finally {
      p.close()
    }
  })
})
