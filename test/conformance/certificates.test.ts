import assert from 'node:assert/strict'
import {spawn, spawnSync, type ChildProcess} from 'node:child_process'
import {writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'
import tls from 'node:tls'
import forge from 'node-forge'
import reachability from '../../checks/server-reachability.js'
import tlsEndpoint from '../../checks/tls-endpoint.js'
import {createCertificate} from '../../src/probes/pki/cert-create.js'
import {loadCertificateFile} from '../../src/probes/pki/certificates.js'
import {issue, makeCA, rsaKey, serverCert, toPfx} from '../../src/sandbox/pki.js'
import {tempDir} from '../helpers/cli.js'
import {conformanceTool, dotnet, judge, NO_DOTNET} from '../helpers/dotnet.js'
import {loopbackNetwork, type LoopbackNetwork} from '../helpers/loopback.js'
import {runCheck} from '../helpers/run-check.js'

/**
 * Certificate files as the product opens them (X509CertificateLoader.LoadPkcs12FromFile and the
 * X509Certificate2 constructor, with the password) against loadCertificateFile, which every
 * cert.* check uses: a file is usable as an EncryptionCertificate (opens, has a private key that
 * decrypts what its public key encrypted) for .NET exactly when it is for us.
 */

interface Opened {
  ok: boolean
  error?: string
  thumbprint?: string
  hasPrivateKey?: boolean
  rsaBits?: number
  privateKeyUsable?: boolean | null
}

const PW = 'Pfx-Conformance-Pa55'
const openssl = spawnSync('openssl', ['version']).status === 0

describe('certificate files as .NET opens them', {skip: NO_DOTNET}, () => {
  let dir: string
  let cleanup: () => Promise<void>
  const corpus: {name: string; path: string; password: string}[] = []
  before(async () => {
    ;({dir, cleanup} = await tempDir())
    const ca = makeCA('Conformance Root')
    const leaf = issue({commonName: 'Contoso Files', issuer: ca, eku: 'none'})
    const add = async (name: string, bytes: Buffer | string, password = PW) => {
      const path = join(dir, `${corpus.length}.pfx`)
      await writeFile(path, bytes)
      corpus.push({name, path, password})
    }
    await add('3DES', toPfx(leaf, PW))
    await add('AES-256', toPfx(leaf, PW, {algorithm: 'aes256'}))
    await add('with its chain', toPfx(leaf, PW, {chain: [ca]}))
    await add('no private key', toPfx(leaf, PW, {withKey: false}))
    await add('RSA 1024', toPfx(issue({commonName: 'Weak', issuer: ca, keyBits: 1024}), PW))
    await add('RSA 4096', toPfx(issue({commonName: 'Strong', issuer: ca, keyBits: 4096}), PW))
    await add('wrong password', toPfx(leaf, PW), 'not-the-password')
    await add('empty password', toPfx(leaf, ''), '')
    await add('password with @', toPfx(leaf, '@Pa55@word'), '@Pa55@word')
    await add('password outside ASCII, 3DES', toPfx(leaf, 'Mot-de-passé€'), 'Mot-de-passé€')
    // Another size is another key (the sandbox keeps one key per size).
    const other = rsaKey(3072)
    const mismatched = forge.pkcs12.toPkcs12Asn1(other.priv, [leaf.cert], PW, {algorithm: '3des'})
    await add('a key that is not the certificate’s', Buffer.from(forge.asn1.toDer(mismatched).getBytes(), 'binary'))
    for (const encryption of ['3des', 'aes256'] as const)
      for (const password of [PW, 'Mot-de-passé€'])
        await add(
          `cert create, ${encryption}, ${password === PW ? 'ASCII' : 'non-ASCII'} password`,
          (await createCertificate({subject: 'CN=Contoso Files', days: 365, keySize: 2048, password, encryption})).pfx,
          password,
        )
    await add('PEM text', `${leaf.certPem}${leaf.keyPem}`)
    await add('a DER certificate', leaf.der)
    await add('empty', Buffer.alloc(0))
    await add('random bytes', Buffer.from(Array.from({length: 2000}, (_, i) => (i * 37 + 11) % 256)))
    const good = toPfx(leaf, PW)
    await add('truncated', good.subarray(0, Math.floor(good.length / 2)))
    const flipped = Buffer.from(good)
    flipped[Math.floor(flipped.length * 0.6)]! ^= 0xff
    await add('one byte changed', flipped)
    // Not here: a PFX asking for two billion MAC iterations. X509CertificateLoader refuses more than
    // 300,000 (MacIterationLimit), the X509Certificate2 constructor computes them (2,000,000 took
    // 1 s, so this one would take half an hour); we refuse more than 10,000,000 at once
    // (test/probes/pki/forge-native.test.ts).
    if (openssl) {
      const key = join(dir, 'k.pem')
      const cert = join(dir, 'c.pem')
      await writeFile(key, leaf.keyPem)
      await writeFile(cert, leaf.certPem)
      for (const [name, extra] of [
        ['OpenSSL default (AES-256, PBKDF2, SHA-256 MAC)', []],
        ['OpenSSL 3DES with SHA-1 MAC', ['-keypbe', 'PBE-SHA1-3DES', '-certpbe', 'PBE-SHA1-3DES', '-macalg', 'sha1']],
        ['OpenSSL without encryption of the certificates', ['-certpbe', 'NONE']],
      ] as const) {
        const out = join(dir, `${corpus.length}.pfx`)
        const r = spawnSync('openssl', [
          'pkcs12',
          '-export',
          '-in',
          cert,
          '-inkey',
          key,
          '-out',
          out,
          '-passout',
          `pass:${PW}`,
          ...extra,
        ])
        assert.equal(r.status, 0, String(r.stderr))
        corpus.push({name, path: out, password: PW})
      }
    }
  })
  after(() => cleanup())

  test('usable (opens with a key that decrypts) for .NET exactly when usable for us; the same thumbprint', async () => {
    const theirs = await judge<{loader: Opened; constructor: Opened}[]>(
      'cert',
      corpus.map((c) => ({path: c.path, password: c.password})),
    )
    const disagree: string[] = []
    let both = 0
    for (const [i, c] of corpus.entries()) {
      const net = theirs[i]!
      const r = await loadCertificateFile(c.path, c.password)
      const oursUsable = r.ok && r.file.hasPrivateKey && r.file.keyMatches === true
      const netUsable = net.loader.ok && net.loader.privateKeyUsable === true
      if (oursUsable !== netUsable)
        disagree.push(
          `${c.name}: .NET ${netUsable ? 'uses it' : `cannot (${net.loader.error ?? 'no usable private key'})`}, we ${oursUsable ? 'pass it' : `do not (${r.ok ? 'key' : r.failure})`}`,
        )
      // The two .NET ways of opening agree with each other on PKCS#12 files.
      if (net.loader.ok)
        assert.equal(net.constructor.ok, true, `${c.name}: the constructor refuses what the loader opens`)
      if (r.ok && net.loader.ok) {
        assert.equal(r.file.leaf?.thumbprint, net.loader.thumbprint, `${c.name}: thumbprint`)
        assert.equal(r.file.hasPrivateKey, net.loader.hasPrivateKey, `${c.name}: private key`)
        assert.equal(r.file.leaf?.keyBits, net.loader.rsaBits, `${c.name}: key size`)
        both++
      }
      // A wrong password is a wrong password for both.
      if (!r.ok && r.failure === 'wrong-password') assert.match(net.loader.error!, /password may be incorrect/, c.name)
    }
    assert.deepEqual(disagree, [])
    assert.ok(both >= 12, `${both} files opened by both`)
  })
})

describe('a real ASP.NET Core endpoint: Kestrel serving /hc over HTTPS', {skip: NO_DOTNET}, () => {
  const host = 'idm.contoso.test'
  let net: LoopbackNetwork
  let dir: string
  let cleanup: () => Promise<void>
  before(async () => {
    net = await loopbackNetwork(host, 'Kestrel Test Root')
    ;({dir, cleanup} = await tempDir())
  })
  after(async () => {
    await net.close()
    await cleanup()
  })

  async function serve(pfx: Buffer, password: string): Promise<{port: number; stop: () => void}> {
    const dll = await conformanceTool()
    const file = join(dir, `kestrel-${Date.now()}.pfx`)
    await writeFile(file, pfx)
    const child: ChildProcess = spawn(dotnet!, [dll, 'serve', '--pfx', file, '--port', '0'], {
      env: {...process.env, IDM_CONFORMANCE_PFX_PASSWORD: password, DOTNET_NOLOGO: '1'},
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const port = await new Promise<number>((resolve, reject) => {
      let out = ''
      let err = ''
      const timer = setTimeout(() => reject(new Error(`Kestrel did not start: ${out} ${err}`)), 30_000)
      child.stderr!.on('data', (d) => (err += d))
      child.stdout!.on('data', (d) => {
        out += d
        const m = /listening https:\/\/[^:]+:(\d+)/.exec(out)
        if (m) {
          clearTimeout(timer)
          resolve(Number(m[1]))
        }
      })
      child.on('exit', (code) => reject(new Error(`Kestrel exited (${code}): ${out} ${err}`)))
    })
    return {port, stop: () => child.kill()}
  }

  test('tls.endpoint and server.reachability pass against it, with its certificate', {timeout: 90_000}, async () => {
    const cert = serverCert(net.ca, [host])
    const k = await serve(toPfx(cert, PW), PW)
    try {
      const t = await runCheck(tlsEndpoint, {
        url: `https://${host}:${k.port}`,
        host,
        port: k.port,
        role: 'server',
        dnsServers: net.dnsServers,
        caFile: net.caFile,
      })
      assert.equal(t.status, 'pass', t.message)
      assert.match(t.message, /^TLSv1\.[23], trusted \(issuer CN=Kestrel Test Root/)
      const r = await runCheck(reachability, {
        url: `https://${host}:${k.port}`,
        health: true,
        dnsServers: net.dnsServers,
        caFile: net.caFile,
      })
      assert.equal(r.status, 'pass', r.message)
      assert.equal(r.message, `https://${host}:${k.port} answered HTTP 200 directly; /hc answers Healthy`)
    } finally {
      k.stop()
    }
  })

  test(
    'a PFX from `cert create` loads in .NET and serves HTTPS with that very certificate',
    {timeout: 90_000},
    async () => {
      const made = await createCertificate({
        subject: 'CN=Contoso Files',
        days: 365,
        keySize: 2048,
        password: 'Créé-Pa55',
        encryption: 'aes256',
      })
      const k = await serve(made.pfx, 'Créé-Pa55')
      try {
        const presented = await new Promise<tls.PeerCertificate>((resolve, reject) => {
          const s = tls.connect({host: '127.0.0.1', port: k.port, rejectUnauthorized: false}, () => {
            resolve(s.getPeerCertificate())
            s.destroy()
          })
          s.on('error', reject)
        })
        assert.equal(presented.fingerprint.replace(/:/g, ''), made.info.thumbprint)
        // And a wrong password is refused at start-up.
        await assert.rejects(serve(made.pfx, 'wrong'), /Kestrel exited/)
      } finally {
        k.stop()
      }
    },
  )
})
