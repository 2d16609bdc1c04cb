import {generateKeyPairSync, randomBytes} from 'node:crypto'
import forge from 'node-forge'

/**
 * A throwaway PKI for the sandbox, tests and benchmarks: a CA and leaf certificates with every
 * fault a real installation meets (expired, not yet valid, wrong host, self-signed, SHA-1,
 * 1024-bit). Keys come from Node's crypto (fast); forge only encodes X.509 and PKCS#12.
 */

export interface Issued {
  certPem: string
  keyPem: string
  der: Buffer
  cert: forge.pki.Certificate
  key: forge.pki.rsa.PrivateKey
}

export interface CertOptions {
  commonName: string
  /** DNS names and IP addresses for the subjectAltName. */
  altNames?: string[]
  /** Signed by this CA; self-signed when absent. */
  issuer?: Issued
  keyBits?: number
  hash?: 'sha256' | 'sha1' | 'md5' | 'sha384' | 'sha512'
  notBefore?: Date
  notAfter?: Date
  isCA?: boolean
  /** Extended key usage: serverAuth by default for leaves; 'none' omits the extension. */
  eku?: 'serverAuth' | 'clientAuth' | 'none'
  organization?: string
}

const keyCache = new Map<number, {pub: forge.pki.rsa.PublicKey; priv: forge.pki.rsa.PrivateKey; pem: string}>()

/** One RSA key pair per size per process: sandbox keys are throwaway, and generation costs. */
export function rsaKey(
  bits: number,
  fresh = false,
): {pub: forge.pki.rsa.PublicKey; priv: forge.pki.rsa.PrivateKey; pem: string} {
  const cached = keyCache.get(bits)
  if (cached && !fresh) return cached
  const {publicKey, privateKey} = generateKeyPairSync('rsa', {
    modulusLength: bits,
    publicKeyEncoding: {type: 'spki', format: 'pem'},
    privateKeyEncoding: {type: 'pkcs1', format: 'pem'},
  })
  const k = {pub: forge.pki.publicKeyFromPem(publicKey), priv: forge.pki.privateKeyFromPem(privateKey), pem: privateKey}
  if (!fresh) keyCache.set(bits, k)
  return k
}

const DAY = 86_400_000

export function issue(o: CertOptions): Issued {
  const key = rsaKey(o.keyBits ?? 2048, o.isCA === true)
  const cert = forge.pki.createCertificate()
  cert.publicKey = key.pub
  cert.serialNumber = `01${randomBytes(8).toString('hex')}`
  cert.validity.notBefore = o.notBefore ?? new Date(Date.now() - DAY)
  cert.validity.notAfter = o.notAfter ?? new Date(Date.now() + 365 * DAY)
  const subject = [
    {name: 'commonName', value: o.commonName},
    {name: 'organizationName', value: o.organization ?? 'idm-preflight sandbox'},
  ]
  cert.setSubject(subject)
  cert.setIssuer(o.issuer ? o.issuer.cert.subject.attributes : subject)
  const ext: object[] = [
    {name: 'basicConstraints', cA: !!o.isCA, critical: true},
    o.isCA
      ? {name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true}
      : {name: 'keyUsage', digitalSignature: true, keyEncipherment: true, dataEncipherment: true, critical: true},
    {name: 'subjectKeyIdentifier'},
  ]
  if (!o.isCA && o.eku !== 'none')
    ext.push({name: 'extKeyUsage', serverAuth: o.eku !== 'clientAuth', clientAuth: o.eku === 'clientAuth'})
  if (o.altNames?.length) {
    ext.push({
      name: 'subjectAltName',
      altNames: o.altNames.map((n) => (/^[\d.]+$/.test(n) || n.includes(':') ? {type: 7, ip: n} : {type: 2, value: n})),
    })
  }
  cert.setExtensions(ext)
  const signer = o.issuer ? o.issuer.key : key.priv
  cert.sign(signer, forge.md[o.hash ?? 'sha256'].create())
  const der = Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes(), 'binary')
  return {certPem: forge.pki.certificateToPem(cert), keyPem: key.pem, der, cert, key: key.priv}
}

/** A fresh CA for one sandbox. */
export function makeCA(name = 'idm-preflight sandbox CA'): Issued {
  return issue({commonName: name, isCA: true, notAfter: new Date(Date.now() + 3650 * DAY), eku: 'none'})
}

/** The TLS faults a sandbox endpoint can have. */
export type CertFault =
  'expired' | 'not-yet-valid' | 'expiring-soon' | 'wrong-host' | 'self-signed' | 'sha1' | 'rsa-1024'

/** A server certificate for `hostnames`, with one fault or none. */
export function serverCert(ca: Issued, hostnames: string[], fault?: CertFault): Issued {
  const now = Date.now()
  return issue({
    commonName: fault === 'wrong-host' ? 'other.invalid' : hostnames[0]!,
    altNames: fault === 'wrong-host' ? ['other.invalid'] : [...hostnames, '127.0.0.1'],
    issuer: fault === 'self-signed' ? undefined : ca,
    keyBits: fault === 'rsa-1024' ? 1024 : 2048,
    hash: fault === 'sha1' ? 'sha1' : 'sha256',
    notBefore:
      fault === 'expired'
        ? new Date(now - 400 * DAY)
        : fault === 'not-yet-valid'
          ? new Date(now + 10 * DAY)
          : undefined,
    notAfter:
      fault === 'expired'
        ? new Date(now - 10 * DAY)
        : fault === 'not-yet-valid'
          ? new Date(now + 400 * DAY)
          : fault === 'expiring-soon'
            ? new Date(now + 5 * DAY)
            : undefined,
  })
}

/** PKCS#12 of a certificate and its key. 3DES is what older Windows Server reads. */
export function toPfx(
  c: Issued,
  password: string,
  opts: {algorithm?: '3des' | 'aes256'; chain?: Issued[]; withKey?: boolean} = {},
): Buffer {
  const certs = [c.cert, ...(opts.chain ?? []).map((x) => x.cert)]
  const p12 = forge.pkcs12.toPkcs12Asn1(opts.withKey === false ? null : c.key, certs, password, {
    algorithm: opts.algorithm ?? '3des',
    friendlyName: c.cert.subject.getField('CN')?.value,
  })
  return Buffer.from(forge.asn1.toDer(p12).getBytes(), 'binary')
}
