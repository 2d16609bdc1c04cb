import {basename, isAbsolute, relative, resolve, sep} from 'node:path'
import type {Environment} from '../core/environment.js'
import {isWindowsPath} from '../lib/paths.js'
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
