import assert from 'node:assert/strict'
import {existsSync} from 'node:fs'
import {mkdir, readdir, readFile} from 'node:fs/promises'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'
import type {Report} from '../../src/report/report.js'
import {startSandbox, type Sandbox} from '../../src/sandbox/index.js'
import {runCliInPty, tempDir} from '../helpers/cli.js'

/**
 * Ctrl-C and SIGTERM as a user's terminal and a service manager send them, under a real
 * pseudo-terminal (python3's pty): `check` leaves its partial report on the terminal and in every
 * --output, marked interrupted, exit 130 (Ctrl-C) or 143 (SIGTERM); `demo` removes the temp
 * folder that holds its secrets, or says where it left it.
 */

const noProxyEnv = {HTTPS_PROXY: undefined, https_proxy: undefined, NO_PROXY: undefined, no_proxy: undefined}
/** Ctrl-C as typed: the terminal sends SIGINT to the command's process group. */
const CTRL_C = {keys: '\u0003'}

let dir: string
let cleanup: () => Promise<void>
before(async () => ({dir, cleanup} = await tempDir()))
after(async () => cleanup?.())

describe('check under a terminal', () => {
  let sb: Sandbox
  // The server never answers: its checks wait (30 s) until the signal.
  before(async () => (sb = await startSandbox({topology: 'saas', server: {hostile: 'silent'}})))
  after(async () => sb?.stop())
  // Once the progress shows the quick checks done, a check is waiting on the silent server.
  const waiting = 'dns\\.alias \\(3/3\\)'

  test(
    'Ctrl-C: the partial text report on the terminal and the JSON file, marked interrupted, exit 130',
    {timeout: 90_000},
    async () => {
      const json = join(dir, 'ctrl-c.json')
      const t0 = performance.now()
      const r = await runCliInPty(['check', '-c', sb.envFile, '--timeout', '30s', '-o', json], [[waiting, CTRL_C]], {
        env: noProxyEnv,
        timeoutMs: 60_000,
      })
      assert.equal(r.code, 130, r.stdout)
      assert.ok(performance.now() - t0 < 30_000, 'Ctrl-C did not stop the run')
      assert.match(r.stdout, /idm-preflight: sandbox \(saas, stage before\)/)
      assert.match(
        r.stdout,
        /ERROR tls\.endpoint +https:\/\/idm\.sandbox\.test:\d+ +interrupted \(Ctrl-C\) before it could conclude/,
      )
      assert.match(r.stdout, /INTERRUPTED \(Ctrl-C\): this report is partial/)
      assert.match(r.stdout, /\(exit 130\)\r?\nreport \(json\) written to .*ctrl-c\.json/)
      const report = JSON.parse(await readFile(json, 'utf8')) as Report
      assert.equal(report.interrupted, true)
      assert.equal(report.exitCode, 130)
    },
  )

  test('SIGTERM: the same, exit 143, in every --output', {timeout: 90_000}, async () => {
    const [json, xml] = [join(dir, 'term.json'), join(dir, 'term.xml')]
    const r = await runCliInPty(
      ['check', '-c', sb.envFile, '--timeout', '30s', '-o', json, '-o', xml],
      [[waiting, {signal: 'SIGTERM'}]],
      {env: noProxyEnv, timeoutMs: 60_000},
    )
    assert.equal(r.code, 143, r.stdout)
    assert.match(r.stdout, /INTERRUPTED \(SIGTERM\): this report is partial/)
    assert.match(r.stdout, /interrupted \(SIGTERM\) before it could conclude/)
    const report = JSON.parse(await readFile(json, 'utf8')) as Report
    assert.equal(report.interrupted, true)
    assert.equal(report.exitCode, 143)
    assert.match(
      await readFile(xml, 'utf8'),
      /<failure type="interrupted" message="interrupted \(SIGTERM\): this report is partial">[^<]*\(exit 143\)/,
    )
  })
})

describe('demo under a terminal', () => {
  test(
    'Ctrl-C during the run: its temp folder (which holds secrets) is removed and said, exit 130',
    {timeout: 90_000},
    async () => {
      const tmp = join(dir, 'tmp')
      await mkdir(tmp)
      const r = await runCliInPty(['demo'], [['environment file: ', CTRL_C]], {
        env: {...noProxyEnv, TMPDIR: tmp},
        timeoutMs: 60_000,
      })
      assert.equal(r.code, 130, r.stdout)
      const m = /demo interrupted \(Ctrl-C\): removed its folder (\S+) \(it held the sandbox's secrets\)/.exec(r.stdout)
      assert.ok(m, r.stdout)
      assert.equal(existsSync(m[1]!), false)
      assert.deepEqual(
        (await readdir(tmp)).filter((n) => n.startsWith('idm-preflight-sandbox-')),
        [],
        'no sandbox folder left',
      )
    },
  )

  test(
    "SIGTERM with --dir: the folder is the user's, left, and said to hold secrets; exit 143",
    {timeout: 90_000},
    async () => {
      const mine = join(dir, 'my-demo')
      const r = await runCliInPty(['demo', '--dir', mine], [['environment file: ', {signal: 'SIGTERM'}]], {
        env: noProxyEnv,
        timeoutMs: 60_000,
      })
      assert.equal(r.code, 143, r.stdout)
      assert.match(
        r.stdout,
        /demo interrupted \(SIGTERM\): its folder .*my-demo is left as it was; it holds the sandbox's secrets/,
      )
      assert.ok(existsSync(join(mine, 'idm-preflight.yaml')))
    },
  )
})
