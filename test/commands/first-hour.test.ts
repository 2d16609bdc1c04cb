import assert from 'node:assert/strict'
import {existsSync} from 'node:fs'
import {chmod, mkdir, readdir, readFile, rm, writeFile} from 'node:fs/promises'
import {dirname, isAbsolute, join, resolve} from 'node:path'
import {after, before, describe, test} from 'node:test'
import {startSandbox, type Sandbox} from '../../src/sandbox/index.js'
import {ROOT, runCli, runCliInPty, tempDir} from '../helpers/cli.js'

/** The rows of a text report, by group: `  STATUS  id  target  message`. */
interface Row {
  line: string
  id: string
  target: string
  targetAt: number
  messageAt: number
}
function rows(text: string): Map<string, Row[]> {
  const groups = new Map<string, Row[]>()
  let group = ''
  for (const line of text.split('\n')) {
    if (/^\S/.test(line) && !line.startsWith('idm-preflight:')) group = line
    const m = /^ {2}(PASS|WARN|FAIL|SKIP|ERROR)( +)(\S+)( +)(\S+)( +)/.exec(line)
    if (!m) continue
    const g = groups.get(group) ?? []
    const targetAt = 2 + m[1]!.length + m[2]!.length + m[3]!.length + m[4]!.length
    g.push({line, id: m[3]!, target: m[5]!, targetAt, messageAt: m[0].length})
    groups.set(group, g)
  }
  return groups
}

describe('the text report: columns from the data, every target named, the mail group in full', () => {
  let sb: Sandbox
  before(async () => {
    sb = await startSandbox({topology: 'on-prem-separate'})
  })
  after(async () => sb.stop())

  test('ids never glue to their target; each group aligns its messages; no target is empty', async () => {
    const r = await runCli(['check', '-c', sb.envFile, '--stage', 'after'], {timeoutMs: 60_000})
    assert.equal(r.code, 0, r.stdout + r.stderr)
    const groups = rows(r.stdout)
    assert.ok(groups.size >= 8, `groups:\n${r.stdout}`)
    const all = [...groups.values()].flat()
    // Every result of the report is a row the pattern reads (two spaces at least between columns).
    assert.equal(all.length, Number(/^(\d+) checks:/m.exec(r.stdout)![1]), r.stdout)
    // The longest id (cert.identity-server) has its own column, two spaces before its target.
    assert.ok(
      all.some((x) => /^ {2}PASS {2}cert\.identity-server {2}server {2,}\S/.test(x.line)),
      r.stdout,
    )
    for (const [group, list] of groups) {
      assert.equal(
        new Set(list.map((x) => x.messageAt)).size,
        1,
        `one message column in ${group}:\n${list.map((x) => x.line).join('\n')}`,
      )
      assert.equal(new Set(list.map((x) => x.targetAt)).size, 1, `one target column in ${group}`)
    }
    // The mail group is named in full, and its skipped pickup check names the SMTP server it skips for.
    assert.match(r.stdout, /^mail: SMTP server or pickup folder$/m)
    assert.doesNotMatch(r.stdout, /…/)
    const mail = groups.get('mail: SMTP server or pickup folder')!
    const pickup = mail.find((x) => x.id === 'smtp.pickup')!
    assert.equal(pickup.target, `${sb.names.smtp}:${sb.ports.smtp}`)
  })

  test('--plan: every instance has a target, smtp.pickup the SMTP server', async () => {
    const r = await runCli(['check', '-c', sb.envFile, '--plan', '--json'])
    assert.equal(r.code, 0, r.stderr)
    const plan = JSON.parse(r.stdout) as {instances: {id: string; target: string}[]}
    for (const i of plan.instances) assert.notEqual(i.target, '-', `${i.id} has no target`)
    assert.equal(plan.instances.find((i) => i.id === 'smtp.pickup')!.target, `${sb.names.smtp}:${sb.ports.smtp}`)
    const text = await runCli(['check', '-c', sb.envFile, '--plan'])
    assert.match(
      text.stdout,
      new RegExp(`^skip {2}smtp\\.pickup +${sb.names.smtp.replace(/\./g, '\\.')}:${sb.ports.smtp} +.*SMTP mode`, 'm'),
    )
  })

  test('on a terminal the progress list is cleared when the report that repeats it prints', async () => {
    const r = await runCliInPty(['check', '-c', sb.envFile, '--stage', 'after'], [], {timeoutMs: 60_000})
    assert.equal(r.code, 0, r.stdout)
    const header = r.stdout.indexOf('idm-preflight: sandbox (')
    assert.ok(header > 0, r.stdout)
    const before = r.stdout.slice(0, header)
    // What is still on the screen above the report: after the last erase of the progress area.
    const erased = Math.max(...['\x1b[2K', '\x1b[1A', '\x1b[J', '\x1b[0J'].map((e) => before.lastIndexOf(e)))
    const left = before.slice(Math.max(erased, 0))
    assert.doesNotMatch(
      left,
      /\(\d+\/\d+\)|: skipped/,
      `the progress list stays above the report:\n${JSON.stringify(left)}`,
    )
    // It was there while the checks ran (a pseudo-terminal nobody sized gets 80 columns, 24 rows).
    assert.match(before, /dns\.alias \(\d+\/3\)/, 'the progress list is drawn while the checks run')
    assert.match(r.stdout, /^\d+ checks: .*\(exit 0\)/m)
  })
})

describe('demo --dir into a folder in use', () => {
  let dir: string
  let cleanup: () => Promise<void>
  before(async () => {
    ;({dir, cleanup} = await tempDir())
    // The sandbox's service account (nobody, as root) must reach its working directories.
    await chmod(dir, 0o755)
  })
  after(async () => cleanup())

  test(
    'refused, naming the folder; --force clears an earlier demo and says so; never a folder of other files',
    {timeout: 180_000},
    async () => {
      const demo = join(dir, 'demo')
      const first = await runCli(['demo', '--dir', demo, '--json'], {timeoutMs: 90_000})
      assert.equal(first.code, 0, first.stdout.slice(-3000) + first.stderr)
      const again = await runCli(['demo', '--dir', demo])
      assert.equal(again.code, 2, again.stdout + again.stderr)
      assert.equal(again.stdout, '')
      assert.match(
        again.stderr,
        new RegExp(
          `^idm-preflight: --dir ${demo.replace(/[/.]/g, '\\$&')} is not empty \\(agent, certs, idm-preflight\\.yaml, …\\)`,
        ),
      )
      assert.match(
        again.stderr,
        /\n {2}hint: give a new or empty folder, or add --force to clear the earlier demo there first\n$/,
      )
      // An old file of that demo, to see it go.
      await writeFile(join(demo, 'report-old.json'), '{}')
      const forced = await runCli(['demo', '--dir', demo, '--force', '-q'], {timeoutMs: 90_000})
      assert.equal(forced.code, 0, forced.stdout + forced.stderr)
      assert.match(
        forced.stderr,
        new RegExp(`^cleared ${demo.replace(/[/.]/g, '\\$&')} \\(--force\\): \\d+ entries an earlier demo left$`, 'm'),
      )
      assert.ok(!existsSync(join(demo, 'report-old.json')))
      assert.ok(existsSync(join(demo, 'report.html')))
      // -q: only what is not a pass (the skips and passes are not listed), and the summary.
      assert.doesNotMatch(forced.stdout, /^ {2}PASS /m)
      assert.match(forced.stdout, /^\d+ checks: \d+ pass/m)

      const mine = join(dir, 'mine')
      await mkdir(mine)
      await writeFile(join(mine, 'notes.txt'), 'mine')
      for (const args of [[], ['--force']]) {
        const r = await runCli(['demo', '--dir', mine, ...args])
        assert.equal(r.code, 2, r.stdout + r.stderr)
        assert.match(r.stderr, /notes\.txt/)
        assert.match(r.stderr, /hint: give a new or empty folder\n$/)
      }
      assert.deepEqual(await readdir(mine), ['notes.txt'])
    },
  )
})

describe("init's $schema line", () => {
  let dir: string
  let cleanup: () => Promise<void>
  before(async () => ({dir, cleanup} = await tempDir()))
  after(async () => cleanup())

  test('points at the schema this clone ships, from wherever the file is written', async () => {
    for (const out of [
      join(dir, 'saas.yaml'),
      join(dir, 'deep', 'er', 'saas.yaml'),
      join(ROOT, 'tmp-init-saas.yaml'),
    ]) {
      await mkdir(dirname(out), {recursive: true})
      try {
        const r = await runCli([
          'init',
          '--topology',
          'saas',
          '--organization',
          'Contoso',
          '--server-url',
          'https://contoso.usercube.com',
          '--agent-url',
          'https://idm-agent.contoso.com',
          '--mail',
          'none',
          '--yes',
          '--out',
          out,
        ])
        assert.equal(r.code, 0, r.stdout + r.stderr)
        const first = (await readFile(out, 'utf8')).split('\n')[0]!
        const m = /^# yaml-language-server: \$schema=(\S+)$/.exec(first)
        assert.ok(m, first)
        assert.ok(!isAbsolute(m[1]!), `relative: ${m[1]}`)
        assert.equal(resolve(dirname(out), m[1]!), join(ROOT, 'schema', 'environment.schema.json'))
        assert.ok(existsSync(resolve(dirname(out), m[1]!)))
      } finally {
        await rm(join(ROOT, 'tmp-init-saas.yaml'), {force: true})
      }
    }
  })
})

describe('-q where a command returns data', () => {
  let dir: string
  let cleanup: () => Promise<void>
  before(async () => ({dir, cleanup} = await tempDir()))
  after(async () => cleanup())

  test('checks list -q: the ids, one a line, as --json has them', async () => {
    const q = await runCli(['checks', 'list', '-q'])
    assert.equal(q.code, 0, q.stderr)
    const json = JSON.parse((await runCli(['checks', 'list', '--json'])).stdout) as {id: string}[]
    assert.equal(q.stdout, `${json.map((c) => c.id).join('\n')}\n`)
  })

  test('cert create -q: the thumbprint only, the one cert inspect reads', async () => {
    const env = {P: 'Quiet-Pa55-Word'}
    const q = await runCli(['cert', 'create', '-o', 'q.pfx', '--password-env', 'P', '-q'], {cwd: dir, env})
    assert.equal(q.code, 0, q.stderr)
    assert.match(q.stdout, /^[0-9A-F]{40}\n$/)
    const inspect = await runCli(['cert', 'inspect', 'q.pfx', '--password-env', 'P', '--json'], {cwd: dir, env})
    assert.ok(inspect.stdout.includes(q.stdout.trim()), inspect.stdout)
  })
})
