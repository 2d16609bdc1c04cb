import assert from 'node:assert/strict'
import {execFileSync, spawn} from 'node:child_process'
import {existsSync} from 'node:fs'
import {lstat, readFile, symlink, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'
import {XMLValidator} from 'fast-xml-parser'
import type {Report} from '../../src/report/report.js'
import {hasStackTrace, runCli, runCliInPty, tempDir} from '../helpers/cli.js'
import {saasEnv} from '../helpers/envs.js'

/**
 * Where `--output` writes: several files in one run, each in the format of its extension, the text
 * report and the progress still on the terminal; never the same file twice, never a folder tree
 * made from a typo, never through a link to another file, never a hang on a pipe nobody reads.
 */

const noProxyEnv = {HTTPS_PROXY: undefined, https_proxy: undefined, NO_PROXY: undefined, no_proxy: undefined}
const lenient = `checks:\n  settings:\n    host.resources: { minMemoryGB: 1, minCores: 1, minFreeDiskGB: 0 }\n`

let dir: string
let cleanup: () => Promise<void>
let env: string
before(async () => {
  ;({dir, cleanup} = await tempDir())
  env = join(dir, 'env.yaml')
  await writeFile(env, saasEnv(dir, lenient))
})
after(async () => cleanup?.())

const check = (outputs: string[], extra: string[] = []) =>
  runCli(['check', '-c', env, '--only', 'host.resources', ...outputs.flatMap((o) => ['-o', o]), ...extra], {
    env: noProxyEnv,
  })

describe('several --output in one run', () => {
  test('each file in the format of its extension; stdout (not a terminal) gets the summary and where each went', async () => {
    const [json, html, xml, tap] = ['r.json', 'r.html', 'junit.xml', 'r.tap'].map((f) => join(dir, f))
    const r = await check([json!, html!, xml!, tap!])
    assert.equal(r.code, 0, r.stdout + r.stderr)
    assert.match(
      r.stdout,
      /^\d+ checks: .*\(exit 0\)\nreport \(json\) written to .*r\.json\nreport \(html\) written to .*r\.html\nreport \(junit\) written to .*junit\.xml\nreport \(tap\) written to .*r\.tap\n$/,
    )
    assert.equal((JSON.parse(await readFile(json!, 'utf8')) as Report).schemaVersion, 1)
    assert.match(await readFile(html!, 'utf8'), /^<!DOCTYPE html>/)
    assert.equal(XMLValidator.validate(await readFile(xml!, 'utf8')), true)
    assert.match(await readFile(tap!, 'utf8'), /^TAP version 14/)
  })

  test('on a terminal: the progress and the text report stay there, whatever goes to files', async () => {
    const [json, html] = ['t.json', 't.html'].map((f) => join(dir, f))
    const r = await runCliInPty(['check', '-c', env, '--only', 'host.resources', '-o', json!, '-o', html!], [], {
      env: noProxyEnv,
    })
    assert.equal(r.code, 0, r.stdout)
    assert.match(r.stdout, /host\.resources \(1\/1\)/, 'the progress was drawn')
    assert.match(r.stdout, /idm-preflight: contoso-saas \(saas, stage before\)/)
    assert.match(r.stdout, /PASS {2}host\.resources/)
    assert.match(r.stdout, /report \(json\) written to .*t\.json\r?\nreport \(html\) written to .*t\.html/)
    assert.equal((JSON.parse(await readFile(json!, 'utf8')) as Report).results.length > 0, true)
    assert.match(await readFile(html!, 'utf8'), /^<!DOCTYPE html>/)
  })

  test('the same file twice is refused before the run (exit 2), by name or through a link', async () => {
    const r1 = join(dir, 'twice.json')
    await writeFile(join(dir, 'other.json'), 'old')
    await symlink(join(dir, 'other.json'), join(dir, 'to-other.json'))
    const cases: [string[], RegExp][] = [
      [[r1, r1], /--output .*twice\.json is given twice/],
      [
        [join(dir, 'other.json'), join(dir, 'to-other.json')],
        /--output .*other\.json and --output .*to-other\.json are the same file/,
      ],
      [['-', '/dev/stdout'], /--output - and --output \/dev\/stdout are the same file/],
    ]
    for (const [outputs, re] of cases) {
      const r = await check(outputs)
      assert.equal(r.code, 2, `${outputs.join(' ')}: ${r.stdout}${r.stderr}`)
      assert.match(r.stderr, re)
      assert.ok(!hasStackTrace(r.stderr), r.stderr)
    }
    assert.equal(existsSync(r1), false, 'nothing was written')
  })
})

describe('--output into a folder that is not there', () => {
  test('exit 2 naming the folder, before the run; no folder is made (check and report show)', async () => {
    const missing = join(dir, 'no-such', 'dir')
    const r = await check([join(missing, 'r.html')])
    assert.equal(r.code, 2, r.stdout + r.stderr)
    assert.match(
      r.stderr,
      new RegExp(`cannot write .*r\\.html: the folder ${missing.replace(/[/.]/g, '\\$&')} does not exist`),
    )
    assert.match(r.stderr, /hint: create it first \(mkdir -p /)
    assert.equal(existsSync(join(dir, 'no-such')), false, 'no folder tree made')
    const saved = join(dir, 'saved.json')
    assert.equal((await check([saved])).code, 0)
    const show = await runCli(['report', 'show', saved, '-o', join(missing, 'r.html')])
    assert.equal(show.code, 2, show.stdout + show.stderr)
    assert.match(show.stderr, /the folder .*no-such\/dir does not exist/)
    assert.equal(existsSync(join(dir, 'no-such')), false)
  })
})

describe('--output through links, onto pipes and devices', () => {
  test('a link to a file is refused (exit 2) and the file it points to is left as it was', async () => {
    const real = join(dir, 'elsewhere.json')
    await writeFile(real, 'keep me')
    const link = join(dir, 'link.json')
    await symlink(real, link)
    const r = await check([link])
    assert.equal(r.code, 2, r.stdout + r.stderr)
    assert.match(r.stderr, /--output .*link\.json is a symbolic link \(to .*elsewhere\.json\): not followed/)
    assert.match(r.stderr, /hint: name the file itself/)
    assert.equal(await readFile(real, 'utf8'), 'keep me')
    assert.ok((await lstat(link)).isSymbolicLink())
    // A link to /dev/null is a device: written through.
    const toNull = join(dir, 'null-link')
    await symlink('/dev/null', toNull)
    assert.equal((await check([toNull])).code, 0)
  })

  test(
    'a FIFO nobody reads: exit 2 at once (never a hang); with a reader, the report goes to it',
    {timeout: 60_000},
    async () => {
      const fifo = join(dir, 'report.fifo')
      execFileSync('mkfifo', [fifo])
      const t0 = performance.now()
      const r = await runCli(['check', '-c', env, '--only', 'host.resources', '-o', fifo, '--format', 'json'], {
        env: noProxyEnv,
        timeoutMs: 20_000,
      })
      assert.equal(r.code, 2, r.stdout + r.stderr)
      assert.match(r.stderr, /cannot write .*report\.fifo: nothing is reading it/)
      assert.ok(performance.now() - t0 < 20_000)
      // A reader: `cat` holds the pipe open and gets the whole report (more than a pipe's 64 KB buffer
      // is not needed: the socket waits for the reader).
      const reader = spawn('cat', [fifo], {stdio: ['ignore', 'pipe', 'inherit']})
      let got = ''
      reader.stdout.setEncoding('utf8').on('data', (d) => (got += d))
      const closed = new Promise((res) => reader.on('close', res))
      await new Promise((res) => setTimeout(res, 300))
      const w = await runCli(['check', '-c', env, '--only', 'host.resources', '-o', fifo, '--format', 'json'], {
        env: noProxyEnv,
        timeoutMs: 20_000,
      })
      assert.equal(w.code, 0, w.stdout + w.stderr)
      await closed
      assert.equal((JSON.parse(got) as Report).schemaVersion, 1)
    },
  )
})
