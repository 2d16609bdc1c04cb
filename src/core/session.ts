import {isAbsolute, resolve} from 'node:path'
import {performance} from 'node:perf_hooks'
import type {CheckDefinition, Stage} from './check.js'
import {loadEnvironmentOrThrow, type LoadedEnvironment} from './config.js'
import {parseTimeout} from './duration.js'
import {UsageError} from './errors.js'
import {interruptedExitCode} from './exit-codes.js'
import {splitList} from './glob.js'
import {planChecks, type CheckInstance} from './planner.js'
import type {systemHostOf} from './picture.js'
import {maskUrlPasswords, redactor} from './redact.js'
import {exitCodeFor, summarize, type CheckResult, type EnvironmentSummary, type Report} from './report.js'
import type {Environment} from './environment.js'
import {runChecks} from './runner.js'
import {walkStrings} from './semantics.js'
import {stripControl} from './terminal.js'

/** The options of `check` that shape a run, independent of how the command parses them. */
export interface SessionOptions {
  config: string
  stage: Stage
  only?: string[]
  skip?: string[]
  agent?: string
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
  timeoutMs: number
  concurrency: number
  expiryWarningDays: number
}

/** Loads the environment (every secret resolved), checks the flags against it, and plans. */
export async function prepareSession(checks: readonly CheckDefinition[], o: SessionOptions): Promise<PreparedSession> {
  const loaded = await loadEnvironmentOrThrow(o.config, checks, {secrets: o.planOnly ? 'static' : 'require', redactor})
  const env = loaded.env
  const known = new Set(checks.map((c) => c.id))
  for (const [flag, list] of [
    ['--only', o.only],
    ['--skip', o.skip],
  ] as const) {
    for (const sel of splitList(list)) {
      if (/[*?]/.test(sel) || !sel.includes('.')) continue
      if (!known.has(sel)) {
        const {didYouMean} = await import('./schema-errors.js')
        const guess = didYouMean(sel, [...known])
        throw new UsageError(
          `${flag} ${sel}: no such check${guess ? `; did you mean ${guess}?` : ''}`,
          [],
          'idm-preflight checks list shows every id',
        )
      }
    }
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
  const {validators, paramsCheckWanted} = await import('./validators.js')
  const plan = planChecks(env, checks, {
    validators: paramsCheckWanted() ? await validators(checks, {params: true}) : undefined,
    stage: o.stage,
    only: splitList(o.only),
    skip: splitList(o.skip),
    agent: o.agent,
    optIn: new Set(o.sendTestMail ? ['send-test-mail'] : []),
    baseDir: loaded.baseDir,
  })
  return {loaded, plan, timeoutMs, concurrency, expiryWarningDays: env.checks?.expiryWarningDays ?? 30}
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
  add(s.loaded.env.network?.caFile)
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
  const env = s.loaded.env
  ;(await import('../lib/resolver.js')).boundSystemResolver(s.timeoutMs)
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
  const {pictureOf, placer, runHostOf, systemHostOf} = await import('./picture.js')
  const picture = pictureOf(env)
  const component = runHostOf(env, o.agent)
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
    host: {name: clean(hostname()), ...(agentId ? {agent: agentId} : {}), component},
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
