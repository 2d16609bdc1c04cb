import type {Finding} from '../../model/index.js'
import type {CertificateInfo} from './x509.js'

/**
 * idm-preflight's own security baseline for the HTTPS sites and their certificates (tls.endpoint
 * once a site serves, cert.tls before): no page of the product docs names a TLS version, a key
 * type or a key size for the SSL certificate. They ask that it be trusted ("The Identity Manager
 * Server requires the use of an SSL Certificate trusted by all the target end-users' browsers",
 * installation-guide/production-ready/server), and the agent "requires the use of HTTPS ports and
 * an SSL certificate" (agent-requirements). The RSA-2048 rule of the docs is for the encryption
 * and IdentityServer key pairs, not for this one. Both checks judge the certificate with the
 * same function, so they cannot disagree.
 */

export const TLS_PROTOCOLS = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'] as const
export type TlsProtocol = (typeof TLS_PROTOCOLS)[number]

/** The baseline's lowest protocol; `checks.settings['tls.endpoint'].minProtocol` changes it. */
export const DEFAULT_MIN_PROTOCOL: TlsProtocol = 'TLSv1.2'

/** Protocols in order; SSLv3 (and anything unknown older) below TLS 1.0. */
export function protocolRank(p: string | undefined): number {
  if (p === 'SSLv3') return -1
  const i = TLS_PROTOCOLS.indexOf(p as TlsProtocol)
  return i < 0 ? TLS_PROTOCOLS.length : i
}

/** `TLSv1.2` → `TLS 1.2`. */
export function protocolName(p: string): string {
  return p.replace(/^TLSv1$/, 'TLS 1.0').replace(/^TLSv/, 'TLS ')
}

/** The baseline's least key sizes by type. */
export const TLS_MIN_KEY_BITS: Record<string, number> = {rsa: 2048, ec: 256}

/** The key of a TLS certificate against the baseline: RSA ≥ 2048 or EC ≥ 256 (any other type passes). */
export function tlsKeyFindings(leaf: CertificateInfo, what: string, about: string): Finding[] {
  const min = TLS_MIN_KEY_BITS[leaf.keyType]
  if (min === undefined || leaf.keyBits >= min) return []
  return [
    {
      status: 'fail',
      message: `${what} has an ${leaf.keyType.toUpperCase()} ${leaf.keyBits}-bit key, below this tool's security baseline for TLS certificates (RSA 2048, EC 256; the product docs set none) (${about})`,
      remediation:
        leaf.keyType === 'rsa' ? 'issue a new certificate with an RSA 2048 (or larger) key' : 'use P-256 or larger',
    },
  ]
}
