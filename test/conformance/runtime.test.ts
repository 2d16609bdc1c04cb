import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {readdirSync, realpathSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {after, before, describe, test} from 'node:test'
import runtime from '../../checks/host-runtime.js'
import {tempDir} from '../helpers/cli.js'
import {dotnet, NO_DOTNET} from '../helpers/dotnet.js'
import {runCheck} from '../helpers/run-check.js'

/**
 * host.runtime against this machine's real `dotnet --list-runtimes` (its output format, not a
 * stand-in): what the check reads is exactly the shared frameworks installed beside the dotnet it
 * ran (`<dotnet root>/shared/<name>/<version>`, which is what the host lists), and its verdict
 * follows from them.
 */
describe('host.runtime against the real dotnet', {skip: NO_DOTNET}, () => {
  const savedPath = process.env.PATH
  let installed: {name: string; version: string}[] = []
  before(() => {
    const root = dirname(realpathSync(dotnet!))
    process.env.PATH = `${dirname(dotnet!)}:${savedPath}`
    installed = readdirSync(join(root, 'shared')).flatMap((name) =>
      readdirSync(join(root, 'shared', name))
        .filter((v) => /^\d+\.\d+\.\d+/.test(v))
        .map((version) => ({name, version})),
    )
  })
  after(() => (process.env.PATH = savedPath))
  const key = (r: {name: string; version: string}) => `${r.name} ${r.version}`

  test('reads every shared framework installed, and nothing else', async () => {
    const r = await runCheck(runtime, {minMajor: 8})
    const facts = (r.data as {facts: {runtimes?: {name: string; version: string}[]}}).facts
    assert.ok(installed.length >= 2, 'this machine has at least Microsoft.NETCore.App and Microsoft.AspNetCore.App')
    assert.deepEqual(facts.runtimes?.map(key).sort(), installed.map(key).sort())
  })

  test(
    'its verdict predicts whether an app built for .NET 8, as the product is, starts here',
    {timeout: 180_000},
    async () => {
      const {dir, cleanup} = await tempDir()
      try {
        const project = fileURLToPath(new URL('./net8app/Net8App.csproj', import.meta.url))
        const env = {...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1', DOTNET_NOLOGO: '1'}
        const b = spawnSync(
          dotnet!,
          [
            'build',
            project,
            '-c',
            'Release',
            '--nologo',
            '-v',
            'quiet',
            '-o',
            dir,
            '--artifacts-path',
            join(dir, 'artifacts'),
          ],
          {encoding: 'utf8', env},
        )
        assert.equal(b.status, 0, b.stdout + b.stderr)
        const run = (extra: NodeJS.ProcessEnv = {}) =>
          spawnSync(dotnet!, [join(dir, 'Net8App.dll')], {encoding: 'utf8', env: {...env, ...extra}})
        const started = run()
        const r = await runCheck(runtime, {minMajor: 8})
        const eight = installed.some((x) => x.name === 'Microsoft.AspNetCore.App' && x.version.startsWith('8.'))
        assert.equal(started.status === 0, eight, started.stdout + started.stderr)
        assert.equal(r.status, started.status === 0 ? 'pass' : 'warn', r.message)
        if (started.status !== 0) {
          // What the warning says: only roll-forward to a later major would start it.
          assert.match(started.stdout + started.stderr, /You must install or update \.NET to run this application/)
          assert.match(
            r.message,
            /\.NET starts an app built for 8 on a later major only when its runtimeconfig allows roll-forward/,
          )
          const rolled = run({DOTNET_ROLL_FORWARD: 'Major'})
          assert.equal(rolled.status, 0, rolled.stdout + rolled.stderr)
          assert.match(rolled.stdout, /started on (9|1\d)\./)
        } else assert.match(started.stdout, /started on 8\./)
      } finally {
        await cleanup()
      }
    },
  )

  test('the verdict follows from them: pass for a major installed, fail above every one installed', async () => {
    const asp = installed
      .filter((x) => x.name === 'Microsoft.AspNetCore.App')
      .map((x) => Number(x.version.split('.')[0]))
    const best = Math.max(...asp)
    const ok = await runCheck(runtime, {minMajor: best})
    assert.equal(ok.status, 'pass', ok.message)
    assert.match(ok.message, new RegExp(`Microsoft\\.AspNetCore\\.App ${best}\\.`))
    const later = await runCheck(runtime, {minMajor: best + 1})
    assert.equal(later.status, 'fail', later.message)
  })
})
