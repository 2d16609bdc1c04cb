import type {Agent, Environment, ServerSection} from '../model/index.js'
import {isReference} from '../environment/index.js'
import {loadCertificateFile} from '../probes/pki/index.js'
import {expectedSite, type ExpectedSite} from '../product/index.js'
import {isWindowsPath, psString} from '../base/index.js'
import type {ScaffoldTarget} from './settings.js'

/**
 * The pool and site install-iis-site.ps1 makes for the installation scaffold writes. A PFX file's
 * thumbprint is read here (scaffold has its password), so that the script imports it only once.
 */
export async function iisSite(env: Environment, t: ScaffoldTarget, baseDir: string): Promise<ExpectedSite> {
  const owner: Partial<Agent | ServerSection> = t.role === 'agent' ? (t.agent ?? {}) : env.server
  const site = expectedSite(
    {
      role: t.role,
      organization: env.organization,
      url: owner.url,
      alias: owner.alias,
      tlsCertificate: owner.tlsCertificate,
      serviceAccount: t.serviceAccount,
    },
    baseDir,
  )
  if (site.pfxFile) {
    const password = owner.tlsCertificate?.password
    const unread = (why: string) =>
      site.notes.push(`${site.pfxFile} ${why}: the script imports it on every run (its thumbprint is not known)`)
    if (isWindowsPath(site.pfxFile) && process.platform !== 'win32') unread('is a Windows path, not read here')
    else if (password !== undefined && isReference(password)) unread(`cannot be opened (${password} is not set)`)
    else {
      const r = await loadCertificateFile(site.pfxFile, password)
      if (r.ok && r.file.leaf) site.thumbprint = r.file.leaf.thumbprint
      else unread(`cannot be opened (${r.ok ? 'no certificate in it' : r.detail.replace(`${site.pfxFile} `, '')})`)
    }
  }
  return site
}

/** The script's variable lines (every value quoted as PowerShell reads it back). */
export function iisVariables(s: ExpectedSite, account: string, root: string): string[] {
  return [
    `$Account = ${psString(account)}`,
    `$Root = ${psString(root)}`,
    `$PoolName = ${psString(s.poolName)}`,
    `$SiteName = ${psString(s.siteName)}`,
    `$HostName = ${psString(s.hostName)}`,
    `$Port = ${s.port}`,
    `$Thumbprint = ${psString(s.thumbprint)}`,
    `$CertSubject = ${psString(s.certSubject)}`,
    `$CertStoreName = ${psString(s.certStoreName)}`,
    `$PfxFile = ${psString(s.pfxFile)}`,
  ]
}
