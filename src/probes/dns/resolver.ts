import {getServers, lookup as systemLookup, Resolver} from 'node:dns/promises'
import type {LookupAddress} from 'node:dns'
import {isIP} from 'node:net'

/**
 * Name resolution as the product will see it (DESIGN.md §3): through `network.dnsServers` when
 * the environment names them (queried with dns2, each `host` or `host:port`), else through the
 * system resolver (getaddrinfo, as .NET does). Every network check resolves through here, so
 * that DNS, TLS, HTTP and SMTP all see the same network.
 */

/** Why a name did not resolve, in DNS terms. */
export type ResolutionFailure = 'NXDOMAIN' | 'SERVFAIL' | 'REFUSED' | 'TIMEOUT' | 'NODATA' | 'CNAME_LOOP' | 'ERROR'

export class ResolutionError extends Error {
  constructor(
    readonly hostname: string,
    readonly failure: ResolutionFailure,
    readonly resolver: string,
    readonly detail?: string,
  ) {
    super(`${hostname}: ${FAILURE_TEXT[failure]}${detail ? ` (${detail})` : ''} via ${resolver}`)
    this.name = 'ResolutionError'
  }
}

export const FAILURE_TEXT: Record<ResolutionFailure, string> = {
  NXDOMAIN: 'no such name (NXDOMAIN)',
  SERVFAIL: 'the DNS server failed to answer (SERVFAIL)',
  REFUSED: 'the DNS server refused the query (REFUSED)',
  TIMEOUT: 'no answer from the DNS server (timeout)',
  NODATA: 'the name exists but has no A or AAAA record',
  CNAME_LOOP: 'the CNAME records form a loop (or a chain longer than 16): no address at its end',
  ERROR: 'resolution failed',
}

export interface Resolution {
  hostname: string
  addresses: LookupAddress[]
  /** CNAME chain from the name to the canonical name, when there is one. */
  cnames: string[]
  /** `system` or the servers queried (`127.0.0.1:5353`). */
  resolver: string
}

export interface DnsServer {
  host: string
  port: number
}

/** `10.0.0.53`, `10.0.0.54:5353`, `[::1]:53` → {host, port}. */
export function parseDnsServer(spec: string): DnsServer {
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(spec)
  if (v6) return {host: v6[1]!, port: Number(v6[2] ?? 53)}
  if (isIP(spec) === 6) return {host: spec, port: 53}
  const [host, port] = spec.split(':')
  return {host: host!, port: Number(port ?? 53)}
}

export function describeResolver(servers: readonly string[] | undefined): string {
  return servers?.length ? servers.join(', ') : 'system resolver'
}

const RCODE: Record<number, ResolutionFailure> = {2: 'SERVFAIL', 3: 'NXDOMAIN', 5: 'REFUSED'}
const TYPE_A = 1
const TYPE_CNAME = 5
/** Longest CNAME chain followed: resolvers give up far sooner (BIND: 16 restarts). */
const MAX_CNAMES = 16
const TYPE_AAAA = 28

interface Answer {
  type: number
  name: string
  address?: string
  domain?: string
}

/**
 * getaddrinfo (the system resolver, and every connection by host name) cannot be cancelled, and
 * Node.js waits for the lookups still running before the process can exit: with resolv.conf's
 * timeouts (5 s x 2 attempts by default, per server) a silent resolver would hold a run long after
 * its report. glibc reads RES_OPTIONS when a thread first resolves: called before any lookup, each
 * try is bounded by the run's timeout (unless the user set RES_OPTIONS).
 */
export function boundSystemResolver(timeoutMs: number): void {
  if (process.platform === 'linux' && process.env.RES_OPTIONS === undefined)
    process.env.RES_OPTIONS = `timeout:${Math.max(1, Math.ceil(timeoutMs / 1000))} attempts:1`
}

/**
 * Resolves `hostname` to its addresses and CNAME chain. Throws a ResolutionError naming the
 * failure (NXDOMAIN, SERVFAIL, REFUSED, timeout, no data) and the resolver.
 */
export async function resolveName(
  hostname: string,
  servers: readonly string[] | undefined,
  opts: {timeoutMs: number; signal?: AbortSignal},
): Promise<Resolution> {
  const resolver = describeResolver(servers)
  const family = isIP(hostname)
  if (family) return {hostname, addresses: [{address: hostname, family}], cnames: [], resolver: 'literal address'}
  if (servers?.length) return resolveWithServers(hostname, servers.map(parseDnsServer), resolver, opts)
  return resolveWithSystem(hostname, opts)
}

async function resolveWithServers(
  hostname: string,
  servers: DnsServer[],
  resolver: string,
  opts: {timeoutMs: number; signal?: AbortSignal},
): Promise<Resolution> {
  const {UDPClient} = (await import('dns2')).default
  let lastFailure: ResolutionFailure = 'TIMEOUT'
  let lastDetail: string | undefined
  // Servers are tried in order, as a stub resolver does; NXDOMAIN is an answer, not a failure.
  for (const server of servers) {
    if (opts.signal?.aborted) break
    const perQuery = Math.max(200, Math.floor(opts.timeoutMs / servers.length) - 50)
    const query = UDPClient({dns: server.host, port: server.port, timeout: perQuery})
    try {
      const cnames: string[] = []
      // Every name met, so that a loop (a → b → a, even inside one answer) ends at once.
      const visited = new Set([hostname.toLowerCase()])
      const loop = () => new ResolutionError(hostname, 'CNAME_LOOP', resolver, [hostname, ...cnames].join(' → '))
      let name = hostname
      for (let hop = 0; hop < 8; hop++) {
        const [a, aaaa] = await Promise.all([query(name, 'A'), query(name, 'AAAA').catch(() => undefined)])
        const rcode = (a as {header: {rcode: number}}).header.rcode
        if (rcode !== 0) throw new ResolutionError(hostname, RCODE[rcode] ?? 'ERROR', resolver, `rcode ${rcode}`)
        const answers = [
          ...((a as {answers: Answer[]}).answers ?? []),
          ...((aaaa as {answers?: Answer[]} | undefined)?.answers ?? []),
        ]
        // Follow the chain the server gave; ask again for a target it left out.
        let target = name
        for (;;) {
          const c = answers.find((x) => x.type === TYPE_CNAME && x.name.toLowerCase() === target.toLowerCase())
          if (!c?.domain) break
          cnames.push(c.domain)
          if (visited.has(c.domain.toLowerCase()) || cnames.length > MAX_CNAMES) throw loop()
          visited.add(c.domain.toLowerCase())
          target = c.domain
        }
        const addresses: LookupAddress[] = answers
          .filter(
            (x) =>
              (x.type === TYPE_A || x.type === TYPE_AAAA) && x.name.toLowerCase() === target.toLowerCase() && x.address,
          )
          .map((x) => ({address: x.address!, family: x.type === TYPE_A ? 4 : 6}))
        if (addresses.length > 0) return {hostname, addresses, cnames, resolver}
        if (target === name) throw new ResolutionError(hostname, 'NODATA', resolver)
        name = target
      }
      throw loop()
    } catch (e) {
      if (e instanceof ResolutionError) {
        if (e.failure === 'NXDOMAIN' || e.failure === 'NODATA' || e.failure === 'CNAME_LOOP') throw e
        lastFailure = e.failure
        lastDetail = undefined
      } else {
        const msg = (e as Error).message ?? String(e)
        lastFailure = /timed? ?out/i.test(msg) ? 'TIMEOUT' : 'ERROR'
        lastDetail = lastFailure === 'TIMEOUT' ? `${server.host}:${server.port}` : msg
      }
    }
  }
  throw new ResolutionError(hostname, lastFailure, resolver, lastDetail)
}

async function resolveWithSystem(
  hostname: string,
  opts: {timeoutMs: number; signal?: AbortSignal},
): Promise<Resolution> {
  // Named with the servers it asks (resolv.conf, or Windows' adapters), so that a timeout says whom.
  const servers = getServers()
  const resolver = servers.length ? `system resolver: ${servers.join(', ')}` : 'system resolver'
  try {
    // getaddrinfo cannot be cancelled and waits as long as resolv.conf says: the check's own
    // timeout ends the wait, with a verdict naming the resolver (the lookup is left to finish).
    let timer: NodeJS.Timeout | undefined
    const addresses = await Promise.race([
      systemLookup(hostname, {all: true}),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(Object.assign(new Error('timeout'), {code: 'IDM_TIMEOUT'})),
          Math.max(100, opts.timeoutMs - 100),
        )
        timer.unref()
      }),
    ]).finally(() => clearTimeout(timer))
    // The CNAME chain is only for the report: best effort, bounded, never a failure.
    const cnames = await systemCnames(hostname, Math.min(1000, opts.timeoutMs / 4))
    return {hostname, addresses, cnames, resolver}
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    if (code === 'IDM_TIMEOUT')
      throw new ResolutionError(
        hostname,
        'TIMEOUT',
        resolver,
        `no answer within ${Math.max(100, opts.timeoutMs - 100)} ms`,
      )
    // getaddrinfo says little; ask the DNS servers directly to tell NXDOMAIN from SERVFAIL.
    const r = new Resolver({timeout: Math.max(200, Math.min(2000, opts.timeoutMs / 2)), tries: 1})
    try {
      await r.resolve4(hostname)
    } catch (e2) {
      const c = (e2 as NodeJS.ErrnoException).code
      const failure: ResolutionFailure =
        c === 'ENOTFOUND'
          ? 'NXDOMAIN'
          : c === 'ESERVFAIL'
            ? 'SERVFAIL'
            : c === 'EREFUSED'
              ? 'REFUSED'
              : c === 'ETIMEOUT'
                ? 'TIMEOUT'
                : c === 'ENODATA'
                  ? 'NODATA'
                  : 'ERROR'
      throw new ResolutionError(
        hostname,
        failure === 'ERROR' && code === 'ENOTFOUND' ? 'NXDOMAIN' : failure,
        resolver,
        code,
      )
    }
    throw new ResolutionError(
      hostname,
      code === 'ENOTFOUND' ? 'NXDOMAIN' : code === 'EAI_AGAIN' ? 'TIMEOUT' : 'ERROR',
      resolver,
      code,
    )
  }
}

async function systemCnames(hostname: string, timeoutMs: number): Promise<string[]> {
  const r = new Resolver({timeout: Math.max(100, Math.round(timeoutMs)), tries: 1})
  const chain: string[] = []
  let name = hostname
  const seen = new Set([hostname.toLowerCase()])
  try {
    for (let hop = 0; hop < 8; hop++) {
      const [next] = await r.resolveCname(name)
      if (!next || seen.has(next.toLowerCase())) break
      seen.add(next.toLowerCase())
      chain.push(next)
      name = next
    }
  } catch {
    // no CNAME, or no DNS server reachable: the addresses came from getaddrinfo anyway
  }
  return chain
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void

/**
 * A `lookup` for net, tls, http and https that resolves through the configured DNS servers;
 * undefined for the system resolver (Node's default lookup is getaddrinfo already).
 */
export function lookupVia(servers: readonly string[] | undefined, timeoutMs: number) {
  if (!servers?.length) return undefined
  return (hostname: string, options: {family?: number | string; all?: boolean}, callback: LookupCallback) => {
    resolveName(hostname, servers, {timeoutMs}).then(
      (res) => {
        const fam = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : Number(options.family ?? 0)
        const list = fam ? res.addresses.filter((a) => a.family === fam) : res.addresses
        if (list.length === 0) {
          const err: NodeJS.ErrnoException = new Error(`${hostname}: no IPv${fam} address via ${res.resolver}`)
          err.code = 'ENOTFOUND'
          return callback(err, options.all ? [] : '', undefined)
        }
        if (options.all) callback(null, list)
        else callback(null, list[0]!.address, list[0]!.family)
      },
      (e: ResolutionError) => {
        const err: NodeJS.ErrnoException = new Error(e.message)
        err.code = e.failure === 'NXDOMAIN' || e.failure === 'NODATA' ? 'ENOTFOUND' : 'EAI_AGAIN'
        callback(err, options.all ? [] : '', undefined)
      },
    )
  }
}
