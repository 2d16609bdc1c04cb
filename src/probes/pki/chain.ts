import {X509Certificate} from 'node:crypto'
import {trustedRoots} from './trust.js'

/**
 * Whether a certificate (with the intermediates that come with it) chains to a root trusted by
 * this host plus network.caFile: the check a browser makes before the IIS site exists.
 */
export async function verifyChain(
  ders: readonly string[],
  caFile: string | undefined,
): Promise<{trusted: boolean; reason?: string}> {
  const roots = await trustedRoots(caFile)
  const pool = ders.map((b64) => new X509Certificate(Buffer.from(b64, 'base64')))
  if (pool.length === 0) return {trusted: false, reason: 'no certificate to verify'}
  let cur = pool[0]!
  for (let depth = 0; depth < 10; depth++) {
    // x.checkIssued(y): "x was issued by y".
    const root = roots.find((r) => cur.checkIssued(r) && cur.verify(r.publicKey))
    if (root) return {trusted: true}
    if (roots.some((r) => r.fingerprint256 === cur.fingerprint256)) return {trusted: true}
    const next = pool.find((c) => c !== cur && cur.checkIssued(c) && cur.verify(c.publicKey))
    if (!next) {
      const selfSigned = cur.checkIssued(cur)
      return {
        trusted: false,
        reason: selfSigned
          ? `${oneLine(cur.subject)} is self-signed and not in the trust store`
          : `the issuer ${oneLine(cur.issuer)} is not in the file nor trusted here`,
      }
    }
    cur = next
  }
  return {trusted: false, reason: 'the chain is longer than 10'}
}

function oneLine(dn: string): string {
  return dn.split('\n').filter(Boolean).join(', ')
}
