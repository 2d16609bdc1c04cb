import {X509Certificate} from 'node:crypto'
import {loadCertificateFile, type LoadedCertificateFile, verifyChain} from '../pki/index.js'
import {effectivePassword} from '../../product/index.js'
import type {CertFacts, CertParams} from './cert-verdicts.js'

/** Probe for any certificate reference: opens the PFX (or the store entry on Windows). */
export async function probeCertificate(
  p: CertParams,
  readStore: (
    s: NonNullable<CertParams['store']>,
  ) => Promise<{loaded?: LoadedCertificateFile; error?: string; unavailable?: string}>,
): Promise<CertFacts> {
  const pw = effectivePassword(p.password)
  const base = {protectedPassword: pw.protectedFormat}
  if (p.store) {
    const r = await readStore(p.store)
    if (r.unavailable) return {source: 'store', storeUnavailable: r.unavailable, ...base}
    if (!r.loaded)
      return {source: 'store', failure: 'missing', failureDetail: r.error ?? 'not found in the store', ...base}
    return {
      source: 'store',
      loaded: r.loaded,
      ...base,
      ...(p.kind === 'tls' ? {trust: await verifyChain(r.loaded.ders, p.caFile)} : {}),
    }
  }
  // A protected password cannot be opened here: only the file itself is looked at.
  const r = await loadCertificateFile(p.file!, pw.protectedFormat ? '' : pw.password)
  if (!r.ok) {
    if (pw.protectedFormat && r.failure === 'wrong-password') return {source: 'file', ...base}
    return {source: 'file', failure: r.failure, failureDetail: r.detail, loaded: r.file, ...base}
  }
  return {
    source: 'file',
    loaded: r.file,
    ...base,
    ...(p.kind === 'tls' ? {trust: await verifyChain(r.file.ders, p.caFile)} : {}),
    ...(p.counterpart ? {counterpart: await compareWith(r.file, p.counterpart)} : {}),
  }
}

/** Whether two certificate files hold the same public key (their leaves'). */
async function compareWith(
  own: LoadedCertificateFile,
  other: NonNullable<CertParams['counterpart']>,
): Promise<NonNullable<CertFacts['counterpart']>> {
  const pw = effectivePassword(other.password)
  if (pw.protectedFormat) return {unknown: `${other.field}.password is in the protected format`}
  const r = await loadCertificateFile(other.file, pw.password)
  // The server's own instance of this check reports why its file does not open.
  if (!r.ok || !r.file.ders[0] || !own.ders[0]) return {unknown: `${other.fileAsWritten} could not be opened`}
  return {matches: spki(own.ders[0]).equals(spki(r.file.ders[0]))}
}

function spki(derBase64: string): Buffer {
  return new X509Certificate(Buffer.from(derBase64, 'base64')).publicKey.export({type: 'spki', format: 'der'})
}
