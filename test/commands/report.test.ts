import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {chmod, readFile, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'
import {XMLValidator} from 'fast-xml-parser'
import type {Report} from '../../src/report/report.js'
import {startSandbox, type Sandbox} from '../../src/sandbox/index.js'
import {hasStackTrace, runCli, tempDir} from '../helpers/cli.js'

const noProxyEnv = {HTTPS_PROXY: undefined, https_proxy: undefined, NO_PROXY: undefined, no_proxy: undefined}

/**
 * The reports of one installation from several hosts: the sandbox's server (check without
 * --agent) and each of its three agents (check --agent), Agent02's Temp not writable. Then the
 * picture's places, `report merge`, `report show` and `check --output x.html`, and every way a
 * report file can be wrong.
 */
describe('reports: places in the picture, report merge and report show', () => {
  let sb: Sandbox
  let dir: string
  let cleanup: () => Promise<void>
  const files: string[] = []
  const reports: Report[] = []
  before(async () => {
    ;({dir, cleanup} = await tempDir())
    sb = await startSandbox({topology: 'on-prem-separate', agents: 3})
    await chmod(join(sb.dir, 'agent-02', 'Temp'), 0o555)
    const runs = [[], ['--agent', 'SandboxAgent'], ['--agent', 'Agent02'], ['--agent', 'Agent03']]
    const out = await Promise.all(
      runs.map((extra) =>
        runCli(['check', '-c', sb.envFile, '--stage', 'after', '--format', 'json', ...extra], {env: noProxyEnv}),
      ),
    )
    for (const [i, r] of out.entries()) {
      assert.ok(r.code === 0 || r.code === 3, r.stderr)
      const file = join(dir, `host-${i}.json`)
      await writeFile(file, r.stdout)
      files.push(file)
      reports.push(JSON.parse(r.stdout) as Report)
    }
  })
  after(async () => {
    await sb?.stop()
    await cleanup?.()
  })

  test('every result has a place in the picture; an agent host is its agent', () => {
    for (const report of reports) {
      const places = new Set([...report.picture!.nodes, ...report.picture!.links].map((x) => x.id))
      for (const r of report.results) assert.ok(places.has(r.place!), `${r.id} ${r.target}: ${r.place}`)
    }
    assert.deepEqual(
      reports.map((r) => [r.host!.agent ?? '', r.host!.component]),
      [
        ['', 'server'],
        ['SandboxAgent', 'agent:SandboxAgent'],
        ['Agent02', 'agent:Agent02'],
        ['Agent03', 'agent:Agent03'],
      ],
    )
    const agent02 = reports[2]!
    const perms = agent02.results.find((r) => r.id === 'folders.permissions' && /agent-02/.test(r.target))!
    assert.equal(perms.status, 'fail')
    assert.equal(perms.place, 'agent:Agent02')
    const sql = reports[0]!.results.find((r) => r.id === 'sql.connection')!
    assert.equal(sql.place, 'server>database')
    const reach = agent02.results.find((r) => r.id === 'server.reachability')!
    assert.equal(reach.place, 'agent:Agent02>server')
    // The picture: browsers, server, database, three agents, SMTP, the first agent's managed
    // systems, proxy, DNS; no secret in it.
    assert.deepEqual(
      reports[0]!.picture!.nodes.map((n) => n.id),
      [
        'browsers',
        'server',
        'database',
        'agent:SandboxAgent',
        'agent:Agent02',
        'agent:Agent03',
        'smtp',
        'system:AD/ADExport',
        'system:HR/HRExport',
        'system:SCIMApp/SCIMExport',
        'system:HRDatabase/HRDatabaseExport',
        'proxy',
        'dns',
      ],
    )
    const ldap = reports[0]!.results.find((r) => r.id === 'connector.ldap')!
    assert.equal(ldap.place, 'agent:SandboxAgent>system:AD/ADExport')
    assert.ok(reports[0]!.picture!.links.some((l) => l.id === 'agent:SandboxAgent>system:AD/ADExport'))
  })

  test('report merge: one report of the installation, one row per thing checked, with its hosts', async () => {
    const r = await runCli(['report', 'merge', ...files, '--format', 'json'])
    assert.equal(r.code, 3, r.stderr)
    const merged = JSON.parse(r.stdout) as Report
    // The same check of the same thing (check, target, place) from several hosts is one row.
    const key = (x: Report['results'][number]) => JSON.stringify([x.id, x.target, x.place])
    const keys = new Set(reports.flatMap((x) => x.results.map(key)))
    assert.equal(merged.results.length, keys.size)
    assert.ok(merged.results.length < reports.reduce((n, x) => n + x.results.length, 0))
    assert.equal(new Set(merged.results.map(key)).size, merged.results.length, 'each row once')
    const dns = merged.results.find((x) => x.id === 'dns.alias' && x.target === sb.names.server)!
    assert.equal(dns.hosts?.length, 4, JSON.stringify(dns))
    assert.equal(merged.runs!.length, 4)
    assert.deepEqual(
      merged.runs!.map((x) => x.file),
      files,
    )
    const labels = new Set(merged.results.flatMap((x) => x.hosts?.map((h) => h.host) ?? [x.host]))
    assert.equal(labels.size, 4, [...labels].join(', '))
    assert.deepEqual(merged.summary, {
      pass: merged.results.filter((x) => x.status === 'pass').length,
      warn: merged.results.filter((x) => x.status === 'warn').length,
      fail: merged.results.filter((x) => x.status === 'fail').length,
      error: merged.results.filter((x) => x.status === 'error').length,
      skip: merged.results.filter((x) => x.status === 'skip').length,
    })
    assert.ok(merged.summary.fail > 0)
    // Each run's own summary is its results'.
    for (const [i, run] of merged.runs!.entries()) assert.deepEqual(run.summary, reports[i]!.summary)
    // The merged report is itself a valid report: show reads it back.
    const back = join(dir, 'merged.json')
    await writeFile(back, r.stdout)
    const show = await runCli(['report', 'show', back])
    assert.equal(show.code, 3)
    assert.match(show.stdout, /folders\.permissions .*agent-02 @ .*\(Agent02\)/)
  })

  test('report merge writes HTML, JUnit and TAP by the --output extension', async () => {
    const total = (JSON.parse((await runCli(['report', 'merge', ...files, '--json'])).stdout) as Report).results.length
    const html = join(dir, 'fleet.html')
    const r = await runCli(['report', 'merge', ...files, '--output', html])
    assert.equal(r.code, 3, r.stderr)
    assert.match(r.stdout, /report \(html\) written to .*fleet\.html/)
    const page = await readFile(html, 'utf8')
    assert.equal(page.match(/<tr class="result"/g)?.length, total)
    assert.equal(page.match(/<a class="place box"[^>]*data-kind=/g)?.length, reports[0]!.picture!.nodes.length)
    assert.doesNotMatch(page, /<(link|img|iframe|object|embed)\b|\bsrc=|url\((?!#)/i, 'self-contained: nothing to load')
    const xml = join(dir, 'fleet.xml')
    assert.equal((await runCli(['report', 'merge', ...files, '--output', xml])).code, 3)
    const junit = await readFile(xml, 'utf8')
    assert.equal(XMLValidator.validate(junit), true)
    assert.equal(junit.match(/<testcase /g)?.length, total)
    const tap = await runCli(['report', 'merge', ...files, '--format', 'tap'])
    assert.match(tap.stdout, new RegExp(`^1\\.\\.${total}$`, 'm'))
  })

  test('check --output report.html writes HTML (not text), report show renders a saved report', async () => {
    const html = join(dir, 'one.html')
    const r = await runCli(['check', '-c', sb.envFile, '--stage', 'after', '--agent', 'Agent03', '--output', html], {
      env: noProxyEnv,
    })
    assert.equal(r.code, 0, r.stderr)
    const page = await readFile(html, 'utf8')
    assert.match(page, /^<!DOCTYPE html>/)
    assert.match(page, /<svg id="picture"/)
    const shown = await runCli(['report', 'show', files[3]!, '--format', 'html'])
    assert.equal(shown.code, 0)
    assert.equal(shown.stdout.match(/<tr class="result"/g)?.length, reports[3]!.results.length)
  })

  test('bad report files: a clear message naming the file, exit 2, never a stack trace or a hang', async () => {
    const other = join(dir, 'other-env.json')
    await writeFile(other, JSON.stringify({...reports[1], environment: 'another'}))
    const v2 = join(dir, 'v2.json')
    await writeFile(v2, JSON.stringify({...reports[1], schemaVersion: 2}))
    const shape = join(dir, 'shape.json')
    await writeFile(shape, JSON.stringify({...reports[1], results: [{id: 'x'}]}))
    // A docs link that is not https (a javascript: one would run when clicked): refused.
    const script = join(dir, 'script-link.json')
    await writeFile(
      script,
      JSON.stringify({
        ...reports[1],
        results: reports[1]!.results.map((r, i) => (i ? r : {...r, docs: 'javascript:alert(1)'})),
      }),
    )
    const plain = join(dir, 'http-link.json')
    await writeFile(
      plain,
      JSON.stringify({
        ...reports[1],
        results: reports[1]!.results.map((r, i) => (i ? r : {...r, docs: 'http://x.example/'})),
      }),
    )
    const truncated = join(dir, 'truncated.json')
    await writeFile(truncated, JSON.stringify(reports[1]).slice(0, 500))
    const htmlFile = join(dir, 'fleet.html')
    const fifo = join(dir, 'fifo.json')
    spawnSync('mkfifo', [fifo])
    const cases: [string[], RegExp][] = [
      [
        [files[0]!, other],
        /other-env\.json is environment "another" \(on-prem-separate\), .*host-0\.json is "sandbox"/,
      ],
      [[files[0]!, v2], /v2\.json is a report of schema version 2; this idm-preflight reads version 1/],
      [[files[0]!, shape], /shape\.json is not a valid report: \/results\/0 /],
      [[files[0]!, truncated], /truncated\.json is not JSON/],
      [
        [files[0]!, script],
        /script-link\.json is not a valid report: \/results\/0\/docs must match pattern "\^https:\/\/"/,
      ],
      [[files[0]!, plain], /http-link\.json is not a valid report: \/results\/0\/docs must match pattern/],
      [[files[0]!, htmlFile], /fleet\.html is not JSON: [\s\S]*an HTML, JUnit or text report cannot be read back/],
      [[files[0]!, fifo], /fifo\.json is a FIFO \(named pipe\), not a regular file/],
      [[files[0]!, '/dev/zero'], /\/dev\/zero is a character device, not a regular file/],
      [[files[0]!, join(dir, 'missing.json')], /missing\.json does not exist/],
    ]
    for (const [args, message] of cases) {
      const r = await runCli(['report', 'merge', ...args], {timeoutMs: 15_000})
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stdout}${r.stderr}`)
      assert.match(r.stderr, message)
      assert.ok(!hasStackTrace(r.stderr), r.stderr)
    }
    // --output never replaces one of the reports read.
    const before = await readFile(files[0]!, 'utf8')
    const same = await runCli(['report', 'merge', files[0]!, files[1]!, '--output', files[0]!])
    assert.equal(same.code, 2, same.stderr)
    assert.equal(await readFile(files[0]!, 'utf8'), before)
  })

  test('hostile text in a report stays text in the HTML page', async () => {
    const evil = structuredClone(reports[1]!)
    evil.results[0]!.message = `</td></tr></table><script>alert(1)</script><img src=x onerror=alert(2)>`
    evil.results[0]!.target = `"><svg onload=alert(3)>`
    evil.picture!.nodes[1]!.label = ['</text></svg><script>alert(4)</script>']
    // A crafted picture: a box twice, an arrow to a box that is not there.
    evil.picture!.nodes.push({...evil.picture!.nodes[0]!})
    evil.picture!.links.push({id: 'server>ghost', from: 'server', to: 'ghost'})
    const file = join(dir, 'evil.json')
    await writeFile(file, JSON.stringify(evil))
    const r = await runCli(['report', 'show', file, '--format', 'html'])
    assert.equal(r.code, evil.exitCode)
    assert.equal(r.stdout.match(/<script>/g)?.length, 1, 'only the page script')
    assert.doesNotMatch(r.stdout, /<img|<svg onload/)
    assert.match(r.stdout, /&lt;img src=x onerror=alert\(2\)&gt;/)
    assert.match(r.stdout, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/)
    assert.match(r.stdout, /&lt;\/text&gt;&lt;\/svg&gt;&lt;script&gt;alert\(4\)/)
    assert.equal(r.stdout.match(/data-kind=/g)?.length, reports[1]!.picture!.nodes.length)
    assert.doesNotMatch(r.stdout, /ghost/)
    // A picture no installation has (5000 boxes) is said, not laid out; a huge label is cut.
    const huge = structuredClone(reports[1]!)
    huge.picture!.nodes = Array.from({length: 5000}, (_, i) => ({
      id: `n${i}`,
      kind: 'agent' as const,
      label: [`A${i}`],
    }))
    const hugeFile = join(dir, 'huge.json')
    await writeFile(hugeFile, JSON.stringify(huge))
    const big = await runCli(['report', 'show', hugeFile, '--format', 'html'], {timeoutMs: 20_000})
    assert.equal(big.code, huge.exitCode, big.stderr)
    assert.match(big.stdout, /The picture is left out: 5000 components/)
    const long = structuredClone(reports[1]!)
    long.picture!.nodes[0]!.label = ['x'.repeat(10_000)]
    const longFile = join(dir, 'long.json')
    await writeFile(longFile, JSON.stringify(long))
    const cut = await runCli(['report', 'show', longFile, '--format', 'html'])
    assert.equal(cut.code, long.exitCode, cut.stderr)
    assert.match(cut.stdout, /x{79}…/)
    assert.doesNotMatch(cut.stdout, /x{81}/)
  })
})
