/**
 * A TLS handshake as the product's peers will make it: protocol, cipher, certificate chain and
 * names, or the phase where it stopped.
 */
export {isIpLiteral} from './tls-probe.js'
export type {TlsFacts} from './tls-probe.js'
