import {connect as netConnect, type Socket} from 'node:net'
import tls from 'node:tls'
import {resolveName, ResolutionError, type Resolution} from '../dns/index.js'
import {trustedContext, describeCertificate, type CertificateInfo} from '../pki/index.js'

/** What a TLS handshake showed, or the phase where it stopped. */
export interface TlsFacts {
  host: string
  port: number
  resolver: string
  addresses?: string[]
  cnames?: string[]
  /** Where it stopped: dns, connect, tls. Absent when the handshake completed. */
  failedPhase?: 'dns' | 'connect' | 'tls'
  error?: string
  errorCode?: string
  protocol?: string
  cipher?: string
  /** Chain trusted by the system store plus network.caFile. */
  authorized?: boolean
  authorizationError?: string
  hostnameError?: string
  /** The presented chain, leaf first. */
  chain?: CertificateInfo[]
}

export interface TlsProbeOptions {
  host: string
  port: number
  servername?: string
  dnsServers?: readonly string[]
  caFile?: string
  signal: AbortSignal
  timeoutMs: number
}

/**
 * Connects and completes a TLS handshake without rejecting anything, so that every property of
 * the endpoint can be judged: protocol (down to TLS 1.0, to report it), chain trust against the
 * system plus caFile, host name, and the presented certificates. Never throws for the endpoint's
 * faults: they come back as `failedPhase` with the error; aborts when the signal fires.
 */
export async function probeTls(o: TlsProbeOptions): Promise<TlsFacts> {
  const facts: TlsFacts = {host: o.host, port: o.port, resolver: 'system resolver'}
  let res: Resolution
  try {
    res = await resolveName(o.host, o.dnsServers, {timeoutMs: o.timeoutMs, signal: o.signal})
  } catch (e) {
    if (e instanceof ResolutionError)
      return {...facts, resolver: e.resolver, failedPhase: 'dns', error: e.message, errorCode: e.failure}
    throw e
  }
  facts.resolver = res.resolver
  facts.addresses = res.addresses.map((a) => a.address)
  facts.cnames = res.cnames
  const secureContext = await trustedContext(o.caFile, {legacy: true})
  const address = res.addresses[0]!.address

  const socket = await new Promise<Socket | Error>((resolve) => {
    const s = netConnect({host: address, port: o.port})
    const onAbort = () => s.destroy(new Error('aborted'))
    o.signal.addEventListener('abort', onAbort, {once: true})
    s.once('connect', () => {
      o.signal.removeEventListener('abort', onAbort)
      resolve(s)
    })
    s.once('error', (e) => {
      o.signal.removeEventListener('abort', onAbort)
      resolve(e)
    })
  })
  if (socket instanceof Error) {
    return {...facts, failedPhase: 'connect', error: socket.message, errorCode: (socket as NodeJS.ErrnoException).code}
  }

  return new Promise<TlsFacts>((resolve) => {
    const t = tls.connect({
      socket,
      servername: o.servername ?? (isIpLiteral(o.host) ? undefined : o.host),
      // Trusted roots, and down to TLS 1.0 and every cipher so that an old server is reported as such.
      secureContext,
      rejectUnauthorized: false,
    })
    const finish = (f: TlsFacts) => {
      o.signal.removeEventListener('abort', onAbort)
      t.destroy()
      socket.destroy()
      resolve(f)
    }
    const onAbort = () => t.destroy(new Error('aborted'))
    o.signal.addEventListener('abort', onAbort, {once: true})
    t.once('secureConnect', () => {
      const peer = t.getPeerCertificate(true)
      const chain: CertificateInfo[] = []
      const seen = new Set<string>()
      let cur: tls.DetailedPeerCertificate | undefined = peer && peer.raw ? peer : undefined
      while (cur?.raw && !seen.has(cur.fingerprint256)) {
        seen.add(cur.fingerprint256)
        chain.push(describeCertificate(cur.raw))
        cur = cur.issuerCertificate
      }
      const hostErr =
        peer?.raw && !isIpLiteral(o.host) ? tls.checkServerIdentity(o.servername ?? o.host, peer) : undefined
      finish({
        ...facts,
        protocol: t.getProtocol() ?? undefined,
        cipher: t.getCipher()?.name,
        authorized: t.authorized,
        authorizationError: t.authorizationError ? String(t.authorizationError) : undefined,
        hostnameError: hostErr?.message,
        chain,
      })
    })
    t.once('error', (e: NodeJS.ErrnoException) =>
      finish({...facts, failedPhase: 'tls', error: e.message, errorCode: e.code}),
    )
    t.once('close', () =>
      finish({
        ...facts,
        failedPhase: 'tls',
        error: 'the server closed the connection during the TLS handshake',
        errorCode: 'ECONNRESET',
      }),
    )
  })
}

export function isIpLiteral(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(':')
}
