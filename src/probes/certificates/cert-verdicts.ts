import type {Finding} from '../../model/index.js'
import {
  type LoadFailure,
  type LoadedCertificateFile,
  tlsKeyFindings,
  certSummary,
  daysUntil,
  isWeakSignature,
  OID_SERVER_AUTH,
  type CertificateInfo,
} from '../pki/index.js'

/** Which certificate of the product, and what it must satisfy. */
export type CertKind = 'encryption' | 'identity-server' | 'tls'

export interface CertParams {
  owner: string
  kind: CertKind
  /** Where the environment file names it (`agents[0].encryptionCertificate`). */
  field: string
  /** The file as written, and as this host sees it (absolute). */
  fileAsWritten?: string
  file?: string
  password?: string
  store?: {thumbprint?: string; subject?: string; storeLocation: string; storeName: string}
  requirePrivateKey: boolean
  /** cert.tls: the names the https binding serves. */
  hostnames?: string[]
  caFile?: string
  /**
   * An agent's IdentityServer certificate on premises: the server's, whose public key it must
   * hold to verify the server's tokens.
   */
  counterpart?: {field: string; file: string; fileAsWritten: string; password?: string}
  /**
   * How messages name the file and the password where there is no environment file (cert
   * inspect: the argument, --password-env); `${field}.file` and `${field}.password` otherwise.
   */
  names?: {file: string; password: string}
}

const fileName = (p: CertParams) => p.names?.file ?? `${p.field}.file`
const passwordName = (p: CertParams) => p.names?.password ?? `the value behind ${p.field}.password`

export interface CertFacts {
  source: 'file' | 'store'
  loaded?: LoadedCertificateFile
  failure?: LoadFailure
  failureDetail?: string
  /** Set when the store cannot be read from here, with why. */
  storeUnavailable?: string
  protectedPassword: boolean
  trust?: {trusted: boolean; reason?: string}
  /** Compared with `counterpart`: the same public key, or why it could not be told. */
  counterpart?: {matches?: boolean; unknown?: string}
}

const KIND_NAME: Record<CertKind, string> = {
  encryption: 'encryption certificate',
  'identity-server': 'IdentityServer certificate',
  tls: 'TLS certificate',
}

const FAILURE: Record<LoadFailure, (p: CertParams, d: string) => Finding> = {
  missing: (p, d) => ({
    status: 'fail',
    message: `${p.fileAsWritten ?? 'the certificate'}: ${d}`,
    remediation: `check ${p.names ? p.names.file : `${p.field}.file (relative to the environment file)`}, or create one: idm-preflight cert create --out ${p.fileAsWritten ?? 'file.pfx'}`,
  }),
  'not-a-file': (p, d) => ({status: 'fail', message: d, remediation: `${fileName(p)} must name a .pfx file`}),
  unreadable: (p, d) => ({
    status: 'fail',
    message: d,
    remediation: 'grant read access on the file to the account that runs the product (and to this check)',
  }),
  empty: (p) => ({
    status: 'fail',
    message: `${p.fileAsWritten} is empty`,
    remediation: 'export the certificate again, with its private key, as a .pfx',
  }),
  pem: (p, d) => ({
    status: 'fail',
    message: `${p.fileAsWritten} is ${d}: the product reads a PKCS#12 (.pfx) file`,
    remediation: `convert it: openssl pkcs12 -export -in cert.pem -inkey key.pem -out ${p.fileAsWritten?.replace(/\.[^./\\]+$/, '') ?? 'file'}.pfx`,
  }),
  'certificate-only': (p, d) => ({
    status: 'fail',
    message: `${p.fileAsWritten} is ${d}`,
    remediation:
      'export the certificate with its private key as a .pfx (Windows: certlm.msc → Export → Yes, export the private key)',
  }),
  'wrong-password': (p) => ({
    status: 'fail',
    message: `the password does not open ${p.fileAsWritten} (the PKCS#12 integrity check failed): wrong password, or a password meant for another file`,
    remediation: `check ${passwordName(p)}`,
  }),
  corrupt: (p, d) => ({
    status: 'fail',
    message: `${p.fileAsWritten} is not a valid PKCS#12 file: ${d}`,
    remediation: 'export the certificate again as a .pfx; the file may be truncated or damaged',
  }),
  'not-pkcs12': (p, d) => ({
    status: 'fail',
    message: `${p.fileAsWritten} is ${d}`,
    remediation: `${fileName(p)} must be a .pfx (PKCS#12) file`,
  }),
  'unsupported-key': (p, d) => ({
    status: 'fail',
    message: `${p.fileAsWritten}: ${d}`,
    remediation:
      p.kind === 'tls'
        ? 'export the certificate again with an RSA or EC key'
        : 'the product requires an RSA-2048 key pair (agent-requirements and server pages): idm-preflight cert create',
  }),
}

/** Every verdict on one certificate reference (pure). */
export function certFindings(p: CertParams, f: CertFacts, now: Date, warnDays: number): Finding[] {
  const what = KIND_NAME[p.kind]
  if (f.storeUnavailable) return [{status: 'skip', message: f.storeUnavailable}]
  const out: Finding[] = []
  if (f.protectedPassword) {
    out.push({
      status: 'warn',
      message: `${p.names ? 'the password' : `${p.field}.password`} is in the product's protected format (Usercube-Protect-CertificatePassword), which only the product decrypts: the PFX was not opened here`,
      remediation: `give the plain password in the environment file (a \${env:} or \${file:} reference); scaffold writes it into the settings, where you may protect it. Or check the file alone: idm-preflight cert inspect ${p.fileAsWritten ?? 'file.pfx'} --password-env VAR`,
    })
  }
  if (f.failure) {
    out.push(FAILURE[f.failure](p, f.failureDetail ?? ''))
    return out
  }
  const file = f.loaded
  if (!file?.leaf) {
    if (!f.protectedPassword) out.push({status: 'fail', message: `no certificate found in ${p.fileAsWritten}`})
    return out
  }
  const leaf = file.leaf
  const about = certSummary(leaf)
  if (!file.hasPrivateKey) {
    if (p.requirePrivateKey)
      out.push({
        status: 'fail',
        message: `the ${what} has no private key (${about})`,
        remediation: 'export it again with its private key (a .pfx with the key, or a store entry that has one)',
      })
  } else if (file.keyMatches === false) {
    out.push({
      status: 'fail',
      message: `the private key in ${p.fileAsWritten ?? 'the store'} does not belong to its certificate (${about})`,
      remediation: 'export the certificate together with its own key',
    })
  }
  if (p.kind === 'tls') {
    // The docs ask only that the SSL certificate be trusted; its key is judged by this tool's
    // baseline, the same function as tls.endpoint's once the site serves it (tls-policy.ts).
    out.push(...tlsKeyFindings(leaf, `the ${what}`, about))
  } else if (leaf.keyType !== 'rsa')
    // "An RSA-2048 encryption key pair is required for the agent" (agent-requirements); the server
    // page: "Identity Manager's Identity Server also needs an RSA-2048 authentication key pair".
    out.push({
      status: 'fail',
      message: `the ${what} has a ${leaf.keyType.toUpperCase()} key: the docs ask for an RSA-2048 key pair (${about})`,
      remediation: 'create an RSA 2048 key pair: idm-preflight cert create',
    })
  else if (leaf.keyBits < 2048)
    out.push({
      status: 'fail',
      message: `the ${what} has an RSA ${leaf.keyBits}-bit key; the docs ask for an RSA-2048 key pair (${about})`,
      remediation:
        "create an RSA 2048 key pair (the docs' openssl example with rsa:1024 contradicts their own rule): idm-preflight cert create",
    })
  // The production-agent guide, of the encryption certificates: "key size exceeding 2048; sha256
  // and not sha-1". For the TLS certificate it is this tool's baseline (browsers refuse SHA-1).
  if (isWeakSignature(leaf.signatureAlgorithm))
    out.push({
      status: 'fail',
      message: `the ${what} is ${leaf.selfSigned ? 'self-' : ''}signed with ${leaf.signatureAlgorithm}; ${p.kind === 'tls' ? "this tool's baseline asks for" : 'the production-agent guide asks for'} SHA-256 or stronger (${about})`,
      remediation: leaf.selfSigned
        ? 'create it again: idm-preflight cert create (SHA-256)'
        : 'issue it again signed with SHA-256',
    })
  validity(leaf, now, warnDays, what, about, out)
  if (p.kind === 'tls') tlsFindings(p, leaf, f, about, out)
  if (f.source === 'file' && file.mode !== undefined && (file.mode & 0o004) !== 0)
    out.push({
      status: 'warn',
      message: `${p.fileAsWritten} is readable by everyone (mode ${file.mode.toString(8).padStart(3, '0')}): it holds a private key`,
      remediation: `chmod 600 ${p.fileAsWritten} (Windows: remove Users/Everyone from its ACL)`,
    })
  if (!out.some((x) => x.status === 'fail' || x.status === 'warn')) {
    const key = file.hasPrivateKey
      ? 'private key present and matching'
      : "certificate only (enough to verify the server's tokens)"
    out.push({
      status: 'pass',
      message: `${leaf.keyType.toUpperCase()} ${leaf.keyBits}, ${leaf.signatureAlgorithm}, valid until ${leaf.notAfter.slice(0, 10)} (${daysUntil(leaf.notAfter, now)} days), ${key}; ${leaf.subject}, thumbprint ${leaf.thumbprint}`,
    })
  }
  return out
}

function validity(
  leaf: CertificateInfo,
  now: Date,
  warnDays: number,
  what: string,
  about: string,
  out: Finding[],
): void {
  if (Date.parse(leaf.notBefore) > now.getTime()) {
    out.push({
      status: 'fail',
      message: `the ${what} is not valid before ${leaf.notBefore.slice(0, 10)} (${about})`,
      remediation: "check this host's clock, or use a certificate already valid",
    })
    return
  }
  const days = daysUntil(leaf.notAfter, now)
  if (days < 0)
    out.push({
      status: 'fail',
      message: `the ${what} expired on ${leaf.notAfter.slice(0, 10)} (${about})`,
      remediation: 'create or renew it (idm-preflight cert create) and update the settings',
    })
  else if (days < warnDays)
    out.push({
      status: 'warn',
      message: `the ${what} expires in ${days} days, on ${leaf.notAfter.slice(0, 10)} (${about})`,
      remediation: `renew it before ${leaf.notAfter.slice(0, 10)} (checks.expiryWarningDays is ${warnDays})`,
    })
}

function tlsFindings(p: CertParams, leaf: CertificateInfo, f: CertFacts, about: string, out: Finding[]): void {
  const names = leaf.subjectAltNames.filter((n) => n.startsWith('DNS:')).map((n) => n.slice(4).toLowerCase())
  for (const host of p.hostnames ?? []) {
    const h = host.toLowerCase()
    const covered = names.some(
      (n) => n === h || (n.startsWith('*.') && h.endsWith(n.slice(1)) && h.split('.').length === n.split('.').length),
    )
    if (!covered)
      out.push({
        status: 'fail',
        message: `the TLS certificate does not cover ${host}: its subjectAltName lists ${names.join(', ') || 'no DNS name'} (${about})`,
        remediation: `issue a certificate whose subjectAltName includes ${h}`,
      })
  }
  if (
    leaf.extendedKeyUsage.length > 0 &&
    !leaf.extendedKeyUsage.includes(OID_SERVER_AUTH) &&
    !leaf.extendedKeyUsage.includes('2.5.29.37.0')
  )
    out.push({
      status: 'fail',
      message: `the TLS certificate does not allow server authentication (extended key usage ${leaf.extendedKeyUsage.join(', ')})`,
      remediation: 'issue it from a web server template (EKU 1.3.6.1.5.5.7.3.1)',
    })
  if (f.trust && !f.trust.trusted)
    out.push({
      status: 'fail',
      message: `the TLS certificate does not chain to a trusted root: ${f.trust.reason} (${about})`,
      remediation:
        'include the intermediates in the .pfx, and add a private root CA to network.caFile and to every client',
    })
}
