import assert from 'node:assert/strict'
import {describe, test} from 'node:test'
import {defineCheck, type CheckDefinition} from '../../src/model/check.js'
import type {CheckInstance} from '../../src/run/planner.js'
import {Redactor} from '../../src/base/redact.js'
import {applyWaiver, runChecks} from '../../src/run/runner.js'
import type {CheckResult} from '../../src/report/report.js'

type P = {delay?: number; mode?: 'ok' | 'throw' | 'hang' | 'ignore-signal' | 'fail' | 'leak'}

/** A check whose probe does what its params say: settle after a delay, throw, or never settle. */
function fakeCheck(track?: {running: number; max: number}): CheckDefinition<P, {mode: string}> {
  return defineCheck<P, {mode: string}>({
    id: 'test.fake',
    summary: 'fake',
    docs: 'https://example.test/docs',
    flow: 'host',
    topologies: ['saas'],
    params: {type: 'object'},
    plan: () => [],
    title: () => 'fake',
    async probe(p, ctx) {
      if (track) {
        track.running++
        track.max = Math.max(track.max, track.running)
      }
      try {
        if (p.mode === 'throw') throw new Error('connection reset by peer')
        if (p.mode === 'hang') return await new Promise<never>(() => {})
        if (p.mode === 'ignore-signal') {
          // Keeps a timer alive and ignores the signal: the runner must abandon it at the deadline.
          return await new Promise((r) => setTimeout(() => r({mode: 'late'}), 5_000).unref())
        }
        await new Promise<void>((resolve, reject) => {
          const t = setTimeout(resolve, p.delay ?? 0)
          ctx.signal.addEventListener('abort', () => {
            clearTimeout(t)
            reject(ctx.signal.reason)
          })
        })
        if (p.mode === 'leak') ctx.secret('leaked-Secret-123')
        return {mode: p.mode ?? 'ok'}
      } finally {
        if (track) track.running--
      }
    },
    evaluate: (_p, f) =>
      f.mode === 'fail'
        ? [{status: 'fail', message: 'it failed', remediation: 'fix it'}]
        : f.mode === 'leak'
          ? [{status: 'pass', message: 'password is leaked-Secret-123'}]
          : [{status: 'pass', message: `ok ${f.mode}`}],
  })
}

function instances(check: CheckDefinition, params: P[]): CheckInstance[] {
  return params.map((p, i) => ({
    id: check.id,
    target: `t${i}`,
    title: 'fake',
    flow: 'host',
    docs: check.docs,
    stage: 'before',
    params: p,
    check,
  }))
}

const opts = {concurrency: 4, timeoutMs: 200, expiryWarningDays: 30}

describe('runner', () => {
  test('waits on peers start first, longest first; results stay in plan order', async () => {
    const check = fakeCheck()
    const flows = ['host', 'files', 'network', 'browsers-server', 'agent-server', 'smtp', 'server-database'] as const
    const plan: CheckInstance[] = flows.map((flow, i) => ({
      ...instances(check, [{}])[0]!,
      target: flow,
      flow: flow as CheckInstance['flow'],
      title: `${i}`,
    }))
    plan.push({...plan[0]!, target: 'skipped', skip: 'not this time'})
    const started: string[] = []
    const results = await runChecks(plan, {...opts, concurrency: 1, onStart: (_i, inst) => started.push(inst.target)})
    assert.deepEqual(started, [
      'skipped',
      'agent-server',
      'smtp',
      'server-database',
      'browsers-server',
      'network',
      'host',
      'files',
    ])
    assert.deepEqual(
      results.map((r) => r.target),
      plan.map((p) => p.target),
    )
  })

  test('a probe that never settles ends at its timeout as one error', {timeout: 5000}, async () => {
    const t0 = performance.now()
    const [r] = await runChecks(instances(fakeCheck(), [{mode: 'hang'}]), opts)
    const ms = performance.now() - t0
    assert.equal(r!.status, 'error')
    assert.match(r!.message, /no answer within 200ms \(timeout\)/)
    assert.ok(ms >= 190 && ms < 1500, `took ${ms} ms`)
  })

  test('a probe that ignores the signal is abandoned at the deadline', {timeout: 5000}, async () => {
    const t0 = performance.now()
    const [r] = await runChecks(instances(fakeCheck(), [{mode: 'ignore-signal'}]), opts)
    assert.equal(r!.status, 'error')
    assert.ok(performance.now() - t0 < 1500)
  })

  test('a throwing probe becomes one error with its message', async () => {
    const [r] = await runChecks(instances(fakeCheck(), [{mode: 'throw'}]), opts)
    assert.equal(r!.status, 'error')
    assert.equal(r!.message, 'could not observe: connection reset by peer')
  })

  test('the concurrency cap holds', {timeout: 10_000}, async () => {
    const track = {running: 0, max: 0}
    const plan = instances(
      fakeCheck(track),
      Array.from({length: 12}, () => ({delay: 30})),
    )
    const results = await runChecks(plan, {...opts, concurrency: 3})
    assert.equal(track.max, 3)
    assert.equal(results.filter((r) => r.status === 'pass').length, 12)
  })

  test('results come in plan order whatever the completion order', {timeout: 10_000}, async () => {
    const delays = [120, 10, 80, 0, 50, 30]
    const order: number[] = []
    const plan = instances(
      fakeCheck(),
      delays.map((d) => ({delay: d})),
    )
    const results = await runChecks(plan, {...opts, concurrency: 6, onResult: (i) => order.push(i)})
    assert.deepEqual(
      results.map((r) => r.target),
      ['t0', 't1', 't2', 't3', 't4', 't5'],
    )
    assert.notDeepEqual(order, [0, 1, 2, 3, 4, 5], 'completion order differs from plan order')
  })

  test('skipped instances are reported with their reason and not probed', async () => {
    const track = {running: 0, max: 0}
    const [inst] = instances(fakeCheck(track), [{}])
    const [r] = await runChecks([{...inst!, skip: 'runs after installation: use --stage after'}], opts)
    assert.equal(r!.status, 'skip')
    assert.equal(r!.message, 'runs after installation: use --stage after')
    assert.equal(track.max, 0)
  })

  test('values registered during probing are redacted from results', async () => {
    const redactor = new Redactor()
    const [r] = await runChecks(instances(fakeCheck(), [{mode: 'leak'}]), {...opts, redactor})
    assert.equal(r!.message, 'password is ***')
    assert.ok(!JSON.stringify(r).includes('leaked-Secret-123'))
  })

  test('an aborted run ends every probe at once; what had not started is not run', {timeout: 5000}, async () => {
    const ac = new AbortController()
    setTimeout(() => ac.abort(new Error('interrupted')), 50)
    const results = await runChecks(instances(fakeCheck(), [{delay: 3000}, {delay: 3000}, {delay: 3000}]), {
      ...opts,
      concurrency: 2,
      timeoutMs: 10_000,
      signal: ac.signal,
    })
    assert.deepEqual(
      results.map((r) => `${r.status} ${r.message}`),
      [
        'error interrupted (Ctrl-C) before it could conclude',
        'error interrupted (Ctrl-C) before it could conclude',
        'skip not run: interrupted (Ctrl-C)',
      ],
    )
  })
})

describe('waivers', () => {
  const failing: CheckResult = {
    id: 'cert.encryption',
    target: 'ContosoAD',
    status: 'fail',
    title: 't',
    message: 'RSA 1024 bits',
    remediation: 'r',
    docs: 'https://d',
    durationMs: 1,
    flow: 'certificates',
    data: null,
  }
  const now = new Date('2027-01-31T12:00:00Z')

  test('an active waiver turns a failure into a warning with the reason', () => {
    const r = applyWaiver(
      failing,
      [{id: 'cert.encryption', target: 'ContosoAD', reason: 'CHG-1234', until: '2027-01-31'}],
      now,
    )
    assert.equal(r.status, 'warn')
    assert.match(r.message, /waived until 2027-01-31 \(CHG-1234\): RSA 1024 bits/)
    assert.deepEqual(r.waiver, {reason: 'CHG-1234', until: '2027-01-31', expired: false})
  })

  test('an expired waiver leaves the failure and says so', () => {
    const r = applyWaiver(failing, [{id: 'cert.encryption', reason: 'CHG-1234', until: '2027-01-30'}], now)
    assert.equal(r.status, 'fail')
    assert.match(r.message, /waiver "CHG-1234" expired on 2027-01-30/)
    assert.equal(r.waiver?.expired, true)
  })

  test('a waiver for another target or id does not apply; passes are untouched', () => {
    assert.equal(
      applyWaiver(failing, [{id: 'cert.encryption', target: 'Other', reason: 'x', until: '2099-01-01'}], now).status,
      'fail',
    )
    assert.equal(applyWaiver(failing, [{id: 'cert.tls', reason: 'x', until: '2099-01-01'}], now).status, 'fail')
    const pass = {...failing, status: 'pass' as const}
    assert.equal(applyWaiver(pass, [{id: 'cert.encryption', reason: 'x', until: '2099-01-01'}], now), pass)
  })
})
