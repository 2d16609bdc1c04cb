import assert from 'node:assert/strict'
import {writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'
import {certificateWorkers, loadCertificateFile, openOnThisThread} from '../../../src/probes/pki/certificates.js'
import {issue, toPfx} from '../../../src/sandbox/pki.js'
import {tempDir} from '../../helpers/cli.js'

/**
 * PFX files are opened in a worker thread (issue 15: the PKCS#12 work overlaps the network). The
 * worker must answer exactly what the main thread would, for good files and for every failure.
 */
describe('certificate files opened in a worker thread', () => {
  let t: Awaited<ReturnType<typeof tempDir>>
  const files: Record<string, string> = {}
  before(async () => {
    t = await tempDir()
    const good = issue({commonName: 'Worker test', eku: 'none'})
    const write = async (name: string, data: Buffer | string) => {
      files[name] = join(t.dir, name)
      await writeFile(files[name]!, data)
    }
    await write('good.pfx', toPfx(good, 'Pfx-Worker-1'))
    await write('public.pfx', toPfx(good, 'Pfx-Worker-1', {withKey: false}))
    await write('corrupt.pfx', Buffer.concat([toPfx(good, 'Pfx-Worker-1').subarray(0, 300), Buffer.alloc(50, 7)]))
    await write('cert.pem', good.certPem)
    await write('empty.pfx', '')
    await write('text.pfx', 'not a certificate at all')
  })
  after(() => t?.cleanup())

  test('a worker runs here (a module file, not the single executable)', async () => {
    await loadCertificateFile(files['good.pfx']!, 'Pfx-Worker-1')
    assert.ok(certificateWorkers() >= 1, 'no certificate worker started')
  })

  for (const [name, password] of [
    ['good.pfx', 'Pfx-Worker-1'],
    ['good.pfx', 'wrong-password'],
    ['public.pfx', 'Pfx-Worker-1'],
    ['corrupt.pfx', 'Pfx-Worker-1'],
    ['cert.pem', ''],
    ['empty.pfx', ''],
    ['text.pfx', ''],
    ['missing.pfx', ''],
  ] as const)
    test(`${name} with ${password ? `password ${password}` : 'no password'}: the worker's answer is the main thread's`, async () => {
      const path = files[name] ?? join(t.dir, name)
      const [viaWorker, here] = await Promise.all([
        loadCertificateFile(path, password),
        openOnThisThread(path, password),
      ])
      assert.deepEqual(viaWorker, here)
      // Only the two PFX files with the right password open (public.pfx holds no key: still a PFX).
      const opens = (name === 'good.pfx' || name === 'public.pfx') && password === 'Pfx-Worker-1'
      assert.equal(here.ok, opens)
      if (here.ok && name === 'public.pfx') assert.equal(here.file.hasPrivateKey, false)
    })
})
