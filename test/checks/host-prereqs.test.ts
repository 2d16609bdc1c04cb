import assert from 'node:assert/strict'
import {chmod, mkdir, writeFile} from 'node:fs/promises'
import {delimiter, join} from 'node:path'
import {after, before, describe, test} from 'node:test'
import runtime, {parseRuntimes} from '../../checks/host-runtime.js'
import {tempDir} from '../helpers/cli.js'
import {runCheck} from '../helpers/run-check.js'

const ctx = {now: new Date(), expiryWarningDays: 30}
const LIST = `Microsoft.AspNetCore.App 6.0.36 [C:\\Program Files\\dotnet\\shared\\Microsoft.AspNetCore.App]
Microsoft.AspNetCore.App 8.0.11 [C:\\Program Files\\dotnet\\shared\\Microsoft.AspNetCore.App]
Microsoft.NETCore.App 8.0.11 [C:\\Program Files\\dotnet\\shared\\Microsoft.NETCore.App]
Microsoft.WindowsDesktop.App 8.0.11 [C:\\Program Files\\dotnet\\shared\\Microsoft.WindowsDesktop.App]`

describe('host.runtime', () => {
  test('parses dotnet --list-runtimes', () => {
    assert.deepEqual(
      parseRuntimes(LIST).map((r) => `${r.name} ${r.version}`),
      [
        'Microsoft.AspNetCore.App 6.0.36',
        'Microsoft.AspNetCore.App 8.0.11',
        'Microsoft.NETCore.App 8.0.11',
        'Microsoft.WindowsDesktop.App 8.0.11',
      ],
    )
  })
  test('ASP.NET Core 8 passes; 6 alone fails; 10 alone warns; .NET without ASP.NET fails', () => {
    const ev = (runtimes: {name: string; version: string}[], platform = 'linux') =>
      runtime.evaluate({minMajor: 8}, {runtimes, platform}, ctx)
    assert.equal(ev(parseRuntimes(LIST))[0]!.status, 'pass')
    assert.match(
      ev([{name: 'Microsoft.AspNetCore.App', version: '6.0.36'}])[0]!.message,
      /no ASP\.NET Core 8 runtime \(found 6\.0\.36\)/,
    )
    // An app built for 8 does not start on 10 alone (test/conformance/runtime.test.ts shows it).
    const ten = ev([{name: 'Microsoft.AspNetCore.App', version: '10.0.12'}])[0]!
    assert.equal(ten.status, 'warn')
    assert.match(
      ten.message,
      /only a later ASP\.NET Core \(10\.0\.12\): the docs link the 8\.0 hosting bundle \("8\.0 or higher"\), and \.NET starts an app built for 8 on a later major only when its runtimeconfig allows roll-forward/,
    )
    assert.match(ten.remediation ?? '', /Runtime 8\.0 Hosting Bundle beside it/)
    assert.equal(
      ev([...parseRuntimes(LIST), {name: 'Microsoft.AspNetCore.App', version: '10.0.12'}])[0]!.status,
      'pass',
    )
    assert.match(
      ev([{name: 'Microsoft.NETCore.App', version: '8.0.1'}])[0]!.message,
      /found no Microsoft\.AspNetCore\.App at all/,
    )
  })
  test('on Windows the hosting bundle module is required; elsewhere it is a skip', () => {
    const win = runtime.evaluate({minMajor: 8}, {runtimes: parseRuntimes(LIST), platform: 'win32', ancm: false}, ctx)
    assert.ok(win.some((f) => f.status === 'fail' && /ASP\.NET Core Module V2 for IIS is missing/.test(f.message)))
    const linux = runtime.evaluate({minMajor: 8}, {runtimes: parseRuntimes(LIST), platform: 'linux'}, ctx)
    assert.ok(linux.some((f) => f.status === 'skip' && /checked on Windows only/.test(f.message)))
  })

  describe('probe: runs the real dotnet found on PATH', () => {
    let dir: string
    let cleanup: () => Promise<void>
    let savedPath: string | undefined
    before(async () => {
      ;({dir, cleanup} = await tempDir())
      savedPath = process.env.PATH
    })
    after(async () => {
      process.env.PATH = savedPath
      await cleanup()
    })
    test('no dotnet on PATH: fails saying so', async () => {
      process.env.PATH = join(dir, 'empty')
      const r = await runCheck(runtime, {minMajor: 8})
      assert.equal(r.status, 'fail')
      assert.match(r.message, /dotnet is not installed \(or not on PATH\)/)
      assert.match(r.remediation, /Hosting Bundle/)
    })
    test('a dotnet that answers as a Windows host with .NET 8 would (a stand-in; test/conformance runs the real one)', async () => {
      const bin = join(dir, 'bin')
      await mkdir(bin)
      await writeFile(join(bin, 'dotnet'), `#!/bin/sh\n[ "$1" = "--list-runtimes" ] || exit 2\ncat <<'X'\n${LIST}\nX\n`)
      await chmod(join(bin, 'dotnet'), 0o755)
      process.env.PATH = [bin, savedPath].join(delimiter)
      const r = await runCheck(runtime, {minMajor: 8})
      assert.equal(r.status, 'pass', r.message)
      assert.match(r.message, /Microsoft\.AspNetCore\.App 8\.0\.11/)
    })
  })
})
