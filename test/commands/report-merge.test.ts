import assert from 'node:assert/strict'
import {copyFile, readFile, symlink, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'
import {XMLValidator} from 'fast-xml-parser'
import {leftOutText, type CheckResult, type LeftOutSummary, type Report} from '../../src/report/report.js'
import {hasStackTrace, runCli, tempDir} from '../helpers/cli.js'

/**
 * `report merge` adds up and `report show` recomputes: hand-made reports of one installation from
 * a server host (SRV01) and two agent hosts (AGT01, AGT02), where the server alias's DNS and the
 * proxy are checked from every host and AGT02 cannot resolve the alias.
 */

const DOCS = 'https://docs.netwrix.com/docs/identitymanager/saas'

function row(id: string, target: string, status: CheckResult['status'], extra: Partial<CheckResult> = {}): CheckResult {
  return {
    id,
    target,
    status,
    title: `${id} ${target}`,
    message: status === 'pass' ? `${target} is fine` : `${target} is broken`,
    remediation: status === 'pass' || status === 'skip' ? '' : `repair ${target}`,
    docs: DOCS,
    durationMs: 10,
    flow: id.startsWith('dns.') || id.startsWith('proxy.') ? 'network' : 'host',
    data: null,
    ...extra,
  }
}

function report(
  host: Report['host'],
  results: CheckResult[],
  o: {stage?: string; startedAt?: string; summary?: Report['summary']; exitCode?: number} = {},
): Report {
  const summary = {pass: 0, warn: 0, fail: 0, skip: 0, error: 0}
  for (const r of results) summary[r.status]++
  return {
    schemaVersion: 1,
    tool: {name: 'idm-preflight', version: '0.1.0'},
    environment: 'contoso-prod',
    topology: 'on-prem-separate',
    stage: o.stage ?? 'before',
    startedAt: o.startedAt ?? '2026-12-01T10:00:00.000Z',
    durationMs: 1000,
    exitCode: o.exitCode ?? (summary.fail + summary.error > 0 ? 3 : 0),
    strict: false,
    interrupted: false,
    summary: o.summary ?? summary,
    results,
    notes: [],
    host,
    picture: {nodes: [{id: 'dns', kind: 'dns', label: ['DNS']}], links: []},
  }
}

/** The rows each host's run has: the alias's DNS and the proxy from everywhere, its own resources. */
const hostRows = (dns: CheckResult['status'], place: string) => [
  row('dns.alias', 'idm.contoso.com', dns, {place: 'dns'}),
  row('proxy.settings', 'network', 'fail', {place: 'proxy', remediation: 'set HTTPS_PROXY as network.httpsProxy says'}),
  row('host.resources', 'local', 'pass', {place}),
]

let dir: string
let cleanup: () => Promise<void>
const file = (name: string) => join(dir, name)
before(async () => {
  ;({dir, cleanup} = await tempDir())
  const at = (s: number) => `2026-12-01T10:00:0${s}.000Z`
  await writeFile(
    file('srv.json'),
    JSON.stringify(report({name: 'SRV01'}, hostRows('pass', 'server'), {startedAt: at(1)})),
  )
  await writeFile(
    file('agt1.json'),
    JSON.stringify(
      report({name: 'AGT01', agent: 'ContosoAD'}, hostRows('pass', 'agent:ContosoAD'), {startedAt: at(2)}),
    ),
  )
  await writeFile(
    file('agt2.json'),
    JSON.stringify(
      report({name: 'AGT02', agent: 'FabrikamHR'}, hostRows('fail', 'agent:FabrikamHR'), {startedAt: at(3)}),
    ),
  )
})
after(async () => cleanup?.())

const three = () => [file('srv.json'), file('agt1.json'), file('agt2.json')]

describe('report merge adds up', () => {
  test('a check of the same thing from several hosts is one row, its status the worst, the disagreement said', async () => {
    const r = await runCli(['report', 'merge', ...three(), '--format', 'json'])
    assert.equal(r.code, 3, r.stderr)
    const m = JSON.parse(r.stdout) as Report
    // dns.alias and proxy.settings once each; host.resources once per host (each host's own).
    assert.deepEqual(
      m.results.map((x) => `${x.id} ${x.target} ${x.status}`),
      [
        'dns.alias idm.contoso.com fail',
        'proxy.settings network fail',
        'host.resources local pass',
        'host.resources local pass',
        'host.resources local pass',
      ],
    )
    const dns = m.results[0]!
    assert.match(
      dns.message,
      /^pass on SRV01 and AGT01 \(ContosoAD\), fail on AGT02 \(FabrikamHR\) — AGT02 \(FabrikamHR\): idm\.contoso\.com is broken$/,
    )
    assert.deepEqual(
      dns.hosts!.map((h) => `${h.host}: ${h.status}`),
      ['SRV01: pass', 'AGT01 (ContosoAD): pass', 'AGT02 (FabrikamHR): fail'],
    )
    assert.equal(dns.remediation, 'repair idm.contoso.com')
    // Agreement: the message as the hosts said it, the fix once.
    assert.equal(m.results[1]!.message, 'network is broken')
    assert.equal(m.results[1]!.remediation, 'set HTTPS_PROXY as network.httpsProxy says')
    assert.deepEqual(m.summary, {pass: 3, warn: 0, fail: 2, skip: 0, error: 0})
    assert.deepEqual(
      m.runs!.map((x) => [x.label, x.summary.fail, x.exitCode]),
      [
        ['SRV01', 1, 3],
        ['AGT01 (ContosoAD)', 1, 3],
        ['AGT02 (FabrikamHR)', 2, 3],
      ],
    )
  })

  test('every format shows the de-duplicated rows; the recap says each fix once, with its hosts', async () => {
    const text = await runCli(['report', 'merge', ...three()])
    assert.equal(text.code, 3, text.stderr)
    assert.equal(text.stdout.match(/dns\.alias/g)?.length, 2, text.stdout) // its row and its recap line
    assert.match(
      text.stdout,
      /FAIL {2}dns\.alias +idm\.contoso\.com @ SRV01, AGT01 \(ContosoAD\), AGT02 \(FabrikamHR\) +pass on SRV01/,
    )
    assert.match(
      text.stdout,
      /To fix \(2\):\n {2}- fail dns\.alias idm\.contoso\.com @ AGT02 \(FabrikamHR\): repair idm\.contoso\.com\n {2}- fail proxy\.settings network @ SRV01, AGT01 \(ContosoAD\), AGT02 \(FabrikamHR\): set HTTPS_PROXY/,
    )
    assert.equal(text.stdout.match(/set HTTPS_PROXY/g)?.length, 2, 'under its row, and once in the recap')
    assert.match(text.stdout, /Hosts \(3\):\n {2}SRV01 +stage before {2}2 pass, 1 fail {2}exit 3 {2}.*srv\.json/)
    assert.match(text.stdout, /5 checks: 3 pass, 0 warn, 2 fail, 0 error, 0 skip/)

    const tap = await runCli(['report', 'merge', ...three(), '--format', 'tap'])
    assert.match(tap.stdout, /^1\.\.5$/m)
    assert.equal(tap.stdout.match(/^not ok \d+ - dns\.alias /gm)?.length, 1)
    assert.match(tap.stdout, /message: "pass on SRV01 and AGT01 \(ContosoAD\), fail on AGT02/)

    const junit = await runCli(['report', 'merge', ...three(), '--format', 'junit'])
    assert.equal(XMLValidator.validate(junit.stdout), true)
    assert.equal(junit.stdout.match(/<testcase /g)?.length, 5)
    assert.match(junit.stdout, /<testsuites [^>]*tests="5" failures="2"/)

    const html = await runCli(['report', 'merge', ...three(), '--format', 'html'])
    assert.equal(html.stdout.match(/<tr class="result"/g)?.length, 5)
    assert.match(html.stdout, /<span class="chip s-fail">fail<\/span> AGT02 \(FabrikamHR\)/)
    assert.match(html.stdout, /<span class="chip s-fail">2 fail<\/span>/)
  })

  test('the same run twice is refused naming the files: one file twice, a copy, a merged report and its input', async () => {
    await copyFile(file('agt1.json'), file('agt1-copy.json'))
    await symlink(file('srv.json'), file('srv-link.json'))
    const merged = await runCli(['report', 'merge', file('srv.json'), file('agt1.json'), '--format', 'json'])
    await writeFile(file('merged.json'), merged.stdout)
    const cases: [string[], RegExp][] = [
      [[file('srv.json'), file('srv.json')], /srv\.json is given twice/],
      [[file('srv.json'), file('srv-link.json')], /srv\.json and .*srv-link\.json are the same file/],
      [
        [file('agt1.json'), file('agt1-copy.json')],
        /agt1-copy\.json and .*agt1\.json are the same run \(AGT01 \(ContosoAD\), started 2026-12-01T10:00:02\.000Z\)/,
      ],
      [
        [file('merged.json'), file('agt1.json')],
        /agt1\.json and .*merged\.json are the same run \(AGT01 \(ContosoAD\)/,
      ],
    ]
    for (const [args, message] of cases) {
      const r = await runCli(['report', 'merge', ...args])
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stdout}${r.stderr}`)
      assert.match(r.stderr, message)
      assert.ok(!hasStackTrace(r.stderr), r.stderr)
    }
    // A merged report and another host's: its runs come back as they were, nothing counted twice.
    const again = await runCli(['report', 'merge', file('merged.json'), file('agt2.json'), '--json'])
    assert.equal(again.code, 3, again.stderr)
    const all = JSON.parse((await runCli(['report', 'merge', ...three(), '--json'])).stdout) as Report
    const m = JSON.parse(again.stdout) as Report
    assert.deepEqual(m.summary, all.summary)
    assert.deepEqual(
      m.results.map((x) => x.message),
      all.results.map((x) => x.message),
    )
  })

  test('mixed stages are refused naming the files; --allow-mixed-stages labels each row with its stage', async () => {
    await writeFile(
      file('agt2-after.json'),
      JSON.stringify(
        report({name: 'AGT02', agent: 'FabrikamHR'}, hostRows('pass', 'agent:FabrikamHR'), {
          stage: 'after',
          startedAt: '2026-12-02T10:00:00.000Z',
        }),
      ),
    )
    const refused = await runCli(['report', 'merge', file('srv.json'), file('agt1.json'), file('agt2-after.json')])
    assert.equal(refused.code, 2, refused.stdout + refused.stderr)
    assert.match(
      refused.stderr,
      /srv\.json and .*agt1\.json are stage before, .*agt2-after\.json is stage after: one merge is one stage/,
    )
    assert.match(refused.stderr, /--allow-mixed-stages/)
    const allowed = await runCli([
      'report',
      'merge',
      file('srv.json'),
      file('agt2-after.json'),
      '--allow-mixed-stages',
      '--json',
    ])
    assert.equal(allowed.code, 3, allowed.stderr)
    const m = JSON.parse(allowed.stdout) as Report
    assert.equal(m.stage, 'mixed')
    // One row per stage: the before run's and the after run's are not the same observation.
    assert.deepEqual(
      m.results.filter((x) => x.id === 'dns.alias').map((x) => `${x.stage} ${x.status} ${x.host}`),
      ['before pass SRV01', 'after pass AGT02 (FabrikamHR)'],
    )
    const text = await runCli(['report', 'merge', file('srv.json'), file('agt2-after.json'), '--allow-mixed-stages'])
    assert.match(text.stdout, /dns\.alias +idm\.contoso\.com @ AGT02 \(FabrikamHR\) \[stage after\]/)
    assert.match(text.stdout, /\(on-prem-separate, stage mixed\)/)
  })

  test('another environment or schema version is refused naming the files', async () => {
    const other = JSON.parse(await readFile(file('agt1.json'), 'utf8')) as Report
    await writeFile(file('other.json'), JSON.stringify({...other, environment: 'fabrikam'}))
    await writeFile(file('v2.json'), JSON.stringify({...other, schemaVersion: 2}))
    for (const [f, re] of [
      ['other.json', /other\.json is environment "fabrikam" \(on-prem-separate\), .*srv\.json is "contoso-prod"/],
      ['v2.json', /v2\.json is a report of schema version 2/],
    ] as const) {
      const r = await runCli(['report', 'merge', file('srv.json'), file(f)])
      assert.equal(r.code, 2, r.stdout + r.stderr)
      assert.match(r.stderr, re)
    }
  })

  test('the host role, when a report has one, is in the hosts table', async () => {
    const withRole = (name: string, role: 'server' | 'agent') => {
      const r = JSON.parse(JSON.stringify(report({name, role} as Report['host'], hostRows('pass', 'server'))))
      r.startedAt = name === 'SRV09' ? '2026-12-01T11:00:00.000Z' : '2026-12-01T11:00:01.000Z'
      return JSON.stringify(r)
    }
    await writeFile(file('role-srv.json'), withRole('SRV09', 'server'))
    await writeFile(file('role-agt.json'), withRole('AGT09', 'agent'))
    const html = await runCli(['report', 'merge', file('role-srv.json'), file('role-agt.json'), '--format', 'html'])
    assert.equal(html.code, 3, html.stderr)
    assert.match(html.stdout, /<th>Host<\/th><th>Role<\/th>/)
    assert.match(html.stdout, /<tr><td>SRV09<\/td><td>server<\/td>/)
    assert.match(html.stdout, /<tr><td>AGT09<\/td><td>agent<\/td>/)
    const text = await runCli(['report', 'merge', file('role-srv.json'), file('role-agt.json')])
    assert.match(text.stdout, /^ {2}SRV09 +server +stage before/m)
  })
})

describe('report merge: two runs of one part are refused; the time is the span of the runs', () => {
  test('an old and a fresh run of one agent: exit 2 naming both files and starts; --allow-repeated-runs keeps both', async () => {
    const old = report({name: 'AGT01', agent: 'ContosoAD'}, [row('connector.ldap', 'ad', 'error')], {
      startedAt: '2026-11-30T09:00:00.000Z',
    })
    await writeFile(file('agt1-old.json'), JSON.stringify(old))
    const refused = await runCli(['report', 'merge', file('srv.json'), file('agt1-old.json'), file('agt1.json')])
    assert.equal(refused.code, 2, refused.stdout + refused.stderr)
    assert.match(
      refused.stderr,
      /agt1-old\.json and .*agt1\.json are two runs of ContosoAD's part \(--agent ContosoAD\) at stage before, started 2026-11-30T09:00:00\.000Z and 2026-12-01T10:00:02\.000Z/,
    )
    assert.match(
      refused.stderr,
      /keep the newer one \(.*agt1\.json\), or pass --allow-repeated-runs when two hosts really run the same agent/,
    )
    assert.ok(!hasStackTrace(refused.stderr), refused.stderr)
    // Another host running the same agent is the same part.
    const moved = {...old, host: {name: 'AGT05', agent: 'contosoad', role: 'agent'}}
    await writeFile(file('agt5.json'), JSON.stringify(moved))
    const other = await runCli(['report', 'merge', file('agt1.json'), file('agt5.json')])
    assert.equal(other.code, 2, other.stdout + other.stderr)
    const allowed = await runCli([
      'report',
      'merge',
      file('srv.json'),
      file('agt1-old.json'),
      file('agt1.json'),
      '--allow-repeated-runs',
      '--json',
    ])
    assert.equal(allowed.code, 3, allowed.stderr)
    assert.deepEqual(
      (JSON.parse(allowed.stdout) as Report).runs!.map((r) => r.label),
      ['SRV01', 'AGT01 (ContosoAD)', 'AGT01 (ContosoAD) #2'],
    )
  })

  test('runs without a role from two hosts are two vantage points, not a repeat', async () => {
    const laptop = report({name: 'LAPTOP'}, hostRows('pass', 'server'), {startedAt: '2026-12-01T10:00:09.000Z'})
    await writeFile(file('laptop.json'), JSON.stringify(laptop))
    const r = await runCli(['report', 'merge', file('srv.json'), file('laptop.json'), '--json'])
    assert.equal(r.code, 3, r.stderr)
    // The same host's two runs without a role are.
    await writeFile(file('srv-again.json'), JSON.stringify({...laptop, host: {name: 'SRV01'}}))
    const again = await runCli(['report', 'merge', file('srv.json'), file('srv-again.json')])
    assert.equal(again.code, 2, again.stdout + again.stderr)
    assert.match(again.stderr, /two runs of every check from SRV01 at stage before/)
  })

  test("the summary line says the span of the runs, not one run's time", async () => {
    const r = await runCli(['report', 'merge', ...three()])
    assert.equal(r.code, 3, r.stderr)
    // Started 10:00:01, :02 and :03, each 1 s long.
    assert.match(r.stdout, /^5 checks: .* runs from 10:00:01 to 10:00:04 UTC \(exit 3\)$/m)
    const show = await runCli(['report', 'show', file('srv.json')])
    assert.match(show.stdout, /^3 checks: .* in 1(?:\.0)?s \(exit 3\)$/m)
  })
})

describe("report merge says a run's left-out note only for the runs it names that are not merged", () => {
  // contoso-prod's three hosts, each run with its role: what each left out and the runs it names.
  const roleRun = (name: string, host: Report['host'], leftOut: LeftOutSummary, s: number, notes: string[] = []) => {
    const r = report(host, hostRows('pass', host!.agent ? `agent:${host!.agent}` : 'server'), {
      startedAt: `2026-12-01T12:00:0${s}.000Z`,
    })
    r.leftOut = leftOut
    r.notes = [leftOutText(leftOut), ...notes]
    return writeFile(file(name), JSON.stringify(r))
  }
  const checks = ['connector.ldap', 'server.reachability']
  before(async () => {
    await roleRun(
      'lo-srv.json',
      {name: 'SRV01', role: 'server'},
      {instances: 24, checks, server: false, agents: ['ContosoAD', 'ContosoHR']},
      1,
    )
    await roleRun(
      'lo-ad.json',
      {name: 'AGT01', agent: 'ContosoAD', role: 'agent'},
      {instances: 12, checks, server: true, agents: ['ContosoHR']},
      2,
      ['waiver for tls.protocols expired on 2026-01-01: "legacy"'],
    )
    await roleRun(
      'lo-hr.json',
      {name: 'AGT02', agent: 'ContosoHR', role: 'agent'},
      {instances: 12, checks, server: true, agents: ['contosoad']},
      3,
    )
  })
  const merge = async (...names: string[]) => {
    const r = await runCli(['report', 'merge', ...names.map(file), '--format', 'json'])
    assert.equal(r.code, 3, r.stderr) // each host's proxy.settings fails
    return JSON.parse(r.stdout) as Report
  }

  test('every run named is merged: no left-out note, the other notes kept', async () => {
    const m = await merge('lo-srv.json', 'lo-ad.json', 'lo-hr.json')
    assert.deepEqual(m.notes, ['AGT01 (ContosoAD): waiver for tls.protocols expired on 2026-01-01: "legacy"'])
    assert.deepEqual(
      m.runs!.map((r) => r.leftOut?.instances),
      [24, 12, 12],
    )
    const text = await runCli(['report', 'merge', ...['lo-srv.json', 'lo-ad.json', 'lo-hr.json'].map(file)])
    assert.equal(text.code, 3, text.stderr)
    assert.doesNotMatch(text.stdout, /left out|not checked/)
  })

  test('a run named is missing: its part is said not checked, once, whoever named it', async () => {
    const m = await merge('lo-srv.json', 'lo-ad.json')
    assert.deepEqual(m.notes, [
      "ContosoHR's part was not checked: no --agent ContosoHR report in this merge",
      'AGT01 (ContosoAD): waiver for tls.protocols expired on 2026-01-01: "legacy"',
    ])
    const agents = await merge('lo-ad.json', 'lo-hr.json')
    assert.deepEqual(agents.notes.slice(0, 1), ["the server's part was not checked: no --server report in this merge"])
    assert.equal(agents.notes.filter((n) => /not checked/.test(n)).length, 1)
    const text = await runCli(['report', 'merge', file('lo-srv.json'), file('lo-ad.json')])
    assert.match(text.stdout, /ContosoHR's part was not checked: no --agent ContosoHR report in this merge/)
    assert.doesNotMatch(text.stdout, /left out/)
  })

  test('a merged report merged again with the missing run: the note goes', async () => {
    const partial = await runCli(['report', 'merge', file('lo-srv.json'), file('lo-ad.json'), '--format', 'json'])
    await writeFile(file('lo-partial.json'), partial.stdout)
    const m = await merge('lo-partial.json', 'lo-hr.json')
    assert.deepEqual(m.notes, ['AGT01 (ContosoAD): waiver for tls.protocols expired on 2026-01-01: "legacy"'])
  })

  test('a report of an earlier version (no leftOut) keeps its note as it was', async () => {
    const old = JSON.parse(await readFile(file('lo-hr.json'), 'utf8')) as Report
    delete old.leftOut
    await writeFile(file('lo-hr-old.json'), JSON.stringify(old))
    const m = await merge('lo-srv.json', 'lo-ad.json', 'lo-hr-old.json')
    assert.ok(m.notes.includes(`AGT02 (ContosoHR): ${old.notes[0]}`), m.notes.join('\n'))
  })
})

describe('report show and report merge count from the results, never from saved numbers', () => {
  test('33 FAIL rows saved with a summary of "0 fail" and exit 0: 33 fail and exit 3, in every format', async () => {
    const rows = Array.from({length: 33}, (_, i) => row('host.resources', `t${i}`, 'fail'))
    const lie = report({name: 'SRV01'}, rows, {summary: {pass: 33, warn: 0, fail: 0, skip: 0, error: 0}, exitCode: 0})
    await writeFile(file('lie.json'), JSON.stringify(lie))
    const show = await runCli(['report', 'show', file('lie.json')])
    assert.equal(show.code, 3, show.stdout + show.stderr)
    assert.match(show.stdout, /33 checks: 0 pass, 0 warn, 33 fail, 0 error, 0 skip in \S+ \(exit 3\)/)
    const json = await runCli(['report', 'show', file('lie.json'), '--format', 'json'])
    assert.equal(json.code, 3)
    assert.deepEqual(JSON.parse(json.stdout).summary, {pass: 0, warn: 0, fail: 33, skip: 0, error: 0})
    assert.equal(JSON.parse(json.stdout).exitCode, 3)
    const junit = await runCli(['report', 'show', file('lie.json'), '--format', 'junit'])
    assert.match(junit.stdout, /<testsuites [^>]*tests="33" failures="33"/)
    const tap = await runCli(['report', 'show', file('lie.json'), '--format', 'tap'])
    assert.match(tap.stdout, /^# pass 0, warn 0, fail 33, error 0, skip 0$/m)
    const html = await runCli(['report', 'show', file('lie.json'), '--format', 'html'])
    assert.match(html.stdout, /<span class="chip s-fail">33 fail<\/span>/)
    assert.match(html.stdout, / · exit 3<\/p>/)
    const merge = await runCli(['report', 'merge', file('lie.json'), file('agt1.json')])
    assert.equal(merge.code, 3)
    assert.match(merge.stdout, /^ {2}SRV01 +stage before {2}33 fail {2}exit 3/m)
    // A merged report whose rows were edited: the row's status is the worst of its hosts'.
    const m = JSON.parse((await runCli(['report', 'merge', ...three(), '--json'])).stdout) as Report
    m.results[0]!.status = 'pass'
    m.summary = {pass: 5, warn: 0, fail: 0, skip: 0, error: 0}
    m.exitCode = 0
    m.runs!.forEach((r) => ((r.summary = {pass: 3, warn: 0, fail: 0, skip: 0, error: 0}), (r.exitCode = 0)))
    await writeFile(file('edited.json'), JSON.stringify(m))
    const back = JSON.parse((await runCli(['report', 'show', file('edited.json'), '--json'])).stdout) as Report
    assert.equal(back.results[0]!.status, 'fail')
    assert.deepEqual(back.summary, {pass: 3, warn: 0, fail: 2, skip: 0, error: 0})
    assert.equal(back.exitCode, 3)
    assert.deepEqual(
      back.runs!.map((r) => r.summary.fail),
      [1, 1, 2],
    )
  })
})

describe('report show and report merge: --json, -q, and --output', () => {
  test('--json returns the report (recomputed); -q leaves out passes and skips', async () => {
    const show = await runCli(['report', 'show', file('agt2.json'), '--json'])
    assert.equal(show.code, 3, show.stderr)
    assert.equal((JSON.parse(show.stdout) as Report).summary.fail, 2)
    const merge = await runCli(['report', 'merge', ...three(), '--json'])
    assert.equal(merge.code, 3, merge.stderr)
    assert.equal((JSON.parse(merge.stdout) as Report).results.length, 5)
    const quiet = await runCli(['report', 'show', file('agt2.json'), '-q'])
    assert.equal(quiet.code, 3)
    assert.doesNotMatch(quiet.stdout, /host\.resources/)
    assert.match(quiet.stdout, /FAIL {2}dns\.alias/)
    const mq = await runCli(['report', 'merge', ...three(), '--quiet'])
    assert.doesNotMatch(mq.stdout, /PASS|host\.resources/)
    assert.match(mq.stdout, /FAIL {2}proxy\.settings/)
  })

  test('--output onto the report read says so (not "the environment file"); several --output in one go', async () => {
    const before = await readFile(file('srv.json'), 'utf8')
    const same = await runCli(['report', 'show', file('srv.json'), '-o', file('srv.json')])
    assert.equal(same.code, 2, same.stdout + same.stderr)
    assert.match(same.stderr, /--output .*srv\.json is the report being read: not overwritten/)
    assert.doesNotMatch(same.stderr, /environment file/)
    const merged = await runCli(['report', 'merge', ...three(), '-o', file('agt1.json')])
    assert.equal(merged.code, 2)
    assert.match(
      merged.stderr,
      /--output .*agt1\.json is one of the reports being merged \(.*agt1\.json\): not overwritten/,
    )
    assert.equal(await readFile(file('srv.json'), 'utf8'), before)
    const many = await runCli([
      'report',
      'merge',
      ...three(),
      '-o',
      file('f.json'),
      '-o',
      file('f.html'),
      '-o',
      file('f.xml'),
    ])
    assert.equal(many.code, 3, many.stderr)
    assert.match(
      many.stdout,
      /report \(json\) written to .*f\.json\nreport \(html\) written to .*f\.html\nreport \(junit\) written to .*f\.xml/,
    )
    assert.equal((JSON.parse(await readFile(file('f.json'), 'utf8')) as Report).results.length, 5)
    assert.match(await readFile(file('f.html'), 'utf8'), /^<!DOCTYPE html>/)
    assert.equal(XMLValidator.validate(await readFile(file('f.xml'), 'utf8')), true)
  })
})
