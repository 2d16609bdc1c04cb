import tls from 'node:tls'
import {readRegularFile} from '../core/read.js'

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
