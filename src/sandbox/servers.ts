import {createServer as createHttpServer, request as httpRequest, type IncomingMessage} from 'node:http'
import {createServer as createHttpsServer} from 'node:https'
import {
  connect as netConnect,
  createServer as createNetServer,
  type AddressInfo,
  type Server,
  type Socket,
} from 'node:net'
import dns2 from 'dns2'
import type {CertFault, Issued} from './pki.js'

/** A server started on 127.0.0.1 with an ephemeral port. */
export interface Running {
  port: number
  close(): Promise<void>
}

function listen(server: Server, sockets?: Set<Socket>): Promise<Running> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      resolve({
        port: (server.address() as AddressInfo).port,
        close: () =>
          new Promise<void>((r) => {
            for (const s of sockets ?? []) s.destroy()
            server.close(() => r())
            ;(server as unknown as {closeAllConnections?: () => void}).closeAllConnections?.()
          }),
      })
    })
  })
}

function track(server: Server): Set<Socket> {
  const sockets = new Set<Socket>()
  server.on('connection', (s: Socket) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
    s.on('error', () => {})
  })
  return sockets
}

// ---------------------------------------------------------------------------------------- DNS

/** One name in the sandbox zone: an alias (CNAME), addresses, or a fault. */
export interface DnsRecord {
  cname?: string
  a?: string[]
  fault?: 'SERVFAIL' | 'NXDOMAIN' | 'REFUSED' | 'DROP'
}

/**
 * A DNS server (dns2, UDP) answering for `zone`: aliases as CNAME → A, as the product's docs
 * recommend. Unknown names get NXDOMAIN; faults answer SERVFAIL, NXDOMAIN or REFUSED, or drop.
 */
export async function startDns(
  zone: Record<string, DnsRecord>,
  o: {delayMs?: number} = {},
): Promise<Running & {queries: string[]}> {
  const {Packet} = dns2
  const records = new Map(Object.entries(zone).map(([k, v]) => [k.toLowerCase(), v]))
  const queries: string[] = []
  const server = dns2.createServer({
    udp: true,
    handle: (request, sendNow) => {
      // A resolver across a network: every answer a round trip away.
      const send = (r: Parameters<typeof sendNow>[0]): void => {
        if (o.delayMs) setTimeout(() => void sendNow(r), o.delayMs)
        else void sendNow(r)
      }
      const response = Packet.createResponseFromRequest(request)
      const q = request.questions[0]
      if (!q) return send(response)
      const name = q.name.toLowerCase()
      queries.push(`${name} ${q.type}`)
      const rec = records.get(name)
      if (rec?.fault === 'DROP') return
      if (!rec || rec.fault === 'NXDOMAIN') {
        response.header.rcode = Packet.RCODE.NXDOMAIN
        return send(response)
      }
      if (rec.fault) {
        response.header.rcode = rec.fault === 'SERVFAIL' ? 2 : 5
        return send(response)
      }
      // dns2's types want Resource instances; plain records are what its encoder reads.
      const answers = response.answers as unknown as object[]
      let cur: DnsRecord | undefined = rec
      let curName = q.name
      for (let hop = 0; cur?.cname && hop < 8; hop++) {
        answers.push({name: curName, type: Packet.TYPE.CNAME, class: Packet.CLASS.IN, ttl: 60, domain: cur.cname})
        curName = cur.cname
        cur = records.get(cur.cname.toLowerCase())
      }
      if (q.type === Packet.TYPE.A) {
        for (const address of cur?.a ?? [])
          answers.push({name: curName, type: Packet.TYPE.A, class: Packet.CLASS.IN, ttl: 60, address})
      }
      send(response)
    },
  })
  await server.listen({udp: {port: 0, address: '127.0.0.1'}})
  const port = (server.addresses() as {udp: {port: number}}).udp.port
  return {port, queries, close: async () => void (await server.close())}
}

// -------------------------------------------------------------------------------------- HTTPS

export interface HttpsOptions {
  cert: Issued
  ca: Issued
  /** What GET /hc answers: the product's health check. */
  health?: 'Healthy' | 'Unhealthy'
  /** Serve only TLS 1.0/1.1 (as far as this Node's OpenSSL allows). */
  oldTls?: boolean
  fault?: CertFault
  /** A SCIM-like API under this path prefix that wants Basic authentication (the connector.http peer). */
  api?: {prefix: string; user: string; password: string}
}

/** An HTTPS endpoint (server or agent) with the product's `GET /hc`. */
export async function startHttps(o: HttpsOptions): Promise<Running & {requests: string[]}> {
  const requests: string[] = []
  const chain = o.fault === 'self-signed' ? o.cert.certPem : o.cert.certPem + o.ca.certPem
  const server = createHttpsServer(
    {
      cert: chain,
      key: o.cert.keyPem,
      // Sandbox faults (1024-bit keys, SHA-1, TLS 1.0) must load: the client is what judges them.
      ciphers: 'DEFAULT:@SECLEVEL=0',
      ...(o.oldTls ? {minVersion: 'TLSv1' as const, maxVersion: 'TLSv1.1' as const} : {}),
    },
    (req: IncomingMessage, res) => {
      requests.push(`${req.method} ${req.url}`)
      if (o.api && req.url?.startsWith(o.api.prefix)) {
        const expected = `Basic ${Buffer.from(`${o.api.user}:${o.api.password}`).toString('base64')}`
        if (req.headers.authorization !== expected) {
          res.writeHead(401, {
            'www-authenticate': 'Basic realm="idm-preflight sandbox API"',
            'content-type': 'application/json',
          })
          return res.end('{"status":"401","detail":"authentication required"}')
        }
        res.writeHead(200, {'content-type': 'application/scim+json'})
        return res.end(
          '{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":0,"Resources":[]}',
        )
      }
      if (req.url === '/hc') {
        const health = o.health ?? 'Healthy'
        res.writeHead(health === 'Healthy' ? 200 : 503, {'content-type': 'text/plain'})
        return res.end(health)
      }
      res.writeHead(200, {'content-type': 'text/html'})
      res.end('<!doctype html><title>Identity Manager (idm-preflight sandbox)</title>')
    },
  )
  server.on('tlsClientError', () => {})
  const sockets = track(server)
  const running = await listen(server, sockets)
  return {...running, requests}
}

/**
 * An HTTP proxy that tunnels with CONNECT, as HTTPS_PROXY proxies do, and records its tunnels.
 * Like a real proxy it resolves names itself: `resolve` maps the sandbox's names.
 */
export async function startProxy(
  resolve: (host: string) => string = (h) => h,
): Promise<Running & {tunnels: string[]; forwarded: string[]}> {
  const tunnels: string[] = []
  const forwarded: string[] = []
  // CONNECT tunnels for https, and absolute-form requests (GET http://host/path) for http, as a
  // forward proxy serves them.
  const server = createHttpServer((req, res) => {
    let target: URL
    try {
      target = new URL(req.url ?? '')
    } catch {
      res.writeHead(400)
      return res.end('absolute-form requests only')
    }
    if (target.protocol !== 'http:') {
      res.writeHead(405)
      return res.end('http:// only (CONNECT for https)')
    }
    forwarded.push(`${req.method} ${req.url}`)
    const up = httpRequest(
      {
        host: resolve(target.hostname),
        port: Number(target.port || 80),
        path: `${target.pathname}${target.search}`,
        method: req.method,
        headers: {...req.headers, host: target.host},
      },
      (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers)
        upRes.pipe(res)
      },
    )
    up.on('error', () => {
      res.writeHead(502)
      res.end('bad gateway')
    })
    req.pipe(up)
  })
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    const [host, port] = (req.url ?? '').split(':')
    tunnels.push(req.url ?? '')
    const upstream = netConnect({host: resolve(host ?? ''), port: Number(port)}, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n')
      if (head.length) upstream.write(head)
      upstream.pipe(client)
      client.pipe(upstream)
    })
    upstream.on('error', () => client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n'))
    client.on('error', () => upstream.destroy())
  })
  const sockets = track(server)
  const running = await listen(server, sockets)
  return {...running, tunnels, forwarded}
}

// ----------------------------------------------------------------------------------- hostile

/** Peers that break protocols: never answer, answer garbage, or hang up at once. */
export type HostileKind = 'silent' | 'garbage' | 'close'

export async function startHostile(kind: HostileKind): Promise<Running> {
  const server = createNetServer((s) => {
    s.on('error', () => {})
    if (kind === 'close') s.destroy()
    else if (kind === 'garbage') {
      s.write(
        Buffer.from('\u0000\u00ffHELLO? this is not the protocol you expect\r\n\u0016\u0003\u0009garbage', 'binary'),
      )
      s.on('data', () => s.write('????\r\n'))
    }
    // silent: accept and say nothing, ever
  })
  const sockets = track(server)
  return listen(server, sockets)
}

// ------------------------------------------------------------------------------------ latency

/**
 * A network between the tool and a server: a TCP front on its own port that forwards to
 * `target`, every chunk in either direction `oneWayMs` late (in order), so that each round trip
 * of any protocol spoken through it (TCP and TLS handshakes, SMTP, TDS, HTTP) costs twice that.
 */
export async function startLatency(target: number, oneWayMs: number): Promise<Running> {
  const server = createNetServer((client) => {
    const upstream = netConnect(target, '127.0.0.1')
    const late = (from: Socket, to: Socket) => {
      // Timers of one delay fire in the order they were set: the bytes keep theirs.
      from.on('data', (chunk) => void setTimeout(() => to.destroyed || to.write(chunk), oneWayMs))
      from.on('end', () => void setTimeout(() => to.destroyed || to.end(), oneWayMs))
      from.on('error', () => to.destroy())
      // Closed: the other side ends once what was written has gone out. A destroy() here (as
      // before) ran in the same turn as the last write when the loop was late, and dropped it: a
      // reply lost, "socket hang up" on a loaded machine. The destroy is only a backstop.
      from.on(
        'close',
        () =>
          void setTimeout(() => {
            if (to.destroyed) return
            to.end()
            setTimeout(() => to.destroy(), 2000).unref()
          }, oneWayMs + 1),
      )
    }
    late(client, upstream)
    late(upstream, client)
  })
  return listen(server, track(server))
}
