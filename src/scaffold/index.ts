/**
 * Writing an installation: the plan of files (working directory, appsettings, web.config, the
 * permission and IIS scripts, certificates), rendered from templates/ and applied without ever
 * destroying a user's file; `init`'s questions and `init --from-workdir` (adopt).
 */
export {scaffoldTarget} from './settings.js'
export type {CertificateItem} from './make-certificates.js'
export type {Asker, NamedCertificate, ScaffoldStep} from './init.js'
