import assert from 'node:assert/strict'
import {execFileSync, spawn, spawnSync} from 'node:child_process'
import {existsSync} from 'node:fs'
import {lstat, mkdir, readdir, readFile, stat, symlink, truncate, utimes, writeFile} from 'node:fs/promises'
import {createSocket} from 'node:dgram'
import {createServer, type Server} from 'node:net'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'
import {startSandbox} from '../../src/sandbox/index.js'
import {psString} from '../../src/base/quote.js'
import {BIN, hasStackTrace, runCli, tempDir} from '../helpers/cli.js'
import {NO_PWSH, pwsh} from '../helpers/dotnet.js'
import {saasEnv} from '../helpers/envs.js'

const noProxyEnv = {HTTPS_PROXY: undefined, https_proxy: undefined, NO_PROXY: undefined, no_proxy: undefined}
const lenient = `checks:\n  settings:\n    host.resources: { minMemoryGB: 1, minCores: 1, minFreeDiskGB: 0 }\n`

let dir: string
let cleanup: () => Promise<void>
before(async () => ({dir, cleanup} = await tempDir()))
after(async () => cleanup())

/** A FIFO nobody writes to: reading it would block forever. */
function fifo(path: string): string {
  execFileSync('mkfifo', [path])
  return path
}

const clean = (r: {stdout: string; stderr: string}) =>
  assert.ok(!hasStackTrace(r.stdout + r.stderr), r.stdout + r.stderr)

describe('--strict: a warning is a failure in every format', () => {
  test('JUnit counts it as a <failure>, TAP as not ok, JSON says strict; exit 4', async () => {
    const file = join(dir, 'warn.yaml')
    await writeFile(file, saasEnv(dir, `network:\n  noProxy: .contoso.com\n${lenient}`))
    const args = ['check', '-c', file, '--only', 'proxy.settings', '--strict']
    const [junit, tap, json, plain] = await Promise.all(
      ['junit', 'tap', 'json']
        .map((f) => runCli([...args, '--format', f], {env: noProxyEnv}))
        .concat(runCli(['check', '-c', file, '--only', 'proxy.settings', '--format', 'junit'], {env: noProxyEnv})),
    )
    for (const r of [junit!, tap!, json!]) assert.equal(r.code, 4, r.stdout + r.stderr)
    assert.match(junit!.stdout, /<testsuites [^>]*failures="1"/)
    assert.match(junit!.stdout, /<failure type="warn"/)
    assert.match(tap!.stdout, /^not ok \d+ - proxy\.settings network$/m)
    assert.equal(JSON.parse(json!.stdout).strict, true)
    // Without --strict the same warning is not a failure.
    assert.equal(plain!.code, 0)
    assert.match(plain!.stdout, /<testsuites [^>]*failures="0"/)
    assert.doesNotMatch(plain!.stdout, /<failure/)
  })
})

describe('non-regular and huge files are refused at once (exit 2), never read forever', () => {
  test('validate of a FIFO, /dev/zero and an empty folder', async () => {
    const f = fifo(join(dir, 'pipe.yaml'))
    const empty = join(dir, 'empty')
    await mkdir(empty)
    for (const [arg, re] of [
      [f, /is a FIFO \(named pipe\), not a regular file/],
      ['/dev/zero', /is a character device, not a regular file/],
      [empty, /empty: no environment file in this folder/],
    ] as const) {
      for (const extra of [[], ['--json']]) {
        const r = await runCli(['validate', arg, ...extra], {timeoutMs: 15000})
        assert.equal(r.code, 2, `${arg}: ${r.stdout}${r.stderr}`)
        assert.match(r.stdout + r.stderr, re)
        clean(r)
      }
    }
  })

  test('${file:} on a FIFO or /dev/zero, a FIFO as caFile, as Runtime/appsettings.json, for cert inspect', async () => {
    const secretFifo = fifo(join(dir, 'secret-fifo'))
    for (const ref of [secretFifo, '/dev/zero']) {
      const file = join(dir, `ref-${ref === '/dev/zero' ? 'zero' : 'fifo'}.yaml`)
      await writeFile(file, saasEnv(dir, `    openIdClient: { id: Job, secret: "\${file:${ref}}" }\n`))
      const r = await runCli(['validate', file], {timeoutMs: 15000})
      assert.equal(r.code, 2, `validate ${file}: ${r.stdout}${r.stderr}`)
      assert.match(r.stdout + r.stderr, /not a regular file/)
      clean(r)
      // check reads a secret only for a check that needs it: the SMTP password, here.
      const needed = join(dir, `smtp-${ref === '/dev/zero' ? 'zero' : 'fifo'}.yaml`)
      await writeFile(
        needed,
        saasEnv(
          dir,
          `smtp:\n  host: 127.0.0.1\n  port: 1\n  username: idm\n  password: "\${file:${ref}}"\n  fromAddress: a@contoso.com\n`,
        ),
      )
      const run = await runCli(['check', '-c', needed, '--only', 'smtp.server', '--format', 'json'], {timeoutMs: 15000})
      assert.equal(run.code, 3, `${run.stdout}${run.stderr}`)
      const result = (
        JSON.parse(run.stdout) as {results: {id: string; status: string; message: string}[]}
      ).results.find((x) => x.id === 'smtp.server')
      assert.equal(result!.status, 'error')
      assert.match(result!.message, /not a regular file.*: smtp\.server 127\.0\.0\.1:1 cannot run$/)
      clean(run)
      const all = await runCli(['check', '-c', needed, '--only', 'smtp.server', '--require-secrets'], {
        timeoutMs: 15000,
      })
      assert.equal(all.code, 2, `${all.stdout}${all.stderr}`)
      assert.match(all.stderr, /not a regular file/)
      clean(all)
    }
    // A FIFO as network.caFile: the run ends (the check that needs it errors) instead of hanging.
    const caFifo = fifo(join(dir, 'ca-fifo.pem'))
    const caEnv = join(dir, 'ca.yaml')
    await writeFile(caEnv, saasEnv(dir, `network:\n  caFile: ${caFifo}\n${lenient}`))
    const ca = await runCli(['check', '-c', caEnv, '--only', 'tls.endpoint', '--timeout', '2s'], {
      env: noProxyEnv,
      timeoutMs: 20000,
    })
    assert.ok([2, 3].includes(ca.code!), ca.stdout + ca.stderr)
    assert.match(ca.stdout + ca.stderr, /caFile.*(FIFO|not a regular file)/)
    // validate --workdir with a FIFO where a settings file should be.
    const wd = join(dir, 'wd-fifo')
    await mkdir(join(wd, 'Runtime'), {recursive: true})
    fifo(join(wd, 'Runtime', 'appsettings.json'))
    const w = await runCli(['validate', '--workdir', wd], {timeoutMs: 15000})
    assert.equal(w.code, 2, w.stdout + w.stderr)
    assert.match(w.stdout, /appsettings\.json:1:1 {2}is a FIFO/)
    // cert inspect: a FIFO, and a 1 GB (sparse) file.
    const big = join(dir, 'big.pfx')
    await writeFile(big, '')
    await truncate(big, 1024 * 1024 * 1024)
    for (const [file, re] of [
      [caFifo, /is a FIFO/],
      [big, /is larger than 8 MB/],
    ] as const) {
      const r = await runCli(['cert', 'inspect', file], {env: {PFX: 'x'}, timeoutMs: 15000})
      assert.equal(r.code, 2, r.stdout + r.stderr)
      assert.match(r.stderr, re)
      clean(r)
    }
  })
})

describe('YAML bombs and huge mappings', () => {
  test('a billion-laughs file is exit 2 for that file only; the other files of the folder are still judged', async () => {
    const folder = join(dir, 'bombs')
    await mkdir(folder)
    const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for (let i = 1; i < 9; i++) {
      const prev = String.fromCharCode(96 + i)
      const cur = String.fromCharCode(97 + i)
      lines.push(`${cur}: &${cur} [${Array(9).fill(`*${prev}`).join(',')}]`)
    }
    await writeFile(join(folder, 'a-bomb.yaml'), `${lines.join('\n')}\n`)
    await writeFile(join(folder, 'b-good.yaml'), saasEnv(dir))
    const r = await runCli(['validate', folder, '--json'], {timeoutMs: 30000})
    assert.equal(r.code, 2, r.stdout + r.stderr)
    clean(r)
    const out = JSON.parse(r.stdout)
    assert.equal(out.summary.files, 2)
    const [bomb, good] = out.files
    assert.equal(bomb.valid, false)
    assert.match(bomb.diagnostics[0].message, /aliases expand too much/)
    assert.equal(good.valid, true)
  })

  test('40,000 keys are read in linear time; a duplicate key is still found with its line', async () => {
    const keys = Array.from({length: 40000}, (_, i) => `  k${i}: ${i}`)
    keys.push('  k17: again')
    const file = join(dir, 'many.yaml')
    await writeFile(file, `${saasEnv(dir)}extra:\n${keys.join('\n')}\n`)
    // Quadratic, this took a minute: the runner's 30 s limit fails the test if it comes back.
    const r = await runCli(['validate', file], {timeoutMs: 30000})
    assert.equal(r.code, 2, r.stdout + r.stderr)
    assert.match(
      r.stdout,
      /many\.yaml:\d+:3 {2}YAML syntax error: this key is already defined above \(duplicate key "k17"\)/,
    )
  })
})

describe('one validated timeout range, in validate and check alike', () => {
  test('0s, -1 and 3000000000ms in the file are exit 2 at checks.timeout; --timeout 900h names the flag', async () => {
    for (const value of ['0s', '-1', '3000000000ms']) {
      const file = join(dir, `t-${value.replace(/\W/g, '')}.yaml`)
      await writeFile(file, saasEnv(dir, `checks:\n  timeout: ${value}\n`))
      const v = await runCli(['validate', file])
      assert.equal(v.code, 2, `${value}: ${v.stdout}`)
      assert.match(v.stdout, /checks\.timeout/)
      const c = await runCli(['check', '-c', file, '--only', 'host.resources'])
      assert.equal(c.code, 2, `${value}: ${c.stdout}${c.stderr}`)
      assert.match(c.stderr, /checks\.timeout/)
      assert.doesNotMatch(c.stderr, /--timeout/)
    }
    const ok = join(dir, 't-ok.yaml')
    await writeFile(ok, saasEnv(dir, lenient))
    const r = await runCli(['check', '-c', ok, '--only', 'host.resources', '--timeout', '900h'])
    assert.equal(r.code, 2, r.stdout + r.stderr)
    assert.match(r.stderr, /--timeout 900h must be from 100ms to 1h/)
    assert.doesNotMatch(r.stderr, /TimeoutOverflowWarning/)
  })
})

describe('Ctrl-C', () => {
  test(
    'exit 130 at once, the partial report written and marked interrupted in every format',
    {timeout: 60_000},
    async () => {
      const sb = await startSandbox({topology: 'saas', server: {hostile: 'silent'}})
      try {
        for (const format of ['json', 'text', 'junit', 'tap']) {
          const out = join(dir, `interrupted.${format}`)
          const child = spawn(
            process.execPath,
            [BIN, 'check', '-c', sb.envFile, '--timeout', '30s', '--format', format, '-o', out],
            {stdio: ['ignore', 'pipe', 'pipe'], env: {...process.env, NODE_TEST_CONTEXT: undefined, NO_COLOR: '1'}},
          )
          let stderr = ''
          child.stderr.on('data', (d) => (stderr += d))
          // Wait until the silent server holds a check (the quick ones are done by then).
          await new Promise((r) => setTimeout(r, 2000))
          const t0 = performance.now()
          child.kill('SIGINT')
          const code = await new Promise((r) => child.on('close', r))
          assert.equal(code, 130, `${format}: ${stderr}`)
          assert.ok(performance.now() - t0 < 10_000, 'Ctrl-C did not stop the run')
          const text = await readFile(out, 'utf8')
          if (format === 'json') {
            const j = JSON.parse(text)
            assert.equal(j.interrupted, true)
            assert.equal(j.exitCode, 130)
          } else if (format === 'text') assert.match(text, /INTERRUPTED \(Ctrl-C\): this report is partial/)
          else if (format === 'junit') assert.match(text, /<failure type="interrupted"/)
          else assert.match(text, /^Bail out! interrupted/m)
        }
      } finally {
        await sb.stop()
      }
    },
  )
})

describe('Ctrl-C while a check waits on a child process', () => {
  test(
    'the run still ends with its partial report (a child-process exit hook used to kill it first)',
    {timeout: 60_000},
    async () => {
      // A dotnet that never answers: host.runtime waits on its process when Ctrl-C comes.
      const bin = join(dir, 'slow-dotnet-bin')
      await mkdir(bin, {recursive: true})
      await writeFile(join(bin, 'dotnet'), '#!/bin/sh\nexec sleep 30\n', {mode: 0o755})
      const file = join(dir, 'slow-dotnet.yaml')
      await writeFile(file, saasEnv(dir))
      const out = join(dir, 'slow-dotnet.json')
      const child = spawn(
        process.execPath,
        [BIN, 'check', '-c', file, '--only', 'host.runtime', '--timeout', '30s', '--format', 'json', '-o', out],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
          env: {...process.env, PATH: `${bin}:${process.env.PATH}`, NODE_TEST_CONTEXT: undefined, NO_COLOR: '1'},
        },
      )
      let stderr = ''
      child.stderr.on('data', (d) => (stderr += d))
      // Until the fake dotnet runs (the check has started it).
      for (let i = 0; i < 100 && !spawnSync('pgrep', ['-f', `${bin}/dotnet`]).stdout.length; i++)
        await new Promise((r) => setTimeout(r, 100))
      child.kill('SIGINT')
      const code = await new Promise((r) => child.on('close', r))
      assert.equal(code, 130, stderr)
      const report = JSON.parse(await readFile(out, 'utf8'))
      assert.equal(report.interrupted, true)
      const r = report.results.find((x: {id: string}) => x.id === 'host.runtime')
      assert.equal(r.status, 'error')
      assert.match(r.message, /interrupted/)
    },
  )
})

describe('text from peers cannot drive the terminal', () => {
  let smtp: Server
  before(
    async () =>
      (smtp = await new Promise<Server>((resolve) => {
        const s = createServer((c) => {
          c.write('554 \u001b]0;pwned\u0007\u001b[2J\u001b[31mgo away\u001b[0m\r\u001b[1Afake PASS\r\n')
          c.on('data', () => c.end('221 bye\r\n'))
          c.on('error', () => undefined)
        })
        s.listen(0, '127.0.0.1', () => resolve(s))
      })),
  )
  after(() => smtp.close())

  test('an SMTP greeting with escape sequences is printed without them, in every format', async () => {
    const file = join(dir, 'esc.yaml')
    const port = (smtp.address() as {port: number}).port
    await writeFile(
      file,
      saasEnv(
        dir,
        `smtp:\n  host: 127.0.0.1\n  port: ${port}\n  secureSocketOption: None\n  fromAddress: a@contoso.com\n`,
      ),
    )
    for (const format of ['text', 'json', 'junit', 'tap']) {
      const r = await runCli(['check', '-c', file, '--only', 'smtp.server', '--format', format], {env: noProxyEnv})
      assert.equal(r.code, 3, r.stdout + r.stderr)
      assert.match(r.stdout, /go away/)
      // eslint-disable-next-line no-control-regex
      assert.doesNotMatch(r.stdout, /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]|\\u001b|\\r/, format)
    }
  })
})

describe('--output never replaces an input, writes through devices, never through a link to a file', () => {
  let env: string
  before(async () => {
    env = join(dir, 'out-env.yaml')
    await writeFile(join(dir, 'job-secret'), 'Job-Secret-1')
    await writeFile(env, saasEnv(dir, `    openIdClient: { id: Job, secret: "\${file:./job-secret}" }\n${lenient}`))
  })
  const run = (o: string, extra: string[] = []) =>
    runCli(['check', '-c', env, '--only', 'host.resources', '-o', o, ...extra], {env: noProxyEnv})

  test('the environment file and a secret file are refused (exit 2), untouched', async () => {
    const before = await readFile(env, 'utf8')
    for (const target of [env, join(dir, 'job-secret')]) {
      const r = await run(target, ['--format', 'json'])
      assert.equal(r.code, 2, r.stdout + r.stderr)
      assert.match(r.stderr, /not overwritten/)
    }
    assert.equal(await readFile(env, 'utf8'), before)
    assert.equal(await readFile(join(dir, 'job-secret'), 'utf8'), 'Job-Secret-1')
    // Through a link to it, too.
    await symlink(env, join(dir, 'link-to-env.json'))
    assert.equal((await run(join(dir, 'link-to-env.json'))).code, 2)
    assert.equal(await readFile(env, 'utf8'), before)
  })

  test('/dev/null stays a device, /dev/stdout gets the report alone, a link to a file is refused', async () => {
    const r = await run('/dev/null')
    assert.equal(r.code, 0, r.stderr)
    assert.ok((await stat('/dev/null')).isCharacterDevice())
    const s = await run('/dev/stdout', ['--format', 'json'])
    assert.equal(s.code, 0, s.stderr)
    // Only the report on stdout (the summary and "written to" on stderr): a pipe gets valid JSON.
    assert.equal(JSON.parse(s.stdout).schemaVersion, 1)
    assert.match(s.stderr, /report \(json\) written to \/dev\/stdout/)
    // Writing through a link would rewrite the file it points to in place, without a .bak.
    const real = join(dir, 'real-report.json')
    await writeFile(real, 'old')
    await symlink(real, join(dir, 'report-link.json'))
    const link = await run(join(dir, 'report-link.json'))
    assert.equal(link.code, 2, link.stdout + link.stderr)
    assert.match(link.stderr, /report-link\.json is a symbolic link \(to .*real-report\.json\): not followed/)
    assert.ok((await lstat(join(dir, 'report-link.json'))).isSymbolicLink())
    assert.equal(await readFile(real, 'utf8'), 'old')
  })

  test('write failures are exit 2 naming the file: ENOSPC (/dev/full), ENOTDIR', async () => {
    const full = await run('/dev/full')
    assert.equal(full.code, 2, full.stdout + full.stderr)
    assert.match(full.stderr, /cannot write \/dev\/full: no space left on the device \(ENOSPC\)/)
    const notDir = await run(join(env, 'report.json'))
    assert.equal(notDir.code, 2)
    assert.match(notDir.stderr, /cannot write .*out-env\.yaml\/report\.json: a folder on the way is a file/)
    clean(full)
    clean(notDir)
  })
})

describe('user-caused write failures are exit 2 for scaffold, cert create and init', () => {
  test('a malformed Runtime/appsettings.json, even with --force; a target under a file', async () => {
    const env = join(dir, 'sc.yaml')
    const wd = join(dir, 'sc-wd')
    await writeFile(env, saasEnv(wd))
    await mkdir(join(wd, 'Runtime'), {recursive: true})
    await writeFile(join(wd, 'Runtime', 'appsettings.json'), '{ "ApplicationUri": ')
    for (const extra of [[], ['--force'], ['--dry-run']]) {
      const r = await runCli(['scaffold', '-c', env, '--target', wd, ...extra])
      assert.equal(r.code, 2, r.stdout + r.stderr)
      assert.match(r.stderr, /appsettings\.json cannot be used as the base/)
      assert.match(r.stderr, /appsettings\.json:1:\d+/)
      clean(r)
    }
    const under = await runCli(['scaffold', '-c', env, '--target', join(env, 'wd')])
    assert.equal(under.code, 2, under.stdout + under.stderr)
    assert.match(under.stderr, /cannot write .*: a folder on the way is a file/)
    const cert = await runCli(['cert', 'create', '--out', join(env, 'x.pfx'), '--password-env', 'P'], {
      env: {P: 'pw-123456'},
    })
    assert.equal(cert.code, 2, cert.stdout + cert.stderr)
    assert.match(cert.stderr, /cannot write .*x\.pfx: a folder on the way is a file/)
    const init = await runCli([
      'init',
      '--yes',
      '--topology',
      'saas',
      '--organization',
      'Contoso',
      '--server-url',
      'https://contoso.usercube.com',
      '--agent-url',
      'https://idm-agent.contoso.com',
      '--out',
      join(env, 'env.yaml'),
    ])
    assert.equal(init.code, 2, init.stdout + init.stderr)
    assert.match(init.stderr, /cannot write .*env\.yaml/)
    for (const r of [under, cert, init]) clean(r)
  })
})

describe('races: "exists?" and "write" are one step', () => {
  test("four parallel cert create --out same.pfx: exactly one wins, the file is the winner's", async () => {
    const out = join(dir, 'same.pfx')
    const runs = await Promise.all(
      Array.from({length: 4}, () =>
        runCli(['cert', 'create', '--out', out, '--password-env', 'P', '--json'], {env: {P: 'pw-123456'}}),
      ),
    )
    const winners = runs.filter((r) => r.code === 0)
    assert.equal(winners.length, 1, runs.map((r) => `${r.code} ${r.stderr}`).join('\n'))
    for (const r of runs.filter((x) => x.code !== 0)) {
      assert.equal(r.code, 2)
      assert.match(r.stdout + r.stderr, /exists: not overwritten/)
    }
    const inspect = await runCli(['cert', 'inspect', out, '--password-env', 'P', '--json'], {env: {P: 'pw-123456'}})
    assert.equal(
      JSON.parse(inspect.stdout).thumbprint ?? JSON.parse(inspect.stdout).certificates?.[0]?.thumbprint,
      JSON.parse(winners[0]!.stdout).thumbprint,
    )
    assert.deepEqual(
      (await readdir(dir)).filter((n) => n.startsWith('.same.pfx')),
      [],
      'temporary files left',
    )
  })

  test('six parallel scaffolds: each file is created by exactly one', async () => {
    const env = join(dir, 'race.yaml')
    const wd = join(dir, 'race-wd')
    await writeFile(env, saasEnv(wd))
    const runs = await Promise.all(
      Array.from({length: 6}, () => runCli(['scaffold', '-c', env, '--target', wd, '--json'], {timeoutMs: 60000})),
    )
    const created = new Map<string, number>()
    for (const r of runs) {
      assert.ok([0, 3].includes(r.code!), r.stdout + r.stderr)
      for (const item of JSON.parse(r.stdout).items as {relative: string; kind: string; action: string}[])
        if (item.kind === 'file' && item.action === 'created')
          created.set(item.relative, (created.get(item.relative) ?? 0) + 1)
    }
    assert.ok(created.size >= 4, JSON.stringify([...created]))
    for (const [file, n] of created) assert.equal(n, 1, `${file} reported created ${n} times`)
  })
})

describe('temporary files left by a killed run are cleaned up by the next', () => {
  test('ours whose process is gone (or old, unnumbered) are removed; a live one and foreign files stay', async () => {
    const env = join(dir, 'stale.yaml')
    const wd = join(dir, 'stale-wd')
    await writeFile(env, saasEnv(wd))
    await mkdir(join(wd, 'Runtime'), {recursive: true})
    const dead = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], {encoding: 'utf8'}).stdout.trim()
    const rt = (n: string) => join(wd, 'Runtime', n)
    const files = {
      deadPid: rt(`.appsettings.agent.json.${dead}.0123456789ab.tmp`),
      oldUnnumbered: rt('.appsettings.agent.json.0123456789ab.tmp'),
      livePid: rt(`.appsettings.agent.json.${process.pid}.0123456789ab.tmp`),
      freshUnnumbered: rt('.appsettings.agent.json.ba9876543210.tmp'),
      foreign: rt('.appsettings.agent.json.keep.tmp'),
    }
    for (const f of Object.values(files)) await writeFile(f, '{"Secret": "x"}', {mode: 0o600})
    const old = new Date(Date.now() - 3600_000)
    await utimes(files.oldUnnumbered, old, old)
    const r = await runCli(['scaffold', '-c', env, '--target', wd])
    assert.ok([0, 3].includes(r.code!), r.stdout + r.stderr)
    assert.equal(existsSync(files.deadPid), false)
    assert.equal(existsSync(files.oldUnnumbered), false)
    assert.equal(existsSync(files.livePid), true)
    assert.equal(existsSync(files.freshUnnumbered), true)
    assert.equal(existsSync(files.foreign), true)
  })
})

describe('PowerShell quoting', () => {
  const hostile = [
    "CONTOSO\\svc'; Start-Process calc; '",
    'CONTOSO\\svc\u2019; Write-Output INJECTED; \u2019',
    'a\u2018b\u201ac\u201bd',
    '$(Write-Output INJECTED)`"\'',
  ]
  test('psString values read back exactly in real PowerShell, with no code run', {skip: NO_PWSH}, () => {
    const script = hostile.map((v, i) => `$v${i} = ${psString(v)}; [Console]::Out.Write($v${i} + "<END>")`).join('\n')
    const r = spawnSync(pwsh!, ['-NoLogo', '-NoProfile', '-NonInteractive', '-Command', script], {encoding: 'utf8'})
    assert.equal(r.status, 0, r.stderr)
    assert.deepEqual(r.stdout.split('<END>').slice(0, -1), hostile)
  })
  test('validate refuses control characters in account names, hosts and paths', async () => {
    const file = join(dir, 'ctl.yaml')
    await writeFile(
      file,
      saasEnv(dir).replace('serviceAccount: svc-idm', 'serviceAccount: "svc\\r\\nStart-Process calc"'),
    )
    const r = await runCli(['validate', file])
    assert.equal(r.code, 2, r.stdout)
    assert.match(r.stdout, /agents\[0\]\.serviceAccount {2}contains a control character \(U\+000D\)/)
  })
})

describe('a terminal that reports no size', () => {
  let dir: string
  let cleanup: () => Promise<void>
  before(async () => ({dir, cleanup} = await tempDir()))
  after(async () => cleanup())

  test('progress draws whole lines (listr2 is given 80 columns), the report follows', async () => {
    const env = join(dir, 'env.yaml')
    // A DNS server that never answers keeps dns.alias waiting (--timeout), so that the progress is
    // drawn while the run lasts: it is cleared when the report prints.
    const silent = createSocket('udp4')
    await new Promise<void>((resolve) => silent.bind(0, '127.0.0.1', resolve))
    after(() => silent.close())
    const dns = `network:\n  dnsServers: ['127.0.0.1:${silent.address().port}']\n`
    await writeFile(env, saasEnv(dir, `${lenient}${dns}`))
    // A pseudo-terminal nobody sized: 0 rows, 0 columns, and no COLUMNS in the environment.
    const py = `import os, pty, select, sys, time
pid, fd = pty.fork()
if pid == 0:
    os.environ.pop('COLUMNS', None); os.environ['TERM'] = 'xterm'
    os.execvp(sys.argv[1], sys.argv[1:])
out = b''; end = time.time() + 60
while time.time() < end:
    r, _, _ = select.select([fd], [], [], 0.1)
    if r:
        try: d = os.read(fd, 65536)
        except OSError: break
        if not d: break
        out += d
_, st = os.waitpid(pid, 0)
sys.stdout.write(out.decode('utf-8', 'replace')); sys.exit(os.WEXITSTATUS(st))`
    const r = spawnSync(
      'python3',
      ['-c', py, process.execPath, BIN, 'check', '-c', env, '--only', 'host.resources,proxy.settings,dns.alias'],
      {encoding: 'utf8', env: {...process.env, ...noProxyEnv, HTTPS_PROXY: '', NO_PROXY: ''}, timeout: 90_000},
    )
    assert.equal(r.status, 3, r.stdout)
    assert.match(r.stdout, /host\.resources \(1\/1\)/, 'a progress line drawn whole')
    assert.doesNotMatch(r.stdout, /\r\n {2}h\r\n {2}o\r\n {2}s\r\n {2}t/, 'not one character per line')
    // eslint-disable-next-line no-control-regex
    assert.match(r.stdout.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, ''), /\d+ checks: 2 pass/)
  })
})
