import {
  FLOWS,
  type CheckDefinition,
  type Flow,
  type Owner,
  type PlanContext,
  type PlannedTarget,
  type Role,
  type Stage,
  type Environment,
  docsForProduct,
  type CheckInstance,
  type Deselected,
} from '../model/index.js'
import {leftOutText, type LeftOutSummary} from '../report/index.js'
import {idMatcher, byCodeUnit} from '../base/index.js'
import type {Validators} from '../environment/index.js'

export type {CheckInstance, Deselected} from '../model/index.js'

/** The skip reason of an instance the user's own selection left out. */
const DESELECTED_REASON: Record<Deselected['flag'], string> = {
  '--only': 'not selected by --only',
  '--skip': 'skipped by --skip',
}

/** An instance a run with --server or --agent left out: another host checks it. */
export interface LeftOut {
  id: string
  target: string
  role: NonNullable<CheckInstance['role']>
  agent?: string
}

export interface PlanOptions {
  stage: Stage
  /** --only: ids or globs; the others are planned and skipped, "not selected by --only", as --skip does. */
  only?: string[]
  /** --skip: ids or globs; reported as skip with the flag as the reason. */
  skip?: string[]
  /** --agent: only this agent's checks (and what all agents share). */
  agent?: string
  /** --server: only the server host's checks (its own, and what every host checks). */
  server?: boolean
  /** Filled with what --server or --agent left out (another host's instances). */
  leftOut?: LeftOut[]
  /** Called before each check's `plan` (what it reads is that check's: plan-secrets.ts). */
  beforePlan?(id: string): void
  /** Every target a check's `plan` gave, before those of other hosts are left out. */
  onTargets?(id: string, targets: PlannedTarget<unknown>[]): void
  /**
   * The environment may hold references not resolved (check --plan; a variable that is not set):
   * a check whose `plan` fails on one (a URL that is `${env:…}`) becomes one instance that cannot
   * run, rather than the whole run failing.
   */
  unresolved?: boolean
  /** Opt-in flags given on the command line (`--send-test-mail` → 'send-test-mail'). */
  optIn?: ReadonlySet<string>
  platform?: NodeJS.Platform
  processEnv?: Readonly<Record<string, string | undefined>>
  baseDir: string
  /** Params validators (precompiled at build time); without, params are not checked. */
  validators?: Validators
}

const FLOW_ORDER = Object.keys(FLOWS) as Flow[]
const STAGE_ORDER: Record<Stage, number> = {before: 0, after: 1}

/**
 * The plan: for every registered check in data-flow order, the instances its `plan` gives for
 * this environment, each marked skip with its reason where the topology, platform, stage, an
 * opt-in flag or a skip list leaves it out. Which checks a topology runs is each check's
 * `topologies`; `idm-preflight checks list` shows the matrix.
 */
export function planChecks(env: Environment, checks: readonly CheckDefinition[], opts: PlanOptions): CheckInstance[] {
  const platform = opts.platform ?? process.platform
  const only = opts.only?.length ? idMatcher(opts.only) : undefined
  const skipFlag = opts.skip?.length ? idMatcher(opts.skip) : undefined
  const skipFile = env.checks?.skip?.length ? idMatcher(env.checks.skip) : undefined
  const role: Role = opts.server ? 'server' : opts.agent ? 'agent' : 'all'
  // The integrated agent lives in the server: one host, nothing belongs to another.
  const apart = role !== 'all' && env.topology !== 'on-prem-integrated'
  const allAgents = env.agents ?? []
  const agents =
    role === 'server' && apart
      ? []
      : allAgents.filter((a) => !opts.agent || a.identifier.toLowerCase() === opts.agent.toLowerCase())
  const ordered = [...checks].sort(
    (a, b) => FLOW_ORDER.indexOf(a.flow) - FLOW_ORDER.indexOf(b.flow) || byCodeUnit(a.id, b.id),
  )
  const out: CheckInstance[] = []
  for (const check of ordered) {
    // The docs page of the environment's product version (6.1, 6.2, 6.3 or SaaS: the current docs).
    const docs = docsForProduct(check.docs, env.product)
    const base = {id: check.id, flow: check.flow, docs, check, params: {}, stage: check.stage ?? 'before'}
    const checkRole = roleOf(check, undefined)
    // What the user's own --only/--skip leaves out says so, whatever else would skip it.
    const deselected: Deselected | undefined =
      only && !only(check.id)
        ? {flag: '--only', patterns: opts.only!}
        : skipFlag?.(check.id)
          ? {flag: '--skip', patterns: opts.skip!}
          : undefined
    if (!check.topologies.includes(env.topology)) {
      out.push({
        ...base,
        ...checkRole,
        target: '-',
        title: check.summary,
        skip: deselected ? DESELECTED_REASON[deselected.flag] : `does not apply to topology ${env.topology}`,
        ...(deselected ? {deselected} : {}),
      })
      continue
    }
    const ctx: PlanContext = {
      platform,
      settings: (env.checks?.settings?.[check.id] as Record<string, unknown> | undefined) ?? {},
      agents,
      agent: opts.agent,
      role,
      baseDir: opts.baseDir,
      processEnv: opts.processEnv ?? process.env,
    }
    // One rule for --server and --agent: an instance another host owns is left out of this
    // run (one note says where it runs), never reported as a skip; so is a check that only the
    // other role runs (the connectors on the server's host).
    opts.beforePlan?.(check.id)
    const mine = !apart || (check.roles ?? ['server', 'agent']).includes(role as 'server' | 'agent')
    let all: PlannedTarget<unknown>[]
    try {
      all = mine ? check.plan(env, ctx) : []
    } catch (e) {
      if (!opts.unresolved) throw e
      out.push({
        ...base,
        ...checkRole,
        target: '-',
        title: check.summary,
        ...(deselected
          ? {skip: DESELECTED_REASON[deselected.flag], deselected}
          : {error: `cannot be planned while a reference it reads is not resolved (${(e as Error).message})`}),
      })
      continue
    }
    opts.onTargets?.(check.id, all)
    const targets = apart ? all.filter((t) => !elsewhere(check, t, role, opts.agent)) : all
    if (apart && (opts.leftOut || targets.length === 0)) {
      // What the other hosts run of this check: its plan for every host, less what stays here.
      let everywhere: PlannedTarget<unknown>[] = []
      try {
        everywhere = check.plan(env, {...ctx, agents: allAgents, agent: undefined, role: 'all'})
      } catch (e) {
        if (!opts.unresolved) throw e
      }
      const here = new Set(targets.map((t) => t.target))
      for (const t of everywhere)
        if (!here.has(t.target)) opts.leftOut?.push({id: check.id, target: t.target, ...roleOf(check, t)})
      if (targets.length === 0 && everywhere.length > 0) continue
    }
    if (!mine) continue
    if (targets.length === 0) {
      out.push({
        ...base,
        ...checkRole,
        target: '-',
        title: check.summary,
        skip: deselected
          ? DESELECTED_REASON[deselected.flag]
          : (check.emptyReason?.(env, ctx) ?? 'nothing to check in this environment'),
        ...(deselected ? {deselected} : {}),
      })
      continue
    }
    for (const t of targets) {
      assertParams(check, t.params, t.target, opts.validators)
      const stage = t.stage ?? check.stage ?? 'before'
      let skip = deselected ? DESELECTED_REASON[deselected.flag] : t.skip
      if (!skip && check.platforms && !check.platforms.includes(platform))
        skip = `runs on ${check.platforms.join('/')} only (this host is ${platform})`
      if (!skip && STAGE_ORDER[stage] > STAGE_ORDER[opts.stage]) skip = `runs after installation: use --stage ${stage}`
      if (!skip && check.optIn && !opts.optIn?.has(check.optIn.flag)) skip = `opt-in: run with --${check.optIn.flag}`
      if (!skip && skipFile?.(check.id)) skip = 'skipped by checks.skip in the environment file'
      out.push({
        ...base,
        ...(t.docs ? {docs: docsForProduct(t.docs, env.product)} : {}),
        ...roleOf(check, t),
        target: t.target,
        title: check.title(t.params),
        params: t.params,
        stage,
        skip,
        ...(deselected ? {deselected} : {}),
      })
    }
  }
  return out
}

/** The owner of an instance: its own, else what the check's `roles` say (both: any host). */
function ownerOf(check: CheckDefinition, t: PlannedTarget<unknown> | undefined): Owner | undefined {
  if (t?.owner) return t.owner
  const roles = check.roles ?? ['server', 'agent']
  if (roles.length === 1) return roles[0] === 'server' ? 'server' : 'agents'
  return undefined
}

/** How `--plan`, `checks list` and reports name an instance's host. */
function roleOf(check: CheckDefinition, t: PlannedTarget<unknown> | undefined): Pick<LeftOut, 'role' | 'agent'> {
  const o = ownerOf(check, t)
  if (o === 'server') return {role: 'server'}
  if (o === 'agents') return {role: 'agent'}
  if (o) return {role: 'agent', agent: o.agent}
  return {role: 'any'}
}

/** True when another host than this run's owns the instance. */
function elsewhere(check: CheckDefinition, t: PlannedTarget<unknown>, role: Role, agent: string | undefined): boolean {
  const o = ownerOf(check, t)
  if (!o || role === 'all') return false
  if (role === 'server') return o !== 'server'
  if (o === 'server') return true
  return typeof o === 'object' && o.agent.toLowerCase() !== agent?.toLowerCase()
}

/**
 * What a run with --server or --agent left out: which checks, and the runs on the other hosts
 * that check them (its note is `leftOutText` of it). Undefined when nothing was left out.
 */
export function leftOutSummary(
  env: Environment,
  leftOut: readonly LeftOut[],
  o: {server?: boolean; agent?: string},
): LeftOutSummary | undefined {
  if (leftOut.length === 0) return undefined
  const agentId = o.agent?.toLowerCase()
  return {
    instances: leftOut.length,
    checks: [...new Set(leftOut.map((l) => l.id))],
    server: !o.server && env.topology !== 'saas',
    agents: (env.agents ?? []).map((a) => a.identifier).filter((id) => id.toLowerCase() !== agentId),
  }
}

/** The note a run with --server or --agent adds about what it left out; undefined when nothing was. */
export function leftOutNote(
  env: Environment,
  leftOut: readonly LeftOut[],
  o: {server?: boolean; agent?: string},
): string | undefined {
  const s = leftOutSummary(env, leftOut, o)
  return s && leftOutText(s)
}

/** A check's `plan` that produces params its own schema rejects is a bug in that check. */
function assertParams(check: CheckDefinition, params: unknown, target: string, v: Validators | undefined): void {
  const validate = v?.params(check)
  if (validate && !validate(params)) {
    const why = (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`).join(', ')
    throw new Error(`check ${check.id} planned invalid params for ${target}: ${why}`)
  }
}
