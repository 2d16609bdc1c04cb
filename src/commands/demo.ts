import {Flags} from '@oclif/core'
import {flow, BaseCommand} from '../cli/index.js'
import {EXIT_CODES_HELP, Interruption, redactor} from '../base/index.js'

export default class Demo extends BaseCommand {
  static override summary = 'Run idm-preflight against a built-in sandbox environment on 127.0.0.1'
  static override description =
    flow(`Starts a sandbox on 127.0.0.1 with ephemeral ports: a DNS server serving the aliases as
CNAME → A, HTTPS endpoints for the server (GET /hc answers Healthy) and the agent with
certificates from a throwaway CA, an HTTP CONNECT proxy, an SMTP server with STARTTLS and AUTH,
a SQL Server protocol endpoint (a TDS emulator: not a database), certificates and working
directories. These are stand-ins, not Identity Manager.

It writes the sandbox's environment file, runs \`check --stage after --send-test-mail\` against it,
scaffolds the agent's working directory into scaffold/<agent>, and leaves the environment file,
the reports (report.html, report.json, report.xml) and the scaffolded tree in the folder it prints. With --keep-running the sandbox stays up until Ctrl-C, so that you can run check (and
edit the file) by hand.

${EXIT_CODES_HELP}`)
  static override examples = [
    '<%= config.bin %> demo',
    '<%= config.bin %> demo --dir ./demo --keep-running',
    '<%= config.bin %> demo --dir ./demo --force   # again into the same folder: the last demo is cleared first',
    '<%= config.bin %> demo --json | jq .report.summary',
  ]
  static override enableJsonFlag = true
  static override flags = {
    dir: Flags.string({
      description: 'folder for the environment file, certificates and reports (default: a new temp folder)',
    }),
    'keep-running': Flags.boolean({description: 'keep the sandbox up until Ctrl-C, to run check by hand'}),
    force: Flags.boolean({
      description: 'with --dir: clear a folder an earlier demo left (never a folder holding anything else)',
    }),
    quiet: Flags.boolean({
      char: 'q',
      description: 'text report: only warn, fail and error rows; the summary line counts every status, skips too',
    }),
    topology: Flags.string({
      description:
        'the sandbox installation: on premises with a separate agent (server, SQL endpoint, agent), or SaaS (agents only)',
      options: ['on-prem-separate', 'saas'],
      default: 'on-prem-separate',
    }),
  }

  async run() {
    const {flags} = await this.parse(Demo)
    const [
      {startSandbox},
      {chmod, mkdir, mkdtemp, rm},
      {join, resolve},
      {tmpdir},
      {loadChecks},
      session,
      {render},
      {writeFileAtomic},
    ] = await Promise.all([
      import('../sandbox/sandbox.js'),
      import('node:fs/promises'),
      import('node:path'),
      import('node:os'),
      import('../run/registry.js'),
      import('../run/session.js'),
      import('../report/formats/render.js'),
      import('../io/write.js'),
    ])
    const dir = flags.dir ? resolve(flags.dir) : undefined
    const json = this.jsonEnabled()
    const say = (s: string) => (json ? undefined : this.err(s))
    if (dir) {
      // A folder in use would mix two runs (the old reports, scaffold and certificates beside the
      // new): refused, or cleared with --force when an earlier demo is all it holds.
      const {prepareDemoDir} = await import('../sandbox/demo-dir.js')
      const cleared = await prepareDemoDir(dir, flags.dir!, flags.force)
      if (cleared) say(`cleared ${flags.dir} (--force): ${cleared} entries an earlier demo left`)
      await mkdir(dir, {recursive: true})
    }
    // The folder holds the sandbox's secrets (PFX passwords, connection strings): a temp folder of
    // ours is removed if the demo is stopped (Ctrl-C, SIGTERM) before it is done; a --dir is left,
    // and said.
    let folder = dir
    let sb: Awaited<ReturnType<typeof startSandbox>> | undefined
    let stopping = false
    const onSignal = (signal: 'SIGINT' | 'SIGTERM') => {
      const code = new Interruption(signal).exitCode
      if (stopping) process.exit(code)
      stopping = true
      if (!folder) process.exit(code)
      void (async () => {
        await Promise.race([sb?.stop().catch(() => undefined), new Promise((r) => setTimeout(r, 2000).unref())])
        if (dir)
          this.err(
            `\ndemo ${new Interruption(signal).message}: its folder ${folder} is left as it was; it holds the sandbox's secrets (certificate passwords, connection strings): remove it when done`,
          )
        else {
          const removed = await rm(folder, {recursive: true, force: true, maxRetries: 5, retryDelay: 50}).then(
            () => true,
            () => false,
          )
          this.err(
            removed
              ? `\ndemo ${new Interruption(signal).message}: removed its folder ${folder} (it held the sandbox's secrets)`
              : `\ndemo ${new Interruption(signal).message}: could not remove its folder ${folder}; it holds the sandbox's secrets: remove it`,
          )
        }
        process.exit(code)
      })()
    }
    const onSigint = () => onSignal('SIGINT')
    const onSigterm = () => onSignal('SIGTERM')
    process.on('SIGINT', onSigint)
    process.on('SIGTERM', onSigterm)
    folder = dir ?? (await mkdtemp(join(tmpdir(), 'idm-preflight-sandbox-')))
    // As the sandbox does with a temp folder of its own: the service account traverses it to its
    // working directory (the secrets stay in a 0700 folder and 0600 files).
    if (!dir) await chmod(folder, 0o755)
    try {
      sb = await startSandbox({dir: folder, topology: flags.topology as 'saas' | 'on-prem-separate'})
      say(`Sandbox on 127.0.0.1 (stand-ins, not Identity Manager), in ${sb.dir}`)
      say(`  DNS      127.0.0.1:${sb.ports.dns}  (${sb.names.server}, ${sb.names.agent}, ${sb.names.smtp})`)
      say(`  server   https://${sb.names.server}:${sb.ports.server}  (GET /hc answers Healthy)`)
      say(`  agent    https://${sb.names.agent}:${sb.ports.agent}`)
      say(`  proxy    http://127.0.0.1:${sb.ports.proxy}  (CONNECT)`)
      say(`  SMTP     ${sb.names.smtp}:${sb.ports.smtp}  (STARTTLS, AUTH)`)
      if (sb.ports.sql) say(`  SQL      ${sb.names.sql}:${sb.ports.sql}  (a TDS protocol emulator, not SQL Server)`)
      say(
        `  LDAP     ${sb.names.directory}:${sb.ports.directory} (StartTLS), :${sb.ports.directoryTls} (LDAPS)  (a directory stand-in for a domain controller, not a directory server)`,
      )
      say(`  API      https://${sb.names.api}:${sb.ports.api}/scim  (Basic authentication)`)
      say(`  environment file: ${sb.envFile}`)
      say('')
      const options = {
        config: sb.envFile,
        stage: 'after' as const,
        strict: false,
        sendTestMail: true,
        toolVersion: this.config.version,
      }
      const prepared = await session.prepareSession(await loadChecks(), options)
      const report = await session.runSession(prepared, options)
      await writeFileAtomic(join(sb.dir, 'report.json'), await render(report, 'json'))
      await writeFileAtomic(join(sb.dir, 'report.xml'), await render(report, 'junit'))
      await writeFileAtomic(join(sb.dir, 'report.html'), await render(report, 'html'))
      if (!json)
        await this.out(
          await render(report, 'text', process.stdout.isTTY === true && !process.env.NO_COLOR, {quiet: flags.quiet}),
        )
      say(
        `\nreports: ${join(sb.dir, 'report.html')} (open it in a browser), ${join(sb.dir, 'report.json')}, ${join(sb.dir, 'report.xml')}`,
      )
      // Scaffold the sandbox's agent into a folder of the demo, then judge what was written.
      const [{scaffoldTarget}, {planScaffold}, {applyPlan}, {checkSettingsFiles}] = await Promise.all([
        import('../scaffold/settings.js'),
        import('../scaffold/plan.js'),
        import('../scaffold/apply.js'),
        import('../product/settings-files.js'),
      ])
      // Scaffold writes every secret the sandbox has (a check run resolves only what it needs).
      const {loadEnvironmentOrThrow} = await import('../environment/file/config.js')
      const {env} = await loadEnvironmentOrThrow(sb.envFile, await loadChecks(), {secrets: 'require', redactor})
      const target = scaffoldTarget(env, undefined, prepared.loaded.baseDir)
      let scaffolded: {dir: string; files: number; problems: number} | undefined
      if (!('error' in target)) {
        target.workingDirectory = join(sb.dir, 'scaffold', target.owner)
        const {items} = await planScaffold(env, target, prepared.loaded.baseDir, {index: 0})
        const written = await applyPlan(items, {dryRun: false, force: false, redactor})
        const judged = await checkSettingsFiles(target.workingDirectory, env.server.url)
        const problems = judged.files.reduce(
          (n, f) => n + f.diagnostics.filter((d) => d.severity === 'error').length,
          0,
        )
        scaffolded = {dir: target.workingDirectory, files: written.filter((w) => w.kind === 'file').length, problems}
        say(
          `scaffolded agent ${target.owner} into ${target.workingDirectory}: ${scaffolded.files} files, ${problems} problem${problems === 1 ? '' : 's'} (idm-preflight validate --workdir ${target.workingDirectory})`,
        )
      }
      say(`test mails received by the sandbox SMTP server: ${sb.smtpMessages.length}`)
      if (flags['keep-running']) {
        // From here Ctrl-C is how the sandbox is stopped: the folder and its reports stay.
        process.removeListener('SIGINT', onSigint)
        process.removeListener('SIGTERM', onSigterm)
        say(`\nThe sandbox keeps running. In another terminal, try:`)
        say(`  idm-preflight check --config ${sb.envFile} --stage after`)
        say(`  idm-preflight check --config ${sb.envFile} --plan`)
        say('Press Ctrl-C to stop it.')
        await new Promise<void>((r) => {
          process.once('SIGINT', r)
          process.once('SIGTERM', r)
        })
        say(
          `\nsandbox stopped; its folder ${sb.dir} is left with the reports, and holds the sandbox's secrets (certificate passwords, connection strings): remove it when done`,
        )
      }
      process.exitCode = report.exitCode
      return {dir: sb.dir, envFile: sb.envFile, ports: sb.ports, testMails: sb.smtpMessages.length, scaffolded, report}
    } finally {
      process.removeListener('SIGINT', onSigint)
      process.removeListener('SIGTERM', onSigterm)
      // Stopped by a signal: its handler removes the folder and ends the process; what the run
      // was doing (writing into the folder being removed) ends there, unreported.
      if (stopping) await new Promise<never>(() => undefined)
      await sb?.stop()
    }
  }
}
