import {isAbsolute, resolve} from 'node:path'
import {performance} from 'node:perf_hooks'
import type {CheckDefinition, Stage, Environment} from '../model/index.js'
import {walkStrings, validators, paramsCheckWanted} from '../environment/index.js'
import {loadEnvironmentOrThrow, type LoadedEnvironment} from '../environment/file/index.js'
import {
  parseTimeout,
  UsageError,
  interruptedExitCode,
  idMatcher,
  selectorToRegExp,
  splitList,
  maskUrlPasswords,
  redactor,
  stripControl,
} from '../base/index.js'
import {leftOutSummary, type CheckInstance, type LeftOut} from './planner.js'
import {
  exitCodeFor,
  leftOutText,
  summarize,
  type CheckResult,
  type EnvironmentSummary,
  type Report,
  pictureOf,
  placer,
  runHostOf,
  systemHostOf,
} from '../report/index.js'
import {runChecks} from './runner.js'

/** The options of `check` that shape a run, independent of how the command parses them. */
export interface SessionOptions {
  config: string
  stage: Stage
  only?: string[]
  skip?: string[]
  agent?: string
  /** --server: the server host's checks. */
  server?: boolean
  /** --require-secrets: every secret the plan needs must resolve before anything runs (exit 2). */
  requireSecrets?: boolean
  timeout?: string
  concurrency?: number
  strict: boolean
  sendTestMail?: boolean
  toolVersion: string
  signal?: AbortSignal
  /** --plan runs nothing: unresolved secrets are not needed (static, as validate). */
  planOnly?: boolean
}

export interface PreparedSession {
  loaded: LoadedEnvironment
  plan: CheckInstance[]
  /** What --server or --agent left out: the note says where it runs. */
  leftOut: LeftOut[]
  /** The environment with the secrets this run needs resolved (the others stay references). */
  env: Environment
  timeoutMs: number
  concurrency: number
  expiryWarningDays: number
}

/**
 * Loads the environment (no secret resolved yet), checks the flags against it, plans, and
 * resolves the secrets the plan needs (none with --plan).
 */
export async function prepareSession(checks: readonly CheckDefinition[], o: SessionOptions): Promise<PreparedSession> {
  const loaded = await loadEnvironmentOrThrow(o.config, checks, {secrets: 'defer', planOnly: o.planOnly, redactor})
  const env = loaded.env
  const ids = checks.map((c) => c.id)
  for (const [flag, list] of [
    ['--only', o.only],
    ['--skip', o.skip],
  ] as const) {
    for (const sel of splitList(list)) {
      const re = selectorToRegExp(sel)
      if (ids.some((id) => re.test(id))) continue
      const families = [...new Set(ids.map((id) => id.split('.')[0]!))]
      const guess = closestSelector(sel, [...ids, ...families, ...families.map((f) => `${f}.*`)])
      throw new UsageError(
        `${flag} ${sel}: ${/[*?]/.test(sel) ? 'matches no check' : 'no such check'}${guess ? `; did you mean ${guess}?` : ''}`,
        [],
        'idm-preflight checks list shows every id',
      )
    }
  }
  if (o.server && env.topology === 'saas')
    throw new UsageError(
      "--server: in SaaS the server is Netwrix's, there is no server host to check",
      [],
      `run check --agent ID on each agent's host${env.agents?.length ? ` (${env.agents.map((a) => a.identifier).join(', ')})` : ''}`,
    )
  // `--agent "$AGENT"` with an empty variable is a mistake, not "no role": a full run would merge wrongly.
  if (o.agent !== undefined && o.agent.trim() === '') {
    const ids = (env.agents ?? []).map((a) => a.identifier)
    throw new UsageError(
      '--agent was given an empty name',
      [],
      ids.length
        ? `agents in this file: ${ids.join(', ')} (or leave --agent out for every check from this host)`
        : 'this file has no agents: leave --agent out',
    )
  }
  if (o.agent && !(env.agents ?? []).some((a) => a.identifier.toLowerCase() === o.agent!.toLowerCase())) {
    const ids = (env.agents ?? []).map((a) => a.identifier)
    throw new UsageError(
      `--agent ${o.agent}: no such agent in ${o.config}`,
      [],
      ids.length ? `agents in this file: ${ids.join(', ')}` : 'this file has no agents',
    )
  }
  const timeoutText = o.timeout ?? env.checks?.timeout ?? '5s'
  const timeout = parseTimeout(timeoutText)
  if ('problem' in timeout)
    throw new UsageError(
      o.timeout !== undefined
        ? `--timeout ${timeoutText} ${timeout.problem}`
        : `${o.config}: checks.timeout ${timeoutText} ${timeout.problem}`,
    )
  const timeoutMs = timeout.ms
  const concurrency = o.concurrency ?? env.checks?.concurrency ?? 16
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new UsageError(`--concurrency ${concurrency}: must be a whole number from 1`)
  const planOptions = {
    validators: paramsCheckWanted() ? await validators(checks, {params: true}) : undefined,
    stage: o.stage,
    only: splitList(o.only),
    skip: splitList(o.skip),
    agent: o.agent,
    server: o.server,
    optIn: new Set(o.sendTestMail ? ['send-test-mail'] : []),
    baseDir: loaded.baseDir,
  }
  const {planUnresolved, planWithSecrets, referenceName} = await import('./plan-secrets.js')
  let plan: CheckInstance[]
  let leftOut: LeftOut[] = []
  let resolved = env
  if (o.planOnly) plan = planUnresolved(env, checks, {...planOptions, leftOut})
  else {
    const r = await planWithSecrets(loaded, checks, planOptions, {redactor})
    ;({plan, leftOut, env: resolved} = r)
    if (o.requireSecrets && r.problems.size > 0)
      throw new UsageError(
        `${r.problems.size} secret${r.problems.size === 1 ? '' : 's'} this run needs cannot be resolved (--require-secrets): ${[...r.problems.keys()].map(referenceName).join(', ')}`,
        r.diagnostics.filter((d) => d.severity === 'error'),
        'set them on this host; without --require-secrets only the checks that need them are errors',
      )
    // A resolved value that is malformed is the file's problem, as a literal one is.
    if (r.malformed.length)
      throw new UsageError(
        `${o.config}: ${r.malformed.length} error${r.malformed.length === 1 ? '' : 's'} in the environment file`,
        r.malformed,
      )
  }
  // --plan lists every row with its reason: nothing is silent there.
  if (!o.planOnly) nothingPlanned(plan, leftOut, o)
  return {
    loaded,
    plan,
    leftOut,
    env: resolved,
    timeoutMs,
    concurrency,
    expiryWarningDays: env.checks?.expiryWarningDays ?? 30,
  }
}

/**
 * The id, family or glob a mistyped selector meant: fewest edits, a swap of two neighbours
 * counting as one (`tsl.*` is `tls.*`, not `sql.*`); on a tie, the one with the same letters.
 */
function closestSelector(sel: string, candidates: readonly string[]): string | undefined {
  const w = sel.toLowerCase()
  const letters = (s: string) => [...s].sort().join('')
  let best: {c: string; d: number; same: boolean} | undefined
  for (const c of candidates) {
    const d = osaDistance(w, c.toLowerCase())
    const same = letters(w) === letters(c.toLowerCase())
    if (!best || d < best.d || (d === best.d && same && !best.same)) best = {c, d, same}
  }
  return best && best.d <= Math.max(2, Math.floor(sel.length / 3)) ? best.c : undefined
}

/** Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps. */
function osaDistance(a: string, b: string): number {
  const d = Array.from({length: a.length + 1}, (_, i) => [i, ...Array<number>(b.length).fill(0)])
  for (let j = 1; j <= b.length; j++) d[0]![j] = j
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1)
      d[i]![j] = v
    }
  return d[a.length]![b.length]!
}

/**
 * A selection (--only, --skip) that leaves nothing to run is a usage error saying why each
 * selected check does not run and how it would ("tls.endpoint runs after installation: --stage
 * after"), never a silent exit 0.
 */
function nothingPlanned(plan: readonly CheckInstance[], leftOut: readonly LeftOut[], o: SessionOptions): void {
  if (!o.only?.length && !o.skip?.length) return
  if (plan.some((p) => !p.skip)) return
  const only = o.only?.length ? idMatcher(splitList(o.only)) : () => true
  const skip = o.skip?.length ? idMatcher(splitList(o.skip)) : () => false
  const selected = (id: string) => only(id) && !skip(id)
  const why = new Map<string, string>()
  for (const p of plan) {
    if (!selected(p.id) || why.has(p.id)) continue
    const after = /^runs after installation: use (--stage \w+)$/.exec(p.skip!)
    why.set(p.id, after ? `${p.id} runs after installation: ${after[1]}` : `${p.id}: ${p.skip}`)
  }
  for (const l of leftOut)
    if (selected(l.id) && !why.has(l.id))
      why.set(
        l.id,
        `${l.id} runs on ${l.role === 'server' ? "the server's host: check --server" : l.agent ? `${l.agent}'s host: check --agent ${l.agent}` : "an agent's host: check --agent ID"}`,
      )
  const selection = [
    ...(o.only?.length ? [`--only ${splitList(o.only).join(',')}`] : []),
    ...(o.skip?.length ? [`--skip ${splitList(o.skip).join(',')}`] : []),
  ].join(' ')
  const where = o.server ? " on the server's host" : o.agent ? ` on ${o.agent}'s host` : ''
  throw new UsageError(
    `${selection}: nothing to run at stage ${o.stage}${where}`,
    [],
    why.size ? [...why.values()].join('; ') : 'every check it selects is skipped here',
  )
}

/**
 * Every file a run reads, the environment file first: `${file:}` secrets, the CA file and the
 * certificate files the plan opens. `--output` must be none of them.
 */
export function inputFiles(s: PreparedSession): string[] {
  const out = [s.loaded.file]
  const {baseDir} = s.loaded
  const add = (p: string | undefined) => {
    if (p && !out.includes(p)) out.push(isAbsolute(p) ? p : resolve(baseDir, p))
  }
  for (const [, value] of walkStrings(s.loaded.source.value)) {
    const m = /^\$\{file:(.+)\}$/.exec(value)
    if (m) add(m[1])
  }
  add(s.env.network?.caFile)
  for (const inst of s.plan) {
    const file = (inst.params as {file?: unknown} | null)?.file
    if (typeof file === 'string') add(file)
  }
  return out
}

/** Runs a prepared plan and builds the report (exit code included). */
export async function runSession(
  s: PreparedSession,
  o: SessionOptions,
  hooks: {onStart?(i: number, inst: CheckInstance): void; onResult?(i: number, r: CheckResult): void} = {},
): Promise<Report> {
  const startedAt = new Date()
  const t0 = performance.now()
  const env = s.env
  ;(await import('../probes/dns/resolver.js')).boundSystemResolver(s.timeoutMs)
  const results = await runChecks(s.plan, {
    concurrency: s.concurrency,
    timeoutMs: s.timeoutMs,
    expiryWarningDays: s.expiryWarningDays,
    waivers: env.checks?.waivers,
    signal: o.signal,
    redactor,
    ...hooks,
  })
  const summary = summarize(results)
  const notes: string[] = []
  const left = leftOutSummary(env, s.leftOut, o)
  if (left) notes.push(leftOutText(left))
  const today = startedAt.toISOString().slice(0, 10)
  for (const w of env.checks?.waivers ?? []) {
    if (w.until < today)
      notes.push(`waiver for ${w.id}${w.target ? ` (${w.target})` : ''} expired on ${w.until}: "${w.reason}"`)
    else if (!results.some((r) => r.waiver && r.id === w.id && (!w.target || w.target === r.target)))
      notes.push(
        `waiver for ${w.id}${w.target ? ` (${w.target})` : ''} matched no failure: remove it when no longer needed`,
      )
  }
  // Where each result is in the picture (results are in plan order).
  const picture = pictureOf(env)
  const component = o.server ? 'server' : runHostOf(env, o.agent)
  const place = placer(picture, component)
  results.forEach((r, i) => (r.place = place(s.plan[i]!)))
  const clean = (v: string) => redactor.redact(stripControl(v))
  for (const n of picture.nodes) n.label = n.label.map(clean)
  const {hostname} = await import('node:os')
  const agentId = o.agent
    ? env.agents?.find((a) => a.identifier.toLowerCase() === o.agent!.toLowerCase())?.identifier
    : undefined
  // Results were redacted one by one by the runner; the notes are free text.
  return {
    schemaVersion: 1,
    tool: {name: 'idm-preflight', version: o.toolVersion},
    environment: env.name,
    topology: env.topology,
    stage: o.stage,
    startedAt: startedAt.toISOString(),
    durationMs: Math.round(performance.now() - t0),
    exitCode: o.signal?.aborted ? interruptedExitCode(o.signal) : exitCodeFor(summary, o.strict),
    strict: o.strict === true,
    interrupted: o.signal?.aborted ?? false,
    summary,
    results,
    notes: notes.map((n) => redactor.redact(stripControl(n))),
    ...(left ? {leftOut: {...left, agents: left.agents.map(clean)}} : {}),
    host: {
      name: clean(hostname()),
      ...(agentId ? {agent: agentId} : {}),
      component,
      role: o.server ? 'server' : agentId ? 'agent' : 'all',
    },
    picture,
    environmentSummary: environmentSummaryOf(env, clean, systemHostOf),
  }
}

/** The environment as a report shows it: names and addresses, references as written, never a value. */
function environmentSummaryOf(
  env: Environment,
  clean: (v: string) => string,
  hostOf: typeof systemHostOf,
): EnvironmentSummary {
  const url = (u: string) => clean(maskUrlPasswords(u))
  return {
    product: env.product,
    organization: clean(env.organization),
    server: url(env.server.url),
    agents: (env.agents ?? []).map((a) => ({identifier: clean(a.identifier), ...(a.url ? {url: url(a.url)} : {})})),
    ...(env.smtp
      ? {
          smtp: clean(
            env.smtp.host
              ? `${env.smtp.host}:${env.smtp.port ?? 25} (${env.smtp.secureSocketOption ?? 'Auto'})`
              : `pickup ${env.smtp.pickupDirectory ?? ''}`,
          ),
        }
      : {}),
    ...(env.network?.httpsProxy ? {proxy: url(env.network.httpsProxy)} : {}),
    ...(env.network?.dnsServers?.length ? {dnsServers: env.network.dnsServers.map(clean)} : {}),
    ...(env.connectors?.length
      ? {
          connections: env.connectors.flatMap((c) =>
            c.connections.map((k) =>
              clean(
                `${c.identifier}/${k.identifier} (${k.type}${c.agent ? `, agent ${c.agent}` : ''}): ${hostOf(k, {url, detail: true})}`,
              ),
            ),
          ),
        }
      : {}),
  }
}
