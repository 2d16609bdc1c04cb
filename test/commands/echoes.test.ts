import assert from 'node:assert/strict'
import {readFile, writeFile} from 'node:fs/promises'
import {createServer as createHttpsServer, type Server as HttpsServer} from 'node:https'
import {createServer, type AddressInfo, type Server, type Socket} from 'node:net'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'
import {serverCert} from '../../src/sandbox/pki.js'
import {hasStackTrace, runCli} from '../helpers/cli.js'
import {saasEnv} from '../helpers/envs.js'
import {loopbackNetwork, type LoopbackNetwork} from '../helpers/loopback.js'

/**
 * Peers that echo the credentials they were sent, cut, encoded and shifted: no 4 characters of a
 * secret survive in any output (text, JSON, JUnit, TAP, HTML), and no encoded form of it.
 */

const HOST = 'api.contoso.test'
const USER = 'svc'
/** Random-looking, so that none of its 4-character pieces occurs in a report by chance. */
const PW = 'Wq83Zr-Kp27-Ty5X'
const SMTP_USER = 'idm@contoso.com'
const SMTP_PW = 'Mv46Hd-Qe19-Ux3B'
const noProxyEnv = {HTTPS_PROXY: undefined, https_proxy: undefined, NO_PROXY: undefined, no_proxy: undefined}
const b64 = (s: string) => Buffer.from(s, 'latin1').toString('base64')

/** Every way the API below echoes the password, by path. */
const ECHOES: Record<string, {status: number; headers?: Record<string, string>; body: (pw: string) => string}> = {
  // Cut at 200 characters by the probe: the password straddles the cut.
  at195: {status: 500, body: (pw) => `${'e'.repeat(195)}${pw} and more`},
  // Glued to other text, not a token.
  glued: {status: 200, body: (pw) => `{"debug":"token${pw}end"}`},
  hex: {
    status: 200,
    body: (pw) =>
      `{"hex":"${Buffer.from(pw).toString('hex')}","HEX":"${Buffer.from(pw).toString('hex').toUpperCase()}"}`,
  },
  url: {
    status: 200,
    body: (pw) =>
      `a=${encodeURIComponent(pw)}&b=${[...Buffer.from(pw)].map((c) => `%${c.toString(16)}`).join('')}&c=${[...Buffer.from(pw)].map((c) => `%${c.toString(16).toUpperCase()}`).join('')}`,
  },
  // base64 at the three byte alignments, in a JSON that is not cut.
  base64: {
    status: 200,
    body: (pw) =>
      `{"a":"${b64(`${USER}:${pw}`)}","b":"${b64(`x${pw}`)}","c":"${b64(`xy${pw}`)}","d":"${b64(`xyz${pw}`)}"}`,
  },
  // A challenge cut at 200 characters, the password at the cut.
  challenge: {
    status: 401,
    headers: {'www-authenticate': `Basic realm="${'r'.repeat(183)}${PW}"`},
    body: () => 'no',
  },
  // A base64 blob cut in the middle of the password's characters.
  cutBase64: {status: 500, body: (pw) => `${'q'.repeat(180)} ${b64(`\0${USER}\0${pw}`)}`},
}

/** An HTTPS API that answers each path with one of ECHOES, the password taken from Basic. */
function echoingApi(net: LoopbackNetwork): Promise<HttpsServer> {
  const c = serverCert(net.ca, [HOST])
  const server = createHttpsServer({cert: c.certPem + net.ca.certPem, key: c.keyPem}, (req, res) => {
    const basic = /^Basic (\S+)$/.exec(String(req.headers.authorization ?? ''))?.[1]
    const pw = basic ? Buffer.from(basic, 'base64').toString('latin1').split(':').slice(1).join(':') : ''
    const echo = ECHOES[(req.url ?? '').slice(1)]
    if (!echo) return void res.writeHead(404).end()
    res.writeHead(echo.status, {'content-type': 'text/plain', ...echo.headers})
    res.end(echo.body(pw))
  })
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)))
}

/** An SMTP server that answers AUTH PLAIN with the decoded blob re-encoded behind 1 and 2 bytes. */
function echoingSmtp(): Promise<Server> {
  const server = createServer((s: Socket) => {
    s.write('220 echo.test ESMTP\r\n')
    let buf = ''
    s.on('data', (d) => {
      buf += d.toString('latin1')
      for (let i = buf.indexOf('\r\n'); i >= 0; i = buf.indexOf('\r\n')) {
        const line = buf.slice(0, i)
        buf = buf.slice(i + 2)
        if (/^EHLO/i.test(line)) s.write('250-echo.test\r\n250 AUTH PLAIN\r\n')
        else if (/^AUTH PLAIN /i.test(line)) {
          const blob = Buffer.from(line.slice(11), 'base64').toString('latin1')
          // The message keeps 100 characters of the reply: the second blob's password is cut there.
          s.write(`535 5.7.8 ${'z'.repeat(57)} ${b64(`x${blob}`)} ${b64(`xy${blob}`)} ${line.slice(11)}\r\n`)
        } else if (/^QUIT/i.test(line)) s.end('221 bye\r\n')
        else s.write('502 5.5.1 unknown\r\n')
      }
    })
    s.on('error', () => undefined)
  })
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)))
}

const portOf = (s: {address(): unknown}) => (s.address() as AddressInfo).port

/** The secret's pieces that must not be printed: every 4 characters of it, and its encodings. */
function assertNoPiece(out: string, secret: string, where: string): void {
  for (let i = 0; i + 4 <= secret.length; i++) {
    const piece = secret.slice(i, i + 4)
    assert.ok(!out.includes(piece), `${where} holds "${piece}" of the secret:\n${excerpt(out, piece)}`)
  }
  const hex = Buffer.from(secret).toString('hex')
  for (const form of [hex, hex.toUpperCase(), b64(secret).slice(0, 8)])
    assert.ok(!out.includes(form), `${where} holds ${form}:\n${excerpt(out, form)}`)
}

function excerpt(out: string, piece: string): string {
  const i = out.indexOf(piece)
  return out.slice(Math.max(0, i - 200), i + 200)
}

/** Runs check once per format (HTML to a file) and returns each output. */
async function everyFormat(dir: string, file: string, only: string, env: Record<string, string | undefined>) {
  const formats = ['text', 'json', 'junit', 'tap', 'html'] as const
  const runs = await Promise.all(
    formats.map((f) =>
      runCli(
        [
          'check',
          '-c',
          file,
          '--only',
          only,
          '--format',
          f,
          ...(f === 'html' ? ['--output', join(dir, 'r.html')] : []),
        ],
        {env: {...noProxyEnv, ...env}, timeoutMs: 60_000},
      ),
    ),
  )
  const out: Record<string, string> = {}
  for (const [i, f] of formats.entries()) {
    const r = runs[i]!
    assert.ok(!hasStackTrace(r.stderr), r.stderr)
    out[f] = r.stdout + r.stderr + (f === 'html' ? await readFile(join(dir, 'r.html'), 'utf8') : '')
  }
  return out
}

describe('peers that echo secrets cut, glued, encoded and shifted', () => {
  let net: LoopbackNetwork
  let api: HttpsServer
  let smtp: Server
  before(async () => {
    net = await loopbackNetwork(HOST, 'echo test CA')
    api = await echoingApi(net)
    smtp = await echoingSmtp()
  })
  after(async () => {
    api?.close()
    smtp?.close()
    await net?.close()
  })

  test(
    'an HTTPS API echoing the password (at 195, glued, hex, URL-encoded, base64 at 3 offsets, in a challenge): no 4 characters of it in any format',
    {timeout: 90_000},
    async () => {
      // ServiceNow's Login and Password go as Basic (its page: "Basic or OAuth"); a SCIM API's are
      // exchanged for a token in a way its page does not give, so check never sends them (issue 26).
      const connections = Object.keys(ECHOES)
        .map(
          (path) =>
            `      - identifier: E${path}\n        type: http\n        api: servicenow\n        url: https://${HOST}:${portOf(api)}/${path}\n        username: ${USER}\n        password: "\${env:IDM_API_PW}"\n`,
        )
        .join('')
      const file = join(net.dir, 'api.yaml')
      await writeFile(
        file,
        saasEnv(
          net.dir,
          `network:\n  dnsServers: ["${net.dnsServers[0]}"]\n  caFile: ${net.caFile}\nconnectors:\n  - identifier: Echo\n    agent: ContosoAD\n    connections:\n${connections}`,
        ),
      )
      const out = await everyFormat(net.dir, file, 'connector.http', {IDM_API_PW: PW})
      // The echoes did reach the report (so that the test tests something) ...
      type Row = {id: string; target: string; data: {facts: {body?: string; wwwAuthenticate?: string}}}
      const rows = (JSON.parse(out.json!) as {results: Row[]}).results.filter((r) => r.id === 'connector.http')
      assert.equal(rows.length, Object.keys(ECHOES).length, out.json)
      const byPath = Object.fromEntries(rows.map((r) => [r.target.split(':E')[1], r]))
      assert.match(byPath.at195!.data.facts.body!, /^e{195}\*\*\*…$/)
      assert.match(byPath.glued!.data.facts.body!, /^\{"debug":"token\*\*\*end"\}$/)
      assert.match(byPath.challenge!.data.facts.wwwAuthenticate!, /^Basic realm="r{183}\*\*\*…$/)
      // ... and no piece of the password is in any output.
      for (const [f, text] of Object.entries(out)) assertNoPiece(text, PW, f)
    },
  )

  test(
    'an SMTP server quoting the AUTH PLAIN blob shifted by 1 and 2 bytes, cut at 100: no 4 characters of it in any format',
    {timeout: 90_000},
    async () => {
      const file = join(net.dir, 'smtp.yaml')
      await writeFile(
        file,
        saasEnv(
          net.dir,
          `smtp:\n  host: 127.0.0.1\n  port: ${portOf(smtp)}\n  secureSocketOption: None\n  username: ${SMTP_USER}\n  password: "\${env:IDM_SMTP}"\n  fromAddress: no-reply@contoso.com\n`,
        ),
      )
      const out = await everyFormat(net.dir, file, 'smtp.server', {IDM_SMTP: SMTP_PW})
      const row = (JSON.parse(out.json!) as {results: {id: string; message: string}[]}).results.find(
        (r) => r.id === 'smtp.server',
      )!
      // The reply reached the report, cut where the message keeps 100 characters.
      assert.match(row.message, /535 5\.7\.8 z{57} /)
      assert.match(row.message, /…/)
      for (const [f, text] of Object.entries(out)) {
        assertNoPiece(text, SMTP_PW, f)
        for (const blob of [b64(`x\0${SMTP_USER}\0${SMTP_PW}`), b64(`xy\0${SMTP_USER}\0${SMTP_PW}`)])
          assert.ok(!text.includes(blob.slice(-12)), `${f} holds the end of ${blob}`)
      }
    },
  )
})
