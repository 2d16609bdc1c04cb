import {join} from 'node:path'
import {isWindowsPath} from '../base/index.js'

/**
 * Where the certificates of an installation are, what they are called and which variable holds
 * each password: one rule, used by `init` (which names them in the environment file) and by
 * `scaffold --generate-certificates` (which creates them where the file names them, or here when
 * it names none). So that `check` judges exactly the files scaffold wrote.
 *
 * This tool's own convention: the docs' examples put the PFX files in Runtime
 * (`./identitymanager-Files.pfx`, protect-agent-server-communication page), but Runtime is what a
 * product upgrade replaces; a `Certificates` folder beside it keeps them, and the settings name
 * them by their full path.
 */

/**
 * - `encryption`: EncryptionCertificate (the server's, each agent's own);
 * - `identity-server`: IdentityServer, the server's key pair (on premises), or the PFX Netwrix
 *   gives a SaaS agent;
 * - `identity-server-public`: a separate agent's IdentityServer on premises, the server's public
 *   part ("an encryption certificate with at least the server's public key",
 *   protect-agent-server-communication page);
 * - `tls`: the https binding of the site (IIS).
 */
export type CertificatePurpose = 'encryption' | 'identity-server' | 'identity-server-public' | 'tls'

export const CERTIFICATES_FOLDER = 'Certificates'

/** `server` is written `Server` in file names; an agent is its identifier as written. */
const ownerName = (owner: string) => (owner === 'server' ? 'Server' : owner)

/** The file name of one certificate of `owner` (`server` or an agent's identifier). */
export function certificateFileName(owner: string, purpose: CertificatePurpose): string {
  switch (purpose) {
    case 'encryption':
      return `${ownerName(owner)}-Files.pfx`
    case 'identity-server':
      return 'IdentityServer.pfx'
    case 'identity-server-public':
      return 'IdentityServer-Public.pfx'
    case 'tls':
      return `${ownerName(owner)}-Tls.pfx`
  }
}

/**
 * The certificate's path in a working directory: a Windows path stays one (forward slashes, as the
 * settings hold it), a local one is joined as this system does.
 */
export function certificatePath(workingDirectory: string, owner: string, purpose: CertificatePurpose): string {
  const name = certificateFileName(owner, purpose)
  if (isWindowsPath(workingDirectory))
    return `${workingDirectory.replace(/\\/g, '/').replace(/\/+$/, '')}/${CERTIFICATES_FOLDER}/${name}`
  return join(workingDirectory, CERTIFICATES_FOLDER, name)
}

/**
 * The variable that holds a certificate's password in the environment file `init` writes: one per
 * file (the server's and the agent's encryption certificates are two files, two variables). The
 * IdentityServer certificate is one key pair: the server's PFX, its public part on the agent, or
 * the SaaS PFX, all under one variable.
 */
export function passwordVariable(side: 'server' | 'agent', purpose: CertificatePurpose): string {
  switch (purpose) {
    case 'encryption':
      return side === 'server' ? 'IDM_SERVER_PFX' : 'IDM_AGENT_PFX'
    case 'identity-server':
    case 'identity-server-public':
      return 'IDM_IDENTITYSERVER_PFX'
    case 'tls':
      return side === 'server' ? 'IDM_SERVER_TLS_PFX' : 'IDM_AGENT_TLS_PFX'
  }
}
