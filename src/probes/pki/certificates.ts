import {createHash, createPrivateKey, createPublicKey, X509Certificate} from 'node:crypto'
import {stat} from 'node:fs/promises'
import {availableParallelism} from 'node:os'
import {isMainThread, parentPort, Worker, workerData} from 'node:worker_threads'
import {certificateWorker, FileReadError, readRegularFile} from '../../io/index.js'

/** A PFX or PEM file is a few kilobytes; a CA chain bundled in, some hundreds. */
export const MAX_CERTIFICATE_BYTES = 8 * 1024 * 1024
import {describeCertificate, type CertificateInfo} from './x509.js'

/**
 * Loads the certificates the product reads: PKCS#12 (.pfx) files with their password, and
 * recognises what is not one (PEM text, a bare DER certificate, something else) so that every
 * failure has its own verdict. forge decodes PKCS#12 (3DES, AES and legacy RC2); Node's crypto
 * describes the certificates and keys.
 */

export type LoadFailure =
  | 'missing'
  | 'not-a-file'
  | 'unreadable'
  | 'empty'
  | 'pem'
  | 'certificate-only'
  | 'wrong-password'
  | 'corrupt'
  | 'not-pkcs12'
  | 'unsupported-key'

export interface LoadedCertificateFile {
  /** The certificate the key belongs to (or the first end-entity certificate). */
  leaf?: CertificateInfo
  /** Every certificate in the file, leaf first. */
  certificates: CertificateInfo[]
  /** Their DER encodings (base64), same order: for chain building, left out of reports. */
  ders: string[]
  hasPrivateKey: boolean
  /** Whether the private key is the certificate's (undefined without a key). */
  keyMatches?: boolean
  privateKeyType?: string
  /** How the file was stored: pkcs12, or pem when a PEM bundle was read. */
  format: 'pkcs12' | 'pem' | 'der'
  /**
   * POSIX mode bits of the file (0o644…), to tell "readable by everyone". Not on Windows, where
   * Node.js reports 0o666 for every file and the ACL decides (folders.permissions judges it).
   */
  mode?: number
}

export type LoadResult =
  | {ok: true; file: LoadedCertificateFile}
  | {ok: false; failure: LoadFailure; detail: string; file?: LoadedCertificateFile}

/**
 * Files opened in this run, by path and password: the IdentityServer PFX is usually shared by the
 * server and every agent, and three checks open each file. An entry holds only while the file is
 * the same (device, inode, size, modification and change times: a rewritten or re-permissioned
 * file is opened again); each caller gets its own copy of the answer.
 */
const opened = new Map<string, {signature: string; result: Promise<LoadResult>}>()
const MAX_OPENED = 512

/** Reads and opens a certificate file, once per run for a given file and password. Never throws. */
export async function loadCertificateFile(path: string, password: string | undefined): Promise<LoadResult> {
  const st = await stat(path).catch(() => undefined)
  // Only regular files are remembered; everything else gets its verdict each time.
  if (!st?.isFile()) return readAndOpen(path, password)
  const key = `${path}\0${password === undefined ? '-' : createHash('sha256').update(password).digest('hex')}`
  const signature = `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}:${st.mode}`
  let entry = opened.get(key)
  if (entry?.signature !== signature) {
    if (opened.size >= MAX_OPENED) opened.clear()
    entry = {signature, result: openOffThread(path, password)}
    opened.set(key, entry)
  }
  return structuredClone(await entry.result)
}

/**
 * Opening a PFX is CPU work (the PKCS#12 key derivations, forge's decoding: some 8 ms a file, 0.8 s
 * of the main thread for the 101 files of a 100-agent run), which would hold up every TLS
 * handshake and reply waiting behind it. It runs in a worker thread (this very module, started
 * with CERT_WORKER set), so that it overlaps the network; where no worker can start (the single
 * executable embeds one file), or one fails, it runs here as before.
 */
const CERT_WORKER = 'idmPreflightCertWorker'
// The worker's argv says it first: the main thread, which imports this module on every check run,
// then never loads node:worker_threads (2 ms) to learn it is not the worker.
if (
  process.argv.includes(CERT_WORKER) &&
  !isMainThread &&
  (workerData as Record<string, unknown> | null)?.[CERT_WORKER]
) {
  parentPort!.on('message', (m: {id: number; path: string; password: string | undefined}) => {
    readAndOpen(m.path, m.password).then(
      (result) => parentPort!.postMessage({id: m.id, result}),
      (e: Error) => parentPort!.postMessage({id: m.id, error: e.message}),
    )
  })
}

interface Pool {
  workers: Worker[]
  next: number
  pending: Map<number, {resolve(r: LoadResult): void; reject(e: Error): void}>
  seq: number
}
let pool: Pool | undefined | null

function workerPool(): Pool | undefined {
  if (pool !== undefined) return pool ?? undefined
  pool = null
  // This module's own file, or in the bundle the worker file the build made of it (the bundle is
  // one file that a worker cannot start from). In the single executable, import.meta.url is the
  // executable: no module file to start.
  const provided = certificateWorker()
  const self = new URL(provided ?? import.meta.url)
  const startable = provided ? /\.cjs$/ : /\.(m?js|ts)$/
  if (self.protocol !== 'file:' || !startable.test(self.pathname) || process.env.IDM_PREFLIGHT_NO_WORKERS) return
  const p: Pool = {workers: [], next: 0, pending: new Map(), seq: 0}
  const size = Math.max(1, Math.min(4, availableParallelism() - 1))
  try {
    for (let i = 0; i < size; i++) {
      const w = new Worker(self, {argv: [CERT_WORKER], workerData: {[CERT_WORKER]: true}, stdout: false, stderr: false})
      w.unref()
      w.on('message', (m: {id: number; result?: LoadResult; error?: string}) => {
        const waiting = p.pending.get(m.id)
        p.pending.delete(m.id)
        if (p.pending.size === 0) for (const x of p.workers) x.unref()
        if (m.error !== undefined) waiting?.reject(new Error(m.error))
        else waiting?.resolve(m.result!)
      })
      // A worker that cannot run (a loader missing, a crash) hands its files back to the main thread.
      const fail = (e: Error) => {
        pool = null
        for (const [id, waiting] of p.pending) {
          p.pending.delete(id)
          waiting.reject(e)
        }
      }
      w.on('error', fail)
      w.on('exit', (code) => code !== 0 && fail(new Error(`certificate worker exited ${code}`)))
      p.workers.push(w)
    }
  } catch {
    return
  }
  pool = p
  return p
}

/** How many certificate worker threads run (0: files are opened on the main thread). */
export function certificateWorkers(): number {
  return workerPool()?.workers.length ?? 0
}

/** The same file opened here, on this thread, without the run's memory: the worker's answer must equal it. */
export function openOnThisThread(path: string, password: string | undefined): Promise<LoadResult> {
  return readAndOpen(path, password)
}

/** Opens the file in a worker thread when one can run, else here; the answer is the same. */
async function openOffThread(path: string, password: string | undefined): Promise<LoadResult> {
  const p = workerPool()
  if (!p) return readAndOpen(path, password)
  try {
    return await new Promise<LoadResult>((resolve, reject) => {
      const id = ++p.seq
      p.pending.set(id, {resolve, reject})
      for (const w of p.workers) w.ref()
      p.workers[p.next++ % p.workers.length]!.postMessage({id, path, password})
    })
  } catch {
    return readAndOpen(path, password)
  }
}

async function readAndOpen(path: string, password: string | undefined): Promise<LoadResult> {
  let bytes: Buffer
  let mode: number | undefined
  try {
    await ensureForge()
    bytes = await readRegularFile(path, MAX_CERTIFICATE_BYTES)
    mode = process.platform === 'win32' ? undefined : (await stat(path)).mode & 0o777
  } catch (e) {
    if (!(e instanceof FileReadError)) {
      const code = (e as NodeJS.ErrnoException).code
      return {ok: false, failure: 'unreadable', detail: `cannot read ${path}: ${code ?? (e as Error).message}`}
    }
    if (e.code === 'missing') return {ok: false, failure: 'missing', detail: `${path} does not exist`}
    if (e.code === 'directory' || e.code === 'special' || e.code === 'too-large')
      return {ok: false, failure: 'not-a-file', detail: `${path} ${e.message}`}
    return {ok: false, failure: 'unreadable', detail: `cannot read ${path}: it ${e.message}`}
  }
  const r = openCertificateBytes(bytes, password)
  if (r.ok) r.file.mode = mode
  else if (r.file) r.file.mode = mode
  return r
}

/** Opens bytes already read: PKCS#12, or recognises PEM and DER for their own verdicts. */
export function openCertificateBytes(bytes: Buffer, password: string | undefined): LoadResult {
  if (bytes.length === 0) return {ok: false, failure: 'empty', detail: 'the file is empty'}
  const head = bytes.subarray(0, 64).toString('latin1')
  if (head.includes('-----BEGIN')) {
    const pem = openPem(bytes.toString('utf8'))
    return {ok: false, failure: 'pem', detail: `PEM text (${pem.summary}), not a PFX`, file: pem.file}
  }
  if (bytes[0] !== 0x30)
    return {
      ok: false,
      failure: 'not-pkcs12',
      detail: 'neither PKCS#12 nor PEM nor DER (the first byte is not an ASN.1 SEQUENCE)',
    }
  // A bare DER certificate (.cer/.crt): readable, but there is no key in it.
  try {
    const x = new X509Certificate(bytes)
    const info = describeCertificate(Buffer.from(x.raw))
    return {
      ok: false,
      failure: 'certificate-only',
      detail: 'a DER certificate (.cer) with no private key, not a PFX',
      file: {leaf: info, certificates: [info], ders: [bytes.toString('base64')], hasPrivateKey: false, format: 'der'},
    }
  } catch {
    // not a certificate: try PKCS#12
  }
  return openPkcs12(bytes, password)
}

interface ForgeLike {
  asn1: {fromDer(b: string, strict?: boolean): unknown; toDer(a: unknown): {getBytes(): string}}
  pkcs12: {
    pkcs12FromAsn1(
      a: unknown,
      strict: boolean,
      password: string,
    ): {getBags(f: object): Record<string, {cert?: unknown; key?: unknown; asn1?: unknown}[]>}
  }
  pki: {
    oids: Record<string, string>
    certificateToAsn1(c: unknown): unknown
    privateKeyToPem(k: unknown): string
    privateKeyInfoToPem?(a: unknown): string
  }
}

// node-forge costs ~100 ms to import and only certificate checks need it: loaded on first use.
let forgeCache: ForgeLike | undefined
function forge(): ForgeLike {
  if (!forgeCache) throw new Error('node-forge is not loaded: await ensureForge() first')
  return forgeCache
}

/** Imports node-forge once (with native key derivation); loadCertificateFile does it, openCertificateBytes needs it done. */
export async function ensureForge(): Promise<void> {
  if (forgeCache) return
  const {loadForge} = await import('./forge-native.js')
  forgeCache = (await loadForge()) as unknown as ForgeLike
}

function openPkcs12(bytes: Buffer, password: string | undefined): LoadResult {
  const f = forge()
  let asn1: unknown
  try {
    asn1 = f.asn1.fromDer(bytes.toString('binary'), true)
  } catch (e) {
    return {ok: false, failure: 'corrupt', detail: `not valid DER: ${(e as Error).message}`}
  }
  let p12: ReturnType<ForgeLike['pkcs12']['pkcs12FromAsn1']>
  try {
    p12 = f.pkcs12.pkcs12FromAsn1(asn1, false, password ?? '')
  } catch (e) {
    const msg = (e as Error).message ?? String(e)
    if ((e as Error).name === 'KdfIterationError' || /key-derivation iterations/.test(msg))
      return {ok: false, failure: 'corrupt', detail: msg}
    if (/MAC could not be verified|Invalid password/i.test(msg))
      return {
        ok: false,
        failure: 'wrong-password',
        detail: 'the PKCS#12 integrity check (MAC) failed with this password',
      }
    if (/PKCS#12|PFX|ASN\.1|Unsupported|version/i.test(msg) && !/private key/i.test(msg))
      return {ok: false, failure: 'corrupt', detail: msg}
    if (/private key|OID/i.test(msg))
      return {ok: false, failure: 'unsupported-key', detail: `the key cannot be read: ${msg} (not an RSA key?)`}
    return {ok: false, failure: 'corrupt', detail: msg}
  }
  const certBags = p12.getBags({bagType: f.pki.oids.certBag})[f.pki.oids.certBag!] ?? []
  const keyBags = [
    ...(p12.getBags({bagType: f.pki.oids.pkcs8ShroudedKeyBag})[f.pki.oids.pkcs8ShroudedKeyBag!] ?? []),
    ...(p12.getBags({bagType: f.pki.oids.keyBag})[f.pki.oids.keyBag!] ?? []),
  ]
  // forge decodes RSA certificates only; others (EC) stay as ASN.1 in the bag, for Node to read.
  const certs = certBags
    .filter((b) => b.cert || b.asn1)
    .map((b) => Buffer.from(f.asn1.toDer(b.cert ? f.pki.certificateToAsn1(b.cert) : b.asn1).getBytes(), 'binary'))
  const keyBag = keyBags.find((b) => b.key || b.asn1)
  let keyPem: string | undefined
  if (keyBag?.key) keyPem = f.pki.privateKeyToPem(keyBag.key)
  else if (keyBag?.asn1 && f.pki.privateKeyInfoToPem) keyPem = f.pki.privateKeyInfoToPem(keyBag.asn1)
  return finish(certs, keyPem, 'pkcs12', keyBags.length > 0)
}

function finish(
  certDers: Buffer[],
  keyPem: string | undefined,
  format: 'pkcs12' | 'pem',
  keyPresent: boolean,
): LoadResult {
  const infos = certDers.map((d) => ({der: d, info: describeCertificate(d)}))
  let keyMatches: boolean | undefined
  let privateKeyType: string | undefined
  let leafIdx = infos.findIndex((c) => !c.info.isCA)
  if (keyPem) {
    try {
      const key = createPrivateKey(keyPem)
      privateKeyType = key.asymmetricKeyType
      const pub = createPublicKey(key).export({type: 'spki', format: 'der'})
      const idx = infos.findIndex((c) =>
        new X509Certificate(c.der).publicKey.export({type: 'spki', format: 'der'}).equals(pub),
      )
      keyMatches = idx >= 0
      if (idx >= 0) leafIdx = idx
    } catch {
      keyMatches = false
    }
  }
  if (leafIdx < 0) leafIdx = 0
  const ordered = infos.length ? [infos[leafIdx]!, ...infos.filter((_, i) => i !== leafIdx)] : []
  const file: LoadedCertificateFile = {
    leaf: ordered[0]?.info,
    certificates: ordered.map((c) => c.info),
    ders: ordered.map((c) => c.der.toString('base64')),
    hasPrivateKey: keyPresent,
    keyMatches: keyPresent ? keyMatches : undefined,
    privateKeyType,
    format,
  }
  if (!file.leaf) return {ok: false, failure: 'corrupt', detail: 'the PFX holds no certificate', file}
  return {ok: true, file}
}

function openPem(text: string): {summary: string; file?: LoadedCertificateFile} {
  const certs = [...text.matchAll(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)].map((m) => m[0])
  const keys = [
    ...text.matchAll(
      /-----BEGIN (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----[\s\S]+?-----END (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----/g,
    ),
  ].map((m) => m[0])
  const parts = [
    `${certs.length} certificate${certs.length === 1 ? '' : 's'}`,
    `${keys.length} private key${keys.length === 1 ? '' : 's'}`,
  ]
  if (certs.length === 0) return {summary: parts.join(', ')}
  try {
    const ders = certs.map((c) => Buffer.from(new X509Certificate(c).raw))
    const r = finish(ders, keys[0] && !keys[0].includes('ENCRYPTED') ? keys[0] : undefined, 'pem', keys.length > 0)
    return {summary: parts.join(', '), file: r.ok ? r.file : r.file}
  } catch {
    return {summary: parts.join(', ')}
  }
}
