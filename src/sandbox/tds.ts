/**
 * A SQL Server *protocol emulator* for the sandbox, tests and benchmarks. It is NOT a database and
 * says so in its banner (LOGINACK program name and PRELOGIN answers): SQL Server cannot run on this
 * project's machines (no Docker engine, no package), so this speaks just enough TDS 7.4 for the
 * sql.* checks to run end to end against a real socket:
 *
 * - PRELOGIN: a version; with a certificate, TLS for clients that ask for encryption (the
 *   handshake inside PRELOGIN packets, then TLS records, as SQL Server does), else no encryption
 *   support (an Encrypt=true client is told so);
 * - LOGIN7: SQL logins checked against its list (error 18456 with the real states), Windows
 *   (SSPI/NTLM) logins refused with 18452, a database that does not exist refused with 4060;
 * - SQL batches: the query of sql.requirements answered from its configuration (version, MAXDOP,
 *   roles, bulk permission); any other batch gets DONE;
 * - SQL Server Browser (UDP): the port of a named instance.
 */
import {createSocket} from 'node:dgram'
import {createServer, type AddressInfo, type Socket} from 'node:net'
import {Duplex} from 'node:stream'
import tls from 'node:tls'
import type {Running} from './servers.js'

export const EMULATOR_NAME = 'idm-preflight TDS emulator (not SQL Server)'
/** The marker sql.requirements puts in its query, so the emulator knows what to answer. */
export const REQUIREMENTS_MARKER = 'idm-preflight:requirements'

export interface TdsLogin {
  password: string
  dbOwner?: boolean
  bulkadmin?: boolean
  bulkPermission?: boolean
  sysadmin?: boolean
  disabled?: boolean
}

export interface TdsOptions {
  /** Product version, e.g. 16.0.1000.6 (SQL Server 2022). */
  version?: string
  edition?: string
  serverMaxdop?: number
  databaseMaxdop?: number
  databases?: string[]
  logins?: Record<string, TdsLogin>
  /** Hang up after reading the LOGIN7 packet, without answering. */
  closeMidLogin?: boolean
  /** A named instance for the Browser responder. */
  instanceName?: string
  /** A certificate (PEM chain) and key: clients asking for encryption get TLS, as SQL Server gives it. */
  tls?: {cert: string; key: string}
}

export interface TdsRunning extends Running {
  browserPort: number
  logins: {user: string; database: string; sspi: boolean}[]
  batches: string[]
}

const TYPE = {SQL_BATCH: 0x01, RESPONSE: 0x04, ATTENTION: 0x06, LOGIN7: 0x10, PRELOGIN: 0x12}

function packet(type: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(8)
  h[0] = type
  h[1] = 0x01 // end of message
  h.writeUInt16BE(payload.length + 8, 2)
  h[6] = 1
  return Buffer.concat([h, payload])
}

const ucs2 = (s: string) => Buffer.from(s, 'utf16le')
function bVarchar(s: string): Buffer {
  return Buffer.concat([Buffer.from([s.length]), ucs2(s)])
}
function usVarchar(s: string): Buffer {
  const b = Buffer.alloc(2)
  b.writeUInt16LE(s.length)
  return Buffer.concat([b, ucs2(s)])
}

function versionParts(v: string): number[] {
  const [a = 16, b = 0, c = 1000, d = 0] = v.split('.').map(Number)
  return [a, b, c, d]
}

/** The ENCRYPTION option of a client's PRELOGIN (0 off, 1 on, 2 not supported, 3 required). */
function preloginEncryption(payload: Buffer): number | undefined {
  for (let i = 0; i + 5 <= payload.length && payload[i] !== 0xff; i += 5) {
    if (payload[i] === 0x01) return payload[payload.readUInt16BE(i + 1)]
  }
  return undefined
}

function preloginResponse(version: string, encryption = 0x02): Buffer {
  const [major, minor, build] = versionParts(version)
  const headerLen = 5 * 2 + 1
  const ver = Buffer.from([major!, minor!, (build! >> 8) & 0xff, build! & 0xff, 0, 0])
  const enc = Buffer.from([encryption]) // 0x02: ENCRYPT_NOT_SUP; 0x01: ON
  const h = Buffer.alloc(headerLen)
  h[0] = 0x00
  h.writeUInt16BE(headerLen, 1)
  h.writeUInt16BE(ver.length, 3)
  h[5] = 0x01
  h.writeUInt16BE(headerLen + ver.length, 6)
  h.writeUInt16BE(enc.length, 8)
  h[10] = 0xff
  return Buffer.concat([h, ver, enc])
}

function done(status: number, rowCount = 0, curCmd = 0): Buffer {
  const b = Buffer.alloc(13)
  b[0] = 0xfd
  b.writeUInt16LE(status, 1)
  b.writeUInt16LE(curCmd, 3)
  b.writeBigUInt64LE(BigInt(rowCount), 5)
  return b
}

function errorToken(number: number, state: number, cls: number, message: string): Buffer {
  const num = Buffer.alloc(4)
  num.writeInt32LE(number)
  const body = Buffer.concat([
    num,
    Buffer.from([state, cls]),
    usVarchar(message),
    bVarchar('SANDBOX'),
    bVarchar(''),
    Buffer.from([1, 0, 0, 0]),
  ])
  const len = Buffer.alloc(2)
  len.writeUInt16LE(body.length)
  return Buffer.concat([Buffer.from([0xaa]), len, body])
}

function loginAck(version: string): Buffer {
  const [major, minor, build] = versionParts(version)
  const tds = Buffer.from([0x74, 0x00, 0x00, 0x04])
  const body = Buffer.concat([
    Buffer.from([1]),
    tds,
    bVarchar(EMULATOR_NAME),
    Buffer.from([major!, minor!, (build! >> 8) & 0xff, build! & 0xff]),
  ])
  const len = Buffer.alloc(2)
  len.writeUInt16LE(body.length)
  return Buffer.concat([Buffer.from([0xad]), len, body])
}

function envDatabase(db: string): Buffer {
  const body = Buffer.concat([Buffer.from([1]), bVarchar(db), bVarchar('master')])
  const len = Buffer.alloc(2)
  len.writeUInt16LE(body.length)
  return Buffer.concat([Buffer.from([0xe3]), len, body])
}

/** One row of NVARCHAR columns: COLMETADATA + ROW + DONE. */
function resultSet(columns: [string, string | null][]): Buffer {
  const count = Buffer.alloc(2)
  count.writeUInt16LE(columns.length)
  const meta = columns.map(([name]) => {
    const b = Buffer.alloc(4 + 2 + 1 + 2 + 5)
    b.writeUInt32LE(0, 0) // user type
    b.writeUInt16LE(0x0001, 4) // nullable
    b[6] = 0xe7 // NVARCHAR
    b.writeUInt16LE(256, 7) // max length in bytes
    Buffer.from([0x09, 0x04, 0xd0, 0x00, 0x34]).copy(b, 9) // Latin1_General_CI_AS
    return Buffer.concat([b, bVarchar(name)])
  })
  const row = columns.map(([, v]) => {
    if (v === null) return Buffer.from([0xff, 0xff])
    const data = ucs2(v)
    const len = Buffer.alloc(2)
    len.writeUInt16LE(data.length)
    return Buffer.concat([len, data])
  })
  return Buffer.concat([Buffer.from([0x81]), count, ...meta, Buffer.from([0xd1]), ...row, done(0x0010, 1, 0xc1)])
}

interface Login7 {
  user: string
  password: string
  database: string
  sspi: boolean
}

/** Reads the fields of a LOGIN7 message (offsets are from its start; the password is obfuscated). */
export function parseLogin7(b: Buffer): Login7 {
  const field = (offsetAt: number) => {
    const off = b.readUInt16LE(offsetAt)
    const len = b.readUInt16LE(offsetAt + 2)
    return b.subarray(off, off + len * 2)
  }
  // The client swapped each byte's nibbles, then XORed with 0xA5: undo in the reverse order.
  const pw = Buffer.from(field(44)).map((x) => {
    const y = x ^ 0xa5
    return ((y & 0x0f) << 4) | (y >> 4)
  })
  const optionFlags2 = b[25]!
  return {
    user: field(40).toString('utf16le'),
    password: Buffer.from(pw).toString('utf16le'),
    database: field(68).toString('utf16le'),
    sspi: (optionFlags2 & 0x80) !== 0,
  }
}

/** The row the requirements query gets, from the emulator's configuration. */
function requirementsRow(
  o: TdsOptions,
  login: TdsLogin | undefined,
  user: string,
  db: string,
  asked?: {by: string; exists: boolean},
): [string, string | null][] {
  const v = o.version ?? '16.0.1000.6'
  const bool = (x: boolean | undefined) => (x ? '1' : '0')
  return [
    ['major', String(versionParts(v)[0])],
    ['version', v],
    ['edition', o.edition ?? 'Developer Edition (64-bit)'],
    ['server_maxdop', String(o.serverMaxdop ?? 1)],
    ['db_maxdop', String(o.databaseMaxdop ?? 0)],
    ['is_db_owner', bool(login?.dbOwner || login?.sysadmin)],
    ['is_bulkadmin', bool(login?.bulkadmin)],
    ['is_sysadmin', bool(login?.sysadmin)],
    ['has_bulk', bool(login?.bulkPermission || login?.bulkadmin || login?.sysadmin)],
    ['db', db],
    ['login', user],
    ...(asked
      ? ([
          ['checked_by', asked.by],
          ['principal_exists', asked.exists ? '1' : '0'],
        ] as [string, string][])
      : []),
  ]
}

/** Starts the emulator (and its SQL Browser responder) on 127.0.0.1 with ephemeral ports. */
export async function startTdsEmulator(o: TdsOptions = {}): Promise<TdsRunning> {
  const version = o.version ?? '16.0.1000.6'
  const databases = new Set((o.databases ?? ['UsercubeSandbox']).map((d) => d.toLowerCase()))
  const logins: TdsRunning['logins'] = []
  const batches: string[] = []
  const sockets = new Set<Socket>()

  const server = createServer((sock) => {
    sockets.add(sock)
    sock.on('close', () => sockets.delete(sock))
    sock.on('error', () => {})
    let buf = Buffer.alloc(0)
    let message: Buffer[] = []
    let session: {user: string; db: string; login?: TdsLogin} | undefined
    // TLS as SQL Server does it: during the handshake the TLS records travel inside PRELOGIN
    // packets; once the client is done it sends raw TLS (first byte 0x14-0x17, never 0x12), and
    // from then on everything is TLS. Switching on what the client sends guarantees that our own
    // last handshake flight went out wrapped, as the client expected it.
    let mode: 'plain' | 'handshake' | 'tls' = 'plain'
    let tlsIn: Duplex | undefined
    let secure: tls.TLSSocket | undefined
    const startTls = () => {
      mode = 'handshake'
      tlsIn = new Duplex({
        read() {},
        write(chunk: Buffer, _enc, cb) {
          sock.write(mode === 'handshake' ? packet(TYPE.PRELOGIN, chunk) : chunk)
          cb()
        },
      })
      secure = new tls.TLSSocket(tlsIn, {
        isServer: true,
        secureContext: tls.createSecureContext({...o.tls!, maxVersion: 'TLSv1.2'}),
      })
      secure.on('data', (d: Buffer) => onTds(d))
      secure.on('error', () => sock.destroy())
    }
    sock.on('data', (chunk: Buffer) => {
      if (mode === 'plain') return onTds(chunk)
      if (mode === 'tls') return void tlsIn!.push(chunk)
      buf = Buffer.concat([buf, chunk])
      while (buf.length > 0 && mode === 'handshake') {
        if (buf[0] !== TYPE.PRELOGIN) {
          mode = 'tls'
          tlsIn!.push(buf)
          buf = Buffer.alloc(0)
          return
        }
        if (buf.length < 8 || buf.length < buf.readUInt16BE(2)) return
        const len = buf.readUInt16BE(2)
        tlsIn!.push(buf.subarray(8, len))
        buf = buf.subarray(len)
      }
    })
    let tdsBuf = Buffer.alloc(0)
    function onTds(chunk: Buffer) {
      tdsBuf = Buffer.concat([tdsBuf, chunk])
      while (tdsBuf.length >= 8) {
        const len = tdsBuf.readUInt16BE(2)
        if (len < 8) return sock.destroy()
        if (tdsBuf.length < len) return
        const type = tdsBuf[0]!
        const eom = (tdsBuf[1]! & 0x01) !== 0
        message.push(tdsBuf.subarray(8, len))
        tdsBuf = tdsBuf.subarray(len)
        if (!eom) continue
        const payload = Buffer.concat(message)
        message = []
        handle(type, payload)
      }
    }
    const reply = (payload: Buffer) =>
      secure && mode !== 'plain'
        ? secure.write(packet(TYPE.RESPONSE, payload))
        : sock.write(packet(TYPE.RESPONSE, payload))
    function handle(type: number, payload: Buffer) {
      if (type === TYPE.PRELOGIN) {
        const wants = preloginEncryption(payload)
        if (o.tls && (wants === 0x01 || wants === 0x03)) {
          reply(preloginResponse(version, 0x01))
          startTls()
          return
        }
        return reply(preloginResponse(version))
      }
      if (type === TYPE.LOGIN7) {
        if (o.closeMidLogin) return sock.destroy()
        const l = parseLogin7(payload)
        logins.push({user: l.user, database: l.database, sspi: l.sspi})
        if (l.sspi) {
          return reply(
            Buffer.concat([
              errorToken(
                18452,
                1,
                14,
                'Login failed. The login is from an untrusted domain and cannot be used with Integrated authentication.',
              ),
              done(0x0002),
            ]),
          )
        }
        const login = o.logins?.[l.user]
        const failed = (state: number) =>
          reply(Buffer.concat([errorToken(18456, state, 14, `Login failed for user '${l.user}'.`), done(0x0002)]))
        if (!login) return failed(5)
        if (login.password !== l.password) return failed(8)
        if (login.disabled) return failed(7)
        const db = l.database || 'master'
        if (l.database && !databases.has(l.database.toLowerCase())) {
          return reply(
            Buffer.concat([
              errorToken(4060, 1, 11, `Cannot open database "${l.database}" requested by the login. The login failed.`),
              errorToken(18456, 1, 14, `Login failed for user '${l.user}'.`),
              done(0x0002),
            ]),
          )
        }
        session = {user: l.user, db, login}
        return reply(Buffer.concat([envDatabase(db), loginAck(version), done(0)]))
      }
      if (type === TYPE.SQL_BATCH) {
        // ALL_HEADERS first (its total length is its first DWORD), then the UCS-2 text.
        const headers = payload.length >= 4 ? payload.readUInt32LE(0) : 0
        const sql = payload.subarray(headers <= payload.length ? headers : 0).toString('utf16le')
        batches.push(sql)
        // Asked for another login (a check login asking about the service account): that login's
        // configuration answers; one the emulator does not know "does not exist".
        const forHex = new RegExp(`${REQUIREMENTS_MARKER}-for ([0-9a-f]+)`).exec(sql)?.[1]
        if (forHex && session) {
          const principal = Buffer.from(forHex, 'hex').toString('utf8')
          const key = Object.keys(o.logins ?? {}).find((k) => k.toLowerCase() === principal.toLowerCase())
          const target = key ? o.logins![key] : undefined
          return reply(
            resultSet(requirementsRow(o, target, principal, session.db, {by: session.user, exists: !!target})),
          )
        }
        if (sql.includes(REQUIREMENTS_MARKER) && session)
          return reply(resultSet(requirementsRow(o, session.login, session.user, session.db)))
        return reply(done(0))
      }
      if (type === TYPE.ATTENTION) return reply(done(0x0020))
      return reply(
        Buffer.concat([errorToken(4002, 1, 16, `${EMULATOR_NAME}: unsupported packet type ${type}`), done(0x0002)]),
      )
    }
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  const port = (server.address() as AddressInfo).port

  // SQL Server Browser: CLNT_UCAST_INST (0x04 + instance name) → SVR_RESP (0x05, length, text).
  const browser = createSocket('udp4')
  browser.on('message', (msg, rinfo) => {
    if (msg[0] !== 0x04) return
    const name = msg.subarray(1).toString('latin1').replace(/\0.*$/, '')
    if (!o.instanceName || name.toLowerCase() !== o.instanceName.toLowerCase()) return
    const text = Buffer.from(
      `ServerName;SANDBOX;InstanceName;${o.instanceName};IsClustered;No;Version;${version};tcp;${port};;`,
      'latin1',
    )
    const head = Buffer.alloc(3)
    head[0] = 0x05
    head.writeUInt16LE(text.length, 1)
    browser.send(Buffer.concat([head, text]), rinfo.port, rinfo.address)
  })
  await new Promise<void>((r) => browser.bind(0, '127.0.0.1', () => r()))
  const browserPort = browser.address().port

  return {
    port,
    browserPort,
    logins,
    batches,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy()
        browser.close()
        server.close(() => r())
      }),
  }
}
