import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {chmod, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'
import forge from 'node-forge'
import encryption from '../../checks/cert-encryption.js'
import identity from '../../checks/cert-identity-server.js'
import tlsCert from '../../checks/cert-tls.js'
import type {CertParams} from '../../src/probes/certificates/cert-verdicts.js'
import {effectivePassword, escapeSettingsPassword, isProtectedPassword} from '../../src/product/certificate-password.js'
import {parseStoreEntry} from '../../src/probes/windows/windows.js'
import {issue, makeCA, rsaKey, serverCert, toPfx, type Issued} from '../../src/sandbox/pki.js'
import {tempDir} from '../helpers/cli.js'
import {runCheck} from '../helpers/run-check.js'

const PW = 'Pfx-Test-Pa55'
const DAY = 86_400_000

describe('certificate verdicts on a corpus made at test time', () => {
  let dir: string
  let cleanup: () => Promise<void>
  let ca: Issued
  let good: Issued
  before(async () => {
    ;({dir, cleanup} = await tempDir())
    ca = makeCA('Contoso Root')
    good = issue({commonName: 'ContosoAgent-Files', issuer: ca})
  })
  after(() => cleanup())

  async function pfx(name: string, c: Issued, opts: Parameters<typeof toPfx>[2] = {}, password = PW): Promise<string> {
    const file = join(dir, name)
    await writeFile(file, toPfx(c, password, opts), {mode: 0o600})
    await chmod(file, 0o600)
    return file
  }
  const params = (file: string, extra: Partial<CertParams> = {}): CertParams => ({
    owner: 'ContosoAD',
    kind: 'encryption',
    field: 'agents[0].encryptionCertificate',
    fileAsWritten: file.slice(dir.length + 1),
    file,
    password: PW,
    requirePrivateKey: true,
    ...extra,
  })
  const run = (p: CertParams, check = encryption) => runCheck(check, p)

  test("an agent's IdentityServer certificate must hold the server's public key (on premises)", async () => {
    const idsrv = issue({commonName: 'Contoso IdentityServer', issuer: ca})
    const server = await pfx('idsrv-server.pfx', idsrv)
    const publicPart = await pfx('idsrv-public.pfx', idsrv, {withKey: false})
    // The sandbox reuses one key per size: another size is another key.
    const other = await pfx('idsrv-other.pfx', issue({commonName: 'Contoso IdS', issuer: ca, keyBits: 3072}), {
      withKey: false,
    })
    const agentParams = (file: string): CertParams =>
      params(file, {
        kind: 'identity-server',
        field: 'agents[0].identityServerCertificate',
        requirePrivateKey: false,
        counterpart: {
          field: 'server.identityServerCertificate',
          file: server,
          fileAsWritten: 'idsrv-server.pfx',
          password: PW,
        },
      })
    const same = await run(agentParams(publicPart), identity)
    assert.equal(same.status, 'pass', same.message)
    assert.match(same.message, /holds the public key of server\.identityServerCertificate \(idsrv-server\.pfx\)/)
    const wrong = await run(agentParams(other), identity)
    assert.equal(wrong.status, 'fail', wrong.message)
    assert.match(
      wrong.message,
      /agents\[0\]\.identityServerCertificate is not server\.identityServerCertificate: a different public key/,
    )
    // The plan pairs them on premises (separate agents), never in SaaS.
    const env = {
      topology: 'on-prem-separate',
      server: {url: 'https://idm.contoso.com', identityServerCertificate: {file: './s.pfx', password: 'p'}},
      agents: [{identifier: 'A', identityServerCertificate: {file: './a.pfx', password: 'p'}}],
    }
    const ctx = {agents: env.agents, baseDir: '/env', processEnv: {}, platform: 'linux', settings: {}}
    const planned = identity.plan(env as never, ctx as never)
    assert.deepEqual(planned.find((t) => t.target === 'A')!.params.counterpart, {
      field: 'server.identityServerCertificate',
      file: '/env/s.pfx',
      fileAsWritten: './s.pfx',
      password: 'p',
    })
    const saasPlan = identity.plan({...env, topology: 'saas'} as never, ctx as never)
    assert.equal(saasPlan.find((t) => t.target === 'A')!.params.counterpart, undefined)
  })

  test('a good 3DES PFX passes, naming key, signature, dates, subject and thumbprint', async () => {
    const r = await run(params(await pfx('good.pfx', good)))
    assert.equal(r.status, 'pass', r.message)
    assert.match(
      r.message,
      /^RSA 2048, sha256WithRSAEncryption, valid until \d{4}-\d\d-\d\d \(36\d days\), private key present and matching; CN=ContosoAgent-Files, O=idm-preflight sandbox, thumbprint [0-9A-F]{40}$/,
    )
  })

  test('AES-256 PFX opens too', async () => {
    assert.equal((await run(params(await pfx('aes.pfx', good, {algorithm: 'aes256'})))).status, 'pass')
  })

  test('a legacy RC2 PFX (openssl -legacy) opens too', async (t) => {
    const pem = join(dir, 'rc2-in.pem')
    await writeFile(pem, good.certPem + good.keyPem)
    const out = join(dir, 'rc2.pfx')
    try {
      execFileSync(
        'openssl',
        [
          'pkcs12',
          '-export',
          '-legacy',
          '-in',
          pem,
          '-out',
          out,
          '-passout',
          `pass:${PW}`,
          '-certpbe',
          'PBE-SHA1-RC2-40',
          '-keypbe',
          'PBE-SHA1-3DES',
        ],
        {stdio: 'pipe'},
      )
    } catch (e) {
      t.skip(`this OpenSSL cannot write RC2 PKCS#12 (legacy provider missing): ${(e as Error).message.split('\n')[0]}`)
      return
    }
    await chmod(out, 0o600)
    const r = await run(params(out))
    assert.equal(r.status, 'pass', r.message)
  })

  const failures: [string, () => Promise<CertParams>, RegExp, RegExp][] = [
    ['file missing', async () => params(join(dir, 'nope.pfx')), /nope\.pfx: .*nope\.pfx does not exist/, /cert create/],
    ['a directory', async () => params(dir), /is a directory, not a file/, /\.pfx/],
    [
      'empty file',
      async () => (await writeFile(join(dir, 'empty.pfx'), ''), params(join(dir, 'empty.pfx'))),
      /empty\.pfx is empty/,
      /export/,
    ],
    [
      'PEM instead of PFX',
      async () => (await writeFile(join(dir, 'pem.pfx'), good.certPem + good.keyPem), params(join(dir, 'pem.pfx'))),
      /pem\.pfx is PEM text \(1 certificate, 1 private key\), not a PFX: the product reads a PKCS#12/,
      /openssl pkcs12 -export/,
    ],
    [
      'a certificate only (DER)',
      async () => (await writeFile(join(dir, 'cert.cer'), good.der), params(join(dir, 'cert.cer'))),
      /cert\.cer is a DER certificate \(\.cer\) with no private key, not a PFX/,
      /export the private key/,
    ],
    [
      'wrong password',
      async () => params(await pfx('pw.pfx', good), {password: 'not-it'}),
      /the password does not open pw\.pfx \(the PKCS#12 integrity check failed\)/,
      /agents\[0\]\.encryptionCertificate\.password/,
    ],
    [
      'corrupt (truncated)',
      async () => {
        const bytes = toPfx(good, PW)
        await writeFile(join(dir, 'trunc.pfx'), bytes.subarray(0, bytes.length / 2))
        return params(join(dir, 'trunc.pfx'))
      },
      /trunc\.pfx is not a valid PKCS#12 file/,
      /truncated or damaged/,
    ],
    [
      'not PKCS#12 at all',
      async () => (
        await writeFile(join(dir, 'junk.pfx'), Buffer.from('hello, I am a text file\n')),
        params(join(dir, 'junk.pfx'))
      ),
      /junk\.pfx is neither PKCS#12 nor PEM nor DER/,
      /\.pfx \(PKCS#12\)/,
    ],
  ]
  for (const [name, make, message, fix] of failures) {
    test(name, async () => {
      const r = await run(await make())
      assert.equal(r.status, 'fail', r.message)
      assert.match(r.message, message)
      assert.match(r.remediation, fix)
    })
  }

  test('no private key', async () => {
    const r = await run(params(await pfx('nokey.pfx', good, {withKey: false})))
    assert.equal(r.status, 'fail')
    assert.match(r.message, /the encryption certificate has no private key \(subject CN=ContosoAgent-Files/)
  })

  test('a key that does not belong to the certificate', async () => {
    const other = rsaKey(2048, true)
    const p12 = forge.pkcs12.toPkcs12Asn1(other.priv, good.cert, PW, {algorithm: '3des'})
    const file = join(dir, 'mismatch.pfx')
    await writeFile(file, Buffer.from(forge.asn1.toDer(p12).getBytes(), 'binary'), {mode: 0o600})
    const r = await run(params(file))
    assert.equal(r.status, 'fail')
    assert.match(r.message, /the private key in mismatch\.pfx does not belong to its certificate/)
  })

  test('not RSA (an EC key made with openssl)', async () => {
    const key = join(dir, 'ec.key')
    const crt = join(dir, 'ec.crt')
    const out = join(dir, 'ec.pfx')
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-keyout',
        key,
        '-out',
        crt,
        '-subj',
        '/CN=ec-test',
        '-days',
        '30',
      ],
      {stdio: 'pipe'},
    )
    execFileSync('openssl', ['pkcs12', '-export', '-in', crt, '-inkey', key, '-out', out, '-passout', `pass:${PW}`], {
      stdio: 'pipe',
    })
    await chmod(out, 0o600)
    const r = await run(params(out))
    assert.equal(r.status, 'fail', r.message)
    assert.match(r.message, /(has a EC key: the docs ask for an RSA-2048 key pair|not an RSA key)/)
  })

  const weak: [string, Partial<Parameters<typeof issue>[0]>, string, RegExp][] = [
    ['RSA 1024', {keyBits: 1024}, 'fail', /has an RSA 1024-bit key; the docs ask for an RSA-2048 key pair/],
    [
      'SHA-1',
      {hash: 'sha1'},
      'fail',
      /is signed with sha1WithRSAEncryption; the production-agent guide asks for SHA-256 or stronger/,
    ],
    ['MD5', {hash: 'md5'}, 'fail', /is signed with md5WithRSAEncryption/],
    [
      'expired',
      {notBefore: new Date(Date.now() - 400 * DAY), notAfter: new Date(Date.now() - 2 * DAY)},
      'fail',
      /the encryption certificate expired on/,
    ],
    [
      'not yet valid',
      {notBefore: new Date(Date.now() + 5 * DAY), notAfter: new Date(Date.now() + 400 * DAY)},
      'fail',
      /is not valid before/,
    ],
    [
      'expiring within expiryWarningDays',
      {notAfter: new Date(Date.now() + 10 * DAY)},
      'warn',
      /expires in (9|10) days/,
    ],
  ]
  for (const [name, o, status, re] of weak) {
    test(name, async () => {
      const c = issue({commonName: `weak-${name}`, issuer: ca, ...o})
      const r = await run(params(await pfx(`${name.replace(/\W+/g, '-')}.pfx`, c)))
      assert.equal(r.status, status, r.message)
      assert.match(r.message, re)
      // Every verdict names what the integrator needs to find the certificate.
      assert.match(
        r.message,
        /subject CN=weak-.*issuer CN=Contoso Root.*valid .* to .*RSA \d+, \w+, thumbprint [0-9A-F]{40}/,
      )
    })
  }

  test('a PFX readable by everyone is a warning', async () => {
    const file = await pfx('open.pfx', good)
    await chmod(file, 0o644)
    const r = await run(params(file))
    assert.equal(r.status, 'warn')
    assert.match(r.message, /open\.pfx is readable by everyone \(mode 644\): it holds a private key/)
  })

  test('passwords with "@": the environment file holds the real one, whatever it starts with', async () => {
    for (const pw of ['p@ss', '@p@ss', '@leading']) {
      const file = await pfx(`at-${pw.length}-${pw.startsWith('@')}.pfx`, good, {}, pw)
      const r = await run(params(file, {password: pw}))
      assert.equal(r.status, 'pass', `${pw}: ${r.message}`)
    }
  })

  test('a protected password cannot be checked here: a warning saying how', async () => {
    const protectedPw = 'QUJDREVGR0hJSktMTU5PUA==@UVJTVFVWV1hZWg==@YWJjZGVmZ2hpams='
    assert.ok(isProtectedPassword(protectedPw))
    const r = await run(params(await pfx('prot.pfx', good), {password: protectedPw}))
    assert.equal(r.status, 'warn')
    assert.match(r.message, /protected format \(Usercube-Protect-CertificatePassword\)/)
    assert.match(r.remediation, /cert inspect prot\.pfx --password-env VAR/)
  })

  test("an agent's IdentityServer certificate may be certificate-only; the server's may not", async () => {
    const file = await pfx('idsrv-public.pfx', good, {withKey: false})
    const agent = await run(
      params(file, {kind: 'identity-server', requirePrivateKey: false, field: 'agents[0].identityServerCertificate'}),
      identity,
    )
    assert.equal(agent.status, 'pass', agent.message)
    assert.match(agent.message, /certificate only \(enough to verify the server's tokens\)/)
    const server = await run(
      params(file, {
        kind: 'identity-server',
        requirePrivateKey: true,
        owner: 'server',
        field: 'server.identityServerCertificate',
      }),
      identity,
    )
    assert.equal(server.status, 'fail')
    assert.match(server.message, /the IdentityServer certificate has no private key/)
  })

  test('no password appears in any verdict', async () => {
    const results = [
      await run(params(await pfx('secret.pfx', good))),
      await run(params(join(dir, 'secret.pfx'), {password: 'Wrong-Secret-Pw'})),
    ]
    for (const r of results)
      assert.ok(!JSON.stringify(r).includes(PW) && !JSON.stringify(r).includes('Wrong-Secret-Pw'))
  })

  describe('cert.tls: the https binding certificate before the site exists', () => {
    let caFile: string
    before(async () => {
      caFile = join(dir, 'root.pem')
      await writeFile(caFile, ca.certPem)
    })
    const tp = (file: string, extra: Partial<CertParams> = {}) =>
      params(file, {
        kind: 'tls',
        field: 'agents[0].tlsCertificate',
        hostnames: ['idm-agent.contoso.com'],
        caFile,
        ...extra,
      })

    test('covers the alias, chains to the trusted root, allows server authentication: pass', async () => {
      const c = serverCert(ca, ['idm-agent.contoso.com'])
      const r = await run(tp(await pfx('tls-good.pfx', c, {chain: [ca]})), tlsCert)
      assert.equal(r.status, 'pass', r.message)
    })
    test('a certificate for another name fails', async () => {
      const c = serverCert(ca, ['other.contoso.com'])
      const r = await run(tp(await pfx('tls-other.pfx', c)), tlsCert)
      assert.equal(r.status, 'fail')
      assert.match(
        r.message,
        /does not cover idm-agent\.contoso\.com: its subjectAltName lists other\.contoso\.com, 127\.0\.0\.1|does not cover idm-agent\.contoso\.com: its subjectAltName lists other\.contoso\.com/,
      )
    })
    test('a wildcard covers one level', async () => {
      const c = issue({commonName: '*.contoso.com', altNames: ['*.contoso.com'], issuer: ca})
      assert.equal((await run(tp(await pfx('tls-wild.pfx', c)), tlsCert)).status, 'pass')
    })
    test('a chain to a root not trusted here fails', async () => {
      const c = serverCert(ca, ['idm-agent.contoso.com'])
      const r = await run(tp(await pfx('tls-untrusted.pfx', c), {caFile: undefined}), tlsCert)
      assert.equal(r.status, 'fail')
      assert.match(
        r.message,
        /does not chain to a trusted root: the issuer CN=Contoso Root, O=idm-preflight sandbox is not in the file nor trusted here/,
      )
    })
    // The docs' RSA-2048 rule is for the encryption and IdentityServer key pairs; the SSL
    // certificate is judged by the baseline tls.endpoint applies once the site serves it.
    const ecPfx = (name: string, curve: string) => {
      const key = join(dir, `${name}.key`)
      const crt = join(dir, `${name}.crt`)
      const out = join(dir, `${name}.pfx`)
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'ec',
          '-pkeyopt',
          `ec_paramgen_curve:${curve}`,
          '-nodes',
          '-keyout',
          key,
          '-out',
          crt,
          '-subj',
          '/CN=idm-agent.contoso.com',
          '-addext',
          'subjectAltName=DNS:idm-agent.contoso.com',
          '-days',
          '400',
        ],
        {stdio: 'pipe'},
      )
      execFileSync('openssl', ['pkcs12', '-export', '-in', crt, '-inkey', key, '-out', out, '-passout', `pass:${PW}`], {
        stdio: 'pipe',
      })
      return {out, crt}
    }
    test('an EC P-256 certificate passes (the RSA-2048 rule is for the key pairs, not the SSL certificate)', async () => {
      const {out, crt} = ecPfx('tls-ec256', 'P-256')
      await chmod(out, 0o600)
      const r = await run(tp(out, {caFile: crt}), tlsCert)
      assert.equal(r.status, 'pass', r.message)
      assert.match(r.message, /^EC 256, ecdsa-with-SHA256/)
    })
    test("an EC key below 256 bits fails by this tool's baseline, as tls.endpoint's", async () => {
      const {out, crt} = ecPfx('tls-ec224', 'secp224r1')
      await chmod(out, 0o600)
      const r = await run(tp(out, {caFile: crt}), tlsCert)
      assert.equal(r.status, 'fail', r.message)
      assert.match(
        r.message,
        /has an EC 224-bit key, below this tool's security baseline for TLS certificates \(RSA 2048, EC 256; the product docs set none\)/,
      )
    })
    test('an RSA 1024 TLS certificate fails by the same baseline', async () => {
      const c = issue({
        commonName: 'idm-agent.contoso.com',
        altNames: ['idm-agent.contoso.com'],
        issuer: ca,
        keyBits: 1024,
      })
      const r = await run(tp(await pfx('tls-rsa1024.pfx', c)), tlsCert)
      assert.equal(r.status, 'fail')
      assert.match(r.message, /the TLS certificate has an RSA 1024-bit key, below this tool's security baseline/)
    })
    test('a client-authentication-only certificate fails', async () => {
      const c = issue({
        commonName: 'idm-agent.contoso.com',
        altNames: ['idm-agent.contoso.com'],
        issuer: ca,
        eku: 'clientAuth',
      })
      const r = await run(tp(await pfx('tls-client.pfx', c)), tlsCert)
      assert.equal(r.status, 'fail')
      assert.match(r.message, /does not allow server authentication/)
    })
  })

  test('a certificate-store reference is skipped off Windows, with the reason', async () => {
    const r = await run({
      owner: 'server',
      kind: 'encryption',
      field: 'server.encryptionCertificate',
      requirePrivateKey: true,
      store: {thumbprint: 'A'.repeat(40), storeLocation: 'LocalMachine', storeName: 'My'},
    })
    if (process.platform === 'win32') return
    assert.equal(r.status, 'skip')
    assert.match(r.message, /LocalMachine\\My is a Windows certificate store: run idm-preflight on the Windows host/)
  })

  test('the store script answer is parsed into a certificate', () => {
    const q = {thumbprint: 'ab'.repeat(20), storeLocation: 'LocalMachine', storeName: 'My'}
    const found = parseStoreEntry({found: true, count: 1, hasPrivateKey: true, raw: good.der.toString('base64')}, q)
    assert.equal(found.loaded?.leaf?.subject, 'CN=ContosoAgent-Files, O=idm-preflight sandbox')
    assert.equal(found.loaded?.hasPrivateKey, true)
    assert.match(parseStoreEntry({found: false}, q).error!, /no certificate with thumbprint abab.* in LocalMachine\\My/)
  })

  test('password helpers: real passwords in, escaped passwords out', () => {
    assert.deepEqual(effectivePassword('@p@ss'), {password: '@p@ss', protectedFormat: false})
    assert.deepEqual(effectivePassword('p@ss'), {password: 'p@ss', protectedFormat: false})
    // Settings: one more "@" whenever a plain password holds one, even at its start (DOMAIN.md §3.5).
    assert.equal(escapeSettingsPassword('p@ss'), '@p@ss')
    assert.equal(escapeSettingsPassword('@p@ss'), '@@p@ss')
    assert.equal(escapeSettingsPassword('@leading'), '@@leading')
    assert.equal(escapeSettingsPassword('plain'), 'plain')
    const protectedPw = 'QUJDREVGR0hJSktMTU5PUA==@UVJTVFVWV1hZWg==@YWJjZGVmZ2hpams='
    assert.equal(escapeSettingsPassword(protectedPw), protectedPw)
  })
})
