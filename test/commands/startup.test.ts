import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {readFile, writeFile} from 'node:fs/promises'
import {join, relative, sep} from 'node:path'
import {fileURLToPath} from 'node:url'
import {after, before, describe, test} from 'node:test'
import {ROOT, tempDir} from '../helpers/cli.js'

/**
 * What a command loads from the bundle: the files of dist/bundle it imported, and the libraries
 * inside them (the bundle keeps each library's path as the key of its module).
 */
async function loaded(args: string[], dir: string): Promise<{files: string[]; libraries: Set<string>}> {
  const hook = join(dir, 'hook.mjs')
  const out = join(dir, 'loaded.txt')
  await writeFile(
    hook,
    `import {registerHooks} from 'node:module'
import {writeFileSync} from 'node:fs'
const seen = new Set()
registerHooks({load(url, context, next) { seen.add(url); return next(url, context) }})
process.on('exit', () => writeFileSync(${JSON.stringify(out)}, [...seen].join('\\n')))
`,
  )
  const r = spawnSync(process.execPath, ['--import', hook, join(ROOT, 'bin', 'run.js'), ...args], {
    encoding: 'utf8',
    cwd: dir,
  })
  assert.ok(r.status === 0 || r.status === 3, `${args.join(' ')}: exit ${r.status}\n${r.stdout}${r.stderr}`)
  const files = (await readFile(out, 'utf8'))
    .split('\n')
    .filter((u) => u.includes('/dist/bundle/'))
    .map((u) => fileURLToPath(u))
  const libraries = new Set<string>()
  for (const f of files)
    for (const m of (await readFile(f, 'utf8')).matchAll(/node_modules\/((?:@[^/"]+\/)?[^/"]+)\//g))
      libraries.add(m[1]!)
  // An ES module library inlined into a chunk keeps no path in its text: esbuild's own account of
  // each file's inputs (written by the build beside the bundle) names it.
  const held = JSON.parse(await readFile(join(ROOT, 'dist', 'bundle-libraries.json'), 'utf8')) as Record<
    string,
    string[]
  >
  const bundle = join(ROOT, 'dist', 'bundle')
  for (const f of files) {
    const key = relative(bundle, f).split(sep).join('/')
    assert.ok(key in held, `${key}: not in dist/bundle-libraries.json (a stale build?)`)
    for (const name of held[key]!) libraries.add(name)
  }
  return {files, libraries}
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
]

describe('start-up: what each command loads from the bundle', () => {
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

  test('--version loads the entry point and no library (oclif included)', async () => {
    const {files, libraries} = await loaded(['--version'], dir)
    assert.ok(
      files.some((f) => f.endsWith('/dist/bundle/idm-preflight.js')),
      'through the bundle',
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
      const {libraries} = await loaded(args, dir)
      assert.ok(libraries.has('@oclif/core'), [...libraries].join(', '))
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
