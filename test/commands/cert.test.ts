import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {existsSync} from 'node:fs'
import {readFile, stat, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'
import {hasStackTrace, runCli, runCliInPty, tempDir} from '../helpers/cli.js'

const PW = 'Cert-Create-Pa55'

describe('cert create and cert inspect', () => {
  let dir: string
  let cleanup: () => Promise<void>
  before(async () => ({dir, cleanup} = await tempDir()))
  after(() => cleanup())

  test('creates an RSA-2048 SHA-256 PFX (3DES), mode 0600, with thumbprint and snippets; openssl agrees', async () => {
    const r = await runCli(
      [
        'cert',
        'create',
        '--out',
        'agent-files.pfx',
        '--password-env',
        'PFX_PW',
        '--subject',
        'CN=Contoso Agent Files, O=Contoso',
        '--json',
      ],
      {cwd: dir, env: {PFX_PW: PW}},
    )
    assert.equal(r.code, 0, r.stderr)
    const out = JSON.parse(r.stdout)
    assert.equal(out.subject, 'CN=Contoso Agent Files, O=Contoso')
    assert.equal(out.keyBits, 2048)
    assert.equal(out.signatureAlgorithm, 'sha256WithRSAEncryption')
    assert.match(out.thumbprint, /^[0-9A-F]{40}$/)
    assert.equal(
      out.snippets.appsettingsStore,
      `"EncryptionCertificate": { "Thumbprint": "${out.thumbprint}", "StoreLocation": "LocalMachine", "StoreName": "My" }`,
    )
    assert.match(out.snippets.appsettingsFile, /"File": "\.\/agent-files\.pfx"/)
    assert.equal(
      out.snippets.environment,
      'encryptionCertificate: { file: ./agent-files.pfx, password: "${env:PFX_PW}" }',
    )
    assert.ok(!r.stdout.includes(PW))
    const file = join(dir, 'agent-files.pfx')
    assert.equal((await stat(file)).mode & 0o777, 0o600)
    const info = execFileSync('openssl', ['pkcs12', '-in', file, '-passin', `pass:${PW}`, '-info', '-nokeys'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    }).toString()
    const fp = execFileSync('openssl', ['x509', '-noout', '-fingerprint', '-sha1'], {input: info}).toString()
    assert.equal(fp.trim().split('=')[1]!.replace(/:/g, ''), out.thumbprint)
    const inspect = await runCli(['cert', 'inspect', 'agent-files.pfx', '--password-env', 'PFX_PW'], {
      cwd: dir,
      env: {PFX_PW: PW},
    })
    assert.equal(inspect.code, 0, inspect.stdout)
    assert.match(inspect.stdout, /^agent-files\.pfx: PASS\n {2}format pkcs12, private key present\n/)
  })

  test('--pfx-encryption aes256 and --key-size 3072', async () => {
    const r = await runCli(
      [
        'cert',
        'create',
        '-o',
        'aes.pfx',
        '--password-env',
        'PFX_PW',
        '--pfx-encryption',
        'aes256',
        '--key-size',
        '3072',
      ],
      {cwd: dir, env: {PFX_PW: PW}},
    )
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /PKCS#12, AES-256, mode 0600/)
    const text = execFileSync(
      'openssl',
      ['pkcs12', '-in', join(dir, 'aes.pfx'), '-passin', `pass:${PW}`, '-info', '-noout'],
      {stdio: ['ignore', 'pipe', 'pipe']},
    )
    assert.ok(text !== undefined)
    const j = JSON.parse(
      (
        await runCli(['cert', 'inspect', 'aes.pfx', '--password-env', 'PFX_PW', '--json'], {
          cwd: dir,
          env: {PFX_PW: PW},
        })
      ).stdout,
    )
    assert.equal(j.certificates[0].keyBits, 3072)
    assert.equal(j.status, 'pass')
  })

  test('never overwrites without --force; --force keeps a .bak', async () => {
    await writeFile(join(dir, 'mine.pfx'), 'my precious file')
    const refused = await runCli(['cert', 'create', '-o', 'mine.pfx', '--password-env', 'PFX_PW'], {
      cwd: dir,
      env: {PFX_PW: PW},
    })
    assert.equal(refused.code, 2)
    assert.match(refused.stderr, /mine\.pfx exists: not overwritten/)
    assert.equal(await readFile(join(dir, 'mine.pfx'), 'utf8'), 'my precious file')
    const forced = await runCli(['cert', 'create', '-o', 'mine.pfx', '--password-env', 'PFX_PW', '--force'], {
      cwd: dir,
      env: {PFX_PW: PW},
    })
    assert.equal(forced.code, 0)
    assert.equal(await readFile(join(dir, 'mine.pfx.bak'), 'utf8'), 'my precious file')
  })

  test('a password is never taken from the command line, nor echoed', async () => {
    const r = await runCli(['cert', 'create', '-o', 'x.pfx', '--password', 'Argv-Secret-123'], {cwd: dir})
    assert.equal(r.code, 2)
    assert.match(r.stderr, /--password is refused/)
    assert.ok(!(r.stdout + r.stderr).includes('Argv-Secret-123'))
    const noTty = await runCli(['cert', 'create', '-o', 'x.pfx'], {cwd: dir})
    assert.equal(noTty.code, 2)
    assert.match(noTty.stderr, /not a terminal.*\n.*--password-env VAR/)
    const unset = await runCli(['cert', 'create', '-o', 'x.pfx', '--password-env', 'SURELY_UNSET_PW'], {cwd: dir})
    assert.equal(unset.code, 2)
    assert.match(unset.stderr, /the environment variable SURELY_UNSET_PW is not set/)
    const badSubject = await runCli(
      ['cert', 'create', '-o', 'x.pfx', '--password-env', 'PFX_PW', '--subject', 'Contoso'],
      {cwd: dir, env: {PFX_PW: PW}},
    )
    assert.equal(badSubject.code, 2)
    assert.match(badSubject.stderr, /"Contoso" is not a subject part/)
    for (const x of [r, noTty, unset, badSubject]) assert.ok(!hasStackTrace(x.stderr))
  })

  test('on a terminal the password is asked twice, hidden', async () => {
    const r = await runCliInPty(
      ['cert', 'create', '-o', 'tty.pfx'],
      [
        ['Password for tty\\.pfx', 'Tty-Typed-Pa55'],
        ['Type it again', 'Tty-Typed-Pa55'],
      ],
      {cwd: dir},
    )
    assert.equal(r.code, 0, r.stdout)
    assert.match(r.stdout, /Created tty\.pfx/)
    assert.ok(!r.stdout.includes('Tty-Typed-Pa55'), 'the typed password is not echoed')
    const inspect = await runCli(['cert', 'inspect', 'tty.pfx', '--password-env', 'P'], {
      cwd: dir,
      env: {P: 'Tty-Typed-Pa55'},
    })
    assert.equal(inspect.code, 0)
    // Nothing echoed while typing: not the password, not one mark per character.
    assert.doesNotMatch(r.stdout, /\*{3,}/)
  })

  test('on a terminal: a short password is refused with the reason, a mismatch asks again', async () => {
    const r = await runCliInPty(
      ['cert', 'create', '-o', 'tty2.pfx'],
      [
        ['Password for tty2\\.pfx', 'abc'],
        // Refused at the prompt, which keeps what was typed: the rest completes it.
        ['shorter than 8 characters, idm-preflight.s minimum', 'defgh-12'],
        ['Type it again', 'Not-The-Same-1'],
        ['the two passwords differ: type it again \\(2 more tries\\)[\\s\\S]*Password for', 'Second-Pa55-Word'],
        ['Type it again', 'Second-Pa55-Word'],
      ],
      {cwd: dir},
    )
    assert.equal(r.code, 0, r.stdout)
    assert.match(r.stdout, /Created tty2\.pfx/)
    assert.doesNotMatch(r.stdout, /\*{3,}/)
    for (const typed of ['abcdefgh-12', 'Second-Pa55-Word']) assert.ok(!r.stdout.includes(typed), 'never echoed')
    const inspect = await runCli(['cert', 'inspect', 'tty2.pfx', '--password-env', 'P'], {
      cwd: dir,
      env: {P: 'Second-Pa55-Word'},
    })
    assert.equal(inspect.code, 0, inspect.stdout)
    const three = await runCliInPty(
      ['cert', 'create', '-o', 'tty3.pfx'],
      [
        ['Password for', 'First-Pa55-1'],
        ['Type it again', 'Other-Pa55-1'],
        ['Password for', 'First-Pa55-2'],
        ['Type it again', 'Other-Pa55-2'],
        ['Password for', 'First-Pa55-3'],
        ['Type it again', 'Other-Pa55-3'],
      ],
      {cwd: dir},
    )
    assert.equal(three.code, 2, three.stdout)
    assert.match(three.stdout, /the two passwords differed 3 times; nothing was written/)
    assert.ok(!existsSync(join(dir, 'tty3.pfx')))
  })

  test('a password under the minimum from --password-env is refused, exit 2', async () => {
    const r = await runCli(['cert', 'create', '-o', 'short.pfx', '--password-env', 'P'], {cwd: dir, env: {P: 'abc'}})
    assert.equal(r.code, 2, r.stdout + r.stderr)
    assert.match(
      r.stderr,
      /^idm-preflight: --password-env P: the password is shorter than 8 characters, idm-preflight's minimum for the password of a private key it creates\n {2}hint: /,
    )
    assert.ok(!existsSync(join(dir, 'short.pfx')))
  })

  test('inspect -q: the verdict line and only what is not a pass', async () => {
    const env = {P: 'Second-Pa55-Word'}
    const full = await runCli(['cert', 'inspect', 'tty2.pfx', '--password-env', 'P'], {cwd: dir, env})
    const quiet = await runCli(['cert', 'inspect', 'tty2.pfx', '--password-env', 'P', '-q'], {cwd: dir, env})
    assert.equal(quiet.code, full.code)
    assert.match(full.stdout, /^ {2}PASS /m)
    assert.match(quiet.stdout, /^tty2\.pfx: (PASS|WARN)\n/)
    assert.doesNotMatch(quiet.stdout, /^ {2}(PASS |format |\[0\])/m)
    const wrong = await runCli(['cert', 'inspect', 'tty2.pfx', '--password-env', 'P', '-q'], {
      cwd: dir,
      env: {P: 'nope'},
    })
    assert.equal(wrong.code, 3)
    assert.match(wrong.stdout, /^tty2\.pfx: FAIL\n {2}FAIL {2}the password does not open tty2\.pfx/)
  })

  test('inspect: wrong password, PEM file, and --kind tls with host names (exit 3)', async () => {
    const wrong = await runCli(['cert', 'inspect', 'agent-files.pfx', '--password-env', 'P'], {
      cwd: dir,
      env: {P: 'nope'},
    })
    assert.equal(wrong.code, 3)
    assert.match(wrong.stdout, /FAIL {2}the password does not open agent-files\.pfx/)
    // There is no environment file here: the fix names what the user gave, not a settings field.
    assert.match(wrong.stdout, /fix: check the password in \$P$/m)
    const none = await runCli(['cert', 'inspect', 'agent-files.pfx'], {cwd: dir})
    assert.equal(none.code, 3)
    assert.match(none.stdout, /no password was given: an empty one was tried/)
    await writeFile(join(dir, 'junk.pfx'), 'not a certificate\n')
    const junk = await runCli(['cert', 'inspect', 'junk.pfx'], {cwd: dir})
    assert.equal(junk.code, 3)
    assert.match(junk.stdout, /fix: the file junk\.pfx must be a \.pfx \(PKCS#12\) file/)
    for (const r of [wrong, none, junk]) assert.doesNotMatch(r.stdout, /\.(password|file)\b(?! must)/)
    await writeFile(join(dir, 'c.pem'), '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n')
    const pem = await runCli(['cert', 'inspect', 'c.pem'], {cwd: dir})
    assert.equal(pem.code, 3)
    assert.match(pem.stdout, /c\.pem is PEM text/)
    const tls = await runCli(
      [
        'cert',
        'inspect',
        'agent-files.pfx',
        '--password-env',
        'P',
        '--kind',
        'tls',
        '--hostname',
        'idm-agent.contoso.com',
        '--json',
      ],
      {cwd: dir, env: {P: PW}},
    )
    assert.equal(tls.code, 3)
    const j = JSON.parse(tls.stdout)
    assert.ok(j.findings.some((f: {message: string}) => /does not cover idm-agent\.contoso\.com/.test(f.message)))
    assert.ok(j.findings.some((f: {message: string}) => /does not chain to a trusted root/.test(f.message)))
    assert.ok(!tls.stdout.includes(PW))
  })
})
