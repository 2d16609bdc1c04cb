import {Flags} from '@oclif/core'
import {flow, BaseCommand} from '../cli/index.js'
import {exitCodesHelp} from '../base/index.js'

export default class Scaffold extends BaseCommand {
  static override summary = 'Create the working directory and settings files of an agent (or of the server, integrated)'
  static override description =
    flow(`From the environment file, writes the working directory of the installation (the one the file
names, or --target):
the folders (Runtime, Temp, Work, Mails, Sources), Runtime/appsettings.json,
Runtime/appsettings.agent.json and Runtime/web.config (for a separate or SaaS agent; for the server
with its integrated agent in on-prem-integrated), set-permissions.ps1 / set-permissions.sh that
grant the service account the production-agent rights, and install-iis-site.ps1 that creates the
IIS pool and site the docs describe (No Managed Code, AlwaysRunning, idle time-out 0, Load User
Profile, no periodic recycling, an https binding for the URL's host with the tlsCertificate),
idempotently and with -WhatIf.

Where the product's runtime archive is already extracted in Runtime, its own files are the base:
the shipped Runtime/Agent settings for a separate agent, and a shipped web.config updated in place
(only the aspNetCore element and its environment variables change). The product's file names
(Usercube-Agent.dll or Identitymanager-Agent.dll) are detected there, or given by --product-files.

With --generate-certificates it creates the PFX files the environment file names in the working
directory (init names them in its Certificates folder), each with the password of its reference:
the encryption certificate, the server's IdentityServer key pair, a separate agent's
IdentityServer (the public part of the server's: scaffold the server first, with --server) and a
self-signed TLS certificate for the site's host. An existing file is kept.

On premises with separate agents, --server scaffolds the server's working directory; without it,
the agent's.

Safe to run again: an existing file that differs is never overwritten without --force (then a .bak
is kept), writes are atomic, identical files are reported unchanged, settings files get mode 0600.
A secret that cannot be resolved becomes a <REQUIRED: …> placeholder that validate --workdir flags.

${exitCodesHelp({0: 'everything written or unchanged', 2: 'the environment file is invalid, or a file cannot be read or written', 3: 'a file that differs was kept, or values are left to provide (<REQUIRED: …>)'})}`)
  static override examples = [
    {
      description: 'Into the working directory the environment file names, creating the certificates it names',
      command: '<%= config.bin %> scaffold -c prod.yaml --generate-certificates',
    },
    {
      description: 'See what would be written, with diffs',
      command: '<%= config.bin %> scaffold -c prod.yaml --agent ContosoAD --dry-run',
    },
    {
      description: 'Into another folder (to copy to the host), the encryption password from another variable',
      command:
        'PFX_PASSWORD=… <%= config.bin %> scaffold -c prod.yaml --target ./agent --generate-certificates --password-env PFX_PASSWORD',
    },
    {
      description: 'Replace files that differ (keeping .bak copies)',
      command: '<%= config.bin %> scaffold -c prod.yaml --target ./agent --force',
    },
  ]
  static override enableJsonFlag = true
  static override flags = {
    config: Flags.string({char: 'c', description: 'environment file (YAML or JSON)'}),
    agent: Flags.string({description: 'the agent to scaffold (when the file has several)'}),
    target: Flags.string({
      char: 't',
      description:
        "the working directory to create or complete (default: the one the environment file names, the agent's or the server's)",
    }),
    server: Flags.boolean({
      description: "on premises with separate agents: the server's working directory (its certificates too)",
      exclusive: ['agent'],
    }),
    'dry-run': Flags.boolean({description: 'print the plan and unified diffs; write nothing'}),
    force: Flags.boolean({description: 'overwrite files that differ (a .bak of each is kept)'}),
    'generate-certificates': Flags.boolean({
      description:
        "create the certificates that are not there yet: the encryption certificate, and those the environment file names in the working directory (the server's IdentityServer key pair, a separate agent's copy of its public part, a self-signed TLS certificate)",
    }),
    'server-target': Flags.string({
      description:
        "with --generate-certificates --target, for an agent: where scaffold --server --target wrote the server (its Certificates/IdentityServer.pfx gives the agent's public part)",
    }),
    'password-env': Flags.string({
      description:
        "with --generate-certificates: the variable holding the PFX password (default: the environment file's encryptionCertificate.password)",
    }),
    'copy-certificates': Flags.boolean({
      description:
        'copy the PFX files the settings name from outside the working directory into Runtime, referenced as ./<name>.pfx',
    }),
    'product-files': Flags.string({
      description: "the product's file names when no runtime is extracted yet",
      options: ['Usercube', 'Identitymanager'],
    }),
  }

  async run() {
    const {flags} = await this.parse(Scaffold)
    const [
      {loadChecks},
      {discoverConfig, loadEnvironmentOrThrow},
      {redactor},
      {UsageError},
      {resolve, join, relative},
      {existsSync},
    ] = await Promise.all([
      import('../run/registry.js'),
      import('../environment/config.js'),
      import('../base/redact.js'),
      import('../base/errors.js'),
      import('node:path'),
      import('node:fs'),
    ])
    const [{scaffoldTarget}, {planScaffold}, {applyPlan}] = await Promise.all([
      import('../scaffold/settings.js'),
      import('../scaffold/plan.js'),
      import('../scaffold/apply.js'),
    ])
    const file = discoverConfig(flags.config)
    // Static: what is not resolvable becomes a placeholder rather than an error.
    const loaded = await loadEnvironmentOrThrow(file, await loadChecks(), {secrets: 'static', redactor})
    const env = loaded.env
    const t = scaffoldTarget(env, flags.agent, loaded.baseDir, {server: flags.server})
    if ('error' in t) throw new UsageError(t.error, [], t.hint)
    const {isWindowsPath} = await import('../base/paths.js')
    // A Windows path cannot be written from Linux or macOS: resolved here it would become a
    // folder named "C:" under the current one. Said, with what to do instead.
    const onWindows = process.platform === 'win32'
    let targetFrom: string | undefined
    if (flags.target !== undefined) {
      if (isWindowsPath(flags.target) && !onWindows)
        throw new UsageError(
          `--target ${flags.target} is a Windows path: it cannot be written on ${process.platform}`,
          [],
          'run scaffold on the Windows host, or give --target a folder of this system (then copy it there)',
        )
      // The environment file names a path of another system (a Windows host): --target is where
      // its files are written here, to be copied there; the certificates it names under that
      // path are written at the same place under --target. A path of this system given another
      // --target is replaced by it, as before.
      if (isWindowsPath(t.workingDirectory) && !onWindows) t.settingsWorkingDirectory = t.workingDirectory
      t.workingDirectory = resolve(flags.target)
    } else {
      if (isWindowsPath(t.workingDirectory) && !onWindows)
        throw new UsageError(
          `${t.workingDirectoryField} is ${t.workingDirectory}, a Windows path: it cannot be written on ${process.platform}`,
          [],
          'run scaffold on the Windows host, or pass --target DIR to write the working directory into a folder of this system (then copy it there)',
        )
      t.workingDirectory = resolve(t.workingDirectory)
      targetFrom = `${t.workingDirectoryField} of ${file}`
    }
    const shownTarget = flags.target ?? t.workingDirectory
    const index = t.agent ? (env.agents ?? []).indexOf(t.agent) : 0

    // Said as created when this run made it (the certificates may be written before the folders).
    const existedBefore = existsSync(t.workingDirectory)
    let generated: string | undefined
    const extra: {relative: string; action: string; note?: string}[] = []
    const certificateNotes: string[] = []
    if (flags['generate-certificates']) {
      const [{certificatesToMake}, {loadCertificateFile}, {isReference}, {linkOnTheWay}] = await Promise.all([
        import('../scaffold/certificates.js'),
        import('../probes/pki/certificates.js'),
        import('../environment/semantics.js'),
        import('../scaffold/apply.js'),
      ])
      const {make, notes} = certificatesToMake(env, t, index, loaded.baseDir, flags['server-target'])
      certificateNotes.push(...notes)
      // The settings name it as the product's host sees it (the environment file's path).
      generated = make.find((m) => m.purpose === 'encryption')?.settingsPath
      if (t.settingsWorkingDirectory && make.length)
        certificateNotes.push(
          `the certificates are written under ${shownTarget}, as the settings name them under ${t.settingsWorkingDirectory}: copy ${shownTarget} there (the environment file and the settings keep the paths of the product's host)`,
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
        if (flags['dry-run']) {
          extra.push({relative: rel, action: 'created', note: `${what} (not written: --dry-run)`})
          continue
        }
        const fromEnv = m.purpose === 'encryption' && flags['password-env']
        const password = fromEnv ? process.env[flags['password-env']!] : m.password
        if (fromEnv && password === undefined)
          throw new UsageError(`--password-env ${flags['password-env']}: the environment variable is not set`)
        if (password === undefined || isReference(password))
          throw new UsageError(
            `--generate-certificates needs the password of ${m.field}`,
            [],
            `set the variable behind ${m.field}.password${password ? ` (${password})` : ''}${m.purpose === 'encryption' ? ', or pass --password-env VAR' : ''}`,
          )
        redactor.add(password)
        let der: Buffer | undefined
        if (m.publicFrom) {
          const from = m.publicFrom
          const serverHint = `scaffold the server first (idm-preflight scaffold -c ${flags.config ?? file} --server --generate-certificates), or on the server's host: idm-preflight cert create --public-from ${from.path} --out ${m.path} (then copy it here)`
          if (from.password === undefined || isReference(from.password))
            throw new UsageError(
              `${m.field}: its public part comes from ${from.field}, whose password is not set${from.password ? ` (${from.password})` : ''}`,
              [],
              `set the variable behind ${from.field}.password`,
            )
          redactor.add(from.password)
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
    }

    const {items, productPrefix, prefixSource, outside, site} = await planScaffold(env, t, loaded.baseDir, {
      productPrefix: flags['product-files'],
      generatedCertificate: generated,
      index,
      copyCertificates: flags['copy-certificates'],
    })
    // The settings now use the generated PFX: the environment file must name it too, or check
    // judges another file. Said with the exact change (the password as its reference only).
    let environmentChange: {field: string; current?: string; yaml: string} | undefined
    if (generated) {
      const {environmentChange: change} = await import('../scaffold/certificates.js')
      const source = loaded.source.value as {
        server?: {encryptionCertificate?: {password?: unknown}}
        agents?: {encryptionCertificate?: {password?: unknown}}[]
      }
      const written =
        t.role === 'agent'
          ? source.agents?.[index]?.encryptionCertificate?.password
          : source.server?.encryptionCertificate?.password
      const ref = flags['password-env']
        ? `\${env:${flags['password-env']}}`
        : typeof written === 'string' && written.startsWith('${')
          ? written
          : undefined
      environmentChange = change(env, t, index, loaded.baseDir, generated, ref)
    }
    const results = await applyPlan(items, {dryRun: flags['dry-run'], force: flags.force, redactor})
    const root = results.find((r) => r.relative === '.')
    if (root && !existedBefore) root.action = 'created'
    const placeholders = items
      .filter((i) => typeof i.content === 'string')
      .flatMap((i) =>
        [...(i.content as string).matchAll(/<REQUIRED: ([^>]*)>/g)].map(
          (m) => `${i.relative}: ${i.relative.endsWith('.json') ? jsonUnescaped(m[1]!) : m[1]}`,
        ),
      )
    const all = [...results, ...extra]
    if (!this.jsonEnabled()) {
      const verb = (a: string) => (flags['dry-run'] && a !== 'unchanged' && a !== 'skipped' ? `would be ${a}` : a)
      const lines = [
        `${flags['dry-run'] ? 'Plan for' : 'Scaffolded'} ${t.role === 'agent' ? `agent ${t.owner}` : t.agent ? 'the server (with its integrated agent)' : 'the server'} in ${t.workingDirectory}${targetFrom ? ` (from ${targetFrom})` : ''} (${productPrefix}-${t.role === 'agent' ? 'Agent' : 'Server'}.dll: ${prefixSource})`,
      ]
      for (const r of all) {
        const detail = ['mode' in r && r.mode ? `mode ${r.mode}` : '', r.note ?? ''].filter(Boolean).join(', ')
        lines.push(`  ${verb(r.action).padEnd(18)} ${r.relative}${detail ? `  (${detail})` : ''}`)
      }
      if (flags['dry-run'])
        for (const r of results) if (r.diff && r.action !== 'unchanged') lines.push('', r.diff.trimEnd())
      const skipped = results.filter((r) => r.action === 'skipped')
      if (skipped.length) {
        lines.push(
          '',
          `${skipped.length} file${skipped.length === 1 ? '' : 's'} differ${skipped.length === 1 ? 's' : ''} from what would be written and ${skipped.length === 1 ? 'was' : 'were'} kept; see the diff with --dry-run, replace with --force (a .bak is kept)`,
        )
        if (!flags['dry-run']) for (const r of skipped) if (r.diff) lines.push(r.diff.trimEnd())
      }
      if (placeholders.length) {
        lines.push(
          '',
          `${placeholders.length} value${placeholders.length === 1 ? '' : 's'} to provide (set the variables and run scaffold --force again, or edit the files):`,
        )
        for (const p of placeholders) lines.push(`  ${p}`)
        lines.push(`  idm-preflight validate --workdir ${shownTarget} lists what is left`)
      }
      if (environmentChange)
        lines.push(
          '',
          `The settings now use the generated certificate, but ${file} ${environmentChange.current ? `names ${environmentChange.current}` : 'names no file'} in ${environmentChange.field}: check would judge another file. Change it to:`,
          `  at ${environmentChange.field.replace(/\.encryptionCertificate$/, '')}:`,
          `    ${environmentChange.yaml}`,
        )
      for (const n of certificateNotes) lines.push('', `note: ${n}`)
      const notCopied = outside.filter((c) => !c.copied)
      if (notCopied.length) {
        lines.push(
          '',
          "Certificates outside the working directory: the settings hold this path, which must exist on the product's host:",
        )
        for (const c of notCopied) lines.push(`  ${c.setting}: ${c.path}`)
        lines.push(
          "  --copy-certificates copies them into Runtime and references ./<name>.pfx, as the docs' examples do",
        )
      }
      lines.push(
        '',
        `install-iis-site.ps1 makes pool ${site.poolName} and site ${site.siteName} (https ${site.hostName || '*'}:${site.port}${site.pfxFile ? `, certificate ${site.thumbprint ? `${site.thumbprint} ` : ''}imported from ${site.pfxFile}` : site.thumbprint ? `, certificate ${site.thumbprint}` : site.certSubject ? `, certificate "${site.certSubject}"` : ''}); -WhatIf shows what it would change`,
      )
      for (const n of site.notes) lines.push(`  note: ${n}`)
      if (!flags['dry-run'])
        lines.push(
          '',
          `Next: apply the folder rights with ${join(shownTarget, process.platform === 'win32' ? 'set-permissions.ps1' : 'set-permissions.sh')}, create the IIS site with install-iis-site.ps1 (Windows, as an administrator), then idm-preflight check --stage after`,
        )
      await this.out(`${lines.join('\n')}\n`)
    }
    // CI notices what is left to do: a file kept because it differs, or a value still to provide.
    const exitCode = [...results, ...extra].some((r) => r.action === 'skipped') || placeholders.length ? 3 : 0
    process.exitCode = exitCode
    return {
      exitCode,
      target: t.workingDirectory,
      ...(targetFrom ? {targetFrom: t.workingDirectoryField} : {}),
      role: t.role,
      owner: t.owner,
      productFiles: productPrefix,
      dryRun: flags['dry-run'],
      items: all,
      placeholders,
      ...(environmentChange ? {environmentChange} : {}),
      outsideCertificates: outside,
      iisSite: site,
    }
  }
}

/** A placeholder found in a JSON file's text, as a person reads it (`\"Local\"` is `"Local"`). */
function jsonUnescaped(text: string): string {
  try {
    return JSON.parse(`"${text}"`) as string
  } catch {
    return text
  }
}
