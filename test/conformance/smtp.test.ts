import assert from 'node:assert/strict'
import {randomInt} from 'node:crypto'
import {writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'
import smtpServer from '../../checks/smtp-server.js'
import type {SmtpFacts} from '../../src/probes/smtp/smtp-probe.js'
import {makeCA, serverCert, type Issued} from '../../src/sandbox/pki.js'
import {startDns} from '../../src/sandbox/servers.js'
import {startSmtp, type SmtpMode} from '../../src/sandbox/smtp.js'
import {tempDir} from '../helpers/cli.js'
import {judge, NO_DOTNET} from '../helpers/dotnet.js'
import {runCheck} from '../helpers/run-check.js'

/**
 * MailKit's SmtpClient (the product's mail library) with each SecureSocketOptions against the
 * sandbox's SMTP faces, and smtp.server with the same settings against the same server: they agree
 * on whether a mail can be sent (MailKit connects and authenticates ⇔ pass or warn), at which step
 * it stops (connecting, which covers greeting, EHLO, STARTTLS and TLS, or AUTH), and whether the
 * connection is encrypted.
 */

const HOST = 'smtp.contoso.test'
/**
 * Faces served on port 465 itself (where Auto means SslOnConnect), each on its own loopback
 * address, drawn at random in 127/8 so that two copies of the suite on one machine do not meet.
 */
const loopback = () => `127.${1 + randomInt(254)}.${randomInt(256)}.${1 + randomInt(254)}`
const AT_465 = {
  implicit: {host: 'smtps.contoso.test', address: loopback()},
  starttls: {host: 'smtp465.contoso.test', address: loopback()},
}
if (AT_465.implicit.address === AT_465.starttls.address) AT_465.starttls.address = '127.0.0.3'
const USER = 'idm@contoso.test'
const PASSWORD = 'Smtp-Conformance-Pa55'
const OPTIONS = ['None', 'Auto', 'SslOnConnect', 'StartTls', 'StartTlsWhenAvailable'] as const
const TIMEOUT = 2000

interface Face {
  mode: SmtpMode
  cert?: (ca: Issued, other: Issued) => Issued
  /** Listen on port 465 at this address and name. */
  on465?: {host: string; address: string}
}

const FACES: Record<string, Face> = {
  'STARTTLS (587-style)': {mode: 'starttls'},
  'implicit TLS': {mode: 'implicit-tls'},
  'plain, no STARTTLS': {mode: 'no-starttls'},
  'STARTTLS, certificate from an untrusted CA': {mode: 'starttls', cert: (_ca, other) => serverCert(other, [HOST])},
  'implicit TLS, certificate from an untrusted CA': {
    mode: 'implicit-tls',
    cert: (_ca, other) => serverCert(other, [HOST]),
  },
  'STARTTLS, certificate for another name': {mode: 'starttls', cert: (ca) => serverCert(ca, [HOST], 'wrong-host')},
  'greets with 554': {mode: 'greets-554'},
  'hangs up after EHLO': {mode: 'drops-after-ehlo'},
  'never greets': {mode: 'never-greets'},
  'implicit TLS on port 465': {mode: 'implicit-tls', on465: AT_465.implicit},
  'STARTTLS on port 465': {mode: 'starttls', on465: AT_465.starttls},
}

type Credentials = 'right' | 'wrong' | 'none'

interface Case {
  face: string
  option: (typeof OPTIONS)[number]
  credentials: Credentials
}

interface MailKitOutcome {
  ok: boolean
  step: 'connect' | 'authenticate' | 'done'
  secure?: boolean
  authenticated?: boolean
  error?: string
  /** Still going at three times its own Timeout, when the judge gave up on it. */
  outlived?: boolean
  ms?: number
}

/** What both sides are compared on. */
interface Outcome {
  sends: boolean
  stopsAt?: 'connect' | 'authenticate'
  secure?: boolean
}

const cases: Case[] = Object.keys(FACES).flatMap((face) =>
  OPTIONS.flatMap((option) =>
    (['right', 'wrong', 'none'] as const).map((credentials) => ({face, option, credentials})),
  ),
)

describe('MailKit and smtp.server against the same SMTP servers', {skip: NO_DOTNET}, () => {
  let dir: string
  let cleanup: () => Promise<void>
  let caFile: string
  let dnsServers: string[]
  const servers: {port: number; close(): Promise<void>}[] = []
  const ports = new Map<string, {address: string; port: number; host: string}>()
  let closeDns: () => Promise<void>
  const theirs = new Map<Case, MailKitOutcome>()

  before(async () => {
    ;({dir, cleanup} = await tempDir())
    const ca = makeCA('SMTP Conformance Root')
    const other = makeCA('Someone Else Root')
    caFile = join(dir, 'ca.pem')
    await writeFile(caFile, ca.certPem)
    const dns = await startDns({
      [HOST]: {a: ['127.0.0.1']},
      ...Object.fromEntries(Object.values(AT_465).map((x) => [x.host, {a: [x.address]}])),
    })
    closeDns = dns.close
    dnsServers = [`127.0.0.1:${dns.port}`]
    for (const [name, face] of Object.entries(FACES)) {
      const host = face.on465?.host ?? HOST
      const address = face.on465?.address ?? '127.0.0.1'
      const s = await startSmtp({
        mode: face.mode,
        cert: face.cert ? face.cert(ca, other) : serverCert(ca, [host]),
        ca,
        user: USER,
        password: PASSWORD,
        address,
        port: face.on465 ? 465 : undefined,
      })
      servers.push(s)
      ports.set(name, {address, port: s.port, host})
    }
    const answers = await judge<MailKitOutcome[]>(
      'smtp',
      cases.map((c) => {
        const at = ports.get(c.face)!
        return {
          address: at.address,
          port: at.port,
          host: at.host,
          option: c.option,
          caFile,
          user: c.credentials === 'none' ? null : USER,
          password: c.credentials === 'wrong' ? 'Not-The-Pa55' : PASSWORD,
          timeoutMs: TIMEOUT,
        }
      }),
    )
    cases.forEach((c, i) => theirs.set(c, answers[i]!))
  })
  after(async () => {
    await Promise.all(servers.map((s) => s.close()))
    await closeDns?.()
    await cleanup?.()
  })

  const mailKit = (m: MailKitOutcome): Outcome =>
    m.ok
      ? {sends: true, secure: m.secure}
      : {sends: false, stopsAt: m.step === 'authenticate' ? 'authenticate' : 'connect'}

  async function ours(c: Case): Promise<Outcome & {message: string}> {
    const at = ports.get(c.face)!
    const r = await runCheck(
      smtpServer,
      {
        host: at.host,
        port: at.port,
        secureSocketOption: c.option,
        ...(c.credentials === 'none'
          ? {}
          : {username: USER, password: c.credentials === 'wrong' ? 'Not-The-Pa55' : PASSWORD}),
        dnsServers,
        caFile,
      },
      {timeoutMs: TIMEOUT * 2},
    )
    const f = (r.data as {facts?: Partial<SmtpFacts>} | null)?.facts
    if (r.status === 'pass' || r.status === 'warn')
      return {sends: true, secure: f?.security !== 'none', message: `${r.status}: ${r.message}`}
    return {
      sends: false,
      stopsAt: f?.failedPhase === 'auth' ? 'authenticate' : 'connect',
      message: `${r.status}: ${r.message}`,
    }
  }

  for (const face of Object.keys(FACES)) {
    test(`${face}: each SecureSocketOptions, with the right, a wrong and no password`, async () => {
      const mine = cases.filter((c) => c.face === face)
      const results = await Promise.all(mine.map(async (c) => ({c, ours: await ours(c), mailKit: theirs.get(c)!})))
      const disagreements = results
        .filter((x) => {
          const {message: _m, ...o} = x.ours
          return JSON.stringify(o) !== JSON.stringify(mailKit(x.mailKit))
        })
        .map(
          (x) =>
            `${x.c.option}, ${x.c.credentials} password: MailKit ${JSON.stringify(x.mailKit)}; smtp.server ${x.ours.message}`,
        )
      assert.deepEqual(disagreements, [])
    })
  }

  test('a server that never answers the TLS handshake: MailKit connecting as the product does gives up at its Timeout, at connect, as smtp.server does at its own', async () => {
    const at = ports.get('never greets')!
    const [direct] = await judge<MailKitOutcome[]>('smtp', [
      {address: at.address, port: at.port, host: at.address, option: 'SslOnConnect', timeoutMs: 1000, direct: true},
    ])
    assert.equal(direct!.ok, false)
    assert.equal(direct!.step, 'connect')
    assert.equal(direct!.outlived, false, `MailKit's Timeout bounds the handshake: ${JSON.stringify(direct)}`)
    const r = await runCheck(
      smtpServer,
      {host: HOST, port: at.port, secureSocketOption: 'SslOnConnect', dnsServers, caFile},
      {timeoutMs: 1000},
    )
    assert.equal(r.status, 'fail', r.message)
    assert.match(r.message, /tls failed: the server accepted the connection but never answered the TLS handshake/)
    // The matrix hands MailKit a socket it connected itself (to check names and port 465 on
    // loopback); on such a socket MailKit's Timeout does not bound the TLS handshake, and only
    // this case needed the judge's guard. The product connects as above.
    const hung = cases.filter((c) => theirs.get(c)!.outlived).map((c) => `${c.face}/${c.option}`)
    assert.deepEqual([...new Set(hung)], ['never greets/SslOnConnect'])
  })

  test('the comparison can fail: MailKit sends on some faces and stops on others, at both steps', () => {
    const all = [...theirs.values()].map(mailKit)
    assert.ok(all.some((o) => o.sends && o.secure))
    assert.ok(all.some((o) => o.sends && !o.secure))
    assert.ok(all.some((o) => o.stopsAt === 'connect'))
    assert.ok(all.some((o) => o.stopsAt === 'authenticate'))
  })
})
