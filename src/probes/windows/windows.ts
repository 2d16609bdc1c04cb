import {type LoadedCertificateFile, describeCertificate} from '../pki/index.js'
import {psString, sharedAnswers} from '../../base/index.js'

/**
 * Windows facts through PowerShell (execa), always answering JSON so that nothing depends on the
 * display language: certificate-store entries and folder ACLs. Parsing is separate from running,
 * so that it is tested with fixtures on any platform.
 */

/** The arguments powershell.exe gets for a script: errors stop it, output is UTF-8. */
export function powershellArgs(script: string): string[] {
  const prelude =
    "$ErrorActionPreference='Stop'; $ProgressPreference='SilentlyContinue'; [Console]::OutputEncoding=[Text.Encoding]::UTF8;"
  return ['-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-Command', `${prelude} ${script}`]
}

/** Runs a PowerShell script and parses its JSON output. Windows only. */
export async function powershellJson(script: string, signal: AbortSignal): Promise<unknown> {
  const {execa} = await import('execa')
  const r = await execa('powershell.exe', powershellArgs(script), {
    cancelSignal: signal,
    windowsHide: true,
    reject: false,
  })
  if (r.exitCode !== 0) throw new Error(`PowerShell failed: ${String(r.stderr).split(/\r?\n/)[0] ?? r.exitCode}`)
  return JSON.parse(String(r.stdout) || 'null')
}

// ------------------------------------------------------------------------ certificate store

export interface StoreQuery {
  thumbprint?: string
  subject?: string
  storeLocation: string
  storeName: string
}

/** The script that reads one store entry (by thumbprint, else subject) as JSON. */
export function storeScript(q: StoreQuery): string {
  const path = psString(`Cert:\\${q.storeLocation}\\${q.storeName}`)
  const filter = q.thumbprint
    ? `$_.Thumbprint -eq ${psString(q.thumbprint.toUpperCase())}`
    : `$_.Subject -eq ${psString(q.subject ?? '')}`
  return `$m = @(Get-ChildItem -LiteralPath ${path} | Where-Object { ${filter} }); if ($m.Count -eq 0) { '{"found":false}' } else { [pscustomobject]@{found=$true; count=$m.Count; hasPrivateKey=$m[0].HasPrivateKey; raw=[Convert]::ToBase64String($m[0].RawData)} | ConvertTo-Json -Compress }`
}

export interface StoreEntry {
  found: boolean
  count?: number
  hasPrivateKey?: boolean
  raw?: string
}

/** Turns the script's JSON into a loaded certificate (or says what was not found). */
export function parseStoreEntry(
  json: unknown,
  q: StoreQuery,
): {loaded?: LoadedCertificateFile; error?: string; matches?: number} {
  const e = json as StoreEntry
  const where = `${q.storeLocation}\\${q.storeName}`
  if (!e?.found || !e.raw)
    return {
      error: `no certificate with ${q.thumbprint ? `thumbprint ${q.thumbprint}` : `subject "${q.subject}"`} in ${where}`,
    }
  const info = describeCertificate(Buffer.from(e.raw, 'base64'))
  return {
    matches: e.count,
    loaded: {leaf: info, certificates: [info], ders: [e.raw], hasPrivateKey: e.hasPrivateKey === true, format: 'der'},
  }
}

export async function readStoreCertificate(
  q: StoreQuery,
  signal: AbortSignal,
): Promise<{loaded?: LoadedCertificateFile; error?: string; unavailable?: string}> {
  if (process.platform !== 'win32')
    return {
      unavailable: `${q.storeLocation}\\${q.storeName} is a Windows certificate store: run idm-preflight on the Windows host to check it`,
    }
  return parseStoreEntry(await powershellJson(storeScript(q), signal), q)
}

// ------------------------------------------------------------------------------------ ACLs

/** One access rule as the ACL script reports it (enum names, not localized; SIDs for groups). */
export interface AclEntry {
  identity: string
  sid?: string
  rights: string | number
  type: string | number
  inherited: boolean
}

/** The ACL script: Get-Acl's rules with rights and types as enum names and each identity's SID. */
export function aclScript(path: string): string {
  // -InputObject: an empty ACL is `[]` and one entry a list of one, never no output at all.
  return `ConvertTo-Json -Compress -InputObject @((Get-Acl -LiteralPath ${psString(path)}).Access | ForEach-Object { $sid = ''; try { $sid = $_.IdentityReference.Translate([Security.Principal.SecurityIdentifier]).Value } catch {}; [pscustomobject]@{identity=$_.IdentityReference.Value; sid=$sid; rights=$_.FileSystemRights.ToString(); type=$_.AccessControlType.ToString(); inherited=$_.IsInherited} })`
}

/** Each path's access rules in one PowerShell: `[{path, access: [...]}]`, in the order given. */
export function aclsScript(paths: readonly string[]): string {
  const list = paths.map(psString).join(',')
  return `ConvertTo-Json -Compress -Depth 4 -InputObject @(foreach ($p in @(${list})) { [pscustomobject]@{path=$p; access=@((Get-Acl -LiteralPath $p).Access | ForEach-Object { $sid = ''; try { $sid = $_.IdentityReference.Translate([Security.Principal.SecurityIdentifier]).Value } catch {}; [pscustomobject]@{identity=$_.IdentityReference.Value; sid=$sid; rights=$_.FileSystemRights.ToString(); type=$_.AccessControlType.ToString(); inherited=$_.IsInherited} })} })`
}

/** aclsScript's answer, one list of entries per path asked for (same order); throws when one is missing. */
export function parseAclsJson(json: unknown, paths: readonly string[]): AclEntry[][] {
  const list = json === null || json === undefined ? [] : Array.isArray(json) ? json : [json]
  if (list.length !== paths.length)
    throw new Error(`PowerShell gave ${list.length} ACLs for ${paths.length} paths (is Windows PowerShell 5.1 there?)`)
  return list.map((item: {path?: unknown; access?: unknown}, i) => {
    if (item?.path !== paths[i]) throw new Error(`PowerShell answered for ${String(item?.path)}, not ${paths[i]}`)
    return parseAclJson(item.access ?? [])
  })
}

/** Reads the ACLs of many paths with one PowerShell process. */
export async function readAcls(paths: readonly string[], signal: AbortSignal): Promise<AclEntry[][]> {
  if (paths.length === 0) return []
  return parseAclsJson(await powershellJson(aclsScript(paths), signal), paths)
}

/** The account's SID and the SIDs of its groups (best effort: well-known groups when AD cannot say). */
export function accountScript(account: string): string {
  return `$n = New-Object Security.Principal.NTAccount(${psString(account)}); $sid = $n.Translate([Security.Principal.SecurityIdentifier]).Value; $groups = @(); try { $groups = @(([Security.Principal.WindowsIdentity]::new(${psString(account)})).Groups | ForEach-Object { $_.Value }) } catch {}; [pscustomobject]@{sid=$sid; groups=$groups} | ConvertTo-Json -Compress`
}

const windowsAccounts = sharedAnswers<{sid: string; groups: string[]}>()

/**
 * The account's SID and groups, through PowerShell, once for all the checks that ask at about the
 * same time; a clear error when PowerShell gives no answer.
 */
export function windowsAccount(account: string, signal: AbortSignal): Promise<{sid: string; groups: string[]}> {
  // Not the first caller's signal: the answer is everyone's (each caller's own signal ends its wait).
  return windowsAccounts(
    account.toLowerCase(),
    () => lookUpWindowsAccount(account, AbortSignal.timeout(30_000)),
    signal,
  )
}

async function lookUpWindowsAccount(account: string, signal: AbortSignal): Promise<{sid: string; groups: string[]}> {
  const who = (await powershellJson(accountScript(account), signal)) as {sid?: unknown; groups?: unknown} | null
  if (!who || typeof who.sid !== 'string')
    throw new Error(
      `PowerShell gave no SID for ${account} (is Windows PowerShell 5.1 there, and the account known to this host?)`,
    )
  return {sid: who.sid, groups: Array.isArray(who.groups) ? who.groups.filter((g) => typeof g === 'string') : []}
}

// .NET FileSystemRights values (System.Security.AccessControl), for numeric output (Windows PowerShell 5.1 without ToString()).
const RIGHTS_BITS = {
  ReadData: 0x1,
  WriteData: 0x2,
  AppendData: 0x4,
  ReadExtendedAttributes: 0x8,
  WriteExtendedAttributes: 0x10,
  ExecuteFile: 0x20,
  DeleteSubdirectoriesAndFiles: 0x40,
  ReadAttributes: 0x80,
  WriteAttributes: 0x100,
  Delete: 0x10000,
  ReadPermissions: 0x20000,
  ChangePermissions: 0x40000,
  TakeOwnership: 0x80000,
  Synchronize: 0x100000,
} as const
const NAMED: Record<string, number> = {
  ...RIGHTS_BITS,
  ListDirectory: 0x1,
  CreateFiles: 0x2,
  CreateDirectories: 0x4,
  Traverse: 0x20,
  Read: 0x20089,
  ReadAndExecute: 0x200a9,
  Write: 0x116,
  Modify: 0x301bf,
  FullControl: 0x1f01ff,
  // Generic rights as they appear on inherit-only entries (CREATOR OWNER…): 268435456 and friends.
  GenericAll: 0x10000000,
  GenericExecute: 0x20000000,
  GenericWrite: 0x40000000,
  GenericRead: 0x80000000,
}

/** FileSystemRights (a name list like "Modify, Synchronize", or a number) as a bit mask. */
export function rightsMask(rights: string | number): number {
  if (typeof rights === 'number') return expandGeneric(rights)
  if (/^-?\d+$/.test(rights.trim())) return expandGeneric(Number(rights))
  return expandGeneric(
    rights.split(',').reduce((m, part) => {
      const v = NAMED[part.trim()]
      if (v === undefined) throw new Error(`unknown FileSystemRights "${part.trim()}"`)
      return m | v
    }, 0),
  )
}

function expandGeneric(m: number): number {
  let out = m >>> 0
  if (out & NAMED.GenericAll!) out |= NAMED.FullControl!
  if (out & NAMED.GenericRead!) out |= NAMED.Read!
  if (out & NAMED.GenericWrite!) out |= NAMED.Write!
  if (out & NAMED.GenericExecute!) out |= 0x200a0
  return out
}

/** Directory rights in POSIX terms: list (read), create/delete (write), traverse (execute). */
export function maskToRwx(m: number): {r: boolean; w: boolean; x: boolean} {
  return {r: (m & 0x1) !== 0, w: (m & 0x2) !== 0 && (m & 0x4) !== 0, x: (m & 0x20) !== 0}
}

export function parseAclJson(json: unknown): AclEntry[] {
  // aclScript always prints a list: no output means PowerShell did not answer, not "no rights".
  if (json === null || json === undefined) throw new Error('PowerShell gave no ACL (is Windows PowerShell 5.1 there?)')
  const list = Array.isArray(json) ? json : [json]
  return list.map((e: Record<string, unknown>) => {
    // Also accept Get-Acl's raw shape (IdentityReference as {Value}, numbers for enums).
    const ref = e.identity ?? (e.IdentityReference as {Value?: string} | string | undefined)
    const identity = typeof ref === 'string' ? ref : ((ref as {Value?: string})?.Value ?? '')
    return {
      identity,
      sid: (e.sid as string | undefined) || undefined,
      rights: (e.rights ?? e.FileSystemRights) as string | number,
      type: (e.type ?? e.AccessControlType) as string | number,
      inherited: Boolean(e.inherited ?? e.IsInherited),
    }
  })
}

/** Well-known SIDs every account belongs to, and the "everyone" groups. */
export const WELL_KNOWN = {
  everyone: 'S-1-1-0',
  authenticatedUsers: 'S-1-5-11',
  users: 'S-1-5-32-545',
  iisIusrs: 'S-1-5-32-568',
} as const

export interface WindowsRights {
  r: boolean
  w: boolean
  x: boolean
  /** Entries that gave write to a group everyone is in. */
  everyoneWrite: string[]
}

/**
 * Effective directory rights of an account from an ACL: allow entries of the account or its
 * groups, minus deny entries (deny wins), as Windows evaluates them for a plain ACL.
 */
export function effectiveWindowsRights(
  entries: readonly AclEntry[],
  accountSid: string,
  accountName: string,
  groupSids: readonly string[],
): WindowsRights {
  const mine = new Set([accountSid, ...groupSids, WELL_KNOWN.everyone, WELL_KNOWN.authenticatedUsers, WELL_KNOWN.users])
  let allow = 0
  let deny = 0
  const everyoneWrite: string[] = []
  for (const e of entries) {
    const isDeny = String(e.type) === 'Deny' || e.type === 1 || e.type === '1'
    const m = rightsMask(e.rights)
    const applies = (e.sid && mine.has(e.sid)) || e.identity.toLowerCase() === accountName.toLowerCase()
    if (applies) {
      if (isDeny) deny |= m
      else allow |= m
    }
    const broad = e.sid === WELL_KNOWN.everyone || e.sid === WELL_KNOWN.users || e.sid === WELL_KNOWN.authenticatedUsers
    if (broad && !isDeny && maskToRwx(m).w) everyoneWrite.push(`${e.identity} (${e.rights})`)
  }
  const eff = maskToRwx(allow & ~deny)
  return {...eff, everyoneWrite}
}
