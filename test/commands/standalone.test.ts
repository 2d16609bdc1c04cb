import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {chmod, open, readFile, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'
import {hasStackTrace, ROOT, tempDir} from '../helpers/cli.js'

const SEA = join(ROOT, 'dist', 'sea')
const LINUX = join(SEA, 'idm-preflight-linux-x64')
const WINDOWS = join(SEA, 'idm-preflight-win-x64.exe')
const FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2'
const wine = spawnSync('sh', ['-c', 'command -v wine'], {encoding: 'utf8'}).stdout.trim()
const {version} = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as {version: string}

/** The machine's PATH as it comes: its own Node.js (20 here, too old for bin/run.js) or none. */
const NO_NODE_ENV = {PATH: '/usr/sbin:/usr/bin:/bin', HOME: process.env.HOME ?? '/root', NO_COLOR: '1'}
const pathNode = spawnSync('node', ['-p', 'process.versions.node'], {encoding: 'utf8', env: NO_NODE_ENV}).stdout?.trim()
const ENV_FILE = `version: 1
name: sea
product: saas
topology: saas
organization: SEA
server: {url: https://sea.usercube.com}
agents:
  - {identifier: SeaAgent, url: https://agent.sea.test, workingDirectory: /srv/idm, serviceAccount: svc}
`

describe(
  'standalone executables (Node.js single executable applications)',
  {skip: process.platform !== 'linux' || process.arch !== 'x64' ? 'built and run on Linux x64 only' : false},
  () => {
    let dir: string
    let cleanup: () => Promise<void>
    before(async () => {
      ;({dir, cleanup} = await tempDir())
      await chmod(dir, 0o755)
      // The build itself is part of what is tested: bundle, fetch node-*-x64 (cached), inject.
      for (const args of [['dist/scripts/bundle.js', '--sea'], ['dist/scripts/sea.js']]) {
        const r = spawnSync(process.execPath, args, {cwd: ROOT, encoding: 'utf8', timeout: 540_000})
        assert.equal(r.status, 0, `${args.join(' ')}: ${r.stdout}${r.stderr}`)
      }
    })
    after(async () => cleanup())

    test(
      `the Linux executable runs --version, validate and demo (Node.js on PATH: ${pathNode || 'none'})`,
      {timeout: 180_000},
      async () => {
        assert.ok(
          !pathNode || Number(pathNode.split('.')[0]) < 22,
          'the PATH has no Node.js 22 the executable could lean on',
        )
        const v = spawnSync(LINUX, ['--version'], {encoding: 'utf8', env: NO_NODE_ENV})
        assert.equal(v.status, 0, v.stderr)
        assert.match(v.stdout, new RegExp(`^idm-preflight/${version.replace(/\./g, '\\.')} linux-x64 node-v22\\.`))

        const good = join(dir, 'good.yaml')
        await writeFile(good, ENV_FILE)
        const ok = spawnSync(LINUX, ['validate', good], {encoding: 'utf8', env: NO_NODE_ENV})
        assert.equal(ok.status, 0, ok.stdout + ok.stderr)
        assert.match(ok.stdout, /^valid {4}/m)
        const bad = join(dir, 'bad.yaml')
        await writeFile(bad, 'version: 1\nname: [sea\n')
        const ko = spawnSync(LINUX, ['validate', bad], {encoding: 'utf8', env: NO_NODE_ENV})
        assert.equal(ko.status, 2, ko.stdout + ko.stderr)
        assert.match(ko.stdout + ko.stderr, /bad\.yaml:\d+:\d+/)
        assert.ok(!hasStackTrace(ko.stdout + ko.stderr))

        // demo: sandbox servers, every check, the scaffold from the embedded templates.
        const demoDir = join(dir, 'demo')
        const demo = spawnSync(LINUX, ['demo', '--dir', demoDir, '--json'], {
          encoding: 'utf8',
          env: NO_NODE_ENV,
          timeout: 150_000,
        })
        assert.equal(demo.status, 0, demo.stdout.slice(-2000) + demo.stderr)
        const out = JSON.parse(demo.stdout) as {
          report: {summary: {pass: number; fail: number; error: number}; results: {id: string; status: string}[]}
          scaffolded?: {files: number; problems: number}
        }
        assert.equal(out.report.summary.fail + out.report.summary.error, 0)
        assert.ok(out.report.summary.pass >= 15, `passes: ${out.report.summary.pass}`)
        for (const id of ['sql.connection', 'smtp.server', 'tls.endpoint', 'cert.encryption', 'dns.alias'])
          assert.ok(
            out.report.results.some((r) => r.id === id && r.status === 'pass'),
            `${id} passes in the executable`,
          )
        assert.ok(
          out.scaffolded && out.scaffolded.files > 0 && out.scaffolded.problems === 0,
          JSON.stringify(out.scaffolded),
        )
        const web = await readFile(join(demoDir, 'scaffold', 'SandboxAgent', 'Runtime', 'web.config'), 'utf8')
        assert.match(web, /arguments="\.\/Usercube-Agent\.dll"/, 'web.config rendered from the embedded template')
      },
    )

    test('the Windows executable is a PE file with the bundle injected and its fuse flipped', async () => {
      const exe = await readFile(WINDOWS)
      assert.equal(exe.subarray(0, 2).toString('latin1'), 'MZ')
      const pe = exe.readUInt32LE(0x3c)
      assert.equal(exe.subarray(pe, pe + 4).toString('latin1'), 'PE\0\0')
      assert.equal(exe.readUInt16LE(pe + 4), 0x8664, 'machine: x64')
      assert.ok(exe.includes(`${FUSE}:1`), 'the SEA fuse is flipped')
      assert.ok(!exe.includes(`${FUSE}:0`))
      // The blob holds the bundle's text and the templates as assets.
      assert.ok(exe.includes('provideChecks'), 'the bundle is inside')
      assert.ok(exe.includes('templates/scripts/set-permissions.ps1'), 'the templates are assets')
    })

    test(
      'the Windows executable runs --version and validate under wine',
      {skip: wine ? false : 'wine64 is not installed (apt-get install wine64)', timeout: 180_000},
      async () => {
        // Wine gives Node.js pipes it cannot open as streams (EBADF): stdout and stderr go to files.
        const run = async (args: string[]) => {
          const out = join(dir, 'wine.out')
          const err = join(dir, 'wine.err')
          const [o, e] = await Promise.all([open(out, 'w'), open(err, 'w')])
          const r = spawnSync(wine, [WINDOWS, ...args], {
            stdio: ['ignore', o.fd, e.fd],
            env: {...NO_NODE_ENV, WINEDEBUG: '-all', WINEPREFIX: join(dir, 'wineprefix')},
            timeout: 120_000,
          })
          await Promise.all([o.close(), e.close()])
          return {status: r.status, stdout: await readFile(out, 'utf8'), stderr: await readFile(err, 'utf8')}
        }
        // Node.js refuses the Windows 7 that a new wine prefix claims to be.
        spawnSync(wine, ['winecfg', '-v', 'win10'], {
          env: {...NO_NODE_ENV, WINEDEBUG: '-all', WINEPREFIX: join(dir, 'wineprefix')},
          stdio: 'ignore',
          timeout: 120_000,
        })
        const v = await run(['--version'])
        assert.equal(v.status, 0, v.stdout + v.stderr)
        assert.match(v.stdout, new RegExp(`^idm-preflight/${version.replace(/\./g, '\\.')} win32-x64 node-v22\\.`))
        const good = join(dir, 'win.yaml')
        await writeFile(good, ENV_FILE)
        const ok = await run(['validate', `Z:${good.replace(/\//g, '\\')}`])
        assert.equal(ok.status, 0, ok.stdout + ok.stderr)
        assert.match(ok.stdout, /^valid {4}Z:\\/m)
      },
    )
  },
)
