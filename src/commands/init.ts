import {Flags, type Interfaces} from '@oclif/core'
import {PRODUCTS} from '../model/index.js'
import {flow, BaseCommand} from '../cli/index.js'
import {exitCodesHelp, UsageError, isWindowsPath} from '../base/index.js'

export default class Init extends BaseCommand {
  static override summary = 'Write an environment file, answering a few questions (or from flags)'
  static override description =
    flow(`Asks what idm-preflight needs to know about the installation (topology, product version,
organization, URLs and aliases, working directories, service accounts, each side's certificates,
mail, database) and writes an environment file whose secrets are \${env:NAME} references only; it
then says which variables to set and which scaffold commands come next.

Each certificate (the server's and the agent's encryption certificates, the server's
IdentityServer certificate, each site's TLS certificate) is created by scaffold
--generate-certificates, a PFX file, or in the Windows store; created ones are named
<working directory>/Certificates/<Owner>-Files.pfx, IdentityServer.pfx, IdentityServer-Public.pfx
(a separate agent's: the server's public part) and <Owner>-Tls.pfx, where scaffold creates them.

Every answer is checked when it is given, and the whole file before it is written; on a terminal,
an invalid whole is said answer by answer with every answer kept (as an init command line) and
the wizard goes back to the answer at fault. Ctrl-C cancels: nothing is written, exit 130. At the
end, "Scaffold now?" shows scaffold's plan and writes it when confirmed, or prints the command.

Every answer is also a flag; a file or thumbprint flag implies its choice, as --smtp-host implies
--mail smtp; a flag the other answers do not ask is exit 2. Without a terminal nothing is asked: a
missing answer is exit 2 naming its flag, and --yes takes the default of every answer that has
one (some have none by design: the organization, the server URL, the server's service account
and, in SaaS, the agent URL and mail addresses). An existing file is not overwritten without
--force (a .bak is kept).

${exitCodesHelp({0: 'the environment file was written', 2: 'an answer is missing or invalid, the file exists (without --force), or it cannot be written', 130: 'cancelled (Ctrl-C) at a question'})}`)
  static override examples = [
    {description: 'Interactive', command: '<%= config.bin %> init'},
    {
      description: 'Scripted, defaults for the rest',
      command:
        "<%= config.bin %> init --organization Contoso --server-url https://idm.contoso.com --service-account 'CONTOSO\\svc-idm' --yes",
    },
    {
      description: 'Adopt an installation already there (a server, or an agent, working directory)',
      command: '<%= config.bin %> init --from-workdir ./identitymanagerContosoAgent --out contoso.yaml',
    },
    {
      description: 'SaaS with an SMTP server (--smtp-host implies --mail smtp)',
      command:
        '<%= config.bin %> init --topology saas --organization Contoso --server-url https://contoso.usercube.com --agent-url https://idm-agent.contoso.com --smtp-host smtp.contoso.com --from-address no-reply@contoso.com --yes --out saas.yaml',
    },
    {
      description: "With your CA's TLS certificate for the agent's site",
      command:
        "<%= config.bin %> init --topology on-prem-separate --organization Contoso --server-url https://idm.contoso.com --service-account 'CONTOSO\\svc-idm' --agent-tls-file C:/certs/idm-agent.pfx --yes --out separate.yaml",
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
    name: Flags.string({
      description: 'a name for this environment, shown in reports (default: organization-prod or -saas)',
    }),
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
    'server-encryption': Flags.string({
      options: ['create', 'file', 'store'],
      description: `the server's encryption certificate: create one, a PFX file, or the Windows store`,
    }),
    'server-encryption-file': Flags.string({
      description: `the server's encryption certificate: the PFX file (implies --server-encryption file)`,
    }),
    'server-encryption-thumbprint': Flags.string({
      description: `the server's encryption certificate: its thumbprint in LocalMachine\\My (implies --server-encryption store)`,
    }),
    'identity-server': Flags.string({
      options: ['create', 'file', 'store'],
      description: `the server's IdentityServer certificate (in SaaS: --identity-server-file, the PFX Netwrix gives): create one, a PFX file, or the Windows store`,
    }),
    'identity-server-file': Flags.string({
      description: `the server's IdentityServer certificate (in SaaS: --identity-server-file, the PFX Netwrix gives): the PFX file (implies --identity-server file)`,
    }),
    'identity-server-thumbprint': Flags.string({
      description: `the server's IdentityServer certificate (in SaaS: --identity-server-file, the PFX Netwrix gives): its thumbprint in LocalMachine\\My (implies --identity-server store)`,
    }),
    'server-tls': Flags.string({
      options: ['create', 'file', 'store', 'none'],
      description: `the server site's TLS certificate: create one (self-signed), a PFX file, the Windows store, or none now`,
    }),
    'server-tls-file': Flags.string({
      description: `the server site's TLS certificate: the PFX file (implies --server-tls file)`,
    }),
    'server-tls-thumbprint': Flags.string({
      description: `the server site's TLS certificate: its thumbprint in LocalMachine\\My (implies --server-tls store)`,
    }),
    'agent-encryption': Flags.string({
      options: ['create', 'file', 'store'],
      description: `the agent's own encryption certificate: create one, a PFX file, or the Windows store`,
    }),
    'agent-encryption-file': Flags.string({
      description: `the agent's own encryption certificate: the PFX file (implies --agent-encryption file)`,
    }),
    'agent-encryption-thumbprint': Flags.string({
      description: `the agent's own encryption certificate: its thumbprint in LocalMachine\\My (implies --agent-encryption store)`,
    }),
    'agent-tls': Flags.string({
      options: ['create', 'file', 'store', 'none'],
      description: `the agent site's TLS certificate: create one (self-signed), a PFX file, the Windows store, or none now`,
    }),
    'agent-tls-file': Flags.string({
      description: `the agent site's TLS certificate: the PFX file (implies --agent-tls file)`,
    }),
    'agent-tls-thumbprint': Flags.string({
      description: `the agent site's TLS certificate: its thumbprint in LocalMachine\\My (implies --agent-tls store)`,
    }),
    mail: Flags.string({
      options: ['smtp', 'pickup', 'none'],
      description: 'mail: an SMTP server, a pickup directory, or not now',
    }),
    'smtp-host': Flags.string({description: 'SMTP server (implies --mail smtp)'}),
    'smtp-port': Flags.string({description: 'SMTP port (implies --mail smtp)'}),
    'smtp-username': Flags.string({description: 'SMTP user name (implies --mail smtp)'}),
    'pickup-directory': Flags.string({description: 'pickup directory (implies --mail pickup)'}),
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
          agentId: flags['agent-id'],
          serverWorkingDirectory: flags['working-directory'],
          databaseServer: flags['database-server'],
          databaseName: flags['database-name'],
          databaseAuth: flags['database-auth'],
        },
        print: this.jsonEnabled() ? undefined : (t) => this.out(t),
        root: this.config.root,
      })
    // Ctrl-C at a question: cancelled, quietly, nothing written (BaseCommand says it, exit 130).
    return this.write(flags)
  }

  private async write(flags: InitFlags) {
    const [init, {rm}, {resolve, dirname, join}, {stringifyEnvironment}, write] = await Promise.all([
      import('../scaffold/init.js'),
      import('node:fs/promises'),
      import('node:path'),
      import('../environment/file/yaml-out.js'),
      import('../io/write.js'),
    ])
    const {
      QUESTIONS,
      environmentFromAnswers,
      resolveAnswers,
      AnswerError,
      questionOf,
      commandLine,
      shWord,
      scaffoldSteps,
    } = init
    const out = resolve(flags.out)
    await write.refuseOverwrite(out, flags.out, flags.force)
    const interactive =
      process.stdin.isTTY === true && process.stdout.isTTY === true && !flags.yes && !this.jsonEnabled()
    const given: Record<string, string | undefined> = {}
    for (const q of QUESTIONS) given[q.name] = (flags as Record<string, unknown>)[q.flag] as string | undefined
    const prompts = interactive ? await import('@inquirer/prompts') : undefined
    const ask: import('../scaffold/index.js').Asker | undefined = prompts && {
      select: (q, choices, def) => prompts.select({message: q.message, choices, default: def}),
      input: (q, def, validate) =>
        prompts.input({
          message: q.message,
          default: def,
          validate: (v) => (def === undefined && !v ? 'an answer is needed' : (validate(v) ?? true)),
        }),
    }

    // `$schema` for editors: the path from the file to the schema of this very installation.
    const schemaComment = await (await import('../environment/schema-ref.js')).schemaLine(out, this.config.root)
    /** The environment file's text for the answers, and its errors as this tool judges it. */
    const judge = async (answers: Record<string, string | undefined>) => {
      const built = environmentFromAnswers(answers)
      const header = `${schemaComment}
# Written by idm-preflight init. Secrets are references: set the variables below before
# idm-preflight check (or validate --require-secrets).
${built.variables.map((v) => `#   ${v.name}: ${v.what}`).join('\n')}
`
      const text = `${header}${stringifyEnvironment(built.env)}`
      // Validated beside where it goes, before it replaces anything.
      const probe = join(dirname(out), `.idm-preflight-init-${process.pid}.yaml`)
      await write.writeFileAtomic(probe, text).catch((e: unknown) => {
        throw write.writeError(e, flags.out)
      })
      const [{loadEnvironment}, {loadChecks}] = await Promise.all([
        import('../environment/file/config.js'),
        import('../run/registry.js'),
      ])
      const check = await loadEnvironment(probe, await loadChecks(), {secrets: 'static'}).finally(() =>
        rm(probe, {force: true}),
      )
      return {...built, text, errors: check.ok ? [] : check.diagnostics.filter((d) => d.severity === 'error')}
    }

    let previous: Record<string, string | undefined> | undefined
    let reask: string | undefined
    let resolved
    let judged
    for (;;) {
      try {
        resolved = await resolveAnswers({given, yes: !!flags.yes, ask, previous, reask})
      } catch (e) {
        if (e instanceof AnswerError) throw new UsageError(e.message)
        throw e
      }
      const {noDefault, defaulted} = resolved
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
      for (const n of resolved.notes) this.err(`init: ${n}`)
      judged = await judge(resolved.answers)
      if (!judged.errors.length) break
      // An invalid whole is said answer by answer, with every answer kept as a command line.
      const answers = resolved.answers
      const lines = judged.errors.map((d) => {
        const q = questionOf(d.path, answers)
        return q
          ? `  ${q.message} (--${q.flag} ${answers[q.name]}): ${d.message}`
          : `  ${d.path || 'the file'}: ${d.message}`
      })
      const again = commandLine(answers, flags.out)
      const fault = judged.errors.map((d) => questionOf(d.path, answers)).find((q) => q !== undefined)
      if (!prompts || !fault || !resolved.asked.includes(fault.name))
        throw new UsageError(
          `these answers do not make a valid environment file:\n${lines.join('\n')}`,
          [],
          `correct ${fault ? `--${fault.flag}` : 'the answer'} in: ${again}`,
        )
      this.err(`These answers do not make a valid environment file:\n${lines.join('\n')}`)
      this.err(`Every answer is kept (as a command: ${again})`)
      reask = await prompts.select({
        message: 'Change which answer?',
        choices: resolved.asked.map((name) => {
          const q = QUESTIONS.find((x) => x.name === name)!
          return {value: name, name: `${q.message}: ${answers[name] ?? ''}`}
        }),
        default: fault.name,
      })
      previous = answers
    }
    const answers = resolved.answers
    const {env, variables, certificates, text} = judged
    await write.writeUserFile(out, text, {force: flags.force, shown: flags.out})
    if (!this.jsonEnabled()) {
      const lines = [`Wrote ${flags.out} (${answers.topology}, ${answers.organization}).`]
      if (variables.length) {
        lines.push('', 'Set these variables (never write the values in the file):')
        for (const v of variables) lines.push(`  ${v.name.padEnd(22)} ${v.what}`)
      }
      const provide = certificates.filter((c) => c.how === 'provide')
      if (provide.length) {
        lines.push('', 'Put these certificates where the file names them:')
        for (const c of provide) lines.push(`  ${c.file}  (${c.field})`)
      }
      const selfSigned = certificates.filter((c) => c.purpose === 'tls' && c.how === 'create')
      if (selfSigned.length)
        lines.push(
          '',
          `Self-signed (scaffold creates ${selfSigned.length === 1 ? 'it' : 'them'}): ${selfSigned.map((c) => c.field).join(', ')}; browsers, agents and check's cert.tls refuse ${selfSigned.length === 1 ? 'it' : 'them'} until ${selfSigned.length === 1 ? 'it is' : 'they are'} added to their trust stores (for check: network.caFile); a certificate from your CA (--${selfSigned.map((c) => (c.field.startsWith('server') ? 'server' : 'agent')).join('-tls-file, --')}-tls-file) needs nothing more.`,
        )
      const steps = scaffoldSteps(answers, certificates, flags.out, shWord).map((st) =>
        isWindowsPath(st.workingDirectory) && process.platform !== 'win32'
          ? {
              ...st,
              note: [
                st.note,
                // A separate agent's IdentityServer public part is exported from the server's PFX,
                // which --target wrote elsewhere: --server-target says where.
                `on the Windows host (here, add --target DIR${answers.topology === 'on-prem-separate' && !/ --server\b/.test(st.command) ? ', and --server-target SRV: where the server was written' : ''})`,
              ]
                .filter(Boolean)
                .join('; '),
            }
          : st,
      )
      lines.push('', 'Next:', `  idm-preflight validate ${shWord(flags.out)}`)
      for (const st of steps) lines.push(`  ${st.command}${st.note ? `   # ${st.note}` : ''}`)
      lines.push(`  idm-preflight check -c ${shWord(flags.out)}`)
      if (prompts) lines.push('', `The same answers as a command (for a script): ${commandLine(answers, flags.out)}`)
      await this.out(`${lines.join('\n')}\n`)
      if (prompts)
        await this.offerScaffold(prompts, steps, out).catch((e: unknown) => {
          // Ctrl-C at "Scaffold now?": the environment file is written already; say so.
          if (e instanceof Error && (e.name === 'ExitPromptError' || e.name === 'AbortPromptError')) {
            this.err(`\ninit: cancelled; ${flags.out} is written, nothing was scaffolded (the commands above do it)`)
            return this.exit(130)
          }
          throw e
        })
    }
    return {file: out, environment: env, variables}
  }

  /**
   * "Scaffold now?": shows the plan (a dry run), then writes it when confirmed; where it cannot
   * run here (a Windows path on another system, a password variable not set), the exact command.
   */
  private async offerScaffold(
    prompts: typeof import('@inquirer/prompts'),
    steps: import('../scaffold/index.js').ScaffoldStep[],
    out: string,
  ): Promise<void> {
    for (const st of steps) {
      if (isWindowsPath(st.workingDirectory) && process.platform !== 'win32') {
        this.err(
          `${st.workingDirectory} is a Windows path: scaffold it on the Windows host with ${st.command} (here, add --target DIR to write it into a folder of this system)`,
        )
        continue
      }
      const unset = st.variables.filter((v) => process.env[v] === undefined)
      if (unset.length) {
        this.err(`To scaffold ${st.workingDirectory}: set ${unset.join(', ')}, then run ${st.command}`)
        continue
      }
      if (
        !(await prompts.confirm({
          message: `Scaffold ${st.workingDirectory} now? (the plan is shown first)`,
          default: false,
        }))
      ) {
        this.err(`Later: ${st.command}`)
        continue
      }
      const args = ['-c', out, ...st.args]
      await this.config.runCommand('scaffold', [...args, '--dry-run'])
      if (await prompts.confirm({message: `Write ${st.workingDirectory} as planned above?`, default: false}))
        await this.config.runCommand('scaffold', args)
      else this.err(`Nothing written. Later: ${st.command}`)
    }
  }
}

type InitFlags = Interfaces.InferredFlags<typeof Init.flags> & {json?: boolean}
