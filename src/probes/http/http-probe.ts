import {request as httpRequest, type IncomingMessage} from 'node:http'
import {request as httpsRequest} from 'node:https'
import tls, {type TLSSocket} from 'node:tls'
import {clip, urlCredentials} from '../../base/index.js'
import {parseProxy} from '../../product/index.js'
import {lookupVia, resolveName, ResolutionError} from '../dns/index.js'
import {isIpLiteral} from '../tls/index.js'
import {trustedContext} from '../pki/index.js'

export interface HttpFacts {
  url: string
  resolver: string
  /** The proxy used (password hidden), or undefined when direct. */
  proxy?: string
  failedPhase?: 'dns' | 'proxy' | 'connect' | 'tls' | 'http'
  error?: string
  errorCode?: string
  tlsAuthorized?: boolean
  tlsError?: string
  status?: number
  /** The first 200 characters of the body. */
  body?: string
  /** What a 401 asks for (WWW-Authenticate), first 200 characters. */
  wwwAuthenticate?: string
  /** Where a 3xx sends the client (Location), first 200 characters. */
  location?: string
}

export interface HttpProbeOptions {
  url: string
  proxy?: string
  dnsServers?: readonly string[]
  caFile?: string
  signal: AbortSignal
  timeoutMs: number
  /** Extra request headers (Authorization for an API): never part of the facts. */
  headers?: Record<string, string>
}

/**
 * GET an https URL as the agent would: through the HTTPS_PROXY (a CONNECT tunnel) when one is
 * set and not bypassed, names resolved through the configured DNS servers, the certificate
 * judged against the system trust plus caFile. Reports the phase that failed; never throws for
 * the peer's faults.
 */
export async function probeHttps(o: HttpProbeOptions): Promise<HttpFacts> {
  const u = new URL(o.url)
  if (u.protocol === 'http:') return probePlainHttp(o, u)
  const port = Number(u.port || 443)
  const facts: HttpFacts = {url: o.url, resolver: o.dnsServers?.length ? o.dnsServers.join(', ') : 'system resolver'}
  const secureContext = await trustedContext(o.caFile)
  const lookup = lookupVia(o.dnsServers, o.timeoutMs)
  let socket: TLSSocket
  try {
    if (o.proxy) {
      const p = parseProxy(o.proxy)!
      facts.proxy = `${p.host}:${p.port ?? 80}`
      socket = await tunnel(
        p.host.replace(/^\[|\]$/g, ''),
        p.port ?? 80,
        u.hostname,
        port,
        proxyAuth(o.proxy),
        o,
        lookup,
      )
      socket = await startTls(socket, u.hostname, secureContext, o.signal)
    } else {
      try {
        await resolveName(u.hostname, o.dnsServers, {timeoutMs: o.timeoutMs, signal: o.signal})
      } catch (e) {
        if (e instanceof ResolutionError) return {...facts, failedPhase: 'dns', error: e.message, errorCode: e.failure}
        throw e
      }
      socket = await new Promise<TLSSocket>((resolve, reject) => {
        const s = tls.connect({
          host: u.hostname,
          port,
          // No SNI for an IP address (RFC 6066; Node warns with DEP0123).
          ...(isIpLiteral(u.hostname) ? {} : {servername: u.hostname}),
          secureContext,
          rejectUnauthorized: false,
          lookup: lookup as never,
        })
        s.once('secureConnect', () => resolve(s))
        s.once('error', (e) =>
          reject(tagPhase(e, (e as NodeJS.ErrnoException).code === 'ECONNREFUSED' || s.connecting ? 'connect' : 'tls')),
        )
        o.signal.addEventListener('abort', () => s.destroy(new Error('aborted')), {once: true})
      })
    }
  } catch (e) {
    const err = e as NodeJS.ErrnoException & {phase?: HttpFacts['failedPhase']}
    return {...facts, failedPhase: err.phase ?? 'connect', error: err.message, errorCode: err.code}
  }
  facts.tlsAuthorized = socket.authorized
  if (!socket.authorized) facts.tlsError = String(socket.authorizationError)
  const hostErr = tls.checkServerIdentity(u.hostname, socket.getPeerCertificate())
  if (hostErr) {
    facts.tlsAuthorized = false
    facts.tlsError = hostErr.message
  }
  // Credentials go only to a peer whose certificate is trusted and names the host.
  if (o.headers && facts.tlsAuthorized === false) {
    socket.destroy()
    return facts
  }
  return new Promise<HttpFacts>((resolve) => {
    // No `agent` key: with `agent: false` Node builds a fresh Agent and ignores createConnection.
    const req = httpsRequest(
      {
        host: u.hostname,
        port,
        path: `${u.pathname}${u.search}`,
        method: 'GET',
        createConnection: () => socket,
        headers: {'user-agent': 'idm-preflight', accept: '*/*', ...o.headers},
      },
      (res) => answer(res, facts, resolve, () => socket.destroy()),
    )
    req.on('error', (e: NodeJS.ErrnoException) =>
      resolve({...facts, failedPhase: 'http', error: e.message, errorCode: e.code}),
    )
    o.signal.addEventListener('abort', () => req.destroy(new Error('aborted')), {once: true})
    req.end()
  })
}

/**
 * GET an http:// URL (the docs allow HTTP and recommend HTTPS): directly, or through the proxy
 * as .NET does for http, an absolute-form request (no CONNECT tunnel). No TLS phase.
 */
async function probePlainHttp(o: HttpProbeOptions, u: URL): Promise<HttpFacts> {
  const facts: HttpFacts = {url: o.url, resolver: o.dnsServers?.length ? o.dnsServers.join(', ') : 'system resolver'}
  const lookup = lookupVia(o.dnsServers, o.timeoutMs)
  const p = o.proxy ? parseProxy(o.proxy) : undefined
  if (p) facts.proxy = `${p.host}:${p.port ?? 80}`
  else {
    try {
      await resolveName(u.hostname, o.dnsServers, {timeoutMs: o.timeoutMs, signal: o.signal})
    } catch (e) {
      if (e instanceof ResolutionError) return {...facts, failedPhase: 'dns', error: e.message, errorCode: e.failure}
      throw e
    }
  }
  const auth = o.proxy ? proxyAuth(o.proxy) : undefined
  return new Promise<HttpFacts>((resolve) => {
    const req = httpRequest(
      {
        host: p ? p.host.replace(/^\[|\]$/g, '') : u.hostname,
        port: p ? (p.port ?? 80) : Number(u.port || 80),
        path: p ? u.href : `${u.pathname}${u.search}`,
        method: 'GET',
        headers: {
          host: u.host,
          'user-agent': 'idm-preflight',
          accept: '*/*',
          ...o.headers,
          ...(auth ? {'proxy-authorization': auth} : {}),
        },
        lookup: lookup as never,
        agent: false,
      },
      (res) => answer(res, facts, resolve, () => req.destroy()),
    )
    req.on('error', (e: NodeJS.ErrnoException) =>
      resolve({
        ...facts,
        failedPhase: p ? 'proxy' : e.code === 'ECONNREFUSED' || e.code === 'ETIMEDOUT' ? 'connect' : 'http',
        error: p ? `cannot reach the proxy ${p.host}:${p.port ?? 80}: ${e.message}` : e.message,
        errorCode: e.code,
      }),
    )
    o.signal.addEventListener('abort', () => req.destroy(new Error('aborted')), {once: true})
    req.end()
  })
}

/**
 * The status and the first 200 characters of the body. "Healthy" is seven characters: a peer
 * that keeps sending has said enough after MAX_BODY_CHARS (a flood would otherwise cost the whole
 * timeout), and the connection is closed then.
 */
function answer(res: IncomingMessage, facts: HttpFacts, resolve: (f: HttpFacts) => void, close: () => void): void {
  let body = ''
  let finished = false
  res.setEncoding('utf8')
  const done = () => {
    if (finished) return
    finished = true
    close()
    const challenge = res.headers['www-authenticate']
    const location = res.headers.location
    resolve({
      ...facts,
      status: res.statusCode,
      // Cut with a mark: the redactor hides a secret that the cut left in part.
      body: clip(body, 200),
      ...(challenge ? {wwwAuthenticate: clip(String(challenge), 200)} : {}),
      ...(location ? {location: clip(location, 200)} : {}),
    })
  }
  res.on('data', (d: string) => {
    body += d
    if (body.length > MAX_BODY_CHARS) done()
  })
  res.on('end', done)
  res.on('error', (e) => resolve({...facts, failedPhase: 'http', error: e.message}))
}

/** What of a body is read before judging it: `/hc` answers one word. */
const MAX_BODY_CHARS = 4096

function tagPhase(e: Error, phase: HttpFacts['failedPhase']): Error {
  return Object.assign(e, {phase})
}

function proxyAuth(proxy: string): string | undefined {
  const c = urlCredentials(proxy)
  return c ? `Basic ${Buffer.from(`${c.user}:${c.password}`).toString('base64')}` : undefined
}

function tunnel(
  proxyHost: string,
  proxyPort: number,
  host: string,
  port: number,
  auth: string | undefined,
  o: HttpProbeOptions,
  lookup: ReturnType<typeof lookupVia>,
): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({
      host: proxyHost,
      port: proxyPort,
      method: 'CONNECT',
      path: `${host}:${port}`,
      headers: {host: `${host}:${port}`, ...(auth ? {'proxy-authorization': auth} : {})},
      lookup: lookup as never,
      agent: false,
    })
    req.once('connect', (res, sock) => {
      if (res.statusCode !== 200) {
        sock.destroy()
        return reject(
          tagPhase(
            new Error(
              `the proxy answered ${res.statusCode} ${res.statusMessage ?? ''} to CONNECT ${host}:${port}`.trim(),
            ),
            'proxy',
          ),
        )
      }
      resolve(sock as TLSSocket)
    })
    req.once('response', (res) =>
      reject(tagPhase(new Error(`the proxy answered ${res.statusCode} instead of opening a tunnel`), 'proxy')),
    )
    req.once('error', (e) =>
      reject(tagPhase(new Error(`cannot reach the proxy ${proxyHost}:${proxyPort}: ${e.message}`), 'proxy')),
    )
    o.signal.addEventListener('abort', () => req.destroy(new Error('aborted')), {once: true})
    req.end()
  })
}

function startTls(
  raw: TLSSocket,
  servername: string,
  secureContext: tls.SecureContext,
  signal: AbortSignal,
): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({
      socket: raw,
      ...(isIpLiteral(servername) ? {} : {servername}),
      secureContext,
      rejectUnauthorized: false,
    })
    s.once('secureConnect', () => resolve(s))
    s.once('error', (e) => reject(tagPhase(e, 'tls')))
    signal.addEventListener('abort', () => s.destroy(new Error('aborted')), {once: true})
  })
}
