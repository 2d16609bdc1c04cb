import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {cpSync, existsSync, readFileSync, renameSync, rmSync, symlinkSync} from 'node:fs'
import {chmod} from 'node:fs/promises'
import {dirname, join} from 'node:path'
import {after, before, describe, test} from 'node:test'
import {hasStackTrace, ROOT, tempDir} from '../helpers/cli.js'

/** The PATH of a machine as it comes: its own Node (20 here), nothing this project installed. */
const BARE_PATH = '/usr/local/bin:/usr/bin:/bin'
const bareNode = spawnSync('node', ['-p', 'process.versions.node'], {
  encoding: 'utf8',
  env: {PATH: BARE_PATH},
}).stdout?.trim()
const bareMajor = Number(bareNode?.split('.')[0] ?? 0)

describe(
  "first run on a fresh clone, with only the machine's older Node.js on PATH",
  {
    skip: !bareNode
      ? 'no node on the bare PATH'
      : bareMajor >= 22
        ? `this machine's Node is ${bareNode}: nothing to bootstrap`
        : false,
  },
  () => {
    let dir: string
    let cleanup: () => Promise<void>
    let clone: string
    // The machine's network settings (a registry mirror, a proxy and its CA) are not Node.js: kept.
    const network = Object.fromEntries(
      Object.entries(process.env).filter(
        ([k, v]) =>
          v !== undefined &&
          /^(NODE_EXTRA_CA_CERTS|SSL_CERT_FILE|SSL_CERT_DIR|https?_proxy|no_proxy|npm_config_(registry|cafile|strict_ssl|proxy|https_proxy))$/i.test(
            k,
          ),
      ),
    )
    const env = () => ({
      ...network,
      PATH: BARE_PATH,
      HOME: process.env.HOME ?? '/root',
      ...(process.env.IDM_PREFLIGHT_NODE_CACHE ? {IDM_PREFLIGHT_NODE_CACHE: process.env.IDM_PREFLIGHT_NODE_CACHE} : {}),
      ...(process.env.npm_config_cache ? {npm_config_cache: process.env.npm_config_cache} : {}),
    })
    before(async () => {
      ;({dir, cleanup} = await tempDir())
      // The sandbox's service account (nobody, as root) must reach its working directories.
      await chmod(dir, 0o755)
      clone = join(dir, 'idm-preflight')
      const r = spawnSync('git', ['clone', '--quiet', ROOT, clone], {encoding: 'utf8'})
      assert.equal(r.status, 0, r.stderr)
    })
    after(async () => cleanup())

    test(`bin/run.js on Node ${bareNode} says in one line what is needed, exit 1`, () => {
      const r = spawnSync('node', [join(clone, 'bin', 'run.js'), '--version'], {encoding: 'utf8', env: env()})
      assert.equal(r.status, 1, r.stdout + r.stderr)
      assert.equal(r.stdout, '')
      assert.match(
        r.stderr,
        new RegExp(
          `^idm-preflight needs Node\\.js 22 or later; found ${bareNode.replace(/\./g, '\\.')} .*bin/idm-preflight.*\\n$`,
        ),
      )
      assert.equal(r.stderr.split('\n').length, 2, 'one line')
      assert.ok(!hasStackTrace(r.stderr))
    })

    // README's quick start, exactly: `bin/idm-preflight demo`, then `scripts/test`, in the clone,
    // with nothing prepared (no Node 22 on PATH, no node_modules, no build).
    test('README: bin/idm-preflight demo sets the clone up, says so, and passes', {timeout: 600_000}, () => {
      const demo = spawnSync('bash', ['-c', 'bin/idm-preflight demo'], {
        cwd: clone,
        encoding: 'utf8',
        env: env(),
        timeout: 540_000,
      })
      const folder = /^Sandbox on 127\.0\.0\.1 .*, in (\S+)$/m.exec(demo.stderr)?.[1]
      if (folder) rmSync(folder, {recursive: true, force: true})
      assert.equal(demo.status, 0, demo.stdout.slice(-2000) + demo.stderr.slice(-3000))
      // What it did, said on stderr before anything else.
      assert.match(demo.stderr, /^idm-preflight: installing the dependencies with Node\.js v2[2-9]\.[\d.]+ \(npm ci/m)
      assert.match(demo.stderr, /^idm-preflight: building \(npm run build/m)
      assert.match(demo.stderr, /^idm-preflight: ready$/m)
      assert.match(demo.stdout, /^\d+ checks: \d+ pass, \d+ warn, 0 fail, 0 error, \d+ skip in .* \(exit 0\)$/m)
      assert.ok(folder, 'the demo names its folder')
      // Set up once: the next run says nothing but its own output.
      const again = spawnSync(join(clone, 'bin', 'idm-preflight'), ['--version'], {encoding: 'utf8', env: env()})
      assert.equal(again.status, 0, again.stderr)
      assert.equal(again.stderr, '')
      assert.match(again.stdout, /^idm-preflight\/0\.\d+\.\d+ linux-x64 node-v2[2-9]\./)
    })

    // The suite's half of the quick start runs the test command itself, `scripts/test`, but on a
    // tiny test set (IDM_PREFLIGHT_TESTS, which scripts/test reads when it is given no argument):
    // this test is part of the suite, so running the whole suite here would run this test again,
    // inside itself, and double the suite's time. Two files that need what the set-up made: the
    // TypeScript sources through tsx (the commands' index) and the built bundle (start-up).
    test('README: scripts/test runs the suite with the Node.js 22 it set up', {timeout: 600_000}, () => {
      const suite = spawnSync('bash', ['-c', 'scripts/test'], {
        cwd: clone,
        encoding: 'utf8',
        env: {...env(), IDM_PREFLIGHT_TESTS: 'test/commands-index.test.ts test/commands/startup.test.ts'},
        timeout: 540_000,
      })
      assert.equal(suite.status, 0, suite.stdout.slice(-3000) + suite.stderr.slice(-2000))
      assert.match(suite.stdout, /^# pass [1-9]\d*$/m)
      assert.match(suite.stdout, /^# fail 0$/m)
      assert.equal(suite.stderr, '', 'set up already by the demo: nothing to do')
    })

    test('a moved clone, then a copy of it with the original gone, run their own code', {timeout: 120_000}, () => {
      const moved = join(dir, 'moved')
      renameSync(clone, moved)
      const fromMoved = spawnSync(join(moved, 'bin', 'idm-preflight'), ['checks', 'list', '--json'], {
        encoding: 'utf8',
        env: env(),
      })
      assert.equal(fromMoved.status, 0, fromMoved.stderr)
      assert.equal(fromMoved.stderr, '')
      assert.ok((JSON.parse(fromMoved.stdout) as unknown[]).length > 10)
      const copy = join(dir, 'copy')
      cpSync(moved, copy, {recursive: true, preserveTimestamps: true, verbatimSymlinks: true})
      rmSync(moved, {recursive: true, force: true})
      // Through a link to the launcher, as a user puts it on PATH.
      const link = join(dir, 'idm-preflight')
      symlinkSync(join(copy, 'bin', 'idm-preflight'), link)
      const fromCopy = spawnSync(link, ['validate', '--print-schema'], {encoding: 'utf8', env: env(), cwd: dir})
      assert.equal(fromCopy.status, 0, fromCopy.stderr)
      assert.equal(fromCopy.stderr, '')
      assert.match(fromCopy.stdout, /"\$schema"/)
      // Nothing in the clone names where it was.
      const held = spawnSync('grep', ['-rlF', moved, copy, '--exclude-dir=node_modules'], {encoding: 'utf8'})
      assert.equal(held.stdout, '', `files holding the old path:\n${held.stdout}`)
      clone = copy
    })
  },
)

describe('the npm package holds exactly what runs, and runs', () => {
  let dir: string
  let cleanup: () => Promise<void>
  before(async () => {
    ;({dir, cleanup} = await tempDir())
    await chmod(dir, 0o755)
  })
  after(async () => cleanup())

  test('npm pack, install the tarball into an empty folder, run demo from it', {timeout: 600_000}, () => {
    const nodeDir = dirname(process.execPath)
    const env = {...process.env, PATH: `${nodeDir}:${process.env.PATH}`, NODE_TEST_CONTEXT: undefined}
    // The build is fresh (npm test builds first): pack it as it is.
    const pack = spawnSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], {
      cwd: ROOT,
      encoding: 'utf8',
      env,
    })
    assert.equal(pack.status, 0, pack.stderr)
    const [info] = JSON.parse(pack.stdout) as {filename: string; files: {path: string}[]}[]
    const paths = info!.files.map((f) => f.path)
    for (const must of [
      'bin/run.js',
      'oclif.manifest.json',
      'schema/environment.schema.json',
      'templates/scripts/set-permissions.sh',
    ])
      assert.ok(paths.includes(must), `${must} missing from the package`)
    assert.ok(paths.includes('dist/bundle/idm-preflight.cjs'), 'the bundle is in the package')
    assert.ok(paths.includes('dist/bundle/lib/cert-worker.cjs'), 'the certificate worker is in the package')
    const extra = paths.filter((p) =>
      /^(test|bench|scripts|src|checks)\/|^dist\/(bench|scripts|test|src|checks|sea)\/|^bin\/(dev\.js|idm-preflight)$/.test(
        p,
      ),
    )
    assert.deepEqual(extra, [], 'only what runs')
    const app = join(dir, 'app')
    const install = spawnSync(
      'npm',
      ['install', '--prefix', app, '--no-audit', '--no-fund', '--prefer-offline', join(dir, info!.filename)],
      {encoding: 'utf8', env, timeout: 540_000},
    )
    assert.equal(install.status, 0, install.stderr.slice(-3000))
    const bin = join(app, 'node_modules', '.bin', 'idm-preflight')
    const version = spawnSync(bin, ['--version'], {encoding: 'utf8', env})
    assert.equal(version.status, 0, version.stderr)
    const demo = spawnSync(bin, ['demo', '--dir', join(dir, 'demo'), '--json'], {
      encoding: 'utf8',
      env,
      timeout: 120_000,
    })
    assert.equal(demo.status, 0, demo.stdout.slice(-2000) + demo.stderr)
    assert.equal(JSON.parse(demo.stdout).report.summary.fail, 0)
    // init's $schema line names the schema of the package installed beside the file.
    const init = spawnSync(
      bin,
      [
        ...['init', '--topology', 'saas', '--organization', 'Contoso', '--server-url', 'https://contoso.usercube.com'],
        ...['--agent-url', 'https://idm-agent.contoso.com', '--mail', 'none', '--yes', '--out', 'env.yaml'],
      ],
      {encoding: 'utf8', env, cwd: app},
    )
    assert.equal(init.status, 0, init.stdout + init.stderr)
    const first = readFileSync(join(app, 'env.yaml'), 'utf8').split('\n')[0]
    assert.equal(first, '# yaml-language-server: $schema=./node_modules/idm-preflight/schema/environment.schema.json')
    assert.ok(existsSync(join(app, 'node_modules', 'idm-preflight', 'schema', 'environment.schema.json')))
  })
})
