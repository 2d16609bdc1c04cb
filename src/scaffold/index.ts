/**
 * Writing an installation: the plan of files (working directory, appsettings, web.config, the
 * permission and IIS scripts, certificates), rendered from templates/ and applied without ever
 * destroying a user's file (secrets masked in its diffs: settings-mask.ts); the certificates
 * `--generate-certificates` makes and what scaffold prints (make-certificates.ts, summary.ts);
 * `init`'s questions (init.ts) and `init --from-workdir` (adopt.ts).
 */
export {scaffoldTarget} from './settings.js'
export type {CertificateItem} from './make-certificates.js'
export type {Asker, NamedCertificate, ScaffoldStep} from './init.js'
