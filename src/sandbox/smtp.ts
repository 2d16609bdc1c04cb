import {createServer as createNetServer, type AddressInfo, type Socket} from 'node:net'
import {SMTPServer} from 'smtp-server'
import type {Issued} from './pki.js'
import type {Running} from './servers.js'

/** How the sandbox SMTP server behaves. */
export type SmtpMode =
  /** STARTTLS and AUTH, as a real relay (port 587). */
  | 'starttls'
  /** TLS from the first byte (port 465). */
  | 'implicit-tls'
  /** Plain text only: no STARTTLS offered. */
  | 'no-starttls'
  /** Accepts the connection and never greets. */
  | 'never-greets'
  /** Greets with 554: no service. */
  | 'greets-554'
  /** Greets, then hangs up after EHLO. */
  | 'drops-after-ehlo'

export interface SmtpOptions {
  mode?: SmtpMode
  cert?: Issued
  ca?: Issued
  /** The only credentials AUTH accepts. */
  user?: string
  password?: string
  /** Where to listen: 127.0.0.1 and a free port unless given (a test may want 465 itself). */
  address?: string
  port?: number
}

export interface ReceivedMail {
  from: string
  to: string[]
  data: string
  queueId: string
}

/**
 * An SMTP server on 127.0.0.1 (smtp-server) with STARTTLS and AUTH PLAIN/LOGIN that keeps the
 * messages it receives, or one of the broken servers installations meet.
 */
export async function startSmtp(o: SmtpOptions): Promise<Running & {messages: ReceivedMail[]; authAttempts: number}> {
  const mode = o.mode ?? 'starttls'
  if (mode === 'never-greets' || mode === 'greets-554' || mode === 'drops-after-ehlo')
    return rawSmtp(mode, o.address, o.port)
  const messages: ReceivedMail[] = []
  let authAttempts = 0
  let n = 0
  const chain = o.cert && o.ca ? o.cert.certPem + o.ca.certPem : o.cert?.certPem
  const server = new SMTPServer({
    secure: mode === 'implicit-tls',
    key: o.cert?.keyPem,
    cert: chain,
    // hideSTARTTLS alone would still accept the command: refuse it, as such relays do.
    hideSTARTTLS: mode === 'no-starttls',
    disabledCommands: mode === 'no-starttls' ? ['STARTTLS'] : [],
    authMethods: ['PLAIN', 'LOGIN'],
    authOptional: true,
    allowInsecureAuth: mode === 'no-starttls',
    disableReverseLookup: true,
    banner: 'idm-preflight sandbox SMTP',
    logger: false,
    onAuth(auth, _session, cb) {
      authAttempts++
      if (auth.username === o.user && auth.password === o.password) return cb(null, {user: auth.username})
      return cb(Object.assign(new Error('Invalid username or password'), {responseCode: 535}))
    },
    onData(stream, session, cb) {
      let data = ''
      stream.setEncoding('utf8')
      stream.on('data', (d: string) => (data += d))
      stream.on('end', () => {
        const queueId = `SBX${(++n).toString().padStart(6, '0')}`
        messages.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          data,
          queueId,
        })
        cb(null, `Ok: queued as ${queueId}`)
      })
    },
  })
  server.on('error', () => {})
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(o.port ?? 0, o.address ?? '127.0.0.1', () => resolve())
  })
  const port = ((server as unknown as {server: {address(): AddressInfo}}).server.address() as AddressInfo).port
  return {
    port,
    messages,
    get authAttempts() {
      return authAttempts
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  }
}

/** Servers that break the protocol on purpose, on a raw socket. */
async function rawSmtp(
  mode: 'never-greets' | 'greets-554' | 'drops-after-ehlo',
  address = '127.0.0.1',
  port = 0,
): Promise<Running & {messages: ReceivedMail[]; authAttempts: number}> {
  const sockets = new Set<Socket>()
  const server = createNetServer((s) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
    s.on('error', () => {})
    if (mode === 'never-greets') return
    if (mode === 'greets-554') {
      s.end('554 5.7.1 No SMTP service here\r\n')
      return
    }
    s.write('220 sandbox.invalid ESMTP\r\n')
    s.once('data', () => s.destroy())
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, address, () => resolve())
  })
  return {
    port: (server.address() as AddressInfo).port,
    messages: [],
    authAttempts: 0,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy()
        server.close(() => r())
      }),
  }
}
