/**
 * The three certificate checks' shared parts (cert.encryption, cert.identity-server, cert.tls):
 * their plan, the probe that opens a PFX or a Windows store entry, and the verdicts.
 */
export {certificateCheck} from './cert-check.js'
