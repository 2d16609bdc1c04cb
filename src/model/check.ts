import type {Environment, Topology} from './environment.js'

/** What a check concluded about one target. `error` means it could not observe; it counts as a failure. */
export type Status = 'pass' | 'warn' | 'fail' | 'skip' | 'error'
export const STATUSES: readonly Status[] = ['pass', 'warn', 'fail', 'skip', 'error']

/** How bad a status is, for picking the worst of several findings. */
export const SEVERITY: Record<Status, number> = {skip: 0, pass: 1, warn: 2, fail: 3, error: 4}

/** One verdict of `evaluate`: what holds, and how to fix it when it does not. */
export interface Finding {
  status: Exclude<Status, 'error'>
  message: string
  remediation?: string
}

export type Stage = 'before' | 'after'

/**
 * The host a run of `check` stands on (DESIGN.md §2): the server's (`--server`), one agent's
 * (`--agent ID`), or `all`: every check from this host (SaaS, integrated, a one-machine test).
 */
export type Role = 'server' | 'agent' | 'all'

/**
 * Whose host runs an instance when server and agents are separate hosts: the server's, every
 * agent's (agent → server), or one agent's (its certificates, folders, site, connectors).
 * Unset: what every host checks from where it stands (DNS of the server alias, proxy, SMTP, host.*).
 */
export type Owner = 'server' | 'agents' | {agent: string}

/** The data flows a report groups results by (DESIGN.md §5), in display order. */
export const FLOWS = {
  host: 'this host',
  network: 'network settings',
  'browsers-server': 'browsers → server',
  'server-database': 'server → database',
  'agent-server': 'agent → server',
  'browsers-agent': 'browsers → agent',
  files: 'working directories',
  certificates: 'certificates',
  smtp: 'mail: SMTP server or pickup folder',
  'agent-systems': 'agent → managed systems',
} as const
export type Flow = keyof typeof FLOWS

/** One instance the planner produced for a check. */
export interface PlannedTarget<P> {
  /** Stable across runs (DESIGN.md §4): hostname or URL as written, `server`, an agent id, `local`… */
  target: string
  params: P
  /** The stage that can observe this instance; defaults to the check's own. */
  stage?: Stage
  /** A reason not to run (topology, platform, missing setting): the instance is reported as `skip`. */
  skip?: string
  /**
   * Whose host this instance is about: `server` for what only the server's host can check (its
   * database, certificates, working directory, site), `{agent}` for one agent's own, `agents` for
   * what every agent's host checks. Unset: the check's `roles` say (both: every host). A run with
   * --server or --agent leaves out what belongs to another host (the planner's one rule).
   */
  owner?: Owner
  /** This instance's docs page when it is not the check's (an Active Directory connection's). */
  docs?: string
}

/** What the planner hands each check's `plan`. */
export interface PlanContext {
  platform: NodeJS.Platform
  /** The check's own `checks.settings.<id>` entry, already schema-validated. */
  settings: Record<string, unknown>
  /** The agents in scope (all, or the one --agent names). */
  agents: NonNullable<Environment['agents']>
  /** The identifier given with --agent, when the run is narrowed to one agent. */
  agent?: string
  /** The host this run stands on: --server, --agent ID, or every check from here (unset: all, or agent with `agent`). */
  role?: Role
  /** Directory of the environment file: relative paths in it are relative to this. */
  baseDir: string
  /** The process environment the probes will see (HTTPS_PROXY, NO_PROXY...). */
  processEnv: Readonly<Record<string, string | undefined>>
}

/** What the runner hands each probe. */
export interface ProbeContext {
  /** Aborts at the check's timeout or on Ctrl-C: every I/O must honour it. */
  signal: AbortSignal
  timeoutMs: number
  /** Registers a value found during probing (a password inside a URL…) for redaction. */
  secret(value: string): void
}

export interface EvaluateContext {
  /** The clock, passed in so that evaluate stays pure. */
  now: Date
  expiryWarningDays: number
}

/** A check: one file in `checks/` (STYLE.md). Probe does all I/O; evaluate is pure. */
export interface CheckDefinition<P = any, F = any> {
  id: string
  summary: string
  docs: string
  flow: Flow
  /** Topologies where the check applies; others get a `skip` with the reason. */
  topologies: readonly Topology[]
  /** Platforms where the check can observe; others get a `skip` with the reason. */
  platforms?: readonly NodeJS.Platform[]
  /**
   * The hosts that run it when server and agents are apart (`check --server`, `--agent ID`): the
   * server's (its database), the agents' (agent → server, managed systems), or both (default:
   * each checks its own certificates, folders, site, and what it reaches from where it stands).
   */
  roles?: readonly ('server' | 'agent')[]
  stage?: Stage
  /** When the stage depends on the topology or the target, how (shown by `checks list`). */
  stages?: string
  /**
   * The probe waits on no peer (files on this host) although its flow is a network one: started
   * after the network waits rather than among them.
   */
  local?: boolean
  /** Opt-in checks run only with a flag (`--send-test-mail`). */
  optIn?: {flag: string}
  /** JSON Schema of the params `plan` produces (validated by the planner; a mismatch is a bug). */
  params: Record<string, unknown>
  /** JSON Schema of `checks.settings.<id>` in the environment file, when the check has settings. */
  settings?: Record<string, unknown>
  plan(env: Environment, ctx: PlanContext): PlannedTarget<P>[]
  /** Why `plan` found nothing, when it can say better than "nothing to check in this environment". */
  emptyReason?(env: Environment, ctx: PlanContext): string
  title(params: P): string
  probe(params: P, ctx: ProbeContext): Promise<F>
  /**
   * Starts, at the beginning of the run, the CPU work the probe will need (opening a PFX in a
   * worker thread), so that it overlaps the network waits of the checks that start first.
   * Fire and forget: the probe gets the result (or the failure) itself.
   */
  prefetch?(params: P): void
  evaluate(params: P, facts: F, ctx: EvaluateContext): Finding[]
  /** What of the facts goes into the report's `data` (default: the facts themselves). */
  data?(facts: F): unknown
  /**
   * The verdicts this check gives from the environment file alone, before any probe (a proxy
   * written https://, a DNS alias in capitals), each at the file's path: `validate` applies them,
   * so that they are said without a network. Built from the functions `evaluate` uses, never a
   * second copy of a rule.
   */
  fileRules?(env: Environment): FileRuleFinding[]
  /** What `checks show` says beyond what the definition states itself (optional, additive). */
  explain?: CheckExplain
}

/** A verdict on the environment file alone (`fileRules`), at the JSON path it is about. */
export interface FileRuleFinding extends Finding {
  status: 'fail' | 'warn'
  path: (string | number)[]
}

/** One verdict a check can give, for `checks show`: when it is given, and its fix. */
export interface VerdictExplain {
  status: Exclude<Status, 'error'>
  when: string
  fix?: string
}

/**
 * What `checks show ID` adds to the definition: how the check measures, the verdicts it can give,
 * and the docs sentences it rests on (or that it is this tool's own policy).
 */
export interface CheckExplain {
  /** How it observes, in a sentence or two (the summary says what). */
  how: string
  verdicts: VerdictExplain[]
  /** The product docs it rests on: the page (a netwrixDocs URL or another) and its exact sentence. */
  sources?: {page: string; quote: string}[]
  /** Where it is this tool's own policy rather than the docs'. */
  policy?: string
}

/** Declares a check with full type inference; the registry discovers the default export. */
export function defineCheck<P, F>(def: CheckDefinition<P, F>): CheckDefinition<P, F> {
  return def
}

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
  /** Set when the skip is the user's own selection (--only, --skip): the text report folds those rows. */
  deselected?: Deselected
  /** Set when the instance cannot run (a secret it needs is unset): reported as an `error`. */
  error?: string
  /** Whose host runs it: `server`, `agent` (one agent's, `agent` names it, or every agent's), or `any` host (unset: any). */
  role?: 'server' | 'agent' | 'any'
  /** With role `agent`: the agent whose own instance this is. */
  agent?: string
  /** The `${env:}`/`${file:}` references it needs, as written (the session fills this in). */
  secrets?: string[]
  check: CheckDefinition
}

/** The user's own selection that left an instance out: the flag and its patterns as given. */
export interface Deselected {
  flag: '--only' | '--skip'
  patterns: string[]
}
