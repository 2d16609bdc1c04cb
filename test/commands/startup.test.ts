import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {mkdtemp, readdir, readFile, writeFile} from 'node:fs/promises'
import {join, relative, sep} from 'node:path'
import {fileURLToPath} from 'node:url'
import {after, before, describe, test} from 'node:test'
import {ROOT, tempDir} from '../helpers/cli.js'

/**
 * What a command runs from the bundle, as V8's own coverage tells it (NODE_V8_COVERAGE): the files
 * of dist/bundle it compiled (the bundle, the files of dist/bundle/lib it required), and the
 * libraries whose code ran. In the bundle each library module is a function named by its path
 * (`node_modules/yaml/dist/index.js`), called when first imported; a file of dist/bundle/lib is
 * its libraries, as esbuild's account of it (dist/bundle-libraries.json) lists them.
 */
async function loaded(
  args: string[],
  dir: string,
  env: Record<string, string> = {},
): Promise<{files: string[]; libraries: Set<string>; ran: Map<string, Set<string>>}> {
  const coverage = await mkdtemp(join(dir, 'coverage-'))
  const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'run.js'), ...args], {
    encoding: 'utf8',
    cwd: dir,
    env: {...process.env, NODE_V8_COVERAGE: coverage, IDM_PREFLIGHT_CACHE_DIR: join(dir, 'cache'), ...env},
  })
  assert.ok(r.status === 0 || r.status === 3, `${args.join(' ')}: exit ${r.status}\n${r.stdout}${r.stderr}`)
  const held = JSON.parse(await readFile(join(ROOT, 'dist', 'bundle-libraries.json'), 'utf8')) as Record<
    string,
    string[]
  >
  assert.ok('idm-preflight.cjs' in held, 'dist/bundle-libraries.json does not list the bundle (a stale build?)')
  const bundle = join(ROOT, 'dist', 'bundle')
  const files = new Set<string>()
  const libraries = new Set<string>()
  /** The functions that ran, by file (their names). */
  const ran = new Map<string, Set<string>>()
  for (const f of await readdir(coverage)) {
    const {result} = JSON.parse(await readFile(join(coverage, f), 'utf8')) as {
      result: {url: string; functions: {functionName: string; ranges: {count: number}[]}[]}[]
    }
    for (const script of result) {
      const file = script.url.startsWith('file:') ? fileURLToPath(script.url) : script.url
      if (!file.startsWith(`${bundle}${sep}`)) continue
      files.add(file)
      const key = relative(bundle, file).split(sep).join('/')
      assert.ok(key in held, `${key}: not in dist/bundle-libraries.json (a stale build?)`)
      const names = ran.get(key) ?? new Set<string>()
      ran.set(key, names)
      for (const fn of script.functions) if (fn.ranges[0]!.count > 0) names.add(fn.functionName)
      if (key === 'idm-preflight.cjs') {
        for (const name of names) {
          const m = /^node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(name)
          if (m) libraries.add(m[1]!)
        }
      } else for (const name of held[key]!) libraries.add(name)
    }
  }
  return {files: [...files], libraries, ran}
}

const HEAVY = [
  'tedious',
  'node-forge',
  'nodemailer',
  'smtp-server',
  'execa',
  'dns2',
  'listr2',
  'diff',
  'fast-xml-parser',
  'elkjs',
  'ldapts',
  '@inquirer/prompts',
]

describe('start-up: what each command runs from the bundle', () => {
  let dir: string
  let cleanup: () => Promise<void>
  let env: string
  before(async () => {
    ;({dir, cleanup} = await tempDir())
    env = join(dir, 'idm-preflight.yaml')
    await writeFile(
      env,
      `version: 1
name: startup
product: saas
topology: saas
organization: Startup
server: {url: https://startup.usercube.com}
agents:
  - {identifier: A, url: https://agent.startup.test, workingDirectory: ${dir}, serviceAccount: svc}
`,
    )
  })
  after(async () => cleanup())

  test('the bundle holds none of the heavy libraries: each is a file of dist/bundle/lib', async () => {
    const held = JSON.parse(await readFile(join(ROOT, 'dist', 'bundle-libraries.json'), 'utf8')) as Record<
      string,
      string[]
    >
    assert.deepEqual(
      HEAVY.filter((h) => held['idm-preflight.cjs']!.includes(h)),
      [],
    )
    for (const h of HEAVY)
      assert.ok(
        Object.entries(held).some(([file, libs]) => file.startsWith('lib/') && libs.includes(h)),
        `${h}: in no file of dist/bundle/lib`,
      )
    // The bundle is read as Latin-1 (bin/run.js): every byte ASCII.
    const bytes = await readFile(join(ROOT, 'dist', 'bundle', 'idm-preflight.cjs'))
    assert.equal(
      bytes.findIndex((b) => b > 0x7f),
      -1,
    )
  })

  test('a PFX is opened by the certificate worker the build made (dist/bundle/lib/cert-worker.cjs)', async () => {
    const {issue, toPfx} = await import('../../src/sandbox/pki.js')
    const pfx = join(dir, 'worker.pfx')
    await writeFile(pfx, toPfx(issue({commonName: 'Worker', eku: 'none'}), 'Pw-Worker-1'), {mode: 0o600})
    const {ran} = await loaded(['cert', 'inspect', pfx, '--password-env', 'IDM_WORKER_PW', '-q'], dir, {
      IDM_WORKER_PW: 'Pw-Worker-1',
    })
    assert.ok(ran.get('lib/cert-worker.cjs')?.has('readAndOpen'), 'the worker did not open the file')
    assert.ok(!ran.get('idm-preflight.cjs')?.has('readAndOpen'), 'the main thread opened the file')
  })

  test('--version runs the bundle and no library (oclif included)', async () => {
    const {files, libraries} = await loaded(['--version'], dir)
    assert.deepEqual(
      files.map((f) => relative(ROOT, f).split(sep).join('/')),
      ['dist/bundle/idm-preflight.cjs'],
    )
    assert.deepEqual([...libraries], [])
  })

  for (const args of [
    ['validate', 'idm-preflight.yaml'],
    ['check', '--plan'],
    ['--help'],
    ['check', '--help'],
    ['checks', 'list'],
  ])
    test(`${args.join(' ')} loads oclif, none of ${HEAVY.join(', ')}`, async () => {
      const {files, libraries} = await loaded(args, dir)
      assert.ok(libraries.has('@oclif/core'), [...libraries].join(', '))
      // Nothing of dist/bundle/lib (where the heavy libraries are) is even read.
      assert.deepEqual(
        files.filter((f) => f.includes(`${sep}lib${sep}`)),
        [],
      )
      // The ones that read the environment file parse YAML: the probe sees what they load.
      if (!args.includes('--help') && args[0] !== 'checks') assert.ok(libraries.has('yaml'), [...libraries].join(', '))
      // Help is written from the bundled manifest: no command module is loaded, nor what one
      // imports (the YAML parser among them).
      if (args.includes('--help')) assert.ok(!libraries.has('yaml'), [...libraries].join(', '))
      // Nor does listing the checks: the doors the checks import do not bring it (src/documents).
      if (args[0] === 'checks') assert.ok(!libraries.has('yaml'), [...libraries].join(', '))
      assert.deepEqual(
        HEAVY.filter((h) => libraries.has(h)),
        [],
      )
    })
})
