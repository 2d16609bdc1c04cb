/**
 * The sandbox's directory: a stand-in for a domain controller on 127.0.0.1, LDAP with StartTLS
 * and LDAPS, enough of the protocol for connector.ldap (simple bind, search with the paged
 * results control, the rootDSE). Requests are decoded and responses encoded with ldapts's own BER
 * reader and writer and its request classes; nothing here is a directory server, and its rootDSE
 * says so (vendorName). The test suite checks connector.ldap against Debian's slapd as well.
 */
import {createServer as createNetServer, type Server, type Socket} from 'node:net'
import {createServer as createTlsServer, createSecureContext, TLSSocket} from 'node:tls'
import type {Issued} from './pki.js'
import type {Running} from './servers.js'

export interface DirectoryOptions {
  cert: Issued
  ca: Issued
  /** The naming context: DC=sandbox,DC=test. */
  baseDN: string
  /** The bind account (a DN) and its password. */
  account: {dn: string; password: string}
  /** People entries under OU=People (default 25). */
  people?: number
  /** Announce Active Directory's capability in the rootDSE, as a domain controller does (default true). */
  activeDirectory?: boolean
  /** Refuse simple binds without TLS (strongerAuthRequired, as a DC that enforces LDAP signing). */
  requireSigning?: boolean
  /** A faulty peer: paged searches answer the same entry with a cookie, forever. */
  endlessPaging?: boolean
  /** A hostile peer: a refused bind's diagnostic quotes the password it was sent, after this many characters. */
  echoPasswordAt?: number
  /** A faulty peer: a paged search ends after its first page, whatever remains (a lost cookie). */
  lossyPaging?: boolean
  /**
   * A hostile peer: a paged search is answered with one page of tiny entries that never ends, as
   * fast as the client reads, or 1024 entries every `everyMs`; with `longIds`, each entry's
   * message ID has its length in BER's long form (valid, and unusual).
   */
  endlessPage?: boolean | {everyMs?: number; longIds?: boolean}
}

export interface Directory extends Running {
  ldapsPort: number
  /** Binds seen (DN and whether they succeeded): the tests' view; never the password. */
  binds: {dn: string; ok: boolean; tls: boolean}[]
}

const STARTTLS_OID = '1.3.6.1.4.1.1466.20037'
const PAGED_OID = '1.2.840.113556.1.4.319'
const MAX_MESSAGE = 1 << 20

/** LDAP result codes the stand-in answers. */
const RC = {
  success: 0,
  operationsError: 1,
  protocolError: 2,
  sizeLimitExceeded: 4,
  strongerAuthRequired: 8,
  noSuchObject: 32,
  invalidCredentials: 49,
  unwillingToPerform: 53,
} as const

type Entry = {dn: string; attrs: Record<string, string | string[]>}

const norm = (dn: string) =>
  dn
    .split(',')
    .map((p) => p.trim().toLowerCase())
    .join(',')

export async function startDirectory(o: DirectoryOptions): Promise<Directory> {
  const ldapts = await import('ldapts')
  const {BerReader, BerWriter, BindRequest, SearchRequest, ExtendedRequest, PagedResultsControl, PresenceFilter} =
    ldapts
  // ldapts 9.2 decodes a presence filter from the start of the whole message, not from the
  // filter (a client never decodes filters): the stand-in, which does, reads it from its offset.
  const presence = PresenceFilter.prototype as unknown as {
    parseFilter(reader: InstanceType<typeof BerReader>): void
    attribute: string
  }
  presence.parseFilter = function (reader) {
    this.attribute = reader.buffer
      .subarray(reader.offset, reader.offset + reader.length)
      .toString('utf8')
      .toLowerCase()
    reader.offset += reader.length
  }
  const people = o.people ?? 25
  const base = o.baseDN
  const entries: Entry[] = [
    {dn: base, attrs: {objectclass: ['top', 'domain'], dc: base.split(',')[0]!.split('=')[1]!}},
    {dn: `OU=People,${base}`, attrs: {objectclass: ['top', 'organizationalUnit'], ou: 'People'}},
    {dn: `OU=Service,${base}`, attrs: {objectclass: ['top', 'organizationalUnit'], ou: 'Service'}},
    {dn: o.account.dn, attrs: {objectclass: ['top', 'person', 'user'], cn: o.account.dn.split(',')[0]!.split('=')[1]!}},
    ...Array.from({length: people}, (_, i) => ({
      dn: `CN=User ${i},OU=People,${base}`,
      attrs: {objectclass: ['top', 'person', 'user'], cn: `User ${i}`, samaccountname: `user${i}`},
    })),
  ]
  const byDn = new Map(entries.map((e) => [norm(e.dn), e]))
  const rootDse: Entry = {
    dn: '',
    attrs: {
      objectclass: 'top',
      namingcontexts: base,
      supportedcontrol: [PAGED_OID],
      supportedextension: [STARTTLS_OID],
      supportedldapversion: '3',
      vendorname: 'idm-preflight sandbox directory (a stand-in, not a directory server)',
      ...(o.activeDirectory === false ? {} : {supportedcapabilities: ['1.2.840.113556.1.4.800']}),
    },
  }
  const secureContext = createSecureContext({cert: o.cert.certPem + o.ca.certPem, key: o.cert.keyPem})
  const binds: Directory['binds'] = []
  const sockets = new Set<Socket>()

  const encode = (
    messageId: number,
    tag: number,
    body: (w: InstanceType<typeof BerWriter>) => void,
    controls?: (w: InstanceType<typeof BerWriter>) => void,
  ): Buffer => {
    const w = new BerWriter()
    w.startSequence()
    w.writeInt(messageId)
    w.startSequence(tag)
    body(w)
    w.endSequence()
    if (controls) {
      w.startSequence(0xa0)
      controls(w)
      w.endSequence()
    }
    w.endSequence()
    return w.buffer
  }
  const result =
    (code: number, diag = '', matched = '', extra?: (w: InstanceType<typeof BerWriter>) => void) =>
    (w: InstanceType<typeof BerWriter>) => {
      w.writeEnumeration(code)
      w.writeString(matched)
      w.writeString(diag)
      extra?.(w)
    }
  const entryMessage = (messageId: number, e: Entry, attributes: string[]): Buffer =>
    encode(messageId, 0x64, (w) => {
      w.writeString(e.dn)
      w.startSequence()
      const all = attributes.length === 0 || attributes.includes('*')
      for (const [k, v] of Object.entries(e.attrs)) {
        if (attributes.includes('1.1') || (!all && !attributes.includes(k))) continue
        w.startSequence()
        w.writeString(k)
        w.startSequence(0x31)
        for (const x of Array.isArray(v) ? v : [v]) w.writeString(x)
        w.endSequence()
        w.endSequence()
      }
      w.endSequence()
    })

  const serve = (first: Socket, startedTls: boolean) => {
    let socket: Socket = first
    let tlsOn = startedTls
    let bound: string | undefined
    let buf = Buffer.alloc(0)
    const onData = (d: Buffer) => {
      buf = Buffer.concat([buf, d])
      for (;;) {
        const n = frameLength(buf)
        if (n === undefined) return
        if (n < 0 || n > MAX_MESSAGE) return void socket.destroy()
        if (buf.length < n) return
        const msg = buf.subarray(0, n)
        buf = buf.subarray(n)
        try {
          if (handle(msg) === 'upgraded') return
        } catch {
          return void socket.destroy()
        }
      }
    }
    const handle = (msg: Buffer): 'upgraded' | void => {
      const r = new BerReader(msg)
      r.readSequence()
      const messageId = r.readInt() ?? 0
      const op = r.readSequence()
      const send = (b: Buffer) => socket.write(b)
      if (op === 0x42) return void socket.end()
      if (op === 0x60) {
        const req = new BindRequest({messageId})
        req.parse(r, [])
        const dn = req.dn
        const anonymous = dn === '' && req.password === ''
        const refuse = (code: number, diagnostic: string) => {
          binds.push({dn, ok: false, tls: tlsOn})
          send(encode(messageId, 0x61, result(code, diagnostic)))
        }
        if (!anonymous && o.requireSigning && !tlsOn)
          return refuse(
            RC.strongerAuthRequired,
            '00002028: LdapErr: DSID-0C090259, comment: The server requires binds to turn on integrity checking if SSL\\TLS are not already active on the connection, data 0, v4563',
          )
        if (anonymous) bound = undefined
        else if (dn === '' || req.password === '')
          return refuse(RC.unwillingToPerform, 'unauthenticated bind (DN without password) disallowed')
        else if (norm(dn) === norm(o.account.dn) && req.password === o.account.password) bound = dn
        else if (o.echoPasswordAt !== undefined)
          return refuse(RC.invalidCredentials, `${'d'.repeat(o.echoPasswordAt)}${req.password} refused`)
        else
          return refuse(
            RC.invalidCredentials,
            '80090308: LdapErr: DSID-0C09041C, comment: AcceptSecurityContext error, data 52e, v4563',
          )
        if (!anonymous) binds.push({dn, ok: true, tls: tlsOn})
        return void send(encode(messageId, 0x61, result(RC.success)))
      }
      if (op === 0x77) {
        const req = new ExtendedRequest({messageId})
        req.parse(r, [])
        if (req.oid !== STARTTLS_OID || tlsOn)
          return void send(
            encode(messageId, 0x78, result(RC.protocolError, `unsupported extended operation ${req.oid}`)),
          )
        socket.removeListener('data', onData)
        send(
          encode(
            messageId,
            0x78,
            result(RC.success, '', '', (w) => w.writeString(STARTTLS_OID, 0x8a)),
          ),
        )
        const secure = new TLSSocket(socket, {isServer: true, secureContext})
        secure.on('error', () => socket.destroy())
        sockets.add(secure)
        socket = secure
        tlsOn = true
        buf = Buffer.alloc(0)
        secure.on('data', onData)
        return 'upgraded'
      }
      if (op === 0x63) {
        const req = new SearchRequest({messageId, filter: new PresenceFilter({attribute: 'objectclass'})})
        req.parse(r, [])
        const paged = req.controls?.find((c) => c instanceof PagedResultsControl) as
          InstanceType<typeof PagedResultsControl> | undefined
        if (req.baseDN === '' && req.scope === 'base') {
          send(entryMessage(messageId, rootDse, req.attributes))
          return void send(encode(messageId, 0x65, result(RC.success)))
        }
        if (!bound)
          return void send(
            encode(
              messageId,
              0x65,
              result(
                RC.operationsError,
                '000004DC: LdapErr: DSID-0C090A5C, comment: In order to perform this operation a successful bind must be completed on the connection., data 0, v4563',
              ),
            ),
          )
        const baseEntry = byDn.get(norm(req.baseDN))
        if (!baseEntry)
          return void send(
            encode(
              messageId,
              0x65,
              result(
                RC.noSuchObject,
                `0000208D: NameErr: DSID-0310028D, problem 2001 (NO_OBJECT), data 0, best match of: '${base}'`,
                base,
              ),
            ),
          )
        const nb = norm(baseEntry.dn)
        const inScope = entries.filter((e) => {
          const d = norm(e.dn)
          if (req.scope === 'base') return d === nb
          if (req.scope === 'one') return d.endsWith(`,${nb}`) && d.split(',').length === nb.split(',').length + 1
          return d === nb || d.endsWith(`,${nb}`)
        })
        const matching = inScope.filter((e) => req.filter.matches(e.attrs as Record<string, string>, false))
        if (paged && o.endlessPage) {
          // As fast as the client reads: the same small entry, 1024 at a time, never a SearchResultDone.
          const shape = typeof o.endlessPage === 'object' ? o.endlessPage : {}
          let entry = entryMessage(messageId, {dn: 'CN=e', attrs: {}}, ['1.1'])
          if (shape.longIds) {
            // 30 L 02 n <id> <op…>  ->  30 L+1 02 81 n <id> <op…> (the entry is short: one length byte)
            const n = entry[3]!
            const content = Buffer.concat([Buffer.from([0x02, 0x81, n]), entry.subarray(4)])
            entry = Buffer.concat([Buffer.from([0x30, content.length]), content])
          }
          const chunk = Buffer.concat(Array(1024).fill(entry))
          const every = shape.everyMs ?? 0
          const pump = (): void => {
            if (every) {
              const t = setInterval(() => (socket.destroyed ? clearInterval(t) : socket.write(chunk)), every)
              return
            }
            while (!socket.destroyed) if (!socket.write(chunk)) return void socket.once('drain', pump)
          }
          return void pump()
        }
        if (paged && o.endlessPaging) {
          send(entryMessage(messageId, baseEntry, req.attributes))
          return void send(
            encode(messageId, 0x65, result(RC.success), (w) =>
              new PagedResultsControl({value: {size: 0, cookie: Buffer.from('again')}}).write(w),
            ),
          )
        }
        const start = paged?.value?.cookie?.length ? Number(paged.value.cookie.toString()) || 0 : 0
        const pageSize = paged?.value?.size || matching.length
        let slice = matching.slice(start, start + pageSize)
        let code: number = RC.success
        if (req.sizeLimit && slice.length > req.sizeLimit) {
          slice = slice.slice(0, req.sizeLimit)
          code = RC.sizeLimitExceeded
        }
        for (const e of slice) send(entryMessage(messageId, e, req.attributes))
        const next = start + slice.length
        const more = next < matching.length && !o.lossyPaging
        const cookie = paged && code === RC.success && more ? Buffer.from(String(next)) : Buffer.alloc(0)
        return void send(
          encode(
            messageId,
            0x65,
            result(code),
            paged ? (w) => new PagedResultsControl({value: {size: 0, cookie}}).write(w) : undefined,
          ),
        )
      }
      // Anything else (modify, add…) is not the connector checks' business.
      send(encode(messageId, (op ?? 0) + 1, result(RC.unwillingToPerform, 'the sandbox directory is read-only')))
    }
    socket.on('data', onData)
  }

  const track = (s: Socket) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
    s.on('error', () => {})
  }
  const plain = createNetServer((s) => {
    track(s)
    serve(s, false)
  })
  const secure = createTlsServer({cert: o.cert.certPem + o.ca.certPem, key: o.cert.keyPem}, (s) => {
    track(s)
    serve(s, true)
  })
  secure.on('tlsClientError', () => {})
  const listen = (server: Server) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject)
      server.listen(0, '127.0.0.1', () => resolve((server.address() as {port: number}).port))
    })
  const port = await listen(plain)
  const ldapsPort = await listen(secure)
  return {
    port,
    ldapsPort,
    binds,
    close: async () => {
      for (const s of sockets) s.destroy()
      await Promise.all([new Promise((r) => plain.close(r)), new Promise((r) => secure.close(r))])
    },
  }
}

/** Total length of the BER element at the start of buf; undefined until its header is in; -1 when it is not a sequence. */
function frameLength(buf: Buffer): number | undefined {
  if (buf.length < 2) return undefined
  if (buf[0] !== 0x30) return -1
  const l = buf[1]!
  if (l < 0x80) return 2 + l
  const n = l & 0x7f
  if (n === 0 || n > 4) return -1
  if (buf.length < 2 + n) return undefined
  let len = 0
  for (let i = 0; i < n; i++) len = len * 256 + buf[2 + i]!
  return 2 + n + len
}
