import {performance} from 'node:perf_hooks'
import type {Finding, Waiver} from '../model/index.js'
import {formatDuration, Interruption, type Redactor, stripControlDeep} from '../base/index.js'
import type {CheckInstance} from './planner.js'
import {plainTlsResult, worst, type CheckResult} from '../report/index.js'

export interface RunOptions {
  concurrency: number
  timeoutMs: number
  expiryWarningDays: number
  waivers?: readonly Waiver[]
  /** Aborts every running probe (Ctrl-C). */
  signal?: AbortSignal
  redactor?: Redactor
  /** The clock for evaluate and waivers; injectable for tests. */
  now?: () => Date
  onStart?(index: number, instance: CheckInstance): void
  onResult?(index: number, result: CheckResult): void
}

/** Thrown inside the runner when a probe's time is up: becomes one `error` outcome. */
class ProbeTimeout extends Error {}

/**
 * Runs the plan: at most `concurrency` probes at once, each bounded by its timeout through an
 * AbortSignal (a probe that ignores the signal is abandoned at the deadline all the same), an
 * exception or timeout becomes one `error` result, waivers apply, and results come back in plan
 * order whatever the completion order.
 */
export async function runChecks(plan: readonly CheckInstance[], opts: RunOptions): Promise<CheckResult[]> {
  const results: CheckResult[] = new Array(plan.length)
  const now = opts.now ?? (() => new Date())
  // Start order (results stay in plan order): what only waits on a network peer, longest waits
  // first, so that those waits overlap our own CPU work instead of queueing behind it.
  const order = plan.map((_, i) => i).sort((a, b) => waitRank(plan[b]!) - waitRank(plan[a]!) || a - b)
  // Local CPU work that can run off the main thread starts now, under the network waits.
  for (const inst of plan)
    if (!inst.skip && !inst.error && inst.check.prefetch)
      try {
        inst.check.prefetch(inst.params)
      } catch {
        // The probe meets the same problem and reports it.
      }
  let next = 0
  const worker = async () => {
    while (next < plan.length) {
      const i = order[next++]!
      const inst = plan[i]!
      opts.onStart?.(i, inst)
      // After Ctrl-C nothing new starts: what had not begun is reported as not run.
      const r = inst.skip
        ? skipped(inst)
        : inst.error
          ? base(inst, 'error', inst.error, unresolvedFix(inst), 0, {phase: 'secrets'})
          : opts.signal?.aborted
            ? base(inst, 'skip', `not run: ${interruption(opts.signal)}`, '', 0, {phase: 'interrupted'})
            : await runOne(inst, opts, now)
      const final = applyWaiver(r, opts.waivers ?? [], now())
      // What a peer said is printed later: no terminal control sequences, no secrets.
      const clean = stripControlDeep(plainTlsResult(final))
      results[i] = opts.redactor ? opts.redactor.redactResult(clean) : clean
      opts.onResult?.(i, results[i]!)
    }
  }
  const n = Math.max(1, Math.min(opts.concurrency, plan.length))
  await Promise.all(Array.from({length: n}, worker))
  return results
}

/**
 * How long an instance may wait on peers, by its data flow: several round trips through a proxy,
 * a SQL login, an SMTP dialogue or a managed system's; a TLS handshake; a DNS answer; local work. Skips go first (no
 * work at all).
 */
function waitRank(inst: CheckInstance): number {
  if (inst.skip || inst.error) return 9
  if (inst.check.local) return 0
  switch (inst.flow) {
    case 'agent-server':
    case 'server-database':
    case 'smtp':
    case 'agent-systems':
      return 3
    case 'browsers-server':
      return 2
    case 'network':
      return 1
    default:
      return 0
  }
}

/** The fix for an instance whose secrets could not be resolved: set them where it runs. */
function unresolvedFix(inst: CheckInstance): string {
  const fixes = (inst.secrets ?? []).map((r) => {
    const m = /^\$\{(env|file):(.+)\}$/.exec(r)
    return m?.[1] === 'env' ? `set ${m[2]} in this run's environment` : `put the secret in ${m?.[2] ?? r}`
  })
  if (fixes.length === 0) return 'set the references this check reads on this host (check --plan lists them)'
  return `${fixes.join('; ')} on this host (the checks that do not need it ran; --require-secrets stops the whole run instead)`
}

function skipped(inst: CheckInstance): CheckResult {
  // The user's own --only/--skip is said in data, so that the text report can fold those rows.
  return base(inst, 'skip', inst.skip!, '', 0, inst.deselected ? {deselected: inst.deselected} : undefined)
}

function base(
  inst: CheckInstance,
  status: CheckResult['status'],
  message: string,
  remediation: string,
  durationMs: number,
  data: unknown,
): CheckResult {
  return {
    id: inst.id,
    target: inst.target,
    status,
    title: inst.title,
    message,
    remediation,
    docs: inst.docs,
    durationMs: Math.round(durationMs),
    flow: inst.flow,
    data: data ?? null,
  }
}

async function runOne(inst: CheckInstance, opts: RunOptions, now: () => Date): Promise<CheckResult> {
  const started = performance.now()
  // Our own timer, not AbortSignal.timeout(): that one is unref'd, so a probe that never settles
  // and holds nothing open would let the process exit with no report at all.
  const deadline = new AbortController()
  const timer = setTimeout(() => deadline.abort(new ProbeTimeout()), opts.timeoutMs)
  const signal = opts.signal ? AbortSignal.any([deadline.signal, opts.signal]) : deadline.signal
  let facts: unknown
  try {
    facts = await raceAbort(
      inst.check.probe(inst.params, {
        signal,
        timeoutMs: opts.timeoutMs,
        secret: (v) => opts.redactor?.add(v),
      }),
      signal,
    )
  } catch (e) {
    const ms = performance.now() - started
    if (deadline.signal.aborted) {
      return base(
        inst,
        'error',
        `no answer within ${formatDuration(opts.timeoutMs)} (timeout)`,
        'check that the endpoint is up and reachable from this host, or raise --timeout',
        ms,
        {phase: 'timeout'},
      )
    }
    if (opts.signal?.aborted)
      return base(inst, 'error', `${interruption(opts.signal)} before it could conclude`, '', ms, {
        phase: 'interrupted',
      })
    return base(
      inst,
      'error',
      `could not observe: ${errorText(e)}`,
      'see the message; this may be a bug if it persists',
      ms,
      {
        phase: 'probe',
      },
    )
  } finally {
    clearTimeout(timer)
  }
  const ms = performance.now() - started
  let findings: Finding[]
  try {
    findings = inst.check.evaluate(inst.params, facts, {now: now(), expiryWarningDays: opts.expiryWarningDays})
  } catch (e) {
    return base(
      inst,
      'error',
      `internal error while evaluating: ${errorText(e)}`,
      'this is a bug in idm-preflight',
      ms,
      null,
    )
  }
  if (findings.length === 0) findings = [{status: 'pass', message: 'nothing to report'}]
  const status = worst(findings.map((f) => f.status))
  const relevant = status === 'pass' ? findings : findings.filter((f) => f.status === status)
  const others = status === 'pass' ? [] : findings.filter((f) => f.status !== status && f.status !== 'pass')
  const message = [...relevant, ...others].map((f) => f.message).join('; ')
  const remediation = [...relevant, ...others]
    .map((f) => f.remediation)
    .filter((r): r is string => !!r)
    .join(' | ')
  const data = {findings, facts: inst.check.data ? inst.check.data(facts) : facts}
  return base(inst, status, message, remediation, ms, data)
}

/** Settles with the probe, or rejects at the abort even if the probe never settles. */
function raceAbort<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason)
    if (signal.aborted) return onAbort()
    signal.addEventListener('abort', onAbort, {once: true})
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort)
        resolve(v)
      },
      (e) => {
        signal.removeEventListener('abort', onAbort)
        reject(e)
      },
    )
  })
}

/** How a result says what stopped the run: "interrupted (Ctrl-C)", "interrupted (SIGTERM)". */
function interruption(signal: AbortSignal): string {
  return signal.reason instanceof Interruption ? signal.reason.message : 'interrupted (Ctrl-C)'
}

function errorText(e: unknown): string {
  if (e instanceof Error) return e.message || e.name
  return String(e)
}

/** Active waiver: a `fail` becomes `warn` with the reason. Expired: the failure stands, and says so. */
export function applyWaiver(r: CheckResult, waivers: readonly Waiver[], now: Date): CheckResult {
  if (r.status !== 'fail') return r
  const w = waivers.find((x) => x.id === r.id && (!x.target || x.target === r.target))
  if (!w) return r
  const expired = endOfDay(w.until) < now.getTime()
  if (expired) {
    return {
      ...r,
      waiver: {reason: w.reason, until: w.until, expired: true},
      message: `${r.message} (waiver "${w.reason}" expired on ${w.until})`,
    }
  }
  return {
    ...r,
    status: 'warn',
    waiver: {reason: w.reason, until: w.until, expired: false},
    message: `waived until ${w.until} (${w.reason}): ${r.message}`,
  }
}

/** A waiver is valid through the whole of its `until` day (UTC). */
function endOfDay(date: string): number {
  return Date.parse(`${date}T23:59:59.999Z`)
}
