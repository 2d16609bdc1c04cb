import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {
  chmod,
  chown,
  copyFile,
  cp,
  lstat,
  mkdir,
  readdir,
  readFile,
  rm,
  stat,
  symlink,
  utimes,
  writeFile,
} from 'node:fs/promises'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'
import {ROOT, tempDir} from '../helpers/cli.js'

/**
 * bin/run.js compiles the bundle with a V8 code cache made at the end of an earlier run of the same
 * command, kept in the user's own cache folder. A code cache is code: these tests plant what an
 * attacker or an accident would (a folder or file others can write, another user's file, a link,
 * garbage, a cache of another build) and assert each is never read, the run is unchanged, and the
 * cache is made again whole.
 */
describe('the code cache bin/run.js keeps', () => {
  let t: Awaited<ReturnType<typeof tempDir>>
  let env: string
  before(async () => {
    t = await tempDir()
    env = join(t.dir, 'idm-preflight.yaml')
    await writeFile(
      env,
      `version: 1
name: cache
product: saas
topology: saas
organization: Cache
server: {url: https://cache.usercube.com}
agents:
  - {identifier: A, url: https://agent.cache.test, workingDirectory: ${t.dir}, serviceAccount: svc}
`,
    )
  })
  after(() => t?.cleanup())

  /** One run of the CLI (`bin`: another copy's bin/run.js) with its caches in `cacheDir`. */
  const cli = (
    cacheDir: string,
    args = ['check', '--plan', '-c', env],
    extra: Record<string, string> = {},
    bin = join(ROOT, 'bin', 'run.js'),
  ) =>
    spawnSync(process.execPath, [bin, ...args], {
      encoding: 'utf8',
      cwd: t.dir,
      timeout: 60_000,
      env: {...process.env, IDM_PREFLIGHT_CACHE_DIR: cacheDir, IDM_PREFLIGHT_NO_CODE_CACHE: '', ...extra},
    })
  /** A run that must succeed and say nothing on stderr: its output. */
  const run = (cacheDir: string, args?: string[], extra: Record<string, string> = {}) => {
    const r = cli(cacheDir, args, extra)
    assert.equal(r.status, 0, `${args?.join(' ') ?? 'check --plan'}: exit ${r.status}\n${r.stdout}${r.stderr}`)
    assert.equal(r.stderr, '')
    return r.stdout
  }
  /** A run with DEBUG=idm-preflight:code-cache: what bin/run.js says became of the cache. */
  const says = (cacheDir: string, args?: string[], extra: Record<string, string> = {}) => {
    const r = cli(cacheDir, args, {DEBUG: 'idm-preflight:code-cache', ...extra})
    assert.equal(r.status, 0, `${args?.join(' ') ?? 'check --plan'}: exit ${r.status}\n${r.stdout}${r.stderr}`)
    if (!args || args[0] === 'check') assert.equal(r.stdout, plain)
    return r.stderr
  }
  const caches = async (cacheDir: string) =>
    (await readdir(join(cacheDir, 'code')).catch(() => [] as string[])).filter((f) => f.endsWith('.v8')).sort()
  let plain: string
  before(() => {
    plain = run(join(t.dir, 'unused'), undefined, {IDM_PREFLIGHT_NO_CODE_CACHE: '1'})
  })

  test('the first run of a command writes its cache (0600 in a 0700 folder); the next one reads it and says the same', async () => {
    const dir = join(t.dir, 'fresh')
    assert.equal(run(dir), plain)
    const [file, ...more] = await caches(dir)
    assert.deepEqual(more, [])
    assert.match(file!, /^check\.[0-9a-f]{32}\.\d+\.\d+\.v\d+\.\d+\.\d+\.[a-z0-9]+(\.o[0-9a-f]+)?\.v8$/)
    const first = await stat(join(dir, 'code', file!))
    assert.equal(first.mode & 0o777, 0o600)
    assert.equal((await stat(join(dir, 'code'))).mode & 0o777, 0o700)
    assert.ok(first.size > 100_000, `a cache of ${first.size} bytes holds no compiled functions`)
    assert.match(says(dir), /: taken\n$/)
    // Accepted, so not written again: the same file.
    const second = await stat(join(dir, 'code', file!))
    assert.equal(second.ino, first.ino)
    assert.equal(second.mtimeMs, first.mtimeMs)
    // Another command has a cache of its own; help another again.
    run(dir, ['validate', env])
    run(dir, ['check', '--help'])
    assert.deepEqual((await caches(dir)).map((f) => f.split('.')[0]).sort(), ['check', 'check-help', 'validate'])
  })

  test('runs with other Node.js options (NODE_OPTIONS, V8 flags) keep a cache of their own, each taken in turn', async () => {
    const dir = join(t.dir, 'options')
    const flags = {NODE_OPTIONS: '--max-semi-space-size=4'}
    assert.equal(run(dir), plain)
    assert.equal(run(dir, undefined, flags), plain)
    const both = await caches(dir)
    assert.equal(both.length, 2, both.join('\n'))
    const before = await Promise.all(both.map((f) => stat(join(dir, 'code', f))))
    // In turn again: each finds its own and takes it (V8 refuses one made under other flags, and a
    // refused cache would be written again).
    assert.match(says(dir), /: taken\n$/)
    assert.match(says(dir, undefined, flags), /: taken\n$/)
    assert.deepEqual(await caches(dir), both)
    const after = await Promise.all(both.map((f) => stat(join(dir, 'code', f))))
    assert.deepEqual(
      after.map((s) => s.ino),
      before.map((s) => s.ino),
    )
  })

  test('IDM_PREFLIGHT_NO_CODE_CACHE=1: nothing is written', async () => {
    const dir = join(t.dir, 'off')
    assert.equal(run(dir, undefined, {IDM_PREFLIGHT_NO_CODE_CACHE: '1'}), plain)
    await assert.rejects(stat(dir))
  })

  /** A good cache (made by a run), copied to `dir`, and the name it has there. */
  async function planted(dir: string): Promise<string> {
    const source = join(t.dir, 'source')
    run(source)
    const [name] = await caches(source)
    await mkdir(join(dir, 'code'), {recursive: true, mode: 0o700})
    await chmod(dir, 0o700)
    await copyFile(join(source, 'code', name!), join(dir, 'code', name!))
    await chmod(join(dir, 'code', name!), 0o600)
    return name!
  }

  test('a good cache that others can write is not read: it is made again, 0600', async () => {
    const dir = join(t.dir, 'writable-file')
    const name = await planted(dir)
    const file = join(dir, 'code', name)
    await chmod(file, 0o666)
    const before = await stat(file)
    assert.match(says(dir), /not read: not this user's, or others can write it\n/)
    const now = await stat(file)
    // Had it been read, V8 would have taken it and nothing would have been written.
    assert.notEqual(now.ino, before.ino)
    assert.equal(now.mode & 0o777, 0o600)
  })

  test('a code folder others can write is not used at all (no cache read or written)', async () => {
    const dir = join(t.dir, 'writable-dir')
    const name = await planted(dir)
    // Garbage in the cache's place: a run that used the folder would find it bad and write a good
    // one; untouched, it says the folder was left alone.
    const file = join(dir, 'code', name)
    const garbage = Buffer.alloc(1000, 0x41)
    await writeFile(file, garbage, {mode: 0o600})
    await chmod(join(dir, 'code'), 0o777)
    assert.equal(
      says(dir),
      "idm-preflight:code-cache none: no folder of this user's own (or IDM_PREFLIGHT_NO_CODE_CACHE)\n",
    )
    assert.ok((await readFile(file)).equals(garbage), 'the garbage was replaced: the folder was used')
    assert.deepEqual(await caches(dir), [name])
    // Closed again: the folder is used (and the garbage replaced), so the run above did not use it.
    await chmod(join(dir, 'code'), 0o700)
    assert.equal(run(dir), plain)
    assert.ok(!(await readFile(file)).equals(garbage))
  })

  test("a cache folder its group can write (umask 002): the code cache is kept in its own 0700 folder, Node.js's compile cache is not put there", async () => {
    const dir = join(t.dir, 'group-writable')
    await mkdir(dir, {mode: 0o775})
    await chmod(dir, 0o775)
    assert.equal(run(dir), plain)
    assert.equal((await caches(dir)).length, 1)
    assert.equal((await stat(join(dir, 'code'))).mode & 0o777, 0o700)
    await assert.rejects(stat(join(dir, 'node')), 'Node.js kept its compile cache in a folder others can write')
    // Closed: Node.js keeps its compile cache there too.
    const closed = join(t.dir, 'closed')
    assert.equal(run(closed), plain)
    assert.ok((await stat(join(closed, 'node'))).isDirectory())
  })

  test('a code folder that is a link is not used; a cache folder that is one is followed (the code folder inside is checked)', async () => {
    const real = join(t.dir, 'link-target')
    await mkdir(real, {mode: 0o700})
    const dir = join(t.dir, 'link-code')
    await mkdir(dir, {mode: 0o700})
    await symlink(real, join(dir, 'code'))
    assert.match(says(dir), /^idm-preflight:code-cache none: no folder of this user's own/)
    assert.deepEqual(await readdir(real), [])
    const linked = join(t.dir, 'link-dir')
    await symlink(real, linked)
    assert.equal(run(linked), plain)
    assert.equal((await caches(real)).length, 1)
  })

  test('a cache file that is a link is not followed: the link is replaced, what it points to is untouched', async () => {
    const dir = join(t.dir, 'link-file')
    const name = await planted(dir)
    const elsewhere = join(t.dir, 'elsewhere.v8')
    await copyFile(join(dir, 'code', name), elsewhere)
    await chmod(elsewhere, 0o600)
    const target = await readFile(elsewhere)
    await rm(join(dir, 'code', name))
    await symlink(elsewhere, join(dir, 'code', name))
    assert.match(says(dir), /not read: ELOOP\n/)
    assert.ok((await lstat(join(dir, 'code', name))).isFile())
    assert.ok((await readFile(elsewhere)).equals(target), 'the file the link points to changed')
  })

  test('a cache damaged by one bit is not handed to V8 (which would crash on it): the run says the same, and the cache is made again', async () => {
    const dir = join(t.dir, 'bit-flip')
    const name = await planted(dir)
    const file = join(dir, 'code', name)
    const bytes = await readFile(file)
    bytes[bytes.length >> 1]! ^= 1
    await writeFile(file, bytes)
    assert.match(says(dir), /not read: damaged \(length or CRC-32\)\n/)
    assert.ok(!(await readFile(file)).equals(bytes), 'the damaged cache is still there')
  })

  test("another command's good cache under this command's name is not taken", async () => {
    const dir = join(t.dir, 'renamed')
    const name = await planted(dir)
    const validate = join(t.dir, 'renamed-source')
    run(validate, ['validate', env])
    const [other] = await caches(validate)
    const file = join(dir, 'code', name)
    const foreign = await readFile(join(validate, 'code', other!))
    await writeFile(file, foreign)
    assert.match(says(dir), /not read: not a cache of this name\n/)
    assert.ok(!(await readFile(file)).equals(foreign), "validate's cache was taken for check's")
  })

  test('a run that stops early (a usage error, exit 2) writes no cache: the next good run makes it', async () => {
    const dir = join(t.dir, 'early')
    const r = cli(dir, ['check', '--plan', '-c', join(t.dir, 'nope.yaml')])
    assert.equal(r.status, 2, r.stderr)
    assert.deepEqual(await caches(dir), [])
    assert.equal(run(dir), plain)
    assert.equal((await caches(dir)).length, 1)
  })

  test('a FIFO in place of the cache file is not waited on: the run ends, and a cache file takes its place', async () => {
    const dir = join(t.dir, 'fifo')
    const name = await planted(dir)
    const file = join(dir, 'code', name)
    await rm(file)
    const made = spawnSync('mkfifo', ['-m', '600', file])
    assert.equal(made.status, 0, String(made.stderr))
    assert.ok((await lstat(file)).isFIFO())
    const r = cli(dir)
    assert.equal(r.signal, null, 'the run hung on the FIFO')
    assert.equal(r.status, 0, r.stderr)
    assert.equal(r.stdout, plain)
    assert.ok((await lstat(file)).isFile())
  })

  test(
    'a user with no HOME and no account entry (a container run as --user 4242): the commands run, with no code cache',
    {skip: process.getuid?.() !== 0 ? 'running as another user id needs root' : false},
    async () => {
      // The Node.js binary may sit where that user cannot read (under /root): a copy it can.
      const node = join(t.dir, 'node')
      await copyFile(process.execPath, node)
      await chmod(node, 0o755)
      for (const d of [t.dir, env]) await chmod(d, 0o755)
      await chmod(env, 0o644)
      for (const args of [['validate', env], ['check', '--plan', '-c', env], ['--help']]) {
        const r = spawnSync(
          'setpriv',
          ['--reuid=4242', '--regid=4242', '--clear-groups', 'env', '-i', node, join(ROOT, 'bin', 'run.js'), ...args],
          {encoding: 'utf8', cwd: '/'},
        )
        assert.equal(r.status, 0, `${args.join(' ')}: exit ${r.status}\n${r.stdout}${r.stderr}`)
        assert.doesNotMatch(r.stderr, /\bat |Error/)
      }
    },
  )

  test(
    "another user's cache file is not read",
    {skip: process.getuid?.() !== 0 ? 'making a file of another user needs root' : false},
    async () => {
      const dir = join(t.dir, 'other-user')
      const name = await planted(dir)
      const file = join(dir, 'code', name)
      await chown(file, 65534, 65534)
      const before = await stat(file)
      assert.match(says(dir), /not read: not this user's, or others can write it\n/)
      const now = await stat(file)
      assert.notEqual(now.ino, before.ino)
      assert.equal(now.uid, process.getuid!())
    },
  )

  for (const [what, bytes] of [
    ['garbage', Buffer.alloc(300_000, 0x5a)],
    ['an empty file', Buffer.alloc(0)],
    ['a cache cut short', null],
  ] as const)
    test(`${what} in place of the cache: the run says the same, and the cache is made again`, async () => {
      const dir = join(t.dir, `bad-${what.replace(/\W+/g, '-')}`)
      const name = await planted(dir)
      const file = join(dir, 'code', name)
      const good = await readFile(file)
      const bad = bytes ?? good.subarray(0, good.length >> 1)
      await writeFile(file, bad, {mode: 0o600})
      assert.equal(run(dir), plain)
      const now = await readFile(file)
      assert.ok(!now.equals(bad), 'the bad cache is still there')
      assert.ok(now.length > 100_000, `a cache of ${now.length} bytes`)
      // And the new one is taken by the next run (not written again).
      const made = await stat(file)
      assert.equal(run(dir), plain)
      assert.equal((await stat(file)).ino, made.ino)
    })

  test('a changed bundle (another build, or a touched file) gets a cache of its own; a command keeps its three newest, and half-written files go after an hour', async () => {
    const dir = join(t.dir, 'stale')
    const name = await planted(dir)
    const code = join(dir, 'code')
    // Caches named for three other builds of the same command, a day apart, and one of another
    // command; a file a killed run left two hours ago, and one being written now.
    const [word, , ...rest] = name.split('.')
    const day = 24 * 3600 * 1000
    const others = [1, 2, 3].map((n) => [word, String(n).repeat(32), ...rest].join('.'))
    for (const [i, other] of others.entries()) {
      await copyFile(join(code, name), join(code, other))
      const when = new Date(Date.now() - (i + 1) * day)
      await utimes(join(code, other), when, when)
    }
    const validate = ['validate', ...name.split('.').slice(1)].join('.')
    await copyFile(join(code, name), join(code, validate))
    await writeFile(join(code, `${name}.999999.tmp`), 'half')
    const twoHours = new Date(Date.now() - 2 * 3600 * 1000)
    await utimes(join(code, `${name}.999999.tmp`), twoHours, twoHours)
    await writeFile(join(code, `${name}.999998.tmp`), 'now')
    // A copy of the package (bin/run.js finds the bundle beside itself), its bundle touched: the
    // bundle's time is part of the name.
    const copy = join(t.dir, 'package')
    await cp(join(ROOT, 'bin'), join(copy, 'bin'), {recursive: true})
    await cp(join(ROOT, 'dist', 'bundle'), join(copy, 'dist', 'bundle'), {recursive: true})
    await copyFile(join(ROOT, 'package.json'), join(copy, 'package.json'))
    await symlink(join(ROOT, 'templates'), join(copy, 'templates'))
    const bundle = join(copy, 'dist', 'bundle', 'idm-preflight.cjs')
    const st = await stat(join(ROOT, 'dist', 'bundle', 'idm-preflight.cjs'))
    await utimes(bundle, st.atime, new Date(st.mtimeMs + 2000))
    const r = cli(dir, undefined, {}, join(copy, 'bin', 'run.js'))
    assert.equal(r.status, 0, r.stderr)
    assert.equal(r.stdout, plain)
    const now = await caches(dir)
    const made = now.filter((f) => f.startsWith(`${word}.`) && f !== name && !others.includes(f))
    assert.equal(made.length, 1, now.join('\n'))
    // The three newest of check's: the one just made, the planted one of today, the day-old one.
    assert.deepEqual(now.filter((f) => f.startsWith(`${word}.`)).sort(), [made[0]!, name, others[0]!].sort())
    assert.ok(now.includes(validate), 'the other command keeps its cache')
    const left = (await readdir(code)).filter((f) => f.endsWith('.tmp'))
    assert.deepEqual(left, [`${name}.999998.tmp`])
  })
})
