/**
 * Certificate files and X.509: opening PFX/PEM files (node-forge with native key derivation, in
 * workers), describing a certificate, creating one, the trusted CAs and chains, and this tool's
 * key and protocol baseline.
 */
export {MAX_CERTIFICATE_BYTES, loadCertificateFile} from './certificates.js'
export type {LoadFailure, LoadedCertificateFile} from './certificates.js'
export {verifyChain} from './chain.js'
export {DEFAULT_MIN_PROTOCOL, TLS_PROTOCOLS, protocolName, protocolRank, tlsKeyFindings} from './tls-policy.js'
export type {TlsProtocol} from './tls-policy.js'
export {trustedCAs, trustedContext} from './trust.js'
export {OID_SERVER_AUTH, certSummary, daysUntil, describeCertificate, isWeakSignature} from './x509.js'
export type {CertificateInfo} from './x509.js'
