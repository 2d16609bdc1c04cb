/**
 * The sandbox: a whole Identity Manager environment on 127.0.0.1 with ephemeral ports, for `demo`,
 * the tests and `bench/` (sandbox.ts). Its servers, one file each: DNS, HTTPS, the CONNECT proxy
 * and hostile peers (servers.ts), SMTP (smtp.ts), the directory (ldap.ts), the SQL Server protocol
 * emulator (tds.ts); the throwaway CA and certificates (pki.ts); demo's folder (demo-dir.ts).
 * Nothing here is a real Identity Manager, and each stand-in says so.
 */
export {SANDBOX_DOMAIN, startSandbox} from './sandbox.js'
export type {Sandbox, SandboxOptions} from './sandbox.js'
