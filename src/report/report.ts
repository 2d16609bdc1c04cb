import {SEVERITY, type Flow, type Status} from '../model/index.js'
import {ExitCode} from '../base/index.js'
import type {Picture} from './picture.js'

/** One row of every report: a check instance and its verdict. */
export interface CheckResult {
  id: string
  target: string
  status: Status
  title: string
  message: string
  remediation: string
  docs: string
  durationMs: number
  flow: Flow
  /** Set when a waiver matched: active ones turned a failure into a warning. */
  waiver?: {reason: string; until: string; expired: boolean}
  data: unknown
  /** Where the result is in the data-flow picture: a component (`server`, `agent:X`) or a link (`agent:X>server`). */
  place?: string
  /** In a merged report: the host (or hosts, comma-separated) whose runs gave the result. */
  host?: string
  /**
   * In a merged report, when several hosts checked the same thing (same check, target and place):
   * what each one saw. The row's status is the worst of them.
   */
  hosts?: HostVerdict[]
  /** In a merged report of both stages (`--allow-mixed-stages`): the stage this row was run at. */
  stage?: 'before' | 'after'
}

/** One host's verdict on a row of a merged report. */
export interface HostVerdict {
  host: string
  status: Status
  message: string
  remediation?: string
}

/** Which host ran the check, and as which installation (`--server`, `--agent`). */
export interface RunHost {
  name: string
  agent?: string
  /**
   * The role of the run: the server's host (`--server`), an agent's (`--agent`), or `all` (every
   * check from this host). Absent in reports of earlier versions: `all`.
   */
  role?: 'server' | 'agent' | 'all'
  /** The component of the picture this host is. */
  component?: string
}

/** What a report says about the environment it checked (no secret: references stay references). */
export interface EnvironmentSummary {
  product: string
  organization: string
  server: string
  agents: {identifier: string; url?: string}[]
  smtp?: string
  proxy?: string
  dnsServers?: string[]
  /** Each connection: `connector/connection (type, agent): where` (hosts, a URL, a path; never a secret). */
  connections?: string[]
}

/**
 * What a run with --server or --agent left out (instances another host checks) and the runs that
 * check it: the run's note is said from this, and `report merge` keeps that note only for the runs
 * it names that are not in the merge.
 */
export interface LeftOutSummary {
  /** How many instances were left out. */
  instances: number
  /** The checks they are instances of. */
  checks: string[]
  /** Whether `check --server` (on the server's host) checks some of them. */
  server: boolean
  /** The agents whose `check --agent ID` checks the others (every other agent of the environment). */
  agents: string[]
}

/** How many other agents the note names one by one; past that, how many and the first ones. */
const NAMED_AGENTS = 3

/** The note a run with --server or --agent adds about what it left out. */
export function leftOutText(l: LeftOutSummary): string {
  const agents =
    l.agents.length <= NAMED_AGENTS
      ? l.agents.map((id) => `check --agent ${id} on ${id}'s host`)
      : [
          `check --agent ID on each other agent's host (${l.agents.length}: ${l.agents.slice(0, NAMED_AGENTS).join(', ')}, …)`,
        ]
  const elsewhere = [...(l.server ? ["check --server on the server's host"] : []), ...agents]
  const n = l.instances
  return `left out ${n} instance${n === 1 ? '' : 's'} that other hosts check (${l.checks.join(', ')}): run ${elsewhere.join(', ')}`
}

/** In a merged report: a part a run left out whose run is not in the merge (`server`, or an agent's identifier). */
export function missingPartText(part: {server: true} | {agent: string}): string {
  return 'server' in part
    ? "the server's part was not checked: no --server report in this merge"
    : `${part.agent}'s part was not checked: no --agent ${part.agent} report in this merge`
}

/** One host's run, in a merged report. */
export interface MergedRun {
  host: RunHost
  /** How the merged rows name this run's host (`hosts[].host`). */
  label?: string
  stage: string
  startedAt: string
  exitCode: number
  summary: Summary
  file: string
  /** What this run left out (--server, --agent), as its report said. */
  leftOut?: LeftOutSummary
}

export type Summary = Record<Status, number>

/** The JSON report (DESIGN.md §5); `schema/report.schema.json` describes it. */
export interface Report {
  schemaVersion: 1
  tool: {name: 'idm-preflight'; version: string}
  environment: string
  topology: string
  stage: string
  startedAt: string
  durationMs: number
  exitCode: number
  /** Run with --strict: a warning is a failure in every format. */
  strict: boolean
  /** Stopped by Ctrl-C: the results of the checks that had not finished are missing or `error`. */
  interrupted: boolean
  summary: Summary
  results: CheckResult[]
  /** Things worth knowing that are not results: expired or unused waivers, the resolver used. */
  notes: string[]
  /** Set by a run with --server or --agent that left out other hosts' instances (the first note says it). */
  leftOut?: LeftOutSummary
  host?: RunHost
  picture?: Picture
  environmentSummary?: EnvironmentSummary
  /** Set by `report merge`: the runs it put together (each result names its host). */
  runs?: MergedRun[]
}

export function summarize(results: readonly CheckResult[]): Summary {
  const s: Summary = {pass: 0, warn: 0, fail: 0, skip: 0, error: 0}
  for (const r of results) s[r.status]++
  return s
}

/** Whether a result counts as a failure in this report (a warning does under --strict). */
export function isFailure(r: Pick<CheckResult, 'status'>, strict: boolean): boolean {
  return r.status === 'fail' || r.status === 'error' || (strict && r.status === 'warn')
}

/** 3 on any fail or error; 4 on warnings with --strict; else 0. */
export function exitCodeFor(summary: Summary, strict: boolean): ExitCode {
  if (summary.fail > 0 || summary.error > 0) return ExitCode.Failed
  if (strict && summary.warn > 0) return ExitCode.Warnings
  return ExitCode.Ok
}

/** The worst of several statuses (error > fail > warn > pass > skip). */
export function worst(statuses: readonly Status[]): Status {
  return statuses.reduce<Status>((w, s) => (SEVERITY[s] > SEVERITY[w] ? s : w), 'skip')
}

/** Where a row of a merged report comes from: ` @ hosts`, and ` [stage x]` in a merge of both stages. */
export function rowOrigin(r: Pick<CheckResult, 'host' | 'stage'>): string {
  return `${r.host ? ` @ ${r.host}` : ''}${r.stage ? ` [stage ${r.stage}]` : ''}`
}
