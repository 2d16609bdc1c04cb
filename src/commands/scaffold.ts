import {Flags} from '@oclif/core'
import {flow, BaseCommand} from '../cli/index.js'
import {exitCodesHelp, redactor, UsageError, isWindowsPath} from '../base/index.js'
import type {CertificateItem} from '../scaffold/index.js'

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
    const [{loadChecks}, {discoverConfig, loadEnvironmentOrThrow}, {resolve}, {existsSync}] = await Promise.all([
      import('../run/registry.js'),
      import('../environment/file/config.js'),
      import('node:path'),
      import('node:fs'),
    ])
    const [{scaffoldTarget}, {planScaffold}, {applyPlan}, {scaffoldText}] = await Promise.all([
      import('../scaffold/settings.js'),
      import('../scaffold/plan.js'),
      import('../scaffold/apply.js'),
      import('../scaffold/summary.js'),
    ])
    const file = discoverConfig(flags.config)
    // Static: what is not resolvable becomes a placeholder rather than an error.
    const loaded = await loadEnvironmentOrThrow(file, await loadChecks(), {secrets: 'static', redactor})
    const env = loaded.env
    const t = scaffoldTarget(env, flags.agent, loaded.baseDir, {server: flags.server})
    if ('error' in t) throw new UsageError(t.error, [], t.hint)
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
    const extra: CertificateItem[] = []
    const certificateNotes: string[] = []
    if (flags['generate-certificates']) {
      const {makeCertificates} = await import('../scaffold/make-certificates.js')
      const made = await makeCertificates(env, t, {
        index,
        baseDir: loaded.baseDir,
        serverTarget: flags['server-target'],
        shownTarget,
        dryRun: flags['dry-run'],
        passwordEnv: flags['password-env'],
        config: flags.config ?? file,
        redactor,
      })
      generated = made.generated
      extra.push(...made.extra)
      certificateNotes.push(...made.notes)
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
    if (!this.jsonEnabled())
      await this.out(
        scaffoldText({
          dryRun: flags['dry-run'],
          target: t,
          targetFrom,
          shownTarget,
          file,
          productPrefix,
          prefixSource,
          results,
          extra,
          placeholders,
          environmentChange,
          certificateNotes,
          outside,
          site,
        }),
      )
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
