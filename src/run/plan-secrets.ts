/**
 * Secrets follow the plan (DESIGN.md §2): `check` resolves only the `${env:}`/`${file:}`
 * references that the instances it will run need, so that an agent's host never needs the
 * server's secrets, and an unset one makes only the instances that need it `error`.
 *
 * What an instance needs is read from the plan itself, not from a list kept beside the checks:
 * a reference an instance's params hold (a PFX password, a connection string as written) is its
 * own; a reference a check's `plan` reads to decide something without passing it on (NO_PROXY,
 * the server's connection string for host.resources) is resolved for that check too, so that the
 * plan that runs is made from the real values.
 */
import type {CheckDefinition, PlannedTarget, Environment} from '../model/index.js'
import {isReference, walkStrings} from '../environment/index.js'
import {resolveSecrets, type LoadedEnvironment} from '../environment/file/index.js'
import type {Diagnostic, Redactor} from '../base/index.js'
import {planChecks, type CheckInstance, type LeftOut, type PlanOptions} from './planner.js'

/** Every reference (as written) among the strings of a value: an instance's params. */
export function referencesIn(value: unknown): string[] {
  const out = new Set<string>()
  for (const [, v] of walkStrings(value)) if (isReference(v)) out.add(v)
  return [...out]
}

/** The name a message gives a reference: the variable, or the file as written. */
export function referenceName(ref: string): string {
  return /^\$\{(?:env|file):(.+)\}$/.exec(ref)?.[1] ?? ref
}

/**
 * The plan of an environment whose references are not resolved (check --plan): each instance
 * lists the references it needs, none is read.
 */
export function planUnresolved(
  env: Environment,
  checks: readonly CheckDefinition[],
  opts: PlanOptions,
): CheckInstance[] {
  const plan = planChecks(env, checks, {...opts, unresolved: true})
  for (const inst of plan) {
    const refs = referencesIn(inst.params)
    if (refs.length) inst.secrets = refs
  }
  return plan
}

/**
 * The references a plan of `env` needs: those the params of the instances to run hold, and those
 * a check with an instance to run read in its `plan` without putting them in any of its targets.
 */
function neededReferences(
  env: Environment,
  checks: readonly CheckDefinition[],
  opts: PlanOptions,
): {needed: Set<string>; reads: Map<string, Set<string>>} {
  const reads = new Map<string, Set<string>>()
  const held = new Map<string, Set<string>>()
  const sink: {current?: Set<string>} = {}
  const plan = planChecks(tracking(env, sink), checks, {
    ...opts,
    unresolved: true,
    leftOut: undefined,
    beforePlan(id) {
      if (!reads.has(id)) reads.set(id, new Set())
      sink.current = reads.get(id)
    },
    onTargets(id, targets: PlannedTarget<unknown>[]) {
      const set = held.get(id) ?? new Set<string>()
      for (const t of targets) for (const r of referencesIn(t.params)) set.add(r)
      held.set(id, set)
    },
  })
  sink.current = undefined
  const out = new Set<string>()
  const running = new Set<string>()
  for (const inst of plan) {
    if (inst.skip) continue
    running.add(inst.id)
    for (const r of referencesIn(inst.params)) out.add(r)
  }
  for (const id of running) for (const r of reads.get(id) ?? []) if (!held.get(id)?.has(r)) out.add(r)
  return {needed: out, reads}
}

/**
 * A view of the environment that records, into `sink.current`, every reference read through it.
 * Only for working out what a plan needs: the plan that runs is made from the plain environment.
 */
function tracking<T extends object>(root: T, sink: {current?: Set<string>}): T {
  const proxies = new WeakMap<object, object>()
  const wrap = (v: unknown): unknown => {
    if (typeof v === 'string') {
      if (sink.current && isReference(v)) sink.current.add(v)
      return v
    }
    if (typeof v !== 'object' || v === null) return v
    let p = proxies.get(v)
    if (!p) proxies.set(v, (p = new Proxy(v, {get: (t, k, r) => wrap(Reflect.get(t, k, r))})))
    return p
  }
  return wrap(root) as T
}

export interface SecretPlan {
  env: Environment
  plan: CheckInstance[]
  leftOut: LeftOut[]
  /** Each needed reference that could not be resolved, and why ("IDM_HR_SQL is not set"). */
  problems: Map<string, string>
  /** Positioned diagnostics of those problems (for --require-secrets). */
  diagnostics: Diagnostic[]
  /** A resolved connection string or filter that is malformed: the file's error, as a literal one. */
  malformed: Diagnostic[]
}

/**
 * Plans a run: resolves what the plan needs (again after each resolution, since a resolved
 * value may change the plan), then plans from the resolved environment. An instance to run that
 * holds a reference that could not be resolved gets `error`: it cannot run, the others can.
 */
export async function planWithSecrets(
  loaded: LoadedEnvironment,
  checks: readonly CheckDefinition[],
  opts: PlanOptions,
  o: {redactor?: Redactor; processEnv?: Readonly<Record<string, string | undefined>>} = {},
): Promise<SecretPlan> {
  const wanted = new Set<string>()
  let env = loaded.env
  let resolved: Awaited<ReturnType<typeof resolveSecrets>> | undefined
  // Each round resolves what the previous plan showed it needs; two rounds are the most seen.
  for (let round = 0; round < 5; round++) {
    const fresh = [...neededReferences(env, checks, opts).needed].filter((r) => !wanted.has(r))
    if (fresh.length === 0) break
    for (const r of fresh) wanted.add(r)
    resolved = await resolveSecrets(loaded, wanted, o)
    env = resolved.env
  }
  const leftOut: LeftOut[] = []
  const problems = resolved?.problems ?? new Map<string, string>()
  const plan = planChecks(env, checks, {...opts, leftOut, unresolved: problems.size > 0})
  // A check whose plan failed on a reference that could not be resolved: that reference says why.
  const reads = plan.some((i) => i.error) ? neededReferences(env, checks, opts).reads : undefined
  for (const inst of plan) {
    if (inst.error) {
      const failed = [...(reads?.get(inst.id) ?? [])].filter((r) => problems.has(r))
      if (failed.length) {
        inst.secrets = failed
        inst.error = `${failed.map((r) => problems.get(r)!).join('; ')}: ${inst.id} cannot be planned nor run`
      }
      continue
    }
    if (inst.skip) continue
    const missing = referencesIn(inst.params)
    if (missing.length === 0) continue
    inst.secrets = missing
    const why = missing.map((r) => problems.get(r) ?? `${referenceName(r)} was not resolved`)
    inst.error = `${why.join('; ')}: ${inst.id} ${inst.target} cannot run`
  }
  return {env, plan, leftOut, problems, diagnostics: resolved?.diagnostics ?? [], malformed: resolved?.malformed ?? []}
}
