import {Flags} from '@oclif/core'
import {flow, BaseCommand, MIN_NEW_PASSWORD, refuseArgvPassword, readPassword} from '../../cli/index.js'
import {exitCodesHelp, UsageError, redactor} from '../../base/index.js'

export default class CertCreate extends BaseCommand {
  static override summary = 'Create a self-signed RSA key pair (SHA-256) as a PKCS#12 file for EncryptionCertificate'
  static override description =
    flow(`Creates the RSA key pair Identity Manager encrypts files with: an RSA key (2048 bits by default)
from Node's crypto, a self-signed X.509 certificate signed with SHA-256, written as a PKCS#12 (.pfx)
file with mode 0600. 3DES is the default PFX encryption because older Windows Server cannot read
AES-256 PFX files; use --pfx-encryption aes256 where it can.

The password comes from the environment variable named by --password-env, or from a hidden prompt
on a terminal, typed twice (nothing is echoed): never from the command line. It must be at least
${MIN_NEW_PASSWORD} characters long: this tool's own policy for a new private key. An existing file is never overwritten without --force
(which keeps a .bak).

Prints the Windows thumbprint, the subject and the EncryptionCertificate snippets for
appsettings.json (file and certificate store) and for the environment file.

${exitCodesHelp({0: 'the certificate was written', 2: 'bad flags, no password or a short one, the file exists (without --force), or it cannot be written'})}`)
  static override examples = [
    {
      description: 'Password typed at a hidden prompt',
      command:
        '<%= config.bin %> cert create --out certs/agent-files.pfx --subject "CN=Contoso Agent Files, O=Contoso"',
    },
    {
      description: 'Scripted: the password from an environment variable',
      command:
        'IDM_AGENT_PFX=… <%= config.bin %> cert create --out agent-files.pfx --password-env IDM_AGENT_PFX --json',
    },
    {
      description: 'AES-256 and 5 years',
      command: '<%= config.bin %> cert create --out files.pfx --password-env PW --pfx-encryption aes256 --days 1825',
    },
  ]
  static override enableJsonFlag = true
  static override flags = {
    out: Flags.string({char: 'o', description: 'the .pfx file to write', required: true}),
    subject: Flags.string({
      description: 'subject distinguished name',
      default: 'CN=Identity Manager Encryption, O=Identity Manager',
    }),
    days: Flags.integer({description: 'validity in days', default: 730, min: 1, max: 36500}),
    'key-size': Flags.integer({
      description: 'RSA key size in bits (2048 or more)',
      default: 2048,
      options: ['2048', '3072', '4096'] as never,
    }),
    'password-env': Flags.string({description: 'name of the environment variable holding the PFX password'}),
    'pfx-encryption': Flags.string({
      description: 'how the PFX is encrypted',
      options: ['3des', 'aes256'],
      default: '3des',
    }),
    force: Flags.boolean({description: 'overwrite an existing file (a .bak of it is kept)'}),
    quiet: Flags.boolean({char: 'q', description: 'print the thumbprint only'}),
    'public-from': Flags.string({
      description:
        "no new key: write the certificate of this PFX without its private key (a separate agent's IdentityServer: the server's public part)",
    }),
    'public-from-password-env': Flags.string({
      description:
        'with --public-from: the variable holding the password of that PFX (default: the --password-env one, else asked)',
      dependsOn: ['public-from'],
    }),
    password: Flags.string({hidden: true, description: 'refused: a password never goes on the command line'}),
  }

  async run() {
    const {flags} = await this.parse(CertCreate)
    refuseArgvPassword(flags.password)
    const [{resolve, relative}, {createCertificate, snippets}, {refuseOverwrite, writeUserFile}] = await Promise.all([
      import('node:path'),
      import('../../probes/pki/cert-create.js'),
      import('../../io/write.js'),
    ])
    const out = resolve(flags.out)
    await refuseOverwrite(out, flags.out, flags.force)
    if (flags['public-from']) return this.publicPart(flags, out)
    const password = await readPassword({
      envVar: flags['password-env'],
      confirm: true,
      purpose: flags.out,
      minLength: MIN_NEW_PASSWORD,
    })
    let created
    try {
      created = await createCertificate({
        subject: flags.subject,
        days: flags.days,
        keySize: Number(flags['key-size']),
        password: password!,
        encryption: flags['pfx-encryption'] as '3des' | 'aes256',
      })
    } catch (e) {
      throw new UsageError(`--subject: ${(e as Error).message}`)
    }
    // Exists-or-not is decided again at the write, in one step: of concurrent runs one wins.
    await writeUserFile(out, created.pfx, {mode: 0o600, force: flags.force, shown: flags.out})
    const info = created.info
    const rel = relative(process.cwd(), out) || out
    const s = snippets(rel.startsWith('..') ? out : `./${rel}`, info.thumbprint, flags['password-env'])
    const result = {
      file: out,
      subject: info.subject,
      thumbprint: info.thumbprint,
      notBefore: info.notBefore,
      notAfter: info.notAfter,
      keyType: info.keyType,
      keyBits: info.keyBits,
      signatureAlgorithm: info.signatureAlgorithm,
      pfxEncryption: flags['pfx-encryption'],
      snippets: s,
    }
    if (!this.jsonEnabled() && flags.quiet) await this.out(`${info.thumbprint}\n`)
    else if (!this.jsonEnabled()) {
      await this.out(
        [
          `Created ${flags.out} (PKCS#12, ${flags['pfx-encryption'] === '3des' ? '3DES' : 'AES-256'}, mode 0600)`,
          `  subject     ${info.subject}`,
          `  thumbprint  ${info.thumbprint}  (SHA-1, as Windows shows it)`,
          `  valid       ${info.notBefore.slice(0, 10)} to ${info.notAfter.slice(0, 10)}`,
          `  key         RSA ${info.keyBits}, signed with ${info.signatureAlgorithm}`,
          '',
          'appsettings.json, with the file:',
          `  ${s.appsettingsFile}`,
          'appsettings.json, from the certificate store, after importing it on the host:',
          `  ${s.importCommand}`,
          `  ${s.appsettingsStore}`,
          'environment file:',
          `  ${s.environment}`,
          '',
        ].join('\n'),
      )
    }
    return result
  }

  /**
   * `--public-from`: the certificate of a PFX, without its private key, as a PFX. What a separate
   * agent's IdentityServer needs of the server's ("at least the server's public key",
   * protect-agent-server-communication page), made on the server's host so that the private key
   * never travels.
   */
  private async publicPart(flags: {[k: string]: unknown}, out: string) {
    const [{publicPartPfx}, {loadCertificateFile}, {writeUserFile}] = await Promise.all([
      import('../../probes/pki/cert-create.js'),
      import('../../probes/pki/certificates.js'),
      import('../../io/write.js'),
    ])
    const source = flags['public-from'] as string
    // The source's password: --public-from-password-env; without it, --password-env's, since the
    // public part usually keeps the password of the PFX it comes from (as scaffold exports it);
    // without either, asked on a terminal.
    const ownEnv = flags['public-from-password-env'] as string | undefined
    const sourceEnv = ownEnv ?? (flags['password-env'] as string | undefined)
    const sourceFlag = ownEnv ? '--public-from-password-env' : '--password-env'
    let sourcePassword: string | undefined
    if (sourceEnv) {
      sourcePassword = process.env[sourceEnv]
      if (sourcePassword === undefined)
        throw new UsageError(
          `${sourceFlag} ${sourceEnv}: the environment variable ${sourceEnv} is not set`,
          [],
          `set it first: export ${sourceEnv}=…`,
        )
      redactor.add(sourcePassword)
    } else if (!process.stdin.isTTY)
      throw new UsageError(
        `no password given for --public-from ${source}: this is not a terminal, so there is nobody to ask`,
        [],
        'pass --public-from-password-env VAR (or --password-env VAR when both PFX share the password)',
      )
    else sourcePassword = await readPassword({purpose: `${source} (to read its certificate)`, allowEmpty: true})
    const r = await loadCertificateFile(source, sourcePassword)
    const der = r.ok ? r.file.ders[0] : undefined
    if (!r.ok || !der)
      throw new UsageError(
        `--public-from ${source}: ${r.ok ? 'holds no certificate' : r.detail}${sourceEnv ? ` (password from ${sourceFlag} ${sourceEnv})` : ''}`,
        [],
        r.ok
          ? 'give the PFX of the certificate'
          : ownEnv || !sourceEnv
            ? 'check the file and its password (--public-from-password-env VAR)'
            : `when ${source}'s password differs from the new file's, pass it with --public-from-password-env VAR`,
      )
    const password = await readPassword({
      envVar: flags['password-env'] as string | undefined,
      confirm: true,
      purpose: flags.out as string,
    })
    const pfx = await publicPartPfx(Buffer.from(der, 'base64'), password!, flags['pfx-encryption'] as '3des' | 'aes256')
    await writeUserFile(out, pfx, {mode: 0o600, force: flags.force as boolean, shown: flags.out as string})
    const leaf = r.file.leaf!
    const result = {
      file: out,
      publicFrom: source,
      subject: leaf.subject,
      thumbprint: leaf.thumbprint,
      privateKey: false,
    }
    if (!this.jsonEnabled())
      await this.out(
        [
          `Created ${flags.out}: the certificate of ${source}, without its private key (PKCS#12, mode 0600)`,
          `  subject     ${leaf.subject}`,
          `  thumbprint  ${leaf.thumbprint}`,
          'environment file (the agent):',
          `  identityServerCertificate: { file: ${flags.out}, password: "\${env:${(flags['password-env'] as string | undefined) ?? 'IDM_IDENTITYSERVER_PFX'}}" }`,
          '',
        ].join('\n'),
      )
    return result
  }
}
