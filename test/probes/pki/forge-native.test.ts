import assert from 'node:assert/strict'
import {execFileSync, spawnSync} from 'node:child_process'
import {hash, randomBytes} from 'node:crypto'
import {readFile, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'
import {createCertificate} from '../../../src/probes/pki/cert-create.js'
import {loadCertificateFile} from '../../../src/probes/pki/certificates.js'
import {javascriptKdfs, loadForge, MAX_KDF_ITERATIONS, pkcs12Kdf, rehash} from '../../../src/probes/pki/forge-native.js'
import {tempDir} from '../../helpers/cli.js'

const forge = await loadForge()
// forge's own JavaScript derivation, kept when it was replaced: the reference, byte for byte.
const reference = javascriptKdfs.get(forge)!.pkcs12 as unknown as (
  pw: string | null,
  salt: unknown,
  id: number,
  iter: number,
  n: number,
  md?: unknown,
) => {toHex(): string}

describe('native key derivation for node-forge', () => {
  test('forge derives natively now, and its JavaScript is kept to compare with', () => {
    assert.notEqual(forge.pkcs12.generateKey, reference)
    assert.equal(typeof reference, 'function')
  })

  test('PKCS#12 key derivation: the same bytes as forge on 120 random inputs', () => {
    const passwords = [null, '', 'a', 'Pfx-Test-Pa55', 'héllo@€', '𝄞 clef', "o'brien;x"]
    const digests = [
      ['sha1', () => forge.md.sha1.create()],
      ['sha256', () => forge.md.sha256.create()],
      ['sha512', () => forge.md.sha512.create()],
    ] as const
    let compared = 0
    for (let k = 0; k < 120; k++) {
      const pw = passwords[k % passwords.length]!
      const [alg, md] = digests[k % digests.length]!
      const salt = randomBytes(k % 70)
      const id = 1 + (k % 3)
      const iter = 1 + (k % 9) * 37
      const n = 1 + ((k * 7) % 90)
      const m = md()
      const want = reference(pw, forge.util.createBuffer(salt.toString('binary')), id, iter, n, m).toHex()
      const got = pkcs12Kdf(pw, salt, id, iter, n, alg, m.digestLength, m.blockLength).toString('hex')
      assert.equal(
        got,
        want,
        `password ${JSON.stringify(pw)}, ${alg}, salt ${salt.length} bytes, id ${id}, ${iter} rounds`,
      )
      compared++
    }
    assert.equal(compared, 120)
  })

  test('SHA-1 and SHA-256 rounds in JavaScript equal Node’s, for 0 to 40 rounds of random digests', () => {
    for (const alg of ['sha1', 'sha256']) {
      for (let times = 0; times <= 40; times++) {
        const first = hash(alg, randomBytes(times), 'buffer')
        let want = first
        for (let i = 0; i < times; i++) want = hash(alg, want, 'buffer')
        assert.deepEqual(rehash(alg, first, times), want, `${alg}, ${times} rounds`)
      }
    }
  })

  test('an iteration count past the limit is refused before any work', () => {
    const t0 = performance.now()
    assert.throws(
      () => pkcs12Kdf('pw', Buffer.alloc(8), 3, 2 ** 31 - 1, 20, 'sha1', 20, 64),
      new RegExp(`2147483647 key-derivation iterations \\(more than ${MAX_KDF_ITERATIONS}\\)`),
    )
    assert.ok(performance.now() - t0 < 1000)
  })
})

describe('PFX files with the native derivations', () => {
  let dir: string
  let cleanup: () => Promise<void>
  const openssl = spawnSync('openssl', ['version']).status === 0
  before(async () => ({dir, cleanup} = await tempDir()))
  after(() => cleanup())

  test(
    'an AES PFX made by OpenSSL with a password outside ASCII opens (PBES2 takes UTF-8, as OpenSSL and .NET do)',
    {skip: !openssl && 'needs openssl'},
    async () => {
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'rsa:2048',
          '-nodes',
          '-keyout',
          join(dir, 'k.pem'),
          '-out',
          join(dir, 'c.pem'),
          '-subj',
          '/CN=Contoso Files',
          '-days',
          '2',
        ],
        {stdio: 'ignore'},
      )
      for (const [name, extra] of [
        ['aes.pfx', []],
        ['3des.pfx', ['-keypbe', 'PBE-SHA1-3DES', '-certpbe', 'PBE-SHA1-3DES', '-macalg', 'sha1']],
      ] as const) {
        execFileSync(
          'openssl',
          [
            'pkcs12',
            '-export',
            '-in',
            join(dir, 'c.pem'),
            '-inkey',
            join(dir, 'k.pem'),
            '-out',
            join(dir, name),
            '-passout',
            'pass:héllo€',
            ...extra,
          ],
          {stdio: 'ignore'},
        )
        const r = await loadCertificateFile(join(dir, name), 'héllo€')
        assert.equal(r.ok, true, `${name}: ${r.ok ? '' : r.detail}`)
        const wrong = await loadCertificateFile(join(dir, name), 'hello€')
        assert.equal(wrong.ok ? 'ok' : wrong.failure, 'wrong-password', name)
      }
    },
  )

  test(
    '`cert create` with a password outside ASCII writes an AES PFX that OpenSSL opens',
    {skip: !openssl && 'needs openssl'},
    async () => {
      const made = await createCertificate({
        subject: 'CN=Contoso Files',
        days: 30,
        keySize: 2048,
        password: 'Mot-de-passe-é€',
        encryption: 'aes256',
      })
      const file = join(dir, 'made.pfx')
      await writeFile(file, made.pfx)
      const r = spawnSync('openssl', ['pkcs12', '-in', file, '-nokeys', '-passin', 'pass:Mot-de-passe-é€'])
      assert.equal(r.status, 0, String(r.stderr))
      assert.match(String(r.stdout), /BEGIN CERTIFICATE/)
    },
  )

  test('a PFX asking for two billion MAC iterations is corrupt at once, not a hung run', async () => {
    const made = await createCertificate({
      subject: 'CN=Contoso Files',
      days: 30,
      keySize: 2048,
      password: 'pw',
      encryption: '3des',
    })
    // PFX ::= SEQUENCE {version, authSafe, macData SEQUENCE {mac, macSalt, iterations}}
    const asn1 = forge.asn1.fromDer(made.pfx.toString('binary'))
    const macData = (asn1.value as (typeof asn1)[])[2]!
    const iterations = (macData.value as (typeof asn1)[])[2]!
    assert.equal(forge.asn1.derToInteger(iterations.value as string), 2048)
    iterations.value = forge.asn1.integerToDer(2 ** 31 - 1).getBytes()
    const file = join(dir, 'iterations.pfx')
    await writeFile(file, Buffer.from(forge.asn1.toDer(asn1).getBytes(), 'binary'))
    const t0 = performance.now()
    const r = await loadCertificateFile(file, 'pw')
    assert.equal(r.ok ? 'ok' : r.failure, 'corrupt')
    assert.match(r.ok ? '' : r.detail, /2147483647 key-derivation iterations/)
    assert.ok(performance.now() - t0 < 5000, 'refused without deriving')
    assert.equal((await readFile(file)).length > 0, true)
  })

  test('a file opened twice is opened once; rewritten, it is read again', async () => {
    const a = await createCertificate({subject: 'CN=A', days: 30, keySize: 2048, password: 'pw', encryption: '3des'})
    const b = await createCertificate({subject: 'CN=B', days: 30, keySize: 2048, password: 'pw', encryption: '3des'})
    const file = join(dir, 'memo.pfx')
    await writeFile(file, a.pfx)
    const first = await loadCertificateFile(file, 'pw')
    const again = await loadCertificateFile(file, 'pw')
    assert.ok(first.ok && again.ok)
    assert.equal(again.file.leaf?.subject, 'CN=A')
    assert.notEqual(first.file, again.file, 'each caller has its own copy')
    const wrong = await loadCertificateFile(file, 'other')
    assert.equal(wrong.ok ? 'ok' : wrong.failure, 'wrong-password', 'the password is part of the key')
    await writeFile(file, b.pfx)
    const rewritten = await loadCertificateFile(file, 'pw')
    assert.equal(rewritten.ok && rewritten.file.leaf?.subject, 'CN=B')
  })
})
