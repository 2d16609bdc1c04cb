import {isIP} from 'node:net'
import {isAbsolute, resolve} from 'node:path'
import type {CertificateRef} from '../model/index.js'
import {urlHostPort, writtenHost} from '../environment/index.js'
import {isWindowsPath} from '../base/index.js'

/**
 * The IIS pool and site of an installation (DOMAIN.md §5.2), as scaffold's install-iis-site.ps1
 * makes them and host.iis checks them, and the WebAdministration script that reads what a host has.
 */

/** What the environment file says the site of one installation is. */
export interface ExpectedSite {
  /** The pool the service account names (`IIS AppPool\<pool>`), else `Usercube`. */
  poolName: string
  /** `Usercube<Organization>` for the server, `UsercubeAgent<Organization>` for an agent. */
  siteName: string
  /** The https binding's host name (lower case; empty when the URL has none or an IP address). */
  hostName: string
  port: number
  /** The tlsCertificate: in LocalMachine by thumbprint or subject, or a PFX file to import. */
  thumbprint: string
  certSubject: string
  certStoreName: string
  pfxFile: string
  /** What cannot be derived from the environment file, said to the user. */
  notes: string[]
}

/** The pool an `IIS AppPool\<name>` account is the identity of. */
export function appPoolOf(account: string | undefined): string | undefined {
  return /^IIS AppPool\\(.+)$/i.exec(account ?? '')?.[1]
}

export function expectedSite(
  o: {
    role: 'server' | 'agent'
    organization: string
    url?: string
    alias?: string
    tlsCertificate?: CertificateRef
    serviceAccount?: string
  },
  baseDir: string,
): ExpectedSite {
  const notes: string[] = []
  const https = o.url !== undefined && /^https:\/\//i.test(o.url)
  const written = o.url ? writtenHost(o.url) : o.alias
  // An IP address is no host name for SNI: the binding then serves every name on the port.
  const hostName = written && !isIP(written) ? written.toLowerCase() : ''
  const port = https ? urlHostPort(o.url!).port : 443
  if (o.url && !https) notes.push(`${o.url} is not https: the https binding is made on port 443`)
  if (!hostName) notes.push('no host name in the URL: the https binding answers every name on the port (no SNI)')
  const ref = o.tlsCertificate
  let thumbprint = ''
  let certSubject = ''
  let certStoreName = 'My'
  let pfxFile = ''
  if (ref?.store) {
    if (ref.store.storeLocation !== 'LocalMachine')
      notes.push(
        `tlsCertificate is in ${ref.store.storeLocation}\\${ref.store.storeName}: IIS binds LocalMachine certificates only, so the binding's certificate is left to you`,
      )
    else {
      thumbprint = (ref.store.thumbprint ?? '').replace(/[^0-9a-f]/gi, '').toUpperCase()
      certSubject = thumbprint ? '' : (ref.store.subject ?? '')
      certStoreName = ref.store.storeName
    }
  } else if (ref?.file) {
    pfxFile = isAbsolute(ref.file) || isWindowsPath(ref.file) ? ref.file : resolve(baseDir, ref.file)
    if (isWindowsPath(pfxFile)) pfxFile = pfxFile.replace(/\//g, '\\')
  } else notes.push('no tlsCertificate in the environment file: the https binding is made without a certificate')
  return {
    poolName: appPoolOf(o.serviceAccount) ?? 'Usercube',
    siteName: `Usercube${o.role === 'agent' ? 'Agent' : ''}${o.organization.replace(/[^A-Za-z0-9._-]/g, '')}`,
    hostName,
    port,
    thumbprint,
    certSubject,
    certStoreName,
    pfxFile,
    notes,
  }
}

// ------------------------------------------------------------------- what a host has (Windows)

export interface IisBinding {
  protocol: string
  bindingInformation: string
  sslFlags: number
  certificateHash: string
  certificateStoreName: string
  /** The bound certificate as the store has it; null when the hash names nothing there. */
  certificate: {subject: string; notAfter: string} | null
}

export interface IisPool {
  managedRuntimeVersion: string
  startMode: string
  idleTimeoutMinutes: number
  loadUserProfile: boolean
  periodicRestartMinutes: number
  identityType: string
  userName: string
  state: string
}

export interface IisSiteFacts {
  name: string
  state: string
  physicalPath: string
  applicationPool: string
  preloadEnabled: boolean
  bindings: IisBinding[]
  pool: IisPool | null
}

export interface IisFacts {
  /** False when the WebAdministration module is not there (IIS, or its scripting, not installed). */
  webAdministration: boolean
  sites: IisSiteFacts[]
}

/**
 * Every site with its pool, bindings and bound certificates, through WebAdministration, as JSON
 * (enum values as their names, time spans in minutes, so nothing depends on the display language).
 */
export const IIS_SITES_SCRIPT = [
  'if (-not (Get-Module -ListAvailable -Name WebAdministration)) { \'{"webAdministration":false,"sites":[]}\' } else {',
  'Import-Module WebAdministration;',
  "$sites = @(foreach ($s in @(Get-ChildItem -LiteralPath 'IIS:\\Sites')) {",
  '$p = $null; $pp = "IIS:\\AppPools\\$($s.applicationPool)"; if (Test-Path -LiteralPath $pp) { $p = Get-Item -LiteralPath $pp };',
  '[pscustomobject]@{name=[string]$s.name; state=[string]$s.state; physicalPath=[Environment]::ExpandEnvironmentVariables([string]$s.physicalPath); applicationPool=[string]$s.applicationPool; preloadEnabled=("$($s.applicationDefaults.preloadEnabled)" -eq \'True\');',
  'bindings=@(Get-WebBinding -Name $s.name | ForEach-Object { $h = [string]$_.certificateHash; $c = $null;',
  "if ($h) { $st = if ($_.certificateStoreName) { [string]$_.certificateStoreName } else { 'My' }; $cert = Get-Item -LiteralPath \"Cert:\\LocalMachine\\$st\\$h\" -ErrorAction SilentlyContinue; if ($cert) { $c = [pscustomobject]@{subject=[string]$cert.Subject; notAfter=$cert.NotAfter.ToUniversalTime().ToString('o')} } };",
  '[pscustomobject]@{protocol=[string]$_.protocol; bindingInformation=[string]$_.bindingInformation; sslFlags=[int]$_.sslFlags; certificateHash=$h; certificateStoreName=[string]$_.certificateStoreName; certificate=$c} });',
  'pool=$(if ($p) { [pscustomobject]@{managedRuntimeVersion=[string]$p.managedRuntimeVersion; startMode=[string]$p.startMode; idleTimeoutMinutes=([TimeSpan]$p.processModel.idleTimeout).TotalMinutes; loadUserProfile=("$($p.processModel.loadUserProfile)" -eq \'True\'); periodicRestartMinutes=([TimeSpan]$p.recycling.periodicRestart.time).TotalMinutes; identityType=[string]$p.processModel.identityType; userName=[string]$p.processModel.userName; state=[string]$p.state} } else { $null })',
  '} });',
  'ConvertTo-Json -Compress -Depth 6 -InputObject ([pscustomobject]@{webAdministration=$true; sites=$sites}) }',
].join(' ')

const str = (v: unknown): string => (v === null || v === undefined ? '' : String(v))
const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v ?? NaN))
const bool = (v: unknown): boolean => v === true || str(v).toLowerCase() === 'true'

/** The script's JSON as facts; anything else is an error that says what PowerShell gave. */
export function parseIisSites(json: unknown): IisFacts {
  const j = json as {webAdministration?: unknown; sites?: unknown} | null
  if (!j || typeof j !== 'object' || typeof j.webAdministration !== 'boolean')
    throw new Error('PowerShell gave no IIS sites (is Windows PowerShell 5.1 there?)')
  // ConvertTo-Json writes a list of one as the item itself under Windows PowerShell 5.1.
  const list = (v: unknown): Record<string, unknown>[] =>
    v === null || v === undefined ? [] : ((Array.isArray(v) ? v : [v]) as Record<string, unknown>[])
  return {
    webAdministration: j.webAdministration,
    sites: list(j.sites).map((s) => {
      const p = s.pool as Record<string, unknown> | null | undefined
      return {
        name: str(s.name),
        state: str(s.state),
        physicalPath: str(s.physicalPath),
        applicationPool: str(s.applicationPool),
        preloadEnabled: bool(s.preloadEnabled),
        bindings: list(s.bindings).map((b) => {
          const c = b.certificate as {subject?: unknown; notAfter?: unknown} | null | undefined
          return {
            protocol: str(b.protocol).toLowerCase(),
            bindingInformation: str(b.bindingInformation),
            sslFlags: num(b.sslFlags) || 0,
            certificateHash: str(b.certificateHash).toUpperCase(),
            certificateStoreName: str(b.certificateStoreName),
            certificate: c ? {subject: str(c.subject), notAfter: str(c.notAfter)} : null,
          }
        }),
        pool: p
          ? {
              managedRuntimeVersion: str(p.managedRuntimeVersion),
              startMode: str(p.startMode),
              idleTimeoutMinutes: num(p.idleTimeoutMinutes),
              loadUserProfile: bool(p.loadUserProfile),
              periodicRestartMinutes: num(p.periodicRestartMinutes),
              identityType: str(p.identityType),
              userName: str(p.userName),
              state: str(p.state),
            }
          : null,
      }
    }),
  }
}

/** A Windows path as IIS compares it: backslashes, no trailing one, case-insensitive. */
export function windowsPathKey(p: string): string {
  return p.replace(/\//g, '\\').replace(/\\+$/, '').toLowerCase()
}

/** `*:443:host` → its parts (an IPv6 address is in brackets). */
export function parseBindingInformation(b: string): {ip: string; port: number; host: string} | undefined {
  const m = /^(\*|\[[^\]]*\]|[^:]*):(\d+):(.*)$/.exec(b)
  return m ? {ip: m[1]!, port: Number(m[2]), host: m[3]!.toLowerCase()} : undefined
}
