import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {chmod, mkdir, writeFile} from 'node:fs/promises'
import {userInfo} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'
import pickup from '../../checks/smtp-pickup.js'
import smtpServer from '../../checks/smtp-server.js'
import testMail from '../../checks/smtp-test-mail.js'
import {findSbin} from '../../src/probes/files/posix-acl.js'
import {serverCert} from '../../src/sandbox/pki.js'
import {startHostile} from '../../src/sandbox/servers.js'
import {startSmtp, type SmtpMode} from '../../src/sandbox/smtp.js'
import {loopbackNetwork, type LoopbackNetwork} from '../helpers/loopback.js'
import {runCheck} from '../helpers/run-check.js'

const host = 'smtp.contoso.test'
const USER = 'idm@contoso.test'
const PASSWORD = 'Smtp-Test-Pa55'
const CTX = {now: new Date(), expiryWarningDays: 30}

describe('smtp.server and smtp.test-mail against a real SMTP server (STARTTLS, AUTH)', () => {
  let net: LoopbackNetwork
  let dir: string
  before(async () => {
    net = await loopbackNetwork(host)
    dir = net.dir
  })
  after(() => net.close())
  const params = (port: number, extra: object = {}) => ({
    host,
    port,
    secureSocketOption: 'StartTls',
    username: USER,
    password: PASSWORD,
    dnsServers: net.dnsServers,
    caFile: net.caFile,
    ...extra,
  })
  async function withSmtp(mode: SmtpMode, f: (s: Awaited<ReturnType<typeof startSmtp>>) => Promise<void>) {
    const s = await startSmtp({mode, cert: serverCert(net.ca, [host]), ca: net.ca, user: USER, password: PASSWORD})
    try {
      await f(s)
    } finally {
      await s.close()
    }
  }

  test('STARTTLS with a trusted certificate and AUTH: pass, naming each phase', () =>
    withSmtp('starttls', async (s) => {
      const r = await runCheck(smtpServer, params(s.port))
      assert.equal(r.status, 'pass', r.message)
      assert.match(
        r.message,
        /greeted ".*ESMTP idm-preflight sandbox SMTP", STARTTLS \(TLSv1\.[23], certificate trusted\), AUTH as idm@contoso\.test accepted \(PLAIN, LOGIN\)/,
      )
    }))

  test('a wrong password fails at AUTH with the server reply, and the password is not in the result', () =>
    withSmtp('starttls', async (s) => {
      const r = await runCheck(smtpServer, params(s.port, {password: 'Wrong-Pa55'}))
      assert.equal(r.status, 'fail')
      assert.match(r.message, /AUTH as idm@contoso\.test refused: 535/)
      assert.ok(!JSON.stringify(r).includes('Wrong-Pa55'))
    }))

  test('StartTls against a server without STARTTLS fails at the STARTTLS phase', () =>
    withSmtp('no-starttls', async (s) => {
      const r = await runCheck(smtpServer, params(s.port))
      assert.equal(r.status, 'fail')
      assert.match(r.message, /starttls failed: the server does not offer STARTTLS/)
      assert.equal(s.authAttempts, 0)
    }))

  test('StartTlsWhenAvailable against a server without STARTTLS: a warning, credentials in clear', () =>
    withSmtp('no-starttls', async (s) => {
      const r = await runCheck(smtpServer, params(s.port, {secureSocketOption: 'StartTlsWhenAvailable'}))
      assert.equal(r.status, 'warn', r.message)
      assert.match(
        r.message,
        /offers no STARTTLS: StartTlsWhenAvailable falls back to plain text, credentials included/,
      )
    }))

  test('implicit TLS: SslOnConnect passes; StartTls against it fails at the greeting', () =>
    withSmtp('implicit-tls', async (s) => {
      const ok = await runCheck(smtpServer, params(s.port, {secureSocketOption: 'SslOnConnect'}))
      assert.equal(ok.status, 'pass', ok.message)
      assert.match(ok.message, /TLS from connect/)
      const bad = await runCheck(smtpServer, params(s.port), {timeoutMs: 1500})
      assert.equal(bad.status, 'fail')
      assert.match(bad.message, /greeting failed/)
    }))

  test('None with credentials against a server that requires TLS: AUTH refused', () =>
    withSmtp('starttls', async (s) => {
      const r = await runCheck(smtpServer, params(s.port, {secureSocketOption: 'None'}))
      assert.equal(r.status, 'fail')
      assert.match(r.message, /AUTH as idm@contoso\.test refused: 538/)
    }))

  test('an untrusted certificate stops before AUTH: no credentials are sent', () =>
    withSmtp('starttls', async (s) => {
      const r = await runCheck(smtpServer, params(s.port, {caFile: undefined}))
      assert.equal(r.status, 'fail')
      assert.match(r.message, /not trusted or does not cover smtp\.contoso\.test .*no credentials were sent/)
      assert.equal(s.authAttempts, 0)
    }))

  const broken: [SmtpMode, RegExp][] = [
    ['never-greets', /greeting failed: Greeting never received/],
    ['greets-554', /greeting failed: greeted with "554 5\.7\.1 No SMTP service here" instead of 220/],
    ['drops-after-ehlo', /ehlo failed: Connection closed unexpectedly/],
  ]
  for (const [mode, re] of broken) {
    test(`a server that ${mode.replace(/-/g, ' ')} fails at that phase, within the timeout`, () =>
      withSmtp(mode, async (s) => {
        const t0 = performance.now()
        const r = await runCheck(smtpServer, params(s.port), {timeoutMs: 1500})
        assert.equal(r.status, 'fail', r.message)
        assert.match(r.message, re)
        assert.ok(performance.now() - t0 < 1600)
      }))
  }

  test('SslOnConnect against a server that never answers the handshake fails at TLS, not at the greeting (as MailKit)', () =>
    withSmtp('never-greets', async (s) => {
      const r = await runCheck(smtpServer, params(s.port, {secureSocketOption: 'SslOnConnect'}), {timeoutMs: 1500})
      assert.equal(r.status, 'fail', r.message)
      assert.match(r.message, /: tls failed: the server accepted the connection but never answered the TLS handshake/)
      assert.equal((r.data as {facts: {failedPhase: string}}).facts.failedPhase, 'tls')
    }))

  test('an unanswered handshake with SslOnConnect on 587 or 25 says that port speaks plain SMTP first', () => {
    const facts = {host, port: 587, resolver: '-', failedPhase: 'tls' as const, error: 'no answer'}
    for (const port of [587, 25]) {
      const [f] = smtpServer.evaluate({host, port, secureSocketOption: 'SslOnConnect'}, {...facts, port}, CTX)
      assert.match(
        f!.message,
        new RegExp(`tls failed: no answer \\(port ${port} speaks plain SMTP first: use StartTls\\)$`),
      )
    }
    const [other] = smtpServer.evaluate({host, port: 2525, secureSocketOption: 'SslOnConnect'}, facts, CTX)
    assert.doesNotMatch(other!.message, /use StartTls/)
  })

  for (const [kind, re] of [
    ['silent', /greeting failed/],
    ['garbage', /greeting failed/],
    ['close', /greeting failed: Connection closed unexpectedly/],
  ] as const) {
    test(`a hostile peer (${kind}) is a failure with its phase, never a hang`, async () => {
      const h = await startHostile(kind)
      try {
        const r = await runCheck(smtpServer, params(h.port), {timeoutMs: 1500})
        assert.equal(r.status, 'fail', r.message)
        assert.match(r.message, re)
      } finally {
        await h.close()
      }
    })
  }

  test('a closed port fails at connect', async () => {
    const r = await runCheck(smtpServer, params(1))
    assert.match(r.message, /connect failed: connect ECONNREFUSED/)
  })

  test('smtp.test-mail sends a real message and reports the queue id', () =>
    withSmtp('starttls', async (s) => {
      const r = await runCheck(testMail, {
        ...params(s.port),
        fromAddress: 'no-reply@contoso.test',
        testRecipient: 'admins@contoso.test',
      })
      assert.equal(r.status, 'pass', r.message)
      assert.match(r.message, /test mail to admins@contoso\.test accepted, queue id SBX000001/)
      assert.equal(s.messages.length, 1)
      assert.deepEqual(s.messages[0]!.to, ['admins@contoso.test'])
      assert.match(s.messages[0]!.data, /Subject: idm-preflight test mail/)
    }))

  test('smtp.test-mail with a wrong password fails and sends nothing', () =>
    withSmtp('starttls', async (s) => {
      const r = await runCheck(testMail, {
        ...params(s.port, {password: 'nope'}),
        fromAddress: 'a@contoso.test',
        testRecipient: 'b@contoso.test',
      })
      assert.equal(r.status, 'fail')
      assert.equal(s.messages.length, 0)
    }))

  test('smtp.pickup: writable folder, missing folder, a file, a Windows path', async () => {
    const folder = join(dir, 'Mails')
    await mkdir(folder)
    const me = userInfo().username
    const mine = await runCheck(pickup, {directory: folder, path: folder, serviceAccount: me})
    assert.equal(mine.status, 'pass', mine.message)
    assert.match(mine.message, new RegExp(`${me} can write mails into it`))
    // Without a service account, the tool's own user is not evidence: a warning, not a pass.
    const nobodyKnown = await runCheck(pickup, {directory: folder, path: folder})
    assert.equal(nobodyKnown.status, 'warn')
    assert.match(nobodyKnown.message, /no serviceAccount .*which is not the service account/)
    const missing = await runCheck(pickup, {directory: 'nope', path: join(dir, 'nope')})
    assert.equal(missing.status, 'fail')
    assert.match(missing.message, /does not exist/)
    await writeFile(join(dir, 'file'), 'x')
    assert.match(
      (await runCheck(pickup, {directory: 'file', path: join(dir, 'file')})).message,
      /is a file, not a directory/,
    )
    const win = await runCheck(pickup, {directory: 'C:/Pickup', path: 'C:/Pickup'})
    assert.equal(win.status, 'skip')
    assert.match(win.message, /Windows path: run on the Windows host/)
  })

  test(
    'smtp.pickup judges the service account, not the user running the tool',
    {skip: process.getuid?.() !== 0 || !findSbin('setfacl') ? 'needs root and setfacl (acl)' : false},
    async () => {
      // The account must be able to reach the folder at all: the test folder is mkdtemp's 0700.
      await chmod(dir, 0o755)
      const folder = join(dir, 'Pickup-root')
      await mkdir(folder, {mode: 0o755})
      await chmod(folder, 0o755)
      // root can write it; nobody cannot.
      const r = await runCheck(pickup, {directory: folder, path: folder, serviceAccount: 'nobody'})
      assert.equal(r.status, 'fail', r.message)
      assert.match(r.message, /nobody cannot write mails into .* \(it has r-x; measured as nobody\)/)
      assert.match(r.remediation, /setfacl -m u:nobody:rwx/)
      execFileSync(findSbin('setfacl')!, ['-m', 'u:nobody:rwx', folder])
      const ok = await runCheck(pickup, {directory: folder, path: folder, serviceAccount: 'nobody'})
      assert.equal(ok.status, 'pass', ok.message)
      const windows = await runCheck(pickup, {directory: folder, path: folder, serviceAccount: 'CONTOSO\\svc'})
      assert.equal(windows.status, 'warn')
      assert.match(windows.message, /not an account of this host \(a Windows account/)
    },
  )
})
