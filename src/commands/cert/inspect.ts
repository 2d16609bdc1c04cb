import {Args, Flags} from '@oclif/core'
import {flow, BaseCommand, refuseArgvPassword, readPassword} from '../../cli/index.js'
import {exitCodesHelp, UsageError} from '../../base/index.js'

export default class CertInspect extends BaseCommand {
  static override summary = 'Judge one certificate file with the verdicts of check'
  static override description =
    flow(`Opens a .pfx (or recognises a PEM or DER file for what it is) and gives the verdicts check gives
for Identity Manager certificates: password, private key and whether it matches, RSA ≥ 2048,
SHA-256 or stronger, validity and expiry, file readable by everyone; with --kind tls also the host
names it covers, server authentication and the chain to a trusted root (system plus --ca-file).

The password comes from --password-env VAR, or a hidden prompt on a terminal; without either, an
empty password is tried.

Exit 0 when it passes (warnings allowed unless --strict), 3 when it fails, 4 on warnings with --strict.

${exitCodesHelp({0: 'the certificate passes', 2: 'the file is missing, unreadable, not a regular file or too large', 3: 'it fails a verdict', 4: 'no failure but warnings, with --strict'})}`)
  static override examples = [
    '<%= config.bin %> cert inspect certs/agent-files.pfx --password-env IDM_AGENT_PFX',
    '<%= config.bin %> cert inspect idm-agent-ssl.pfx --kind tls --hostname idm-agent.contoso.com --ca-file contoso-root.pem --password-env PW',
    '<%= config.bin %> cert inspect identityserver-public.pfx --kind identity-server --no-private-key --json',
  ]
  static override enableJsonFlag = true
  static override args = {file: Args.string({description: 'the certificate file (.pfx, .pem, .cer)', required: true})}
  static override flags = {
    'password-env': Flags.string({description: 'name of the environment variable holding the PFX password'}),
    kind: Flags.string({
      description: 'which certificate this is',
      options: ['encryption', 'identity-server', 'tls'],
      default: 'encryption',
    }),
    hostname: Flags.string({description: 'with --kind tls: a host name the certificate must cover', multiple: true}),
    'ca-file': Flags.string({description: 'extra trusted CAs (PEM), as network.caFile'}),
    'no-private-key': Flags.boolean({
      description: "a certificate without its private key is fine (an agent's IdentityServer certificate)",
    }),
    'expiry-warning-days': Flags.integer({description: 'warn when it expires within this many days', default: 30}),
    strict: Flags.boolean({description: 'warnings fail too (exit 4)'}),
    quiet: Flags.boolean({char: 'q', description: 'only the verdict line and what is not a pass'}),
    password: Flags.string({hidden: true, description: 'refused: a password never goes on the command line'}),
  }

  async run() {
    const {args, flags} = await this.parse(CertInspect)
    refuseArgvPassword(flags.password)
    const [{resolve}, {probeCertificate}, {certFindings}, {readStoreCertificate}, {worst}, {certSummary}] =
      await Promise.all([
        import('node:path'),
        import('../../probes/certificates/cert-probe.js'),
        import('../../probes/certificates/cert-verdicts.js'),
        import('../../probes/windows/windows.js'),
        import('../../report/report.js'),
        import('../../probes/pki/x509.js'),
      ])
    // The file itself must be a readable regular file of sane size before anything is asked:
    // a FIFO, a device or a huge file is a usage error (exit 2), never a hang.
    const {readRegularFile, FileReadError} = await import('../../io/read.js')
    const {MAX_CERTIFICATE_BYTES} = await import('../../probes/pki/certificates.js')
    await readRegularFile(args.file, MAX_CERTIFICATE_BYTES).catch((e: unknown) => {
      if (e instanceof FileReadError)
        throw new UsageError(`${args.file} ${e.message}`, [], 'name a .pfx, .pem or .cer file')
      throw e
    })
    const isPfx = /\.(pfx|p12)$/i.test(args.file)
    const password = isPfx
      ? await readPassword({envVar: flags['password-env'], purpose: args.file, allowEmpty: true})
      : undefined
    const kind = flags.kind as 'encryption' | 'identity-server' | 'tls'
    const params = {
      owner: args.file,
      kind,
      field: args.file,
      names: {
        file: `the file ${args.file}`,
        password: flags['password-env']
          ? `the password in $${flags['password-env']}`
          : password
            ? 'the password typed at the prompt'
            : 'the password (none was given)',
      },
      fileAsWritten: args.file,
      file: resolve(args.file),
      ...(password !== undefined ? {password} : {}),
      requirePrivateKey: !flags['no-private-key'],
      ...(flags.hostname ? {hostnames: flags.hostname} : {}),
      ...(flags['ca-file'] ? {caFile: resolve(flags['ca-file'])} : {}),
    }
    const ac = new AbortController()
    const facts = await probeCertificate(params, (s) => readStoreCertificate(s, ac.signal))
    const findings = certFindings(params, facts, new Date(), flags['expiry-warning-days'])
    if (facts.failure === 'wrong-password' && password === undefined) {
      findings.push({
        status: 'fail',
        message: 'no password was given: an empty one was tried',
        remediation: 'pass --password-env VAR, or run on a terminal to be prompted',
      })
    }
    const status = worst(findings.map((f) => f.status))
    const exitCode = status === 'fail' ? 3 : status === 'warn' && flags.strict ? 4 : 0
    const certificates = facts.loaded?.certificates ?? []
    if (!this.jsonEnabled()) {
      const lines = [`${args.file}: ${status.toUpperCase()}`]
      if (facts.loaded && !flags.quiet) {
        lines.push(
          `  format ${facts.loaded.format}, private key ${facts.loaded.hasPrivateKey ? (facts.loaded.keyMatches === false ? 'present but NOT matching' : 'present') : 'absent'}`,
        )
        certificates.forEach((c, i) =>
          lines.push(
            `  [${i}] ${certSummary(c)}${c.subjectAltNames.length ? `, SAN ${c.subjectAltNames.join(' ')}` : ''}`,
          ),
        )
      }
      for (const f of findings) {
        if (flags.quiet && f.status === 'pass') continue
        lines.push(`  ${f.status.toUpperCase().padEnd(4)}  ${f.message}`)
        if (f.remediation && f.status !== 'pass') lines.push(`        fix: ${f.remediation}`)
      }
      await this.out(`${lines.join('\n')}\n`)
    }
    process.exitCode = exitCode
    return {
      file: params.file,
      kind,
      status,
      exitCode,
      findings,
      format: facts.loaded?.format,
      hasPrivateKey: facts.loaded?.hasPrivateKey,
      keyMatches: facts.loaded?.keyMatches,
      certificates,
    }
  }
}
