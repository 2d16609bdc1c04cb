/**
 * `scaffold --generate-certificates`: the certificates the environment file names in the working
 * directory that are not there yet, made (or, with --dry-run, listed), each created in one step so
 * that a file another run wrote meanwhile is kept. Everything is judged before anything is
 * written: a missing password or source leaves no half-made set.
 */
import {existsSync} from 'node:fs'
import {relative} from 'node:path'
import {UsageError, type Redactor} from '../base/index.js'
import type {Environment} from '../model/index.js'
import type {ItemResult} from './apply.js'
import type {ScaffoldTarget} from './settings.js'

/** What scaffold passes: where, and the flags that shape the certificates. */
export interface MakeCertificatesOptions {
  /** The agent's index in the environment file (0 for the server). */
  index: number
  /** The environment file's folder: relative certificate paths start there. */
  baseDir: string
  /** --server-target: where scaffold --server --target wrote the server. */
  serverTarget?: string
  /** The working directory as the user named it (--target, or the file's). */
  shownTarget: string
  dryRun: boolean
  /** --password-env: the variable holding the encryption PFX's password. */
  passwordEnv?: string
  /** The environment file as the user names it, for the hints. */
  config: string
  redactor: Redactor
}

/** One line of scaffold's list for a certificate: created, unchanged or skipped, and why. */
export type CertificateItem = Pick<ItemResult, 'relative' | 'action' | 'note'>

/**
 * Makes the certificates; returns the settings path of the encryption certificate made or kept
 * (the settings then name it), the lines for scaffold's list, and the notes to print after it.
 */
export async function makeCertificates(
  env: Environment,
  t: ScaffoldTarget,
  o: MakeCertificatesOptions,
): Promise<{generated?: string; extra: CertificateItem[]; notes: string[]}> {
  const notes: string[] = []
  const extra: CertificateItem[] = []
  let generated: string | undefined
  const [{certificatesToMake}, {loadCertificateFile}, {isReference}, {linkOnTheWay}] = await Promise.all([
    import('./certificates.js'),
    import('../probes/pki/certificates.js'),
    import('../environment/semantics.js'),
    import('./apply.js'),
  ])
  const {make, notes: toMakeNotes} = certificatesToMake(env, t, o.index, o.baseDir, o.serverTarget)
  notes.push(...toMakeNotes)
  // The settings name it as the product's host sees it (the environment file's path).
  generated = make.find((m) => m.purpose === 'encryption')?.settingsPath
  if (t.settingsWorkingDirectory && make.length)
    notes.push(
      `the certificates are written under ${o.shownTarget}, as the settings name them under ${t.settingsWorkingDirectory}: copy ${o.shownTarget} there (the environment file and the settings keep the paths of the product's host)`,
    )
  // Everything is judged before anything is written: a missing password or source leaves no
  // half-made set of certificates.
  const todo: {m: (typeof make)[number]; password: string; der?: Buffer}[] = []
  for (const m of make) {
    const rel = relative(t.workingDirectory, m.path)
    // A private key is never written through a link (a Certificates that points elsewhere).
    const link = rel.startsWith('..') ? undefined : await linkOnTheWay(m.path, rel.replace(/\\/g, '/'), true)
    if (link) {
      if (generated === m.settingsPath) generated = undefined
      extra.push({
        relative: rel,
        action: 'skipped',
        note: `${link} is a symbolic link: not followed, no certificate written through it`,
      })
      continue
    }
    if (existsSync(m.path)) {
      extra.push({relative: rel, action: 'unchanged', note: 'exists: kept (delete it to create a new one)'})
      continue
    }
    const what =
      m.purpose === 'identity-server-public'
        ? `the public part of ${m.publicFrom!.field} (no private key)`
        : m.purpose === 'tls'
          ? `RSA 2048, SHA-256, self-signed for ${m.dnsNames!.join(', ')}: clients must trust it`
          : 'RSA 2048, SHA-256, 3DES PFX'
    if (o.dryRun) {
      extra.push({relative: rel, action: 'created', note: `${what} (not written: --dry-run)`})
      continue
    }
    const fromEnv = m.purpose === 'encryption' && o.passwordEnv
    const password = fromEnv ? process.env[o.passwordEnv!] : m.password
    if (fromEnv && password === undefined)
      throw new UsageError(`--password-env ${o.passwordEnv}: the environment variable is not set`)
    if (password === undefined || isReference(password))
      throw new UsageError(
        `--generate-certificates needs the password of ${m.field}`,
        [],
        `set the variable behind ${m.field}.password${password ? ` (${password})` : ''}${m.purpose === 'encryption' ? ', or pass --password-env VAR' : ''}`,
      )
    o.redactor.add(password)
    let der: Buffer | undefined
    if (m.publicFrom) {
      const from = m.publicFrom
      const serverHint = `scaffold the server first (idm-preflight scaffold -c ${o.config} --server --generate-certificates), or on the server's host: idm-preflight cert create --public-from ${from.path} --out ${m.path} (then copy it here)`
      if (from.password === undefined || isReference(from.password))
        throw new UsageError(
          `${m.field}: its public part comes from ${from.field}, whose password is not set${from.password ? ` (${from.password})` : ''}`,
          [],
          `set the variable behind ${from.field}.password`,
        )
      o.redactor.add(from.password)
      const r = await loadCertificateFile(from.path, from.password)
      if (!r.ok || !r.file.ders[0]) {
        throw new UsageError(
          `${m.field}: its public part comes from ${from.field} (${from.path}), which ${r.ok ? 'holds no certificate' : `cannot be opened: ${r.detail}`}`,
          [],
          serverHint,
        )
      }
      der = Buffer.from(r.file.ders[0], 'base64')
    }
    todo.push({m, password, ...(der ? {der} : {})})
  }
  if (todo.length) {
    const [{createCertificate, publicPartPfx}, {createExclusive, FileExistsError, writeError}, {mkdir}, {dirname}] =
      await Promise.all([
        import('../probes/pki/cert-create.js'),
        import('../io/write.js'),
        import('node:fs/promises'),
        import('node:path'),
      ])
    for (const {m, password, der} of todo) {
      const rel = relative(t.workingDirectory, m.path)
      let bytes: Buffer
      let note: string
      if (der) {
        bytes = await publicPartPfx(der, password, '3des')
        note = `the public part of ${m.publicFrom!.field}, no private key`
      } else {
        const c = await createCertificate({
          subject: m.subject,
          days: 730,
          keySize: 2048,
          password,
          encryption: '3des',
          ...(m.dnsNames ? {dnsNames: m.dnsNames} : {}),
        })
        bytes = c.pfx
        note = `RSA 2048, SHA-256, thumbprint ${c.info.thumbprint}${m.dnsNames ? `, self-signed for ${m.dnsNames.join(', ')}: clients must trust it` : ''}`
      }
      await mkdir(dirname(m.path), {recursive: true}).catch((e: unknown) => {
        throw writeError(e, dirname(m.path))
      })
      // Created in one step: if another run wrote it meanwhile, that one is kept and referenced.
      const made = await createExclusive(m.path, bytes, {mode: 0o600}).then(
        () => true,
        (e: unknown) => {
          if (e instanceof FileExistsError) return false
          throw writeError(e, m.path)
        },
      )
      extra.push(
        made
          ? {relative: rel, action: 'created', note}
          : {relative: rel, action: 'unchanged', note: 'created by another run meanwhile: kept'},
      )
    }
  }
  return {...(generated ? {generated} : {}), extra, notes}
}
