import {Flags} from '@oclif/core'
import {PRODUCTS} from '../core/environment.js'
import {flow} from '../core/help.js'
import {BaseCommand} from '../core/base-command.js'
import {exitCodesHelp} from '../core/exit-codes.js'

export default class Init extends BaseCommand {
  static override summary = 'Write an environment file, answering a few questions (or from flags)'
  static override description =
    flow(`Asks what idm-preflight needs to know about the installation (topology, product version,
organization, URLs and aliases, working directories, service accounts, certificates, mail,
database) and writes an environment file whose secrets are \${env:NAME} references only; it then
says which variables to set.

Every answer is also a flag. Without a terminal nothing is asked: a missing answer is exit 2
naming its flag, and --yes takes the default of every answer that has one (some have none by
design: the organization, the server URL, the server's service account and, in SaaS, the agent URL
and mail addresses). An existing file is not overwritten without --force (a .bak is kept).

${exitCodesHelp({0: 'the environment file was written', 2: 'an answer is missing or invalid, the file exists (without --force), or it cannot be written'})}`)
  static override examples = [
    {description: 'Interactive', command: '<%= config.bin %> init'},
    {
      description: 'Scripted, defaults for the rest',
      command: '<%= config.bin %> init --organization Contoso --server-url https://idm.contoso.com --yes',
    },
    {
      description: 'Adopt an installation already there (a server, or an agent, working directory)',
      command: '<%= config.bin %> init --from-workdir C:/identitymanagerContosoAgent --out contoso.yaml',
    },
    {
      description: 'SaaS with an SMTP server',
      command:
        '<%= config.bin %> init --topology saas --organization Contoso --server-url https://contoso.usercube.com --mail smtp --smtp-host smtp.contoso.com --yes --out saas.yaml',
    },
  ]
  static override enableJsonFlag = true
  static override flags = {
    out: Flags.string({char: 'o', description: 'the environment file to write', default: 'idm-preflight.yaml'}),
    yes: Flags.boolean({char: 'y', description: 'take the default of every answer not given'}),
    force: Flags.boolean({description: 'overwrite an existing file (a .bak is kept)'}),
    topology: Flags.string({options: ['saas', 'on-prem-integrated', 'on-prem-separate'], description: 'topology'}),
    product: Flags.string({options: [...PRODUCTS], description: 'product version'}),
    organization: Flags.string({description: 'organization name (no default)'}),
    'server-url': Flags.string({description: 'server URL, ApplicationUri (no default)'}),
    'server-alias': Flags.string({description: 'DNS alias of the server (on premises)'}),
    'working-directory': Flags.string({description: 'server working directory (on premises)'}),
    'service-account': Flags.string({description: 'server service account (on premises)'}),
    'database-server': Flags.string({description: 'SQL Server: host, host\\instance or host,port (on premises)'}),
    'database-name': Flags.string({description: 'database name (on premises)'}),
    'database-auth': Flags.string({options: ['windows', 'sql'], description: 'SQL authentication (on premises)'}),
    'agent-id': Flags.string({description: 'agent identifier'}),
    'agent-url': Flags.string({description: "agent's HTTPS URL (separate or SaaS agent)"}),
    'agent-working-directory': Flags.string({description: 'agent working directory'}),
    'agent-service-account': Flags.string({description: 'agent service account'}),
    certificates: Flags.string({
      options: ['create', 'file', 'store'],
      description: 'encryption certificate: create one, a PFX file, or the Windows store',
    }),
    'certificate-file': Flags.string({description: 'with --certificates file: the PFX'}),
    'certificate-thumbprint': Flags.string({description: 'with --certificates store: the thumbprint'}),
    mail: Flags.string({
      options: ['smtp', 'pickup', 'none'],
      description: 'mail: an SMTP server, a pickup directory, or not now',
    }),
    'smtp-host': Flags.string({description: 'SMTP server'}),
    'smtp-port': Flags.string({description: 'SMTP port'}),
    'smtp-username': Flags.string({description: 'SMTP user name'}),
    'pickup-directory': Flags.string({description: 'pickup directory'}),
    'from-address': Flags.string({description: 'sender address'}),
    'from-workdir': Flags.string({
      description:
        'adopt an installation already there: describe this server or agent working directory from its settings files (secrets as ${env:} references)',
    }),
  }

  async run() {
    const {flags} = await this.parse(Init)
    if (flags['from-workdir'])
      return (await import('../scaffold/adopt.js')).runAdopt({
        dir: flags['from-workdir'],
        out: flags.out,
        shown: flags.out,
        force: flags.force,
        options: {
          topology: flags.topology,
          product: flags.product,
          organization: flags.organization,
          agentUrl: flags['agent-url'],
          serverWorkingDirectory: flags['working-directory'],
          databaseServer: flags['database-server'],
          databaseName: flags['database-name'],
          databaseAuth: flags['database-auth'],
        },
        print: this.jsonEnabled() ? undefined : (t) => this.out(t),
      })
    const [
      {QUESTIONS, environmentFromAnswers},
      {UsageError},
      {rm},
      {resolve, dirname, join},
      {stringifyEnvironment},
      {writeFileAtomic, refuseOverwrite, writeUserFile, writeError},
    ] = await Promise.all([
      import('../scaffold/init.js'),
      import('../core/errors.js'),
      import('node:fs/promises'),
      import('node:path'),
      import('../core/yaml-out.js'),
      import('../core/write.js'),
    ])
    const out = resolve(flags.out)
    await refuseOverwrite(out, flags.out, flags.force)
    const interactive =
      process.stdin.isTTY === true && process.stdout.isTTY === true && !flags.yes && !this.jsonEnabled()
    const answers: Record<string, string | undefined> = {}
    const noDefault: string[] = []
    const defaulted: string[] = []
    const prompts = interactive ? await import('@inquirer/prompts') : undefined
    for (const q of QUESTIONS) {
      if (q.when && !q.when(answers)) continue
      const given = (flags as Record<string, unknown>)[q.flag] as string | undefined
      if (given !== undefined) {
        const problem = q.validate?.(given, answers)
        if (problem) throw new UsageError(`--${q.flag} ${given}: ${problem}`)
        answers[q.name] = given
        continue
      }
      const def = q.default?.(answers)
      if (prompts) {
        const validate = (v: string) => q.validate?.(v, answers) ?? true
        answers[q.name] = q.choices
          ? await prompts.select({message: q.message, choices: q.choices, default: def ?? undefined})
          : await prompts.input({
              message: q.message,
              default: def ?? undefined,
              validate: (v) => (def == null && !v ? 'an answer is needed' : validate(v)),
            })
      } else if (def === null || !q.default) {
        // No default for this answer here (the customer's own, or not derivable: in SaaS nothing
        // is derived from the tenant's domain): name the flag.
        noDefault.push(`--${q.flag}`)
        answers[q.name] = `<${q.flag}>` // so that the questions after it are judged as they would be
      } else if (flags.yes) answers[q.name] = def ?? undefined
      else {
        defaulted.push(`--${q.flag}`)
        answers[q.name] = def ?? undefined
      }
    }
    if (noDefault.length || defaulted.length) {
      const hint = [
        noDefault.length
          ? `give ${noDefault.join(' and ')} (${noDefault.length === 1 ? 'it has' : 'they have'} no default)`
          : '',
        defaulted.length
          ? `${noDefault.length ? 'and ' : ''}either --yes for the defaults or ${defaulted.join(', ')}`
          : '',
      ]
        .filter(Boolean)
        .join(', ')
      throw new UsageError(`answers missing, and this is not a terminal to ask them`, [], hint)
    }
    const {env, variables} = environmentFromAnswers(answers)
    const header = `# yaml-language-server: $schema=./node_modules/idm-preflight/schema/environment.schema.json
# Written by idm-preflight init. Secrets are references: set the variables below before
# idm-preflight check (or validate --require-secrets).
${variables.map((v) => `#   ${v.name}: ${v.what}`).join('\n')}
`
    const text = `${header}${stringifyEnvironment(env)}`
    // Validate what is about to be written, beside it, before it replaces anything.
    const probe = join(dirname(out), `.idm-preflight-init-${process.pid}.yaml`)
    await writeFileAtomic(probe, text).catch((e: unknown) => {
      throw writeError(e, flags.out)
    })
    const [{loadEnvironment}, {loadChecks}] = await Promise.all([
      import('../core/config.js'),
      import('../core/registry.js'),
    ])
    const check = await loadEnvironment(probe, await loadChecks(), {secrets: 'static'})
    await rm(probe, {force: true})
    if (!check.ok)
      throw new UsageError(
        'these answers do not make a valid environment file',
        check.diagnostics.filter((d) => d.severity === 'error').map((d) => ({...d, file: flags.out})),
      )
    await writeUserFile(out, text, {force: flags.force, shown: flags.out})
    if (!this.jsonEnabled()) {
      const lines = [`Wrote ${flags.out} (${answers.topology}, ${answers.organization}).`]
      if (variables.length) {
        lines.push('', 'Set these variables (never write the values in the file):')
        for (const v of variables) lines.push(`  ${v.name.padEnd(22)} ${v.what}`)
      }
      const agentDir =
        (env.agents as {workingDirectory?: string}[])[0]?.workingDirectory ??
        (env.server as {workingDirectory?: string}).workingDirectory
      lines.push(
        '',
        'Next:',
        `  idm-preflight validate ${flags.out}`,
        `  idm-preflight check -c ${flags.out}`,
        `  idm-preflight scaffold -c ${flags.out} --target ${agentDir ?? '<working directory>'}${answers.certificates === 'create' ? ' --generate-certificates' : ''}`,
      )
      await this.out(`${lines.join('\n')}\n`)
      if (prompts && agentDir && (await prompts.confirm({message: `Scaffold ${agentDir} now?`, default: false}))) {
        await this.config.runCommand('scaffold', ['-c', out, '--target', agentDir, '--dry-run'])
        this.err('(a dry run: re-run the command above without --dry-run to write it)')
      }
    }
    return {file: out, environment: env, variables}
  }
}
