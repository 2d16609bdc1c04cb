import assert from 'node:assert/strict'
import {existsSync} from 'node:fs'
import {readFile, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'
import {hasStackTrace, runCli, tempDir} from '../helpers/cli.js'
import {saasEnv} from '../helpers/envs.js'

/** An --output's name never says one format while it holds another (check, report show, report merge). */

const noProxyEnv = {HTTPS_PROXY: undefined, https_proxy: undefined, NO_PROXY: undefined, no_proxy: undefined}
const lenient = `checks:\n  settings:\n    host.resources: { minMemoryGB: 1, minCores: 1, minFreeDiskGB: 0 }\n`

let dir: string
let cleanup: () => Promise<void>
let env: string
let saved: string
before(async () => {
  ;({dir, cleanup} = await tempDir())
  env = join(dir, 'env.yaml')
  await writeFile(env, saasEnv(dir, lenient))
  saved = join(dir, 'saved.json')
  const r = await check(['-o', saved])
  assert.equal(r.code, 0, r.stderr)
})
after(async () => cleanup?.())

function check(extra: string[]) {
  return runCli(['check', '-c', env, '--only', 'host.resources', ...extra], {env: noProxyEnv, cwd: dir})
}

describe('--output and --format agree', () => {
  test('a --format that contradicts the extension is refused, naming both; nothing written', async () => {
    for (const [args, file, said] of [
      [
        ['check', '--format', 'junit', '-o', 'r.html'],
        'r.html',
        /--format junit and --output r\.html conflict: \.html is a html report/,
      ],
      [
        ['check', '-f', 'text', '-o', 'r.json'],
        'r.json',
        /--format text and --output r\.json conflict: \.json is a json report/,
      ],
      [
        ['report', 'show', 'saved.json', '-f', 'json', '-o', 's.xml'],
        's.xml',
        /--format json and --output s\.xml conflict/,
      ],
      [
        ['report', 'merge', 'saved.json', '-f', 'tap', '-o', 'm.html'],
        'm.html',
        /--format tap and --output m\.html conflict/,
      ],
    ] as [string[], string, RegExp][]) {
      const r = args[0] === 'check' ? await check(args.slice(1)) : await runCli(args, {cwd: dir})
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stdout}${r.stderr}`)
      assert.match(r.stderr, said)
      assert.match(r.stderr, /hint: drop --format \(the extension decides\), or name the file /)
      assert.equal(existsSync(join(dir, file)), false, `${file} is not written`)
      assert.ok(!hasStackTrace(r.stderr))
    }
  })

  test('an extension that is no report format is refused without --format, with the known ones', async () => {
    for (const args of [
      ['check', '-o', 'report.pdf'],
      ['report', 'show', 'saved.json', '-o', 'report.pdf'],
      ['check', '-o', 'r.json', '-o', 'report.pdf'],
    ]) {
      const r = args[0] === 'check' ? await check(args.slice(1)) : await runCli(args, {cwd: dir})
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stdout}${r.stderr}`)
      assert.match(r.stderr, /--output report\.pdf: \.pdf is not a report format this tool writes/)
      assert.match(r.stderr, /hint: end the name in \.txt, \.json, \.html, \.xml \(JUnit\) or \.tap, or give --format/)
      assert.equal(existsSync(join(dir, 'report.pdf')), false)
    }
  })

  test('what still goes: the agreeing pair, --format for an unknown extension (said), no extension', async () => {
    const same = await check(['-f', 'junit', '-o', 'ok.xml'])
    assert.equal(same.code, 0, same.stderr)
    assert.match(same.stdout, /report \(junit\) written to ok\.xml/)
    const log = await check(['-f', 'json', '-o', 'run.log'])
    assert.equal(log.code, 0, log.stderr)
    assert.match(log.stdout, /report \(json\) written to run\.log/)
    assert.equal(JSON.parse(await readFile(join(dir, 'run.log'), 'utf8')).schemaVersion, 1)
    const bare = await check(['-o', 'report'])
    assert.equal(bare.code, 0, bare.stderr)
    assert.match(bare.stdout, /report \(text\) written to report\n/)
    const devnull = await check(['-f', 'html', '-o', '/dev/null'])
    assert.equal(devnull.code, 0, devnull.stderr)
  })
})
