import net from 'node:net'
import tls, {type TLSSocket} from 'node:tls'
import {formatDuration, clip} from '../../base/index.js'
import {sizeText} from '../../io/index.js'
import {isIpLiteral} from '../tls/index.js'
import {resolveName, ResolutionError} from '../dns/index.js'
import {trustedContext} from '../pki/index.js'

/** One LDAP server of a connection, as connector.ldap probes it from the agent's host. */
export interface LdapParams {
  /** The agent (or `server`) whose host runs the connector. */
  owner: string
  /** `connector/connection`: where the result sits in the picture. */
  system: string
  connection: string
  activeDirectory: boolean
  host: string
  port: number
  security: 'ldaps' | 'starttls' | 'none'
  baseDN: string
  authType: 'Basic' | 'Anonymous' | 'Negotiate'
  login?: string
  password?: string
  filter: string
  /** Most entries a paged search counts before it stops (the measure, not an export). */
  countCap: number
  dnsServers?: string[]
  caFile?: string
}

export type LdapPhase = 'dns' | 'tcp' | 'tls' | 'starttls' | 'rootdse' | 'bind' | 'base' | 'search'

export interface LdapFacts {
  address?: string
  failedPhase?: LdapPhase
  error?: string
  /** The LDAP result code of the failure (49 invalidCredentials, 32 noSuchObject, 8 strongerAuthRequired…). */
  resultCode?: number
  /** Active Directory's sub-code of a bind failure (52e, 775…), from its diagnostic message. */
  adDataCode?: string
  tls?: {authorized: boolean; error?: string; protocol?: string; subject?: string; notAfter?: string}
  rootDse?: {
    activeDirectory: boolean
    vendor?: string
    namingContexts: string[]
    pagedResults: boolean
    /** AD: the DC's domain functional level or DNS host name, when it says. */
    dnsHostName?: string
  }
  /** The bind done: `Basic` as the login, or none (Anonymous, Negotiate). */
  boundAs?: string
  /** Entries a paged search of the base DN with the filter returned (at most countCap). */
  pagedEntries?: number
  /** The count stopped at countCap: the directory holds more. */
  capped?: boolean
  /** The server stopped the paged search itself (sizeLimitExceeded) after this many entries. */
  pagedLimit?: number
  /** An unpaged search stopped at this many entries (the server's size limit). */
  unpagedLimit?: number
  /** An unpaged search found this many entries, more than the paged one: the server's paging loses some. */
  pagedShort?: number
  elapsedMs: number
}

const PAGED_RESULTS_OID = '1.2.840.113556.1.4.319'
const AD_CAPABILITY_OID = '1.2.840.113556.1.4.800'
const AD_LDS_CAPABILITY_OID = '1.2.840.113556.1.4.1851'

/**
 * Connects as the product's connector would (DNS through the configured servers, TCP, LDAPS or
 * StartTLS with the certificate judged against the system trust plus caFile and the host name),
 * reads the rootDSE, binds as the account, reads the base DN and measures a paged search of it.
 * The password is sent only over a TLS connection whose certificate is trusted, or when the
 * environment says security none. Never throws for the peer's faults: the failing phase is named.
 */
export async function probeLdap(p: LdapParams, ctx: {signal: AbortSignal; timeoutMs: number}): Promise<LdapFacts> {
  const started = Date.now()
  const facts: LdapFacts = {elapsedMs: 0}
  let phase: LdapPhase = 'dns'
  const sockets: net.Socket[] = []
  // Our deadline comes before the runner's, so that the phase that hung is the one reported.
  const budget = Math.max(300, Math.round(ctx.timeoutMs * 0.9))
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new PhaseTimeout(budget)), budget)
  })
  const aborted = new Promise<never>((_, reject) => {
    if (ctx.signal.aborted) reject(new Error('aborted'))
    ctx.signal.addEventListener('abort', () => reject(new Error('aborted')), {once: true})
  })
  deadline.catch(() => {})
  aborted.catch(() => {})
  const race = <T>(work: Promise<T>): Promise<T> => Promise.race([work, deadline, aborted])
  let client: import('ldapts').Client | undefined
  // What the server sends, counted on the LDAP messages: the caps, and what a timeout says.
  const traffic = new Traffic(p.countCap)
  try {
    if (isIpLiteral(p.host)) facts.address = p.host
    else {
      const r = await race(resolveName(p.host, p.dnsServers, {timeoutMs: budget, signal: ctx.signal}))
      facts.address = r.addresses[0]!.address
    }
    phase = 'tcp'
    const raw = await race(connectTcp(facts.address, p.port, sockets))
    // On the raw socket, LDAP messages in clear (none, StartTLS until the upgrade); TLS records else.
    const rawGuard = capped(raw, p.security !== 'ldaps', traffic)
    let socket: net.Socket = raw
    const secureContext = p.security === 'none' ? undefined : await trustedContext(p.caFile)
    const servername = isIpLiteral(p.host) ? undefined : p.host
    const upgrade = (base: net.Socket): Promise<TLSSocket> =>
      new Promise((resolve, reject) => {
        const s = tls.connect({socket: base, servername, secureContext, rejectUnauthorized: false})
        sockets.push(s)
        capped(s, true, traffic)
        s.once('secureConnect', () => resolve(s))
        s.once('error', reject)
      })
    if (p.security === 'ldaps') {
      phase = 'tls'
      socket = await race(upgrade(raw))
      facts.tls = judgeTls(socket as TLSSocket, p.host)
    }
    const {Client} = await import('ldapts')
    let upgraded: TLSSocket | undefined
    client = new Client({
      url: `ldap://${p.host.includes(':') ? `[${p.host}]` : p.host}:${p.port}`,
      timeout: budget,
      strictDN: false,
      createConnection: (() => socket) as unknown as typeof net.connect,
      createSecureConnection: ((o: tls.ConnectionOptions) => {
        const s = tls.connect({...o, servername, secureContext, rejectUnauthorized: false})
        rawGuard.stop()
        sockets.push(s)
        capped(s, true, traffic)
        upgraded = s
        return s
      }) as unknown as typeof tls.connect,
    })
    if (p.security === 'starttls') {
      phase = 'starttls'
      await race(client.startTLS({}))
      facts.tls = judgeTls(upgraded!, p.host)
    }
    if (facts.tls && !facts.tls.authorized) {
      facts.failedPhase = p.security === 'starttls' ? 'starttls' : 'tls'
      facts.error = facts.tls.error
      return facts
    }
    phase = 'rootdse'
    facts.rootDse = await race(readRootDse(client))
    if (p.authType === 'Basic') {
      phase = 'bind'
      await race(client.bind(p.login ?? '', p.password ?? ''))
      facts.boundAs = p.login
    }
    phase = 'base'
    await race(client.search(p.baseDN, {scope: 'base', filter: '(objectClass=*)', attributes: ['1.1']}))
    phase = 'search'
    Object.assign(facts, await race(measure(client, p, facts.rootDse.pagedResults, traffic)))
    return facts
  } catch (e) {
    facts.failedPhase = phase
    if (e instanceof PhaseTimeout) facts.error = traffic.unfinished(formatDuration(e.ms))
    else if (e instanceof ResolutionError) facts.error = e.message
    else {
      const err = e as Error & {code?: number | string}
      facts.error = cleanMessage(err.message)
      if (typeof err.code === 'number') facts.resultCode = err.code
      const ad = /data ([0-9a-f]{2,4}),/i.exec(err.message)
      if (ad) facts.adDataCode = ad[1]!.toLowerCase()
    }
    return facts
  } finally {
    clearTimeout(timer)
    facts.elapsedMs = Date.now() - started
    if (client) await Promise.race([client.unbind().catch(() => {}), new Promise((r) => setTimeout(r, 200))])
    // The TLS wrapper before the socket under it: the other order crashed Node 22 (SIGSEGV) after
    // a failed handshake on a previous connection.
    for (const s of sockets.reverse()) s.destroy()
  }
}

class PhaseTimeout extends Error {
  constructor(readonly ms: number) {
    super('timeout')
  }
}

/** Longest LDAP message read (an entry without attributes is small; the client buffers a message whole). */
const MAX_MESSAGE = 4 * 1024 * 1024
/**
 * Most bytes a server may send in one probe: a few MB, and room for two passes of countCap
 * entries with long DNs (the paged count and the unpaged comparison). This tool's own bound.
 */
const maxBytes = (countCap: number) => 4 * 1024 * 1024 + countCap * 1024

const OP_SEARCH_ENTRY = 0x64
const OP_SEARCH_REFERENCE = 0x73

/**
 * What the server sent in one probe, counted on its LDAP messages: the entries of the answer in
 * progress (a search answer ends with its SearchResultDone) and their bytes. An answer may hold
 * at most countCap entries: a page that never ends is stopped there, inside the page, instead of
 * being held whole by the client (one endless page of tiny entries took 674 MB in 5 s).
 */
class Traffic {
  /** Entries and bytes of the answer not yet ended. */
  entries = 0
  bytes = 0
  /** What the answer in progress is: a page of the paged search, or an answer. */
  kind: 'page' | 'answer' = 'answer'
  constructor(readonly countCap: number) {}

  /** One LDAP message begins: `op` is its protocol operation's tag (any response but an entry or a reference ends an answer). An error text stops the probe. */
  message(op: number | undefined): string | undefined {
    if (op === OP_SEARCH_ENTRY || op === OP_SEARCH_REFERENCE) {
      this.entries++
      if (this.entries > this.countCap)
        return `the server sent ${this.entries} entries (${sizeText(this.bytes)}) in one ${this.kind} without ending it: stopped at the count cap (${this.countCap}, checks.settings.connector.ldap.countCap)`
    } else if (op !== undefined) {
      this.entries = 0
      this.bytes = 0
    }
    return undefined
  }

  /** What to say when the time is up: what the server sent of an answer it never ended, if anything. */
  unfinished(within: string): string {
    if (this.entries > 0)
      return `the server sent ${this.entries} entries (${sizeText(this.bytes)}) without ending the ${this.kind} within ${within}`
    return `no answer within ${within}${this.bytes ? ` (${sizeText(this.bytes)} of a message that did not end)` : ''}`
  }
}

/**
 * Guards a socket against a flood: destroyed once the peer has sent more than maxBytes, announced
 * an LDAP message longer than MAX_MESSAGE (the client would buffer it whole), or sent more
 * entries in one answer than the count cap. `frames` reads the BER header of each message on a
 * socket that carries LDAP in clear; `stop()` ends that when the socket is about to carry TLS
 * records instead (StartTLS).
 */
function capped(s: net.Socket, frames: boolean, traffic: Traffic): {stop(): void} {
  const cap = maxBytes(traffic.countCap)
  let n = 0
  let remain = 0
  let head: number[] = []
  const stop = (why: string) => void s.destroy(new Error(why))
  s.on('data', (d: Buffer) => {
    n += d.length
    if (frames) traffic.bytes += d.length
    if (n > cap)
      return stop(
        `the server sent more than ${sizeText(cap)}${traffic.entries ? ` (${traffic.entries} entries in one ${traffic.kind} it did not end)` : ''}: stopped`,
      )
    if (!frames) return
    for (let i = 0; i < d.length;) {
      if (remain > 0) {
        const take = Math.min(remain, d.length - i)
        remain -= take
        i += take
        continue
      }
      head.push(d[i++]!)
      if (head.length < 2) continue
      const l = head[1]!
      // LDAP forbids the indefinite length (0x80): a message that says so has no end to find.
      if (l === 0x80) return stop('the server sent a message of indefinite length: stopped')
      const lenBytes = l < 0x80 ? 0 : l & 0x7f
      if (lenBytes > 4) return stop(`the server announced a message whose length takes ${lenBytes} bytes: stopped`)
      const hs = 2 + lenBytes
      if (head.length < hs) continue
      let len = l < 0x80 ? l : 0
      for (let k = 0; k < lenBytes; k++) len = len * 256 + head[2 + k]!
      if (len > MAX_MESSAGE)
        return stop(
          `the server announced a message of ${len} bytes (at most ${MAX_MESSAGE / 1024 / 1024} MB are read): stopped`,
        )
      // The message ID (an INTEGER, its length in short or long form) and then the protocol
      // operation's tag: a long-form length must not hide the entries from the count.
      const opAt = tagOffset(head, hs)
      const consumed = head.length - hs
      if (consumed < len && (opAt === undefined || head.length <= opAt)) continue
      const why = traffic.message(opAt !== undefined && opAt >= 0 && head.length > opAt ? head[opAt] : undefined)
      if (why) return stop(why)
      remain = len - consumed
      head = []
    }
  })
  return {stop: () => void (frames = false)}
}

/**
 * Where the protocol operation's tag sits in a message whose header is `head` (the outer header
 * `hs` bytes long): after the message ID's INTEGER. Undefined until enough of it is in; -1 when
 * the message does not start with an INTEGER (then no op is read).
 */
function tagOffset(head: number[], hs: number): number | undefined {
  if (head.length <= hs) return undefined
  if (head[hs] !== 0x02) return -1
  if (head.length <= hs + 1) return undefined
  const l = head[hs + 1]!
  if (l < 0x80) return hs + 2 + l
  const n = l & 0x7f
  if (n === 0 || n > 4) return -1
  if (head.length < hs + 2 + n) return undefined
  let len = 0
  for (let k = 0; k < n; k++) len = len * 256 + head[hs + 2 + k]!
  return len > 8 ? -1 : hs + 2 + n + len
}

function connectTcp(address: string, port: number, sockets: net.Socket[]): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({host: address, port})
    sockets.push(s)
    s.once('connect', () => {
      s.removeAllListeners('error')
      s.on('error', () => {})
      resolve(s)
    })
    s.once('error', reject)
  })
}

function judgeTls(s: TLSSocket, host: string): NonNullable<LdapFacts['tls']> {
  const cert = s.getPeerCertificate()
  // The chain first; then the name (or the IP address) the connection was made to.
  const error = s.authorized ? tls.checkServerIdentity(host, cert)?.message : String(s.authorizationError)
  return {
    authorized: !error,
    ...(error ? {error} : {}),
    protocol: s.getProtocol() ?? undefined,
    ...(cert?.subject
      ? {
          subject: Object.entries(cert.subject)
            .map(([k, v]) => `${k}=${v}`)
            .join(', '),
        }
      : {}),
    ...(cert?.valid_to ? {notAfter: new Date(cert.valid_to).toISOString()} : {}),
  }
}

async function readRootDse(client: import('ldapts').Client): Promise<NonNullable<LdapFacts['rootDse']>> {
  const r = await client.search('', {
    scope: 'base',
    filter: '(objectClass=*)',
    attributes: ['supportedCapabilities', 'supportedControl', 'namingContexts', 'vendorName', 'dnsHostName'],
  })
  const e = r.searchEntries[0] ?? {dn: ''}
  const list = (k: string): string[] => {
    const key = Object.keys(e).find((x) => x.toLowerCase() === k.toLowerCase())
    const v = key ? (e as Record<string, unknown>)[key] : undefined
    return (Array.isArray(v) ? v : v === undefined ? [] : [v]).map(String)
  }
  const caps = list('supportedCapabilities')
  return {
    activeDirectory: caps.includes(AD_CAPABILITY_OID) || caps.includes(AD_LDS_CAPABILITY_OID),
    ...(list('vendorName')[0] ? {vendor: list('vendorName')[0]} : {}),
    namingContexts: list('namingContexts'),
    pagedResults: list('supportedControl').includes(PAGED_RESULTS_OID),
    ...(list('dnsHostName')[0] ? {dnsHostName: list('dnsHostName')[0]} : {}),
  }
}

/**
 * Counts the entries a paged search of the base DN with the filter returns (as the connector's
 * PagedResult export would), up to countCap. When the server stops it (sizeLimitExceeded), or to
 * learn its limit on unpaged searches, the same search is asked unpaged with a limit of its own
 * above what the server may allow: the entries that come back are the server's limit.
 */
async function measure(
  client: import('ldapts').Client,
  p: LdapParams,
  paged: boolean,
  traffic: Traffic,
): Promise<Pick<LdapFacts, 'pagedEntries' | 'capped' | 'pagedLimit' | 'unpagedLimit' | 'pagedShort'>> {
  const {SizeLimitExceededError} = await import('ldapts')
  const out: Pick<LdapFacts, 'pagedEntries' | 'capped' | 'pagedLimit' | 'unpagedLimit' | 'pagedShort'> = {}
  const pageSize = Math.min(PAGE_SIZE, p.countCap)
  let count = 0
  let pages = 0
  let stopped = false
  if (paged) {
    traffic.kind = 'page'
    try {
      for await (const page of client.searchPaginated(p.baseDN, {
        scope: 'sub',
        filter: p.filter,
        attributes: ['1.1'],
        paged: {pageSize},
      })) {
        count += page.searchEntries.length
        if (count >= p.countCap) {
          out.capped = true
          break
        }
        // A server that keeps sending pages (empty ones, a cookie that never ends) is not counted forever.
        if (++pages > Math.ceil(p.countCap / pageSize) + 10)
          throw new Error(`the server sent ${pages} pages for ${count} entries: its paging does not end`)
      }
    } catch (e) {
      if (!(e instanceof SizeLimitExceededError)) throw e
      stopped = true
    }
  }
  traffic.kind = 'answer'
  // The entries of the page the server stopped in are lost with its error: ask one page more.
  const ask = !paged || out.capped ? p.countCap : Math.min(p.countCap, count + (stopped ? pageSize : 0) + 1)
  let back: number
  try {
    back = (await client.search(p.baseDN, {scope: 'sub', filter: p.filter, attributes: ['1.1'], sizeLimit: ask}))
      .searchEntries.length
  } catch (e) {
    if (!(e instanceof SizeLimitExceededError)) throw e
    back = 0
  }
  if (stopped) {
    out.pagedLimit = back
    out.pagedEntries = back
  } else if (paged) {
    out.pagedEntries = count
    if (back < Math.min(count, ask)) out.unpagedLimit = back
    if (back > count && !out.capped) out.pagedShort = back
  } else out.pagedEntries = back
  return out
}

/** Entries per page of the measure: below the usual server limits (OpenLDAP 500, AD 1000). */
const PAGE_SIZE = 100

/** ldapts prefixes some messages with a stack of context; keep the server's words, one line. */
function cleanMessage(m: string): string {
  return clip(
    m
      .replace(/^Socket error\. Message type: \w+ \(0x[0-9a-f]+\)\s*/i, '')
      .replace(/\s+/g, ' ')
      .trim(),
    300,
  )
}
