import {Args, Flags} from '@oclif/core'
import {flow, BaseCommand} from '../cli/index.js'
import {exitCodesHelp, formatDiagnostic, redactor, stripControl} from '../base/index.js'

export default class Validate extends BaseCommand {
  static override summary = 'Validate environment files without touching the network'
  static override description =
    flow(`Schema and semantic validation of environment files: any number at once, for CI. Every
problem is printed as FILE:LINE:COLUMN  json.path  message, with "did you mean" for misspelt keys.

Static by default: a CI job has no production secrets, so an unset \${env:NAME} or a missing
\${file:PATH} is a warning naming the field; --require-secrets makes it an error. A literal password
in a secret field is always an error.

With no FILES, validates the discovered environment file (--config, IDM_PREFLIGHT_CONFIG, or
./idm-preflight.yaml|.yml|.json). A directory stands for the environment files in it: its saved
reports and other JSON files are skipped and counted.

Besides the schema and the rules between keys, validate applies every verdict a check gives from
the file alone (a proxy written https:// or with a path, NO_PROXY "*", a DNS alias in capitals),
and says all of a file's errors at once.

${exitCodesHelp({0: 'every file is valid (warnings allowed unless --strict)', 2: 'a file is invalid, unreadable or missing, or a folder holds none', 4: 'no error but warnings, with --strict'})}`)
  static override examples = [
    '<%= config.bin %> validate',
    '<%= config.bin %> validate envs/*.yaml',
    '<%= config.bin %> validate envs/ --json',
    'IDM_SMTP_PASSWORD=x <%= config.bin %> validate prod.yaml --require-secrets',
    '<%= config.bin %> validate --print-schema > environment.schema.json',
    '<%= config.bin %> validate --workdir C:/identitymanagerContosoAgent',
    '<%= config.bin %> validate prod.yaml --workdir ./agent   # also compares ApplicationUri with the file',
  ]
  static override strict = false
  static override enableJsonFlag = true
  static override args = {
    files: Args.string({description: 'environment files or folders (default: the discovered file)'}),
  }
  static override flags = {
    config: Flags.string({char: 'c', description: 'environment file, when no FILES are given'}),
    'require-secrets': Flags.boolean({
      description: 'an unset ${env:} or missing ${file:} reference is an error, as in check',
    }),
    'print-schema': Flags.boolean({description: 'print the environment file JSON Schema and exit'}),
    workdir: Flags.string({
      description: "also validate the product's settings files in this working directory (Runtime/appsettings*.json)",
      multiple: true,
    }),
    quiet: Flags.boolean({char: 'q', description: 'print only the files with problems'}),
    strict: Flags.boolean({description: 'warnings fail too (exit 4), as with check --strict'}),
  }

  async run() {
    const {argv, flags} = await this.parse(Validate)
    const {loadChecks} = await import('../run/registry.js')
    const checks = await loadChecks()
    if (flags['print-schema']) {
      const {buildEnvironmentSchema} = await import('../environment/environment-schema.js')
      const schema = buildEnvironmentSchema(checks)
      if (!this.jsonEnabled()) await this.out(`${JSON.stringify(schema, null, 2)}\n`)
      return schema
    }
    const {discoverConfig, loadEnvironment} = await import('../environment/file/config.js')
    const {expandFileArgs, jsonKind, skippedText} = await import('../environment/files.js')
    const workdirs = flags.workdir ?? []
    const {files, skipped} =
      argv.length > 0
        ? await expandFileArgs(argv as string[])
        : {files: workdirs.length ? [] : [discoverConfig(flags.config)], skipped: []}

    const results = await mapLimit(files, 16, async (file) => {
      // A saved report named on the command line is not an environment file: one error, not twenty.
      if (/\.json$/i.test(file) && (await jsonKind(file)) === 'report') {
        const diagnostics = [
          {
            file,
            line: 1,
            column: 1,
            path: '',
            message: 'is an idm-preflight report, not an environment file (report show renders it)',
            severity: 'error' as const,
          },
        ]
        return {file, valid: false, errors: 1, warnings: 0, diagnostics}
      }
      const res = await loadEnvironment(file, checks, {
        secrets: flags['require-secrets'] ? 'require' : 'static',
        redactor,
        checkRules: true,
      })
      const errors = res.diagnostics.filter((d) => d.severity === 'error').length
      // Messages are free text and are redacted; files, positions and paths are structure.
      const diagnostics = res.diagnostics.map((d) => ({...d, message: redactor.redact(d.message)}))
      return {file, valid: res.ok, errors, warnings: res.diagnostics.length - errors, diagnostics}
    })
    if (workdirs.length) {
      const {checkSettingsFiles} = await import('../product/settings-files.js')
      // The environment files given (if any) tell the server's ApplicationUri to compare with.
      // They also say whose a working directory is (an agent's, or the server's), so that a
      // separate agent holding the server's files is caught rather than taken for a server.
      let expected: string | undefined
      const roles = new Map<string, 'server' | 'agent'>()
      const {resolve, isAbsolute} = await import('node:path')
      for (const f of files) {
        const r = await loadEnvironment(f, checks, {secrets: 'static'})
        if (!r.ok) continue
        expected ??= r.env.server.url
        const at = (p: string) => resolve(isAbsolute(p) ? p : resolve(r.baseDir, p))
        if (r.env.server.workingDirectory) roles.set(at(r.env.server.workingDirectory), 'server')
        if (r.env.topology !== 'on-prem-integrated')
          for (const a of r.env.agents ?? []) if (a.workingDirectory) roles.set(at(a.workingDirectory), 'agent')
      }
      for (const dir of workdirs) {
        const r = await checkSettingsFiles(dir, expected, roles.get(resolve(dir)))
        for (const f of r.files) {
          const diagnostics = f.exists
            ? f.diagnostics
            : [
                {
                  file: f.file,
                  line: 1,
                  column: 1,
                  path: '',
                  message: 'not found (idm-preflight scaffold writes it)',
                  severity: 'error' as const,
                },
              ]
          const errors = diagnostics.filter((d) => d.severity === 'error').length
          results.push({file: f.file, valid: errors === 0, errors, warnings: diagnostics.length - errors, diagnostics})
        }
      }
    }
    const invalid = results.filter((r) => !r.valid).length
    const summary = {files: results.length, valid: results.length - invalid, invalid}
    if (!this.jsonEnabled()) {
      const lines: string[] = []
      for (const r of results) {
        if (flags.quiet && r.valid && r.warnings === 0) continue
        const counts = [
          r.errors && `${r.errors} error${r.errors === 1 ? '' : 's'}`,
          r.warnings && `${r.warnings} warning${r.warnings === 1 ? '' : 's'}`,
        ]
          .filter(Boolean)
          .join(', ')
        lines.push(`${r.valid ? 'valid  ' : 'INVALID'}  ${r.file}${counts ? `  (${counts})` : ''}`)
        for (const d of r.diagnostics) lines.push(`  ${formatDiagnostic(d)}`)
      }
      if (results.length > 1) lines.push(`${summary.files} files: ${summary.valid} valid, ${summary.invalid} invalid`)
      if (skipped.length)
        lines.push(
          `skipped ${skipped.length} file${skipped.length === 1 ? '' : 's'}: ${skippedText(skipped)} (${skipped.map((s) => s.file).join(', ')})`,
        )
      // File names are the user's arguments: printed without control sequences.
      await this.out(stripControl(`${lines.join('\n')}\n`))
    }
    const warned = results.some((r) => r.warnings > 0)
    const exitCode = invalid > 0 ? 2 : flags.strict && warned ? 4 : 0
    process.exitCode = exitCode
    return {
      status: invalid > 0 ? 'invalid' : exitCode === 4 ? 'warnings' : 'valid',
      exitCode,
      summary,
      files: results,
      skipped,
    }
  }
}

async function mapLimit<T, R>(items: readonly T[], limit: number, f: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length)
  let next = 0
  await Promise.all(
    Array.from({length: Math.min(limit, items.length)}, async () => {
      while (next < items.length) {
        const i = next++
        out[i] = await f(items[i]!)
      }
    }),
  )
  return out
}
