import {generateKeyPair} from 'node:crypto'
import {promisify} from 'node:util'
import {describeCertificate, type CertificateInfo} from './x509.js'

export interface CreateOptions {
  subject: string
  days: number
  keySize: number
  password: string
  encryption: '3des' | 'aes256'
  /**
   * A TLS certificate for an https binding: these names in its subjectAltName, and the server
   * authentication usage (EKU 1.3.6.1.5.5.7.3.1) that cert.tls asks for.
   */
  dnsNames?: string[]
}

export interface Created {
  pfx: Buffer
  info: CertificateInfo
}

const ATTR: Record<string, string> = {
  CN: 'commonName',
  O: 'organizationName',
  OU: 'organizationalUnitName',
  C: 'countryName',
  L: 'localityName',
  ST: 'stateOrProvinceName',
  E: 'emailAddress',
}

/** `CN=Contoso Files, O=Contoso` → forge attributes; throws on an unknown or empty part. */
export function parseSubject(subject: string): {name: string; value: string}[] {
  const parts = subject
    .split(/,(?=\s*[A-Za-z]+=)/)
    .map((p) => p.trim())
    .filter(Boolean)
  if (parts.length === 0) throw new Error('the subject is empty: write it as CN=Name, O=Organization')
  return parts.map((p) => {
    const m = /^([A-Za-z]+)=(.+)$/.exec(p)
    const name = m && ATTR[m[1]!.toUpperCase()]
    if (!m || !name)
      throw new Error(`"${p}" is not a subject part: use ${Object.keys(ATTR).join(', ')} (CN=Name, O=Organization)`)
    return {name, value: m[2]!.trim()}
  })
}

/**
 * A self-signed RSA key pair for Identity Manager's EncryptionCertificate: the key from Node's
 * crypto (fast; forge's pure-JS generation takes seconds), an X.509 certificate signed with
 * SHA-256 and a PKCS#12 file from node-forge, 3DES by default for older Windows Server.
 */
export async function createCertificate(o: CreateOptions): Promise<Created> {
  const attrs = parseSubject(o.subject)
  const [forge, {privateKey, publicKey}] = await Promise.all([
    import('./forge-native.js').then((m) => m.loadForge()),
    promisify(generateKeyPair)('rsa', {
      modulusLength: o.keySize,
      publicKeyEncoding: {type: 'spki', format: 'pem'},
      privateKeyEncoding: {type: 'pkcs1', format: 'pem'},
    }),
  ])
  const key = forge.pki.privateKeyFromPem(privateKey)
  const cert = forge.pki.createCertificate()
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey)
  cert.serialNumber = `01${forge.util.bytesToHex(forge.random.getBytesSync(8))}`
  const now = new Date()
  cert.validity.notBefore = new Date(now.getTime() - 5 * 60_000)
  cert.validity.notAfter = new Date(now.getTime() + o.days * 86_400_000)
  cert.setSubject(attrs)
  cert.setIssuer(attrs)
  cert.setExtensions([
    {name: 'basicConstraints', cA: false, critical: true},
    o.dnsNames?.length
      ? {name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true}
      : {name: 'keyUsage', digitalSignature: true, keyEncipherment: true, dataEncipherment: true, critical: true},
    ...(o.dnsNames?.length
      ? [
          {name: 'extKeyUsage', serverAuth: true},
          {name: 'subjectAltName', altNames: o.dnsNames.map((value) => ({type: 2, value}))},
        ]
      : []),
    {name: 'subjectKeyIdentifier'},
  ])
  cert.sign(key, forge.md.sha256.create())
  const p12 = forge.pkcs12.toPkcs12Asn1(key, cert, o.password, {
    algorithm: o.encryption,
    friendlyName: attrs.find((a) => a.name === 'commonName')?.value,
  })
  const pfx = Buffer.from(forge.asn1.toDer(p12).getBytes(), 'binary')
  const der = Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes(), 'binary')
  return {pfx, info: describeCertificate(der)}
}

/**
 * The public part of a certificate (its DER) as a PKCS#12 file without a private key: what a
 * separate agent's IdentityServer needs of the server's ("at least the server's public key",
 * protect-agent-server-communication page).
 */
export async function publicPartPfx(der: Buffer, password: string, encryption: '3des' | 'aes256'): Promise<Buffer> {
  const forge = await import('./forge-native.js').then((m) => m.loadForge())
  const cert = forge.pki.certificateFromAsn1(forge.asn1.fromDer(der.toString('binary')))
  const p12 = forge.pkcs12.toPkcs12Asn1(null, cert, password, {
    algorithm: encryption,
    friendlyName: cert.subject.getField('CN')?.value as string | undefined,
  })
  return Buffer.from(forge.asn1.toDer(p12).getBytes(), 'binary')
}

/** The settings snippets for a certificate: appsettings.json (file and store) and the environment file. */
export function snippets(
  file: string,
  thumbprint: string,
  passwordEnv: string | undefined,
): {appsettingsFile: string; appsettingsStore: string; importCommand: string; environment: string} {
  const winFile = file.replace(/\\/g, '/')
  return {
    appsettingsFile: `"EncryptionCertificate": { "File": ${JSON.stringify(winFile)}, "Password": "<the PFX password, protected with Usercube-Protect-CertificatePassword>" }`,
    appsettingsStore: `"EncryptionCertificate": { "Thumbprint": "${thumbprint}", "StoreLocation": "LocalMachine", "StoreName": "My" }`,
    importCommand: `Import-PfxCertificate -FilePath ${JSON.stringify(winFile)} -CertStoreLocation Cert:\\LocalMachine\\My -Password (Read-Host -AsSecureString)`,
    environment: `encryptionCertificate: { file: ${winFile}, password: "\${env:${passwordEnv ?? 'IDM_ENCRYPTION_PFX'}}" }`,
  }
}
