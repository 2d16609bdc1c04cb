import {FLOWS, type CheckDefinition, type Flow, type PlanContext, type Stage} from './check.js'
import type {Environment} from './environment.js'
import {docsForProduct} from './docs.js'
import {idMatcher} from './glob.js'
import type {Validators} from './validators.js'

/**
 * One check run on one target. The planner turns an environment into these (DESIGN.md §4);
 * `check --plan` prints them; the runner runs them.
 */
export interface CheckInstance {
  id: string
  target: string
  title: string
  flow: Flow
  docs: string
  stage: Stage
  params: unknown
  /** Set when the instance is not run: the reason is reported as a `skip`. */
  skip?: string
  check: CheckDefinition
}

export interface PlanOptions {
  stage: Stage
  /** --only: ids or globs; the others are planned and skipped, "not selected by --only", as --skip does. */
  only?: string[]
  /** --skip: ids or globs; reported as skip with the flag as the reason. */
  skip?: string[]
  /** --agent: only this agent's checks (and what all agents share). */
  agent?: string
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
  const agents = (env.agents ?? []).filter(
    (a) => !opts.agent || a.identifier.toLowerCase() === opts.agent.toLowerCase(),
  )
  const ordered = [...checks].sort(
    (a, b) => FLOW_ORDER.indexOf(a.flow) - FLOW_ORDER.indexOf(b.flow) || a.id.localeCompare(b.id),
  )
  const out: CheckInstance[] = []
  for (const check of ordered) {
    // The docs page of the environment's product version (6.1, 6.2, 6.3 or SaaS: the current docs).
    const docs = docsForProduct(check.docs, env.product)
    const base = {id: check.id, flow: check.flow, docs, check, params: {}, stage: check.stage ?? 'before'}
    if (!check.topologies.includes(env.topology)) {
      out.push({...base, target: '-', title: check.summary, skip: `does not apply to topology ${env.topology}`})
      continue
    }
    const ctx: PlanContext = {
      platform,
      settings: (env.checks?.settings?.[check.id] as Record<string, unknown> | undefined) ?? {},
      agents,
      agent: opts.agent,
      baseDir: opts.baseDir,
      processEnv: opts.processEnv ?? process.env,
    }
    const targets = check.plan(env, ctx)
    if (targets.length === 0) {
      out.push({
        ...base,
        target: '-',
        title: check.summary,
        skip: check.emptyReason?.(env, ctx) ?? 'nothing to check in this environment',
      })
      continue
    }
    for (const t of targets) {
      assertParams(check, t.params, t.target, opts.validators)
      const stage = t.stage ?? check.stage ?? 'before'
      // One rule for --agent: the agent's own instances and what every host shares run; the
      // server's are skipped with that reason (the integrated agent shares the server's host).
      let skip =
        opts.agent && t.owner === 'server' && env.topology !== 'on-prem-integrated'
          ? `the server's: --agent ${opts.agent} checks that agent's host; run without --agent on the server`
          : t.skip
      if (!skip && check.platforms && !check.platforms.includes(platform))
        skip = `runs on ${check.platforms.join('/')} only (this host is ${platform})`
      if (!skip && STAGE_ORDER[stage] > STAGE_ORDER[opts.stage]) skip = `runs after installation: use --stage ${stage}`
      if (!skip && check.optIn && !opts.optIn?.has(check.optIn.flag)) skip = `opt-in: run with --${check.optIn.flag}`
      if (!skip && only && !only(check.id)) skip = 'not selected by --only'
      if (!skip && skipFlag?.(check.id)) skip = 'skipped by --skip'
      if (!skip && skipFile?.(check.id)) skip = 'skipped by checks.skip in the environment file'
      out.push({
        ...base,
        ...(t.docs ? {docs: docsForProduct(t.docs, env.product)} : {}),
        target: t.target,
        title: check.title(t.params),
        params: t.params,
        stage,
        skip,
      })
    }
  }
  return out
}

/** A check's `plan` that produces params its own schema rejects is a bug in that check. */
function assertParams(check: CheckDefinition, params: unknown, target: string, v: Validators | undefined): void {
  const validate = v?.params(check)
  if (validate && !validate(params)) {
    const why = (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`).join(', ')
    throw new Error(`check ${check.id} planned invalid params for ${target}: ${why}`)
  }
}
