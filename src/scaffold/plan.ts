import {existsSync} from 'node:fs'
import {readdir} from 'node:fs/promises'
import {versionRules, type Environment} from '../model/index.js'
import {UsageError, urlCredentials, isWindowsPath, psString, shString} from '../base/index.js'
import {FileReadError, readRegularFile, readTemplate} from '../io/index.js'
import {parseJsonc} from '../documents/index.js'
import {
  MAX_SETTINGS_BYTES,
  certificateFilesOf,
  folderRules,
  SETTINGS_FILE_NAMES,
  serverOnlyKeys,
  type ExpectedSite,
} from '../product/index.js'
import {join} from 'node:path'
import {MAX_CERTIFICATE_BYTES} from '../probes/pki/index.js'
import {outsideCertificates, relocatePath, type OutsideCertificate} from './certificates.js'
import {
  deepMerge,
  jsonText,
  powershellText,
  renderJson,
  renderScript,
  updateWebConfig,
  type WebConfigUpdate,
} from './render.js'
import {agentData, serverData, PLACEHOLDER_PREFIX, type ScaffoldTarget} from './settings.js'
import {iisSite, iisVariables} from './iis.js'

/** One thing scaffold writes. Paths are absolute; `relative` is what reports show. */
export interface PlannedItem {
  relative: string
  path: string
  kind: 'dir' | 'file'
  content?: string | Buffer
  /** Files holding a secret (passwords, connection strings) are written with mode 0600. */
  secret?: boolean
  executable?: boolean
  /** What the content was built from: the template, or the product's shipped file. */
  base?: string
  /** Why this file is planned as it is, said in the output (a replaced server file…). */
  note?: string
}

/** `Usercube` or `Identitymanager`, as the extracted runtime names its executables. */
export async function detectProductPrefix(runtime: string): Promise<string | undefined> {
  const names = await readdir(runtime).catch(() => [] as string[])
  const m = names.map((n) => /^(usercube|identitymanager)-(agent|server)\.(dll|exe)$/i.exec(n)).find((x) => x)
  return m?.[1]
}

/** A web.config (shipped, or written before) with the aspNetCore element updated; its faults are the user's (exit 2). */
async function updateWebConfigOf(
  {file, template}: {file: string; template?: undefined} | {file: undefined; template: string},
  u: WebConfigUpdate,
): Promise<string> {
  if (file === undefined) return updateWebConfig(await readTemplate(template), u)
  let xml: string
  try {
    xml = (await readRegularFile(file, MAX_SETTINGS_BYTES)).toString('utf8')
  } catch (e) {
    if (e instanceof FileReadError)
      throw new UsageError(`${file} ${e.message}`, [], 'make it a regular XML file, or move it away')
    throw e
  }
  try {
    return updateWebConfig(xml, u)
  } catch (e) {
    throw new UsageError(
      `${file} cannot be updated: ${(e as Error).message}`,
      [],
      'fix the XML (it is kept as it is, even with --force), or move it away to start from the template',
    )
  }
}

/**
 * An existing settings file, parsed as the product parses it. A malformed, special or huge file
 * is the user's to fix, even with --force (it is the base that would be merged): a usage error
 * naming the file and the line, never an internal error.
 */
async function readJsonc(path: string): Promise<unknown | undefined> {
  let bytes: Buffer
  try {
    bytes = await readRegularFile(path, MAX_SETTINGS_BYTES)
  } catch (e) {
    if (e instanceof FileReadError && e.code === 'missing') return undefined
    if (e instanceof FileReadError)
      throw new UsageError(`${path} ${e.message}`, [], 'make it a regular JSON file, or move it away')
    throw e
  }
  const r = parseJsonc(path, bytes)
  if (!r.ok)
    throw new UsageError(
      `${path} cannot be used as the base of the new settings`,
      r.diagnostics,
      'fix the file (it is kept as it is, even with --force), or move it away to start from the template',
    )
  return r.doc.value
}

export interface PlanOptions {
  productPrefix?: string
  /** An encryption PFX scaffold generated: its path, referenced in the settings. */
  generatedCertificate?: string
  index: number
  /** Copy the PFX files the settings name from outside the working directory into Runtime. */
  copyCertificates?: boolean
}

/**
 * What scaffold writes for one installation: the folders, Runtime's settings files (the product's
 * own shipped files as the base where the runtime archive is extracted, else the templates), the
 * permission scripts.
 */
export async function planScaffold(
  env: Environment,
  t: ScaffoldTarget,
  baseDir: string,
  o: PlanOptions,
): Promise<{
  items: PlannedItem[]
  productPrefix: string
  prefixSource: string
  /** PFX files the settings name outside the working directory (copied when asked). */
  outside: (OutsideCertificate & {copied: boolean})[]
  /** The IIS pool and site install-iis-site.ps1 makes, and what it leaves to the user. */
  site: ExpectedSite
}> {
  const role = t.role
  const wd = t.workingDirectory
  const runtime = join(wd, 'Runtime')
  const detected = await detectProductPrefix(runtime)
  // Without a runtime to look at, the names the version's docs give (VERSIONS' `productFiles`).
  const version = versionRules(env.product)
  const prefix = o.productPrefix ?? detected ?? version.productFiles.value
  const prefixSource = o.productPrefix
    ? '--product-files'
    : detected
      ? `found in ${runtime}`
      : `the ${version.name} docs' name (no runtime extracted yet)`
  let data =
    role === 'agent'
      ? agentData(env, t, baseDir, o.index, o.generatedCertificate)
      : serverData(env, t, baseDir, o.generatedCertificate)
  const items: PlannedItem[] = []
  // The settings hold the PFX paths as this machine sees them; one outside the working directory
  // must exist at that path on the product's host too. Copied into Runtime on request, and
  // referenced as ./name.pfx there, as the docs' examples do.
  // The PFX files the settings name (a generated encryption certificate replaces the named one).
  const generated = o.generatedCertificate
  const namedCerts = certificateFilesOf(
    role === 'agent' ? [t.agent ?? {}] : [env.server, ...(t.agent ? [t.agent] : [])],
    baseDir,
  ).filter((f) => !(generated && f.label.startsWith('encryption') && f.path !== generated))
  const outside = outsideCertificates(namedCerts, wd)
  const copies: PlannedItem[] = []
  for (const c of outside) {
    if (!o.copyCertificates) continue
    let bytes: Buffer
    try {
      bytes = await readRegularFile(c.path, MAX_CERTIFICATE_BYTES)
    } catch (e) {
      if (e instanceof FileReadError)
        throw new UsageError(`--copy-certificates: ${c.path} ${e.message}`, [], 'fix the path in the environment file')
      throw e
    }
    data = relocatePath(data, c.path, `./${c.copyAs}`)
    copies.push({
      relative: `Runtime/${c.copyAs}`,
      path: join(runtime, c.copyAs),
      kind: 'file',
      content: bytes,
      secret: true,
      base: c.path,
    })
  }
  // The server's integrated agent uses Mails and Sources as a separate agent does (DOMAIN.md §9).
  const folders = ['Runtime', 'Temp', 'Work', 'Mails', 'Sources']
  items.push({relative: '.', path: wd, kind: 'dir'})
  for (const f of folders) items.push({relative: f, path: join(wd, f), kind: 'dir'})

  // A separate (or SaaS) agent starts from the shipped Runtime/Agent files: the settings-files page
  // says to copy them over the ones in Runtime, which are the server's (same archive). So the
  // server's files there are replaced, never completed; files an earlier scaffold (or the user)
  // made an agent's are kept and completed.
  const existingMain = join(runtime, 'appsettings.json')
  const serverKeys = role === 'agent' && existsSync(existingMain) ? serverOnlyKeys(await readJsonc(existingMain)) : []
  const replaceServerFiles = serverKeys.length > 0
  for (const name of ['appsettings.json', 'appsettings.agent.json']) {
    const template = JSON.parse(await readTemplate(`${role}/Runtime/${name}`))
    const rendered = renderJson(template, data)
    const shippedAgent = role === 'agent' ? join(runtime, 'Agent', name) : undefined
    const existing = join(runtime, name)
    let base: unknown
    let baseName = 'template'
    let note: string | undefined
    if (existsSync(existing) && !replaceServerFiles) {
      base = await readJsonc(existing)
      baseName = `Runtime/${name}`
    } else if (shippedAgent && existsSync(shippedAgent)) {
      base = await readJsonc(shippedAgent)
      baseName = `Runtime/Agent/${name}`
    }
    if (replaceServerFiles && existsSync(existing))
      note = `the server's file (${serverKeys.join(', ')}): an agent's settings start from ${baseName === 'template' ? 'the template' : baseName}, replacing it (settings-files page)`
    const content = jsonText(base === undefined ? rendered : deepMerge(base, rendered))
    // Settings files hold (or will hold) passwords, the connection string and the Job secret: 0600.
    items.push({
      relative: `Runtime/${name}`,
      path: existing,
      kind: 'file',
      content,
      secret: true,
      base: baseName,
      ...(note ? {note} : {}),
    })
  }

  const webBase = existsSync(join(runtime, 'web.config'))
    ? {file: join(runtime, 'web.config'), name: 'Runtime/web.config'}
    : role === 'agent' && existsSync(join(runtime, 'Agent', 'web.config'))
      ? {file: join(runtime, 'Agent', 'web.config'), name: 'Runtime/Agent/web.config'}
      : {file: undefined, template: `${role}/Runtime/web.config`, name: 'template'}
  const environment: Record<string, string> = {}
  if (env.network?.httpsProxy)
    environment.HTTPS_PROXY = env.network.httpsProxy.startsWith('${')
      ? `${PLACEHOLDER_PREFIX}network.httpsProxy>`
      : env.network.httpsProxy
  if (env.network?.noProxy) environment.NO_PROXY = env.network.noProxy
  const web = await updateWebConfigOf(webBase, {
    arguments: `./${prefix}-${role === 'agent' ? 'Agent' : 'Server'}.dll`,
    stdoutLogFile: `../Temp/stdout-${role}.log`,
    environment,
  })
  items.push({
    relative: 'Runtime/web.config',
    path: join(runtime, 'web.config'),
    kind: 'file',
    content: web,
    secret: urlCredentials(environment.HTTPS_PROXY ?? '') !== undefined,
    base: webBase.name,
  })

  const rules = folderRules(role === 'agent' ? 'agent' : 'server+agent', env.product)
  const account = t.serviceAccount ?? `${PLACEHOLDER_PREFIX}serviceAccount>`
  // The service reads its settings and its certificates at start-up: the scripts grant read on
  // each (settings files are written 0600, PFX files are usually 0600 too).
  const certFiles = [
    // Named by the environment file (as init names it) or not: the same label as a run without
    // --generate-certificates gives it, so that running scaffold again changes nothing.
    ...(generated && !namedCerts.some((f) => f.path === generated)
      ? [{label: 'the generated encryption certificate', path: generated}]
      : []),
    ...namedCerts.map((f) => {
      // A copied PFX is read from Runtime.
      const copy = o.copyCertificates && outside.find((c) => c.path === f.path.replace(/\\/g, '/'))
      return copy ? {label: `${f.label} (copied to Runtime)`, path: join(runtime, copy.copyAs)} : f
    }),
  ]
  // Labels end up in script comments: one line each, whatever the path holds.
  // eslint-disable-next-line no-control-regex
  const comment = (s: string) => s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, ' ')
  const readFiles = [
    ...SETTINGS_FILE_NAMES.map((n) => ({label: 'read at start-up', rel: ['Runtime', n], abs: undefined})),
    ...certFiles.map((f) => ({label: comment(f.label), rel: undefined, abs: f.path})),
  ]
  const ps = renderScript(await readTemplate('scripts/set-permissions.ps1'), {
    variables: [
      `$Account = ${psString(account)}`,
      `$Root = ${psString(isWindowsPath(wd) ? wd.replace(/\//g, '\\') : wd)}`,
    ],
    grants: [
      ...rules.map(
        (r) =>
          `Grant-Right ${r.name ? `(Join-Path $Root ${psString(r.name)})` : '$Root'} ${psString(r.need === 'rwx' ? 'M' : 'RX')}  # ${r.why}`,
      ),
      ...readFiles.map(
        (f) =>
          `Grant-FileRead ${f.rel ? `(Join-Path $Root ${psString(f.rel.join('\\'))})` : psString(isWindowsPath(f.abs!) ? f.abs!.replace(/\//g, '\\') : f.abs!)}  # ${f.label}`,
      ),
    ],
  })
  items.push({
    relative: 'set-permissions.ps1',
    path: join(wd, 'set-permissions.ps1'),
    kind: 'file',
    content: powershellText(ps),
  })
  const sh = renderScript(await readTemplate('scripts/set-permissions.sh'), {
    variables: [`ACCOUNT=${shString(account)}`, `ROOT=${shString(wd)}`],
    grants: [
      ...rules.map((r) => {
        const p = r.name ? `"$ROOT"/${shString(r.name)}` : '"$ROOT"'
        const perms = r.need === 'rwx' ? 'rwx' : 'r-x'
        // Below the working directory, never through a link (no_link, and setfacl -P skips one).
        const P = r.name ? '-P ' : ''
        return `${r.name ? `no_link ${p} && ` : ''}run setfacl ${P}-m "u:$ACCOUNT:${perms}" ${p}${r.need === 'rwx' ? ` && run setfacl ${P}-d -m "u:$ACCOUNT:${perms}" ${p}` : ''}  # ${r.why}`
      }),
      `run chmod o-w "$ROOT"${rules
        .filter((r) => r.name)
        .map((r) => ` "$ROOT"/${shString(r.name)}`)
        .join('')}`,
      ...readFiles.map(
        (f) => `grant_read ${f.rel ? `"$ROOT"/${f.rel.map(shString).join('/')}` : shString(f.abs!)}  # ${f.label}`,
      ),
    ],
  })
  const site = await iisSite(env, t, baseDir)
  if (!t.serviceAccount)
    site.notes.push('no serviceAccount in the environment file: the script leaves the pool identity as it is')
  items.push({
    relative: 'install-iis-site.ps1',
    path: join(wd, 'install-iis-site.ps1'),
    kind: 'file',
    content: powershellText(
      renderScript(await readTemplate('scripts/install-iis-site.ps1'), {
        variables: iisVariables(site, t.serviceAccount ?? '', isWindowsPath(wd) ? wd.replace(/\//g, '\\') : wd),
      }),
    ),
  })
  items.push({
    relative: 'set-permissions.sh',
    path: join(wd, 'set-permissions.sh'),
    kind: 'file',
    content: sh,
    executable: true,
  })
  items.push(...copies)
  return {
    items,
    productPrefix: prefix,
    prefixSource,
    outside: outside.map((c) => ({...c, copied: !!o.copyCertificates})),
    site,
  }
}
