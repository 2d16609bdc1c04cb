import {basename, isAbsolute, join, relative, resolve, sep} from 'node:path'
import type {Environment} from '../model/index.js'
import {isReference} from '../environment/index.js'
import {isWindowsPath} from '../base/index.js'
import {certificatePath, type CertificatePurpose} from './cert-files.js'
import type {ScaffoldTarget} from './settings.js'

/** A certificate file the settings name that lies outside the working directory being written. */
export interface OutsideCertificate {
  /** The setting that names it (`EncryptionCertificate.File`…). */
  setting: string
  /** As the settings would hold it: absolute, with forward slashes. */
  path: string
  /** Its name in Runtime when copied there (the docs' examples: `./Usercube-Files.pfx`). */
  copyAs: string
}

/**
 * The PFX files the settings of `t` name (encryption and IdentityServer, as this host sees them)
 * that are not inside its working directory: the settings then hold this machine's absolute path,
 * which must also exist on the product's host.
 */
export function outsideCertificates(
  files: readonly {label: string; path: string}[],
  workingDirectory: string,
): OutsideCertificate[] {
  const out: OutsideCertificate[] = []
  for (const f of files) {
    if (isWindowsPath(f.path) !== isWindowsPath(workingDirectory)) continue
    const rel = relative(workingDirectory, f.path)
    if (rel && !rel.startsWith('..') && !isAbsolute(rel)) continue
    const setting = f.label.startsWith('identityServer')
      ? 'IdentityServer.X509KeyFilePath'
      : 'EncryptionCertificate.File'
    out.push({setting, path: f.path.replace(/\\/g, '/'), copyAs: basename(f.path)})
  }
  return out
}

/** A copy of the settings data with every value equal to `from` replaced by `to` (a relocated path). */
export function relocatePath<T>(data: T, from: string, to: string): T {
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return v === from ? to : v
    if (Array.isArray(v)) return v.map(walk)
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]))
    return v
  }
  return walk(data) as T
}

/**
 * When scaffold generated the encryption certificate, the settings use it while the environment
 * file may still name another file (or none): then `check` would judge the wrong PFX. Returns the
 * change to make in the environment file (the field, what it holds, the YAML to write), or
 * undefined when the file already names the generated one.
 */
export function environmentChange(
  env: Environment,
  t: ScaffoldTarget,
  index: number,
  baseDir: string,
  generated: string,
  /** The password's reference as written in the file (`${env:X}`), never a resolved value. */
  passwordRef: string | undefined,
): {field: string; current?: string; yaml: string} | undefined {
  const ref = t.role === 'agent' ? t.agent?.encryptionCertificate : env.server.encryptionCertificate
  const field = t.role === 'agent' ? `agents[${index}].encryptionCertificate` : 'server.encryptionCertificate'
  const current = ref?.file
  if (current && resolve(baseDir, current) === resolve(generated)) return undefined
  const rel = relative(baseDir, generated)
  const shown = rel.startsWith('..') || isAbsolute(rel) ? generated : `./${rel.split(sep).join('/')}`
  const password = passwordRef ? `"${passwordRef}"` : '"${env:…}"'
  return {
    field,
    ...(current ? {current} : {}),
    yaml: `encryptionCertificate: { file: ${shown}, password: ${password} }`,
  }
}

/** A certificate `scaffold --generate-certificates` creates (when its file is not there yet). */
export interface CertificateToMake {
  purpose: CertificatePurpose
  /** Where the environment file describes it: `agents[0].encryptionCertificate`. */
  field: string
  /** As this host writes it (absolute): under --target when one is given. */
  path: string
  /** As the settings and the environment file name it (on the product's host). */
  settingsPath: string
  /** As loaded: the value, or the reference itself when it could not be resolved. */
  password?: string
  subject: string
  /** A TLS certificate: the names the https binding serves. */
  dnsNames?: string[]
  /** The server's public part (a separate agent's IdentityServer): the PFX it is exported from. */
  publicFrom?: {field: string; path: string; password?: string}
  /**
   * The environment file names another file (or none): the settings use this one, and the file
   * must be changed for check to judge it (encryption only, as before the rule).
   */
  renamed: boolean
}

/**
 * What `scaffold --generate-certificates` creates for the installation `t`, by the rule of
 * cert-files.ts: every certificate whose file the environment names inside the working directory
 * (where `init` names them), made as its purpose asks; the encryption certificate always (at the
 * rule's path when the file names another place). What it cannot create is said in `notes`.
 */
export function certificatesToMake(
  env: Environment,
  t: ScaffoldTarget,
  index: number,
  baseDir: string,
  /** Where the server was written with --target (its IdentityServer.pfx gives an agent's public part). */
  serverTarget?: string,
): {make: CertificateToMake[]; notes: string[]} {
  // The working directory as the environment file names it; with --target the files go under
  // t.workingDirectory instead, at the same place relative to it (to be copied to the host).
  const wd = t.settingsWorkingDirectory ?? t.workingDirectory
  const abs = (p: string) => (isAbsolute(p) || isWindowsPath(p) ? p : resolve(baseDir, p))
  const under = (dir: string, p: string) => {
    if (isWindowsPath(p) !== isWindowsPath(dir)) return undefined
    const rel = isWindowsPath(p) ? posixRelative(dir, p) : relative(dir, p)
    return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : undefined
  }
  const inside = (p: string) => under(wd, p) !== undefined
  /** Where this host writes the file the settings name `p` (inside the working directory). */
  const local = (p: string) => (t.settingsWorkingDirectory ? join(t.workingDirectory, ...under(wd, p)!.split('/')) : p)
  const refs = t.role === 'agent' ? (t.agent ?? {identifier: t.owner}) : env.server
  const base = t.role === 'agent' ? `agents[${index}]` : 'server'
  const owner = t.role === 'agent' ? t.owner : 'server'
  const org = env.organization
  const make: CertificateToMake[] = []
  const notes: string[] = []

  const enc = refs.encryptionCertificate
  const named = enc?.file && !isReference(enc.file) && inside(abs(enc.file)) ? abs(enc.file) : undefined
  // One in the certificate store was chosen so: kept, not replaced by a new file.
  if (enc?.store && !enc.file)
    notes.push(`${base}.encryptionCertificate is in the certificate store: kept, no file created for it`)
  else
    make.push({
      purpose: 'encryption',
      field: `${base}.encryptionCertificate`,
      path: local(named ?? certificatePath(wd, owner, 'encryption')),
      settingsPath: named ?? certificatePath(wd, owner, 'encryption'),
      password: enc?.password,
      subject: `CN=${owner === 'server' ? 'Server' : owner} Identity Manager Files, O=${org}`,
      renamed: !named,
    })

  const ids = refs.identityServerCertificate
  const idsFile = ids?.file && !isReference(ids.file) ? abs(ids.file) : undefined
  if (idsFile && inside(idsFile)) {
    const field = `${base}.identityServerCertificate`
    if (t.role === 'server')
      make.push({
        purpose: 'identity-server',
        field,
        path: local(idsFile),
        settingsPath: idsFile,
        password: ids!.password,
        subject: `CN=${org} IdentityServer, O=${org}`,
        renamed: false,
      })
    else if (env.topology === 'saas')
      notes.push(`${field}.file ${ids!.file}: the PFX Netwrix gives you, not created here`)
    else {
      const server = env.server.identityServerCertificate
      const serverFile = server?.file && !isReference(server.file) ? abs(server.file) : undefined
      // The server's file as this host reads it: where `scaffold --server --target DIR` wrote it
      // when the file names a path of the server's host (the same place under DIR).
      const serverWd = env.server.workingDirectory ? abs(env.server.workingDirectory) : undefined
      const serverRel = serverFile && serverWd ? under(serverWd, serverFile) : undefined
      const serverLocal =
        serverFile && serverTarget && serverRel
          ? join(resolve(serverTarget), ...serverRel.split('/'))
          : serverFile && isWindowsPath(serverFile) && process.platform !== 'win32'
            ? undefined
            : serverFile
      if (serverFile && !serverLocal)
        notes.push(
          `${field}.file ${ids!.file}: its public part comes from the server's ${serverFile}, not on this system: pass --server-target DIR (where scaffold --server --target DIR wrote it), or on the server's host: idm-preflight cert create --public-from ${serverFile} --out ${ids!.file}`,
        )
      else if (server && serverLocal)
        make.push({
          purpose: 'identity-server-public',
          field,
          path: local(idsFile),
          settingsPath: idsFile,
          password: ids!.password,
          subject: '',
          publicFrom: {
            field: 'server.identityServerCertificate',
            path: serverLocal,
            ...(server.password !== undefined ? {password: server.password} : {}),
          },
          renamed: false,
        })
      else
        notes.push(
          `${field}.file ${ids!.file}: the server's IdentityServer certificate is not a file here (server.identityServerCertificate), so its public part is not exported: export it without the private key`,
        )
    }
  }

  const tls = refs.tlsCertificate
  const tlsFile = tls?.file && !isReference(tls.file) ? abs(tls.file) : undefined
  if (tlsFile && inside(tlsFile)) {
    const url = 'url' in refs ? refs.url : undefined
    const host = refs.alias ?? (url && !isReference(url) ? safeHostname(url) : undefined)
    if (host)
      make.push({
        purpose: 'tls',
        field: `${base}.tlsCertificate`,
        path: local(tlsFile),
        settingsPath: tlsFile,
        password: tls!.password,
        subject: `CN=${host}, O=${org}`,
        dnsNames: [host],
        renamed: false,
      })
    else notes.push(`${base}.tlsCertificate: no alias or URL names the site's host, so no TLS certificate is created`)
  }
  return {make, notes}
}

function safeHostname(url: string): string | undefined {
  try {
    return new URL(url).hostname || undefined
  } catch {
    return undefined
  }
}

/** `relative` for Windows paths written with either slash, compared without case. */
function posixRelative(from: string, to: string): string {
  const norm = (p: string) => p.replace(/\\/g, '/').replace(/\/+$/, '').toLowerCase()
  const f = norm(from)
  const t = norm(to)
  if (t === f) return ''
  return t.startsWith(`${f}/`) ? to.replace(/\\/g, '/').slice(f.length + 1) : `../${to}`
}
