import tls from 'node:tls'
import {X509Certificate} from 'node:crypto'
import {readRegularFile} from '../../io/index.js'

/** A CA bundle is at most a few hundred certificates. */
const MAX_CA_FILE_BYTES = 16 * 1024 * 1024

const cache = new Map<string, Promise<string[]>>()

/**
 * The certificates a verdict of "trusted" is made against: the system's (Node's bundled roots
 * plus NODE_EXTRA_CA_CERTS, and the OS store where Node reads it) and `network.caFile`, for a
 * private PKI. Throws with a clear message when the caFile cannot be read.
 */
export function trustedCAs(caFile: string | undefined): Promise<string[]> {
  const key = caFile ?? ''
  let p = cache.get(key)
  if (!p) {
    p = load(caFile)
    cache.set(key, p)
    p.catch(() => cache.delete(key))
  }
  return p
}

async function load(caFile: string | undefined): Promise<string[]> {
  const getCA = (tls as unknown as {getCACertificates?: (t: string) => string[]}).getCACertificates
  const system = getCA ? getCA('default') : [...tls.rootCertificates]
  if (!caFile) return system
  let text: string
  try {
    // A FIFO here once made `check` print its report and never exit: regular files only.
    text = (await readRegularFile(caFile, MAX_CA_FILE_BYTES)).toString('utf8')
  } catch (e) {
    throw new Error(`cannot read network.caFile ${caFile}: it ${(e as Error).message}`, {cause: e})
  }
  const pems = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)
  if (!pems) throw new Error(`network.caFile ${caFile} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`)
  return [...system, ...pems]
}

const contexts = new Map<string, Promise<tls.SecureContext>>()

/**
 * One TLS context per trust (and protocol floor) for the whole run: building one parses every
 * trusted root (12 ms for the 263 of Node's store), which a `ca` option on each connection would
 * do again for each endpoint. `legacy` accepts down to TLS 1.0 and every cipher, to report an old
 * server as such.
 */
export function trustedContext(caFile: string | undefined, o: {legacy?: boolean} = {}): Promise<tls.SecureContext> {
  const key = `${o.legacy ? 'legacy' : 'default'}\0${caFile ?? ''}`
  let p = contexts.get(key)
  if (!p) {
    p = trustedCAs(caFile).then((ca) =>
      tls.createSecureContext({ca, ...(o.legacy ? {minVersion: 'TLSv1', ciphers: 'DEFAULT:@SECLEVEL=0'} : {})}),
    )
    contexts.set(key, p)
    p.catch(() => contexts.delete(key))
  }
  return p
}

const roots = new Map<string, Promise<X509Certificate[]>>()

/** The trusted roots as parsed certificates, once per run (chain building for certificate files). */
export function trustedRoots(caFile: string | undefined): Promise<X509Certificate[]> {
  const key = caFile ?? ''
  let p = roots.get(key)
  if (!p) {
    p = trustedCAs(caFile).then((pems) => pems.map((pem) => new X509Certificate(pem)))
    roots.set(key, p)
    p.catch(() => roots.delete(key))
  }
  return p
}
