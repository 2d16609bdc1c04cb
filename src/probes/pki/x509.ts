import {X509Certificate} from 'node:crypto'

/** What every certificate verdict names: subject, issuer, thumbprint, dates, key and signature. */
export interface CertificateInfo {
  subject: string
  issuer: string
  /** SHA-1 thumbprint as Windows shows it: 40 hex digits, upper case, no colons. */
  thumbprint: string
  sha256: string
  notBefore: string
  notAfter: string
  keyType: string
  keyBits: number
  signatureAlgorithm: string
  signatureOid: string
  subjectAltNames: string[]
  selfSigned: boolean
  isCA: boolean
  /** Extended key usages (OIDs); empty when the extension is absent (any usage). */
  extendedKeyUsage: string[]
}

export const OID_SERVER_AUTH = '1.3.6.1.5.5.7.3.1'

const SIG_NAMES: Record<string, string> = {
  '1.2.840.113549.1.1.4': 'md5WithRSAEncryption',
  '1.2.840.113549.1.1.5': 'sha1WithRSAEncryption',
  '1.2.840.113549.1.1.10': 'RSASSA-PSS',
  '1.2.840.113549.1.1.11': 'sha256WithRSAEncryption',
  '1.2.840.113549.1.1.12': 'sha384WithRSAEncryption',
  '1.2.840.113549.1.1.13': 'sha512WithRSAEncryption',
  '1.2.840.10045.4.1': 'ecdsa-with-SHA1',
  '1.2.840.10045.4.3.2': 'ecdsa-with-SHA256',
  '1.2.840.10045.4.3.3': 'ecdsa-with-SHA384',
  '1.2.840.10045.4.3.4': 'ecdsa-with-SHA512',
  '1.2.840.10040.4.3': 'dsa-with-SHA1',
  '1.3.101.112': 'Ed25519',
  '1.3.101.113': 'Ed448',
}

const CURVE_BITS: Record<string, number> = {
  prime256v1: 256,
  secp256r1: 256,
  secp384r1: 384,
  secp521r1: 521,
  secp256k1: 256,
  secp224r1: 224,
  prime192v1: 192,
}

/** True for signatures no longer acceptable: MD5 and SHA-1 based. */
export function isWeakSignature(name: string): boolean {
  return /md5|sha1\b|SHA1$|sha1With|with-SHA1/i.test(name)
}

/** Describes a DER certificate (Node's X509Certificate, plus the signature OID it does not expose). */
export function describeCertificate(der: Buffer): CertificateInfo {
  const x = new X509Certificate(der)
  const key = x.publicKey
  const details = key.asymmetricKeyDetails ?? {}
  const keyType = key.asymmetricKeyType ?? 'unknown'
  const keyBits =
    details.modulusLength ??
    (details.namedCurve ? (CURVE_BITS[details.namedCurve] ?? 0) : keyType === 'ed25519' ? 256 : 0)
  const oid = signatureOid(der)
  let selfSigned: boolean
  try {
    selfSigned = x.checkIssued(x) && x.verify(x.publicKey)
  } catch {
    selfSigned = false
  }
  return {
    subject: oneLine(x.subject),
    issuer: oneLine(x.issuer),
    thumbprint: x.fingerprint.replace(/:/g, '').toUpperCase(),
    sha256: x.fingerprint256.replace(/:/g, '').toUpperCase(),
    notBefore: new Date(x.validFrom).toISOString(),
    notAfter: new Date(x.validTo).toISOString(),
    keyType,
    keyBits,
    signatureAlgorithm: SIG_NAMES[oid] ?? oid,
    signatureOid: oid,
    subjectAltNames: (x.subjectAltName ?? '')
      .split(/,\s*/)
      .map((s) => s.trim())
      .filter(Boolean),
    selfSigned,
    isCA: x.ca,
    extendedKeyUsage: x.keyUsage ?? [],
  }
}

/** `CN=a\nO=b` → `CN=a, O=b`. */
function oneLine(dn: string): string {
  return dn.split('\n').filter(Boolean).join(', ')
}

/**
 * The signatureAlgorithm OID of a DER certificate: Certificate ::= SEQUENCE { tbsCertificate,
 * signatureAlgorithm AlgorithmIdentifier, signature }. A minimal DER walk, so that TLS checks do
 * not load an ASN.1 library (Node's X509Certificate has no signature-algorithm property).
 */
export function signatureOid(der: Buffer): string {
  let pos = 0
  const header = () => {
    const tag = der[pos++]!
    let len = der[pos++]!
    if (len & 0x80) {
      const n = len & 0x7f
      len = 0
      for (let i = 0; i < n; i++) len = len * 256 + der[pos++]!
    }
    return {tag, len}
  }
  header() // Certificate SEQUENCE
  const tbs = header()
  pos += tbs.len // skip tbsCertificate
  header() // AlgorithmIdentifier SEQUENCE
  const oid = header()
  if (oid.tag !== 0x06) return 'unknown'
  const bytes = der.subarray(pos, pos + oid.len)
  const parts = [Math.floor(bytes[0]! / 40), bytes[0]! % 40]
  let v = 0
  for (const b of bytes.subarray(1)) {
    v = v * 128 + (b & 0x7f)
    if (!(b & 0x80)) {
      parts.push(v)
      v = 0
    }
  }
  return parts.join('.')
}

/** Days from `now` to `date` (negative when past), rounded down. */
export function daysUntil(date: string, now: Date): number {
  return Math.floor((Date.parse(date) - now.getTime()) / 86_400_000)
}

/** A one-line description of a certificate for verdicts. */
export function certSummary(c: CertificateInfo): string {
  return `subject ${c.subject}, issuer ${c.issuer}, valid ${c.notBefore.slice(0, 10)} to ${c.notAfter.slice(0, 10)}, ${c.keyType.toUpperCase()} ${c.keyBits}, ${c.signatureAlgorithm}, thumbprint ${c.thumbprint}`
}
