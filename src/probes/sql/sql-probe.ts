import {createSocket} from 'node:dgram'
import {connect as netConnect} from 'node:net'
import type {Connection} from 'tedious'
import {resolveName, ResolutionError} from '../dns/index.js'
import {isIpLiteral} from '../tls/index.js'
import {trustedCAs} from '../pki/index.js'
import type {SqlParams} from './sql-settings.js'
import {commonJs} from '../../base/index.js'

/** The phases of a SQL Server connection, in order: the one that failed is named in every verdict. */
export type SqlPhase = 'dns' | 'browser' | 'tcp' | 'prelogin' | 'tls' | 'login' | 'database'

export interface SqlError {
  number: number
  state: number
  message: string
}

export interface SqlConnectFacts {
  resolver: string
  address?: string
  port?: number
  /** The port came from the SQL Server Browser (named instance). */
  portFromBrowser?: boolean
  failedPhase?: SqlPhase
  error?: string
  errorCode?: string
  sqlErrors: SqlError[]
  /** Integrated Security from a host that cannot log in as the service account. */
  integratedNotTested?: boolean
  /** The server's program name and version from LOGINACK. */
  server?: string
}

/** Asks the SQL Server Browser (UDP) for a named instance's TCP port. */
export function browserLookup(
  address: string,
  port: number,
  instance: string,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<number | undefined> {
  return new Promise((resolve) => {
    const sock = createSocket(address.includes(':') ? 'udp6' : 'udp4')
    const finish = (p: number | undefined) => {
      clearTimeout(timer)
      signal.removeEventListener('abort', onAbort)
      try {
        sock.close()
      } catch {
        // already closed
      }
      resolve(p)
    }
    const onAbort = () => finish(undefined)
    const timer = setTimeout(() => finish(undefined), timeoutMs)
    signal.addEventListener('abort', onAbort, {once: true})
    sock.on('error', () => finish(undefined))
    sock.on('message', (msg) => {
      if (msg[0] !== 0x05) return
      const text = msg.subarray(3).toString('latin1')
      const m = /;tcp;(\d+)/i.exec(text)
      finish(m ? Number(m[1]) : undefined)
    })
    sock.send(Buffer.concat([Buffer.from([0x04]), Buffer.from(instance, 'latin1')]), port, address)
  })
}

function tcpConnect(address: string, port: number, signal: AbortSignal): Promise<NodeJS.ErrnoException | undefined> {
  return new Promise((resolve) => {
    const s = netConnect({host: address, port})
    const onAbort = () => s.destroy(new Error('aborted'))
    signal.addEventListener('abort', onAbort, {once: true})
    s.once('connect', () => {
      signal.removeEventListener('abort', onAbort)
      s.destroy()
      resolve(undefined)
    })
    s.once('error', (e) => {
      signal.removeEventListener('abort', onAbort)
      resolve(e)
    })
  })
}

/**
 * Connects phase by phase: DNS (through the configured servers), the SQL Browser for a named
 * instance, TCP, then tedious for pre-login, TLS (as Encrypt says), login and the database. On
 * success the tedious connection is handed to `then` (sql.requirements runs its query there) and
 * closed afterwards. tedious is imported here only: it costs ~370 ms to load.
 */
export async function probeSql<T>(
  p: SqlParams,
  ctx: {signal: AbortSignal; timeoutMs: number},
  then?: (c: Connection) => Promise<T>,
): Promise<SqlConnectFacts & {result?: T}> {
  const facts: SqlConnectFacts = {
    resolver: p.dnsServers?.length ? p.dnsServers.join(', ') : 'system resolver',
    sqlErrors: [],
  }
  const host = p.local ? 'localhost' : p.host
  let address: string
  try {
    const r = await resolveName(host, p.dnsServers, {timeoutMs: ctx.timeoutMs, signal: ctx.signal})
    facts.resolver = r.resolver
    address = r.addresses[0]!.address
    facts.address = address
  } catch (e) {
    if (e instanceof ResolutionError) return {...facts, failedPhase: 'dns', error: e.message, errorCode: e.failure}
    throw e
  }
  let port = p.port
  if (!port && p.instance) {
    port = await browserLookup(address, p.browserPort, p.instance, Math.min(2000, ctx.timeoutMs / 2), ctx.signal)
    if (!port)
      return {
        ...facts,
        failedPhase: 'browser',
        error: `the SQL Server Browser on ${address}:${p.browserPort} (UDP) did not give the port of instance ${p.instance}`,
      }
    facts.portFromBrowser = true
  }
  port ??= 1433
  facts.port = port
  const tcpErr = await tcpConnect(address, port, ctx.signal)
  if (tcpErr) return {...facts, failedPhase: 'tcp', error: tcpErr.message, errorCode: tcpErr.code}
  if (p.auth === 'integrated') return {...facts, integratedNotTested: true}

  const {Connection} = commonJs(await import('tedious'))
  const ca = p.encrypt !== 'optional' && !p.trustServerCertificate ? await trustedCAs(p.caFile) : undefined
  const conn = new Connection({
    server: address,
    authentication:
      p.auth === 'ntlm'
        ? {type: 'ntlm', options: {domain: p.ntlmDomain ?? '', userName: p.userId ?? '', password: p.password ?? ''}}
        : {type: 'default', options: {userName: p.userId ?? '', password: p.password ?? ''}},
    options: {
      port,
      database: p.database,
      encrypt: p.encrypt === 'strict' ? 'strict' : p.encrypt === 'mandatory',
      trustServerCertificate: p.trustServerCertificate,
      // No SNI for an IP address (RFC 6066; Node warns with DEP0123): tedious then names none.
      serverName: p.hostNameInCertificate ?? (p.local ? 'localhost' : isIpLiteral(p.host) ? undefined : p.host),
      connectTimeout: Math.max(500, Math.round(ctx.timeoutMs * 0.9)),
      requestTimeout: Math.max(500, Math.round(ctx.timeoutMs * 0.9)),
      appName: 'idm-preflight',
      ...(ca ? {cryptoCredentialsDetails: {ca}} : {}),
    },
  })
  conn.on('errorMessage', (t: {number: number; state: number; message: string}) =>
    facts.sqlErrors.push({number: t.number, state: t.state, message: t.message}),
  )
  conn.on('error', () => {})
  const onAbort = () => conn.close()
  ctx.signal.addEventListener('abort', onAbort, {once: true})
  try {
    const err = await new Promise<(Error & {code?: string}) | undefined>((resolve) => {
      conn.on('connect', (e) => resolve(e as (Error & {code?: string}) | undefined))
      conn.connect()
    })
    if (err) return {...facts, ...classify(err, facts.sqlErrors)}
    facts.server = 'connected'
    if (!then) return facts
    return {...facts, result: await then(conn)}
  } finally {
    ctx.signal.removeEventListener('abort', onAbort)
    conn.close()
  }
}

function classify(err: Error & {code?: string}, sqlErrors: SqlError[]): Partial<SqlConnectFacts> {
  const base = {error: err.message, errorCode: err.code}
  if (sqlErrors.some((e) => e.number === 4060)) return {...base, failedPhase: 'database'}
  if (err.code === 'ELOGIN' || sqlErrors.some((e) => e.number === 18456 || e.number === 18452))
    return {...base, failedPhase: 'login'}
  if (err.code === 'EENCRYPT' || /certificate|TLS|SSL|self[- ]signed|handshake/i.test(err.message))
    return {...base, failedPhase: 'tls'}
  if (err.code === 'ETIMEOUT') return {...base, failedPhase: 'prelogin'}
  return {...base, failedPhase: 'prelogin'}
}
