import {hostname as localHostname} from 'node:os'
import type {TLSSocket} from 'node:tls'
import tls from 'node:tls'
import {transportMode, type SmtpSettings} from './smtp-settings.js'

export type {SmtpSettings}
import {resolveName, ResolutionError} from '../dns/index.js'
import {isIpLiteral} from '../tls/index.js'
import {trustedCAs, describeCertificate, type CertificateInfo} from '../pki/index.js'

/** The SMTP dialogue's phases, in order: the one that failed is named in every verdict. */
export type SmtpPhase = 'dns' | 'connect' | 'greeting' | 'ehlo' | 'starttls' | 'tls' | 'auth' | 'send'

export interface SmtpFacts {
  host: string
  port: number
  resolver: string
  address?: string
  /** How the connection was secured: tls from the first byte, after STARTTLS, or not at all. */
  security?: 'implicit-tls' | 'starttls' | 'none'
  failedPhase?: SmtpPhase
  error?: string
  errorCode?: string
  /** The server's reply at the failing step (e.g. "535 5.7.8 Authentication failed"). */
  response?: string
  banner?: string
  starttlsOffered?: boolean
  authMechanisms?: string[]
  tlsProtocol?: string
  tlsTrusted?: boolean
  tlsError?: string
  certificate?: CertificateInfo
  authenticated?: boolean
}

interface Transcript {
  server: string[]
  lastCommand?: string
}

/**
 * Walks the SMTP dialogue with nodemailer's SMTPConnection: connect, greeting, EHLO, STARTTLS or
 * implicit TLS as secureSocketOption says, certificate (trusted and covering the host), then AUTH
 * when credentials are set. Credentials are never sent over a TLS session this host does not
 * trust. Never throws for the server's faults: the failing phase comes back in the facts.
 */
export async function probeSmtp(s: SmtpSettings, signal: AbortSignal, timeoutMs: number): Promise<SmtpFacts> {
  const facts: SmtpFacts = {
    host: s.host,
    port: s.port,
    resolver: s.dnsServers?.length ? s.dnsServers.join(', ') : 'system resolver',
  }
  try {
    const r = await resolveName(s.host, s.dnsServers, {timeoutMs, signal})
    facts.resolver = r.resolver
    facts.address = r.addresses[0]!.address
  } catch (e) {
    if (e instanceof ResolutionError) return {...facts, failedPhase: 'dns', error: e.message, errorCode: e.failure}
    throw e
  }
  const mode = transportMode(s.secureSocketOption, s.port)
  const ca = await trustedCAs(s.caFile)
  const {default: SMTPConnection} = await import('nodemailer/lib/smtp-connection')
  const transcript: Transcript = {server: []}
  const conn = new SMTPConnection({
    host: facts.address,
    port: s.port,
    ...mode,
    // No SNI for an IP address (RFC 6066; Node warns with DEP0123).
    ...(isIpLiteral(s.host) ? {} : {servername: s.host}),
    name: localHostname(),
    connectionTimeout: Math.round(timeoutMs * 0.5),
    greetingTimeout: Math.round(timeoutMs * 0.6),
    socketTimeout: Math.round(timeoutMs * 0.8),
    socketCloseTimeout: 0,
    // Judge trust ourselves (to report the certificate), and send no credentials unless trusted.
    tls: {...(isIpLiteral(s.host) ? {} : {servername: s.host}), ca, rejectUnauthorized: false},
    logger: transcriptLogger(transcript),
    debug: true,
  })
  const abort = () => conn.close()
  signal.addEventListener('abort', abort, {once: true})
  conn.on('error', () => {})
  try {
    const connectErr = await new Promise<(Error & {code?: string; command?: string; response?: string}) | undefined>(
      (resolve) => {
        conn.once('error', (e: Error) => resolve(e))
        conn.connect((err?: Error | null) => resolve(err ?? undefined))
      },
    )
    analyseTranscript(transcript, facts)
    const sock = conn._socket as TLSSocket | false | null
    if (sock && (sock as TLSSocket).encrypted) {
      facts.security = mode.secure ? 'implicit-tls' : 'starttls'
      facts.tlsProtocol = sock.getProtocol() ?? undefined
      facts.tlsTrusted = sock.authorized
      if (!sock.authorized) facts.tlsError = String(sock.authorizationError)
      const peer = sock.getPeerCertificate()
      if (peer?.raw) {
        facts.certificate = describeCertificate(peer.raw)
        const hostErr = tls.checkServerIdentity(s.host, peer)
        if (hostErr) {
          facts.tlsTrusted = false
          facts.tlsError = hostErr.message
        }
      }
    } else if (!connectErr) facts.security = 'none'
    if (connectErr) return {...facts, ...phaseOf(connectErr, transcript, mode.secure && !facts.certificate)}
    if (facts.tlsTrusted === false) return facts
    if (s.username) {
      if (!facts.authMechanisms?.length)
        return {...facts, failedPhase: 'auth', error: 'the server offers no AUTH mechanism (EHLO lists none)'}
      const loginErr = await new Promise<(Error & {code?: string; response?: string}) | undefined>((resolve) => {
        conn.once('error', (e: Error) => resolve(e))
        conn.login({user: s.username!, pass: s.password ?? ''}, (err?: Error | null) => resolve(err ?? undefined))
      })
      if (loginErr)
        return {
          ...facts,
          failedPhase: 'auth',
          error: loginErr.message.replace(/\s*response=.*/s, ''),
          errorCode: loginErr.code,
          response: loginErr.response,
          authenticated: false,
        }
      facts.authenticated = true
    }
    return facts
  } finally {
    signal.removeEventListener('abort', abort)
    try {
      conn.quit()
    } catch {
      // already closed
    }
    conn.close()
  }
}

function transcriptLogger(t: Transcript) {
  const record = (...args: unknown[]) => {
    const msg = args.find((a): a is string => typeof a === 'string') ?? ''
    const meta = (args[0] ?? {}) as {tnx?: string}
    if (meta.tnx === 'server') t.server.push(...msg.split(/\r?\n/).filter(Boolean))
    // Only the verb of client commands: AUTH lines carry credentials.
    if (meta.tnx === 'client') t.lastCommand = msg.split(/\s+/)[0]?.toUpperCase()
  }
  return {
    trace: record,
    debug: record,
    info: record,
    warn: record,
    error: record,
    fatal: record,
    level: () => 'debug',
  } as never
}

function analyseTranscript(t: Transcript, f: SmtpFacts): void {
  const banner = t.server.find((l) => /^\d{3}[ -]/.test(l))
  if (banner) f.banner = banner
  const ehlo = t.server.filter((l) => /^250[ -]/.test(l))
  f.starttlsOffered = ehlo.some((l) => /^250[ -]STARTTLS\b/i.test(l))
  // The last EHLO answer wins (after STARTTLS the server announces again).
  const auth = ehlo.filter((l) => /^250[ -]AUTH[ =]/i.test(l)).at(-1)
  f.authMechanisms = auth
    ? auth
        .replace(/^250[ -]AUTH[ =]/i, '')
        .trim()
        .split(/\s+/)
    : []
}

function phaseOf(
  e: Error & {code?: string; command?: string; response?: string},
  t: Transcript,
  /** Implicit TLS whose handshake never finished. */
  handshakePending = false,
): Partial<SmtpFacts> {
  const base = {error: e.message.replace(/\s*response=.*/s, ''), errorCode: e.code, response: e.response || undefined}
  const msg = e.message
  // SslOnConnect: silence before any byte is a TLS handshake left unanswered, not a missing
  // greeting (MailKit reports it as an SslHandshakeException).
  if (handshakePending && t.server.length === 0 && e.code === 'ETIMEDOUT')
    return {
      ...base,
      failedPhase: 'tls',
      error: `the server accepted the connection but never answered the TLS handshake (${base.error})`,
    }
  // A refused STARTTLS command (a 5xx reply) is the STARTTLS phase; a failed handshake is TLS.
  if ((e.command === 'STARTTLS' || e.code === 'ETLS') && e.response) return {...base, failedPhase: 'starttls'}
  if (/certificate|self[- ]signed|SSL|TLS|handshake|wrong version|alert/i.test(msg) && e.code !== 'EPROTOCOL')
    return {...base, failedPhase: 'tls'}
  if (e.command === 'STARTTLS' || e.code === 'ETLS') return {...base, failedPhase: 'starttls'}
  if (e.command === 'EHLO' || e.command === 'HELO' || t.lastCommand === 'EHLO' || t.lastCommand === 'HELO')
    return {...base, failedPhase: 'ehlo'}
  if (e.code === 'EPROTOCOL' && e.command === 'CONN') return {...base, failedPhase: 'greeting'}
  if (/greeting/i.test(msg) || (t.server.length === 0 && e.code === 'ETIMEDOUT'))
    return {...base, failedPhase: 'greeting'}
  if (t.server.length === 0 && e.code === 'ECONNECTION' && /closed/i.test(msg))
    return {...base, failedPhase: 'greeting'}
  return {...base, failedPhase: 'connect'}
}
