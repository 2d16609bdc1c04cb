import assert from 'node:assert/strict'
import {truncate, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'
import type {CheckResult, Report} from '../../src/report/report.js'
import {renderJunit} from '../../src/report/formats/junit.js'
import {renderTap} from '../../src/report/formats/tap.js'
import {renderText} from '../../src/report/formats/text.js'
import {hasStackTrace, runCli, tempDir} from '../helpers/cli.js'

/** Saved reports are anyone's text: hand-made ones with control sequences, and very large ones. */

let dir: string
let cleanup: () => Promise<void>
before(async () => ({dir, cleanup} = await tempDir()))
after(async () => cleanup())

const result = (over: Partial<CheckResult> = {}): CheckResult => ({
  id: 'host.resources',
  target: 'local',
  status: 'fail',
  title: 'This host',
  message: 'm',
  remediation: '',
  docs: 'https://docs.example.test/x',
  durationMs: 0,
  flow: 'host',
  data: null,
  ...over,
})

function report(results: CheckResult[], over: Partial<Report> = {}): Report {
  const summary = {pass: 0, warn: 0, fail: 0, skip: 0, error: 0}
  for (const r of results) summary[r.status]++
  return {
    schemaVersion: 1,
    tool: {name: 'idm-preflight', version: '0.1.0'},
    environment: 'contoso',
    topology: 'saas',
    stage: 'before',
    startedAt: '2026-01-01T00:00:00.000Z',
    durationMs: 1,
    exitCode: summary.fail ? 3 : 0,
    strict: false,
    interrupted: false,
    summary,
    results,
    notes: [],
    ...over,
  } as Report
}

describe('report show and report merge strip control sequences from a saved report', () => {
  const ESC = '\u001b'
  const hostile = report(
    [
      result({
        message: `${ESC}[2J${ESC}]0;owned${ESC}\\ click ${ESC}]8;;https://evil.test${ESC}\\here${ESC}]8;;${ESC}\\\rPASS all good`,
        remediation: `${ESC}[31mred\u0007`,
        target: 'local\nok 99 - forged',
        title: `t${ESC}[8mhidden`,
      }),
      result({status: 'skip', message: `skip\r${ESC}[1A`}),
    ],
    {notes: [`note${ESC}]8;;https://evil.test${ESC}\\x${ESC}]8;;${ESC}\\\r`]},
  )

  for (const format of ['text', 'tap', 'junit', 'json', 'html']) {
    test(`report show --format ${format}, and report merge of it: no ESC, BEL or CR, no forged TAP line`, async () => {
      const file = join(dir, 'hostile.json')
      await writeFile(file, JSON.stringify(hostile))
      // Another host's run of the same (the same file twice is refused: it would count twice).
      const other = join(dir, 'hostile-other.json')
      await writeFile(
        other,
        JSON.stringify({...hostile, host: {name: 'other-host'}, startedAt: '2026-12-02T00:00:00.000Z'}),
      )
      for (const args of [
        ['report', 'show', file],
        ['report', 'merge', file, other],
      ]) {
        const out = join(dir, `out-${format}`)
        const r = await runCli([...args, '--format', format, '--output', out])
        assert.equal(r.code, 3, r.stdout + r.stderr)
        const text = (await import('node:fs/promises')).readFile(out, 'utf8')
        const body = await text
        for (const c of [ESC, '\u0007', '\r', '\u009b'])
          assert.ok(!body.includes(c) && !r.stdout.includes(c), `${args[1]} ${format}: ${JSON.stringify(c)}`)
        assert.doesNotMatch(body, /^ok 99 - forged/m)
        // What is not a control sequence is kept.
        assert.match(body, /PASS all good/)
      }
    })
  }
})

describe('a hand-made tower of 20,000 nested arrays in a result', () => {
  test('is left out below 64 levels, said; no renderer recurses through it', async () => {
    const file = join(dir, 'tower.json')
    const text = JSON.stringify(report([result({data: 'DATA' as unknown})])).replace(
      '"DATA"',
      `${'['.repeat(20_000)}${']'.repeat(20_000)}`,
    )
    await writeFile(file, text)
    for (const format of ['text', 'json', 'html']) {
      const out = join(dir, `tower-out.${format}`)
      const r = await runCli(['report', 'show', file, '--format', format, '--output', out])
      assert.equal(r.code, 3, r.stdout + r.stderr)
      assert.doesNotMatch(r.stderr, /internal error/)
    }
    const json = (await import('node:fs/promises')).readFile(join(dir, 'tower-out.json'), 'utf8')
    assert.match(await json, /nested deeper than 64 levels: left out/)
  })
})

describe('200,000 results render in every format', () => {
  const many = report(
    Array.from({length: 200_000}, (_, i) =>
      result({
        target: `t${i}`,
        status: i % 3 === 0 ? 'pass' : i % 3 === 1 ? 'warn' : 'fail',
        id: i % 2 ? 'host.resources' : 'dns.alias',
      }),
    ),
  )

  test('text, JUnit and TAP: every result, in order (no call-stack overflow, no quadratic suite building)', () => {
    const text = renderText(many)
    assert.equal(text.split('\n').filter((l) => /^ {2}(PASS|WARN|FAIL) /.test(l)).length, 200_000)
    assert.match(text, /200000 checks: 66667 pass, 66667 warn, 66666 fail/)
    const junit = renderJunit(many)
    assert.equal(junit.split('<testcase ').length - 1, 200_000)
    assert.match(junit, /<testsuite name="host\.resources" tests="100000"/)
    const tap = renderTap(many)
    assert.match(tap, /^1\.\.200000$/m)
    assert.match(tap, /^ok 200000 - host\.resources t199999$/m)
  })

  test('report show of a 200,000-result file (tens of MB): text, JUnit, TAP', {timeout: 120_000}, async () => {
    const file = join(dir, 'many.json')
    await writeFile(file, JSON.stringify(many))
    for (const [format, re] of [
      ['text', /200000 checks: /],
      ['junit', /<testsuite name="dns\.alias" tests="100000"/],
      ['tap', /^1\.\.200000$/m],
    ] as const) {
      const r = await runCli(['report', 'show', file, '--format', format], {timeoutMs: 110_000})
      assert.equal(r.code, 3, r.stderr)
      assert.ok(!hasStackTrace(r.stderr), r.stderr)
      assert.match(r.stdout, re)
    }
  })
})

describe('report show and report merge read at most 64 MB of reports together', () => {
  test('four reports of 20 MB: exit 2 naming the cap, before reading any', async () => {
    const files: string[] = []
    for (let i = 0; i < 4; i++) {
      const f = join(dir, `big-${i}.json`)
      await writeFile(f, '')
      // Sparse: the size is what is judged first.
      await truncate(f, 20 * 1024 * 1024)
      files.push(f)
    }
    const r = await runCli(['report', 'merge', ...files])
    assert.equal(r.code, 2, r.stdout + r.stderr)
    assert.match(r.stderr, /the 4 reports add up to 80 MB: at most 64 MB of reports are read at once/)
    assert.ok(!hasStackTrace(r.stderr), r.stderr)
    const one = join(dir, 'huge.json')
    await writeFile(one, '')
    await truncate(one, 70 * 1024 * 1024)
    const s = await runCli(['report', 'show', one])
    assert.equal(s.code, 2, s.stdout + s.stderr)
    assert.match(s.stderr, /the report is 70 MB: at most 64 MB of reports are read at once/)
  })
})
