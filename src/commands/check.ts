import {Flags} from '@oclif/core'
import {flow, BaseCommand} from '../cli/index.js'
import {EXIT_CODES_HELP, Interruption, UsageError, redactor} from '../base/index.js'

export default class Check extends BaseCommand {
  static override summary = 'Check an environment before or after installing Identity Manager'
  static override description =
    flow(`Plans the checks the environment's topology needs, runs them concurrently (each bounded by
its timeout), and reports every verdict with its fix. Progress is drawn on stderr on a terminal.

Where server and agents are separate hosts, each host checks its own part: --server on the
server's host (its site, folders, certificates, the database), --agent ID on that agent's host
(its own, the server it reaches, its managed systems). What another host checks is left out,
with a note saying where it runs. Without either, every check runs from this host.

The environment file comes from --config, else IDM_PREFLIGHT_CONFIG, else ./idm-preflight.yaml
(.yml, .json). Only the \${env:}/\${file:} references the planned checks need are resolved: an
unset one makes the checks that need it errors, the others run (--require-secrets: exit 2
before anything runs). Secrets never appear in any output.

--only and --skip take check ids or globs (tls.*, cert), comma-separated or repeated; one that
matches no check is exit 2.

${EXIT_CODES_HELP}`)
  static override examples = [
    {description: 'Check the environment in ./idm-preflight.yaml', command: '<%= config.bin %> check'},
    {description: 'What would run, without running it', command: '<%= config.bin %> check --config prod.yaml --plan'},
    {
      description: 'For CI: JUnit into a file, warnings fail the build',
      command: '<%= config.bin %> check -c prod.yaml --format junit --output report.xml --strict',
    },
    {
      description: 'The report to hand over: one HTML file with the data-flow picture',
      command: '<%= config.bin %> check -c prod.yaml --stage after --output report.html',
    },
    {description: "On the server's host: its own checks and the database", command: '<%= config.bin %> check --server'},
    {
      description: "On an agent's host: its own checks, the server and its managed systems",
      command: '<%= config.bin %> check --agent ContosoAD',
    },
    {
      description: 'Only the network checks of one agent',
      command: "<%= config.bin %> check --agent ContosoAD --only 'dns.*,tls.*'",
    },
    {
      description: 'After installation, with a test mail',
      command: '<%= config.bin %> check --stage after --send-test-mail',
    },
  ]
  static override enableJsonFlag = true
  static override flags = {
    config: Flags.string({char: 'c', description: 'environment file (YAML or JSON)'}),
    stage: Flags.string({
      description: 'before installing, or after (adds what only an installed system shows)',
      options: ['before', 'after'],
      default: 'before',
    }),
    only: Flags.string({
      description: 'run only these check ids or globs (the others reported as skip)',
      multiple: true,
    }),
    skip: Flags.string({description: 'skip these check ids or globs (reported as skip)', multiple: true}),
    server: Flags.boolean({
      description: "this is the server's host: its own checks and the database (on premises)",
      exclusive: ['agent'],
    }),
    agent: Flags.string({
      description: "this is that agent's host: its own checks, the server and its managed systems",
      exclusive: ['server'],
    }),
    'require-secrets': Flags.boolean({
      description: 'every secret the planned checks need must be set, or nothing runs (exit 2)',
    }),
    format: Flags.string({
      char: 'f',
      description: 'report format (default: text, or from the --output extension)',
      options: ['text', 'json', 'junit', 'tap', 'html'],
    }),
    output: Flags.string({
      char: 'o',
      description:
        'write the report to this file, format from its extension; repeat for several (the text report stays on a terminal)',
      multiple: true,
    }),
    timeout: Flags.string({description: 'per-check timeout, e.g. 5s, 1500ms (default: checks.timeout or 5s)'}),
    concurrency: Flags.integer({
      description: 'checks run at once (default: checks.concurrency or 16)',
      min: 1,
      max: 256,
    }),
    strict: Flags.boolean({description: 'warnings fail too (exit 4)'}),
    'send-test-mail': Flags.boolean({description: 'send a real test mail to smtp.testRecipient'}),
    plan: Flags.boolean({
      description: 'print the planned checks and exit without running anything (no secret is needed)',
    }),
    'no-color': Flags.boolean({description: 'plain text, no colours (also NO_COLOR=1)'}),
    quiet: Flags.boolean({
      char: 'q',
      description: 'text report: only warn, fail and error rows; the summary line counts every status, skips too',
    }),
  }

  async run() {
    // Ctrl-C (SIGINT) or SIGTERM from here on ends with the partial report (checks not yet run are
    // reported as such), on the terminal and in every --output, exit 130 or 143; a second one
    // ends at once.
    // Not `once`: a library's exit hook (signal-exit) re-raises the signal when it finds no other
    // listener left, which killed the run before it could write its report.
    const abort = new AbortController()
    const onSignal = (signal: 'SIGINT' | 'SIGTERM') => {
      if (abort.signal.aborted) process.exit(new Interruption(signal).exitCode)
      abort.abort(new Interruption(signal))
    }
    const onSigint = () => onSignal('SIGINT')
    const onSigterm = () => onSignal('SIGTERM')
    process.on('SIGINT', onSigint)
    process.on('SIGTERM', onSigterm)
    try {
      return await this.checkRun(abort.signal)
    } finally {
      process.removeListener('SIGINT', onSigint)
      process.removeListener('SIGTERM', onSigterm)
    }
  }

  private async checkRun(signal: AbortSignal) {
    const {flags} = await this.parse(Check)
    // --json is the JSON report on stdout: another --format for stdout would be silently dropped
    // (with --output, the file gets that format and stdout the JSON).
    if (this.jsonEnabled() && flags.format && flags.format !== 'json' && !flags.output?.length) {
      throw new UsageError(
        `--json and --format ${flags.format} conflict: --json prints the JSON report on stdout`,
        [],
        `drop --json for the ${flags.format} report, drop --format for JSON, or add --output FILE for a ${flags.format} file beside the JSON`,
      )
    }
    const [{loadChecks}, {discoverConfig}, session, {outputsOf, emitReport, textOnTerminal}] = await Promise.all([
      import('../run/registry.js'),
      import('../environment/file/config.js'),
      import('../run/session.js'),
      import('../report/formats/output.js'),
    ])
    const checks = await loadChecks()
    const outputs = outputsOf(flags.output, flags.format)
    const format = (outputs.length === 1 ? outputs[0]!.format : (flags.format ?? 'text')) as
      'text' | 'json' | 'junit' | 'tap' | 'html'
    // A plan is a list, not a report: written as text or JSON only, never as text under another name.
    const notPlan = flags.plan ? outputs.find((o) => o.format !== 'text' && o.format !== 'json') : undefined
    if (flags.plan && (notPlan || (format !== 'text' && format !== 'json'))) {
      const f = notPlan?.format ?? format
      throw new UsageError(
        `--plan prints the plan as text or JSON, not as ${f}${notPlan && !flags.format ? ` (from ${notPlan.file})` : ''}`,
        [],
        'use --format json (or an --output ending in .json or .txt), or drop --plan to get the report',
      )
    }
    const options = {
      config: discoverConfig(flags.config),
      stage: flags.stage as 'before' | 'after',
      only: flags.only,
      skip: flags.skip,
      agent: flags.agent,
      server: flags.server,
      requireSecrets: flags['require-secrets'],
      timeout: flags.timeout,
      concurrency: flags.concurrency,
      strict: flags.strict,
      sendTestMail: flags['send-test-mail'],
      toolVersion: this.config.version,
      signal,
      planOnly: flags.plan,
    }
    const {checkOutputs, writeOutput} = await import('../io/write.js')
    let prepared: Awaited<ReturnType<typeof session.prepareSession>>
    try {
      prepared = await session.prepareSession(checks, options)
    } catch (e) {
      // CI reads the JUnit file: a configuration error still writes one, with one error testcase.
      if ((e as {exitCode?: number}).exitCode === 2)
        for (const o of outputs)
          if (o.format === 'junit')
            await writeConfigurationError(o.file, options.config, e as Parameters<typeof writeConfigurationError>[2])
      throw e
    }
    // Every file this run reads: --output may be none of them (checked now, and again at the write),
    // nor twice the same, nor in a folder that is not there: said now, not after the run.
    const inputs = session.inputFiles(prepared)
    await checkOutputs(
      outputs.map((o) => o.file),
      inputs,
    )

    if (flags.plan) {
      const {referenceName} = await import('../run/plan-secrets.js')
      const {leftOutNote} = await import('../run/planner.js')
      const rows = prepared.plan.map((p) => ({
        id: p.id,
        target: p.target,
        title: p.title,
        stage: p.stage,
        flow: p.flow,
        role: p.role ?? 'any',
        ...(p.agent ? {agent: p.agent} : {}),
        ...(p.secrets ? {secrets: p.secrets.map(referenceName)} : {}),
        ...(p.skip ? {skip: p.skip} : {}),
        ...(p.error ? {error: p.error} : {}),
      }))
      const note = leftOutNote(prepared.loaded.env, prepared.leftOut, options)
      const planView = {
        environment: prepared.loaded.env.name,
        topology: prepared.loaded.env.topology,
        stage: options.stage,
        role: options.server ? 'server' : options.agent ? 'agent' : 'all',
        instances: rows,
        ...(note ? {notes: [note]} : {}),
      }
      if (this.jsonEnabled() && outputs.length === 0) return planView
      const w = Math.max(...rows.map((r) => r.id.length))
      const tw = Math.max(...rows.map((r) => r.target.length))
      // Whose host runs each instance: the server's, an agent's (which), or any host's.
      const roleText = (r: (typeof rows)[number]) => (r.role === 'agent' && r.agent ? `agent ${r.agent}` : r.role)
      const rw = Math.max(...rows.map((r) => roleText(r).length))
      const lines = rows.map(
        (r) =>
          `${r.skip ? 'skip' : r.error ? 'err ' : 'run '}  ${r.id.padEnd(w)}  ${r.target.padEnd(tw)}  ${roleText(r).padEnd(rw)}  ${r.skip ?? r.error ?? r.title}${r.secrets && !r.skip ? `  (needs ${r.secrets.join(', ')})` : ''}`,
      )
      const n = rows.filter((r) => !r.skip).length
      const on = options.server ? ", the server's host" : options.agent ? `, ${options.agent}'s host` : ''
      const text = `${lines.join('\n')}\n${note ? `note: ${note}\n` : ''}${rows.length} planned, ${n} to run, ${rows.length - n} skipped (${planView.topology}, stage ${options.stage}${on})\n`
      const json = `${JSON.stringify(planView, null, 2)}\n`
      if (outputs.length === 0) {
        await this.out(format === 'json' ? json : text)
        return planView
      }
      for (const o of outputs) {
        await writeOutput(o.file, o.format === 'json' ? json : text, inputs)
        if (!this.jsonEnabled()) await this.out(`plan${o.format === 'json' ? ' (json)' : ''} written to ${o.file}\n`)
      }
      return planView
    }

    // Progress is drawn on stderr whenever the text report goes to the terminal: without --output,
    // or with only files as outputs and stdout a terminal.
    const terminal = await textOnTerminal(outputs, this.jsonEnabled())
    const showProgress =
      !this.jsonEnabled() &&
      (outputs.length === 0 ? format === 'text' : terminal) &&
      process.stdout.isTTY === true &&
      process.stderr.isTTY === true
    const progress = showProgress ? await (await import('../run/progress.js')).startProgress(prepared.plan) : undefined
    const report = await session.runSession(prepared, options, progress ?? {})
    await progress?.done()

    const color = process.stdout.isTTY === true && !process.env.NO_COLOR && !flags['no-color']
    await emitReport(report, outputs, {format, color, quiet: flags.quiet, json: this.jsonEnabled()}, inputs, (t) =>
      this.out(t),
    )
    process.exitCode = report.exitCode
    return report
  }
}

/** A JUnit file for a run that could not start (configuration error): one error testcase, exit 2. */
async function writeConfigurationError(
  output: string,
  config: string,
  e: Error & {diagnostics?: {message: string; path: string; line: number; severity: string}[]},
): Promise<void> {
  const [{xmlAttr, xmlText}, {writeOutput}] = await Promise.all([
    import('../report/formats/junit.js'),
    import('../io/write.js'),
  ])
  const errors = (e.diagnostics ?? []).filter((d) => d.severity === 'error')
  const detail = [e.message, ...errors.map((d) => `${config}:${d.line}  ${d.path}  ${redactor.redact(d.message)}`)]
    .map((m) => redactor.redact(m))
    .join('\n')
  const xml = `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="idm-preflight ${xmlAttr(config)}" tests="1" failures="1" errors="0" skipped="0" time="0.000">
  <testsuite name="idm-preflight" tests="1" failures="1" errors="0" skipped="0" time="0.000">
    <testcase classname="idm-preflight" name="configuration" time="0.000">
      <failure type="configuration" message="${xmlAttr(redactor.redact(e.message))}">${xmlText(detail)}</failure>
    </testcase>
  </testsuite>
</testsuites>
`
  await writeOutput(output, xml, [config]).catch(() => undefined)
}
