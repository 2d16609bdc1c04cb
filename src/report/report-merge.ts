import {UsageError, ExitCode, stripControl} from '../base/index.js'
import type {Picture} from './picture.js'
import {stat} from 'node:fs/promises'
import {FileReadError, readRegularFile, sizeText} from '../io/index.js'
import {jsonErrorWords} from '../documents/index.js'
import {buildReportSchema} from './report-schema.js'
import type {Status} from '../model/index.js'
import {sanitizeReport} from './report-sanitize.js'
import {
  exitCodeFor,
  leftOutText,
  missingPartText,
  summarize,
  worst,
  type CheckResult,
  type HostVerdict,
  type LeftOutSummary,
  type MergedRun,
  type Report,
  type RunHost,
  type Summary,
} from './report.js'

/**
 * The reports read by one command are JSON of at most this size together (100 agents' results
 * are a few MB): this tool's own bound, so that merging many large files cannot exhaust memory
 * (four of 60 MB took 1.7 GB).
 */
export const MAX_REPORT_BYTES = 64 * 1024 * 1024

/**
 * Reads the reports of one command (report show, report merge), at most MAX_REPORT_BYTES of them
 * together: their sizes are added up before any is read, and each read stops at what is left.
 */
export async function readReports(files: readonly string[]): Promise<{file: string; report: Report}[]> {
  const sizes = await Promise.all(
    files.map((f) =>
      stat(f).then(
        (s) => (s.isFile() ? s.size : 0),
        () => 0,
      ),
    ),
  )
  const total = sizes.reduce((a, b) => a + b, 0)
  const hint = 'merge fewer reports at once, or reports of fewer results (check --only, --agent)'
  if (total > MAX_REPORT_BYTES)
    throw new UsageError(
      `the ${files.length === 1 ? 'report is' : `${files.length} reports add up to`} ${sizeText(total)}: at most ${sizeText(MAX_REPORT_BYTES)} of reports are read at once`,
      [],
      hint,
    )
  const out: {file: string; report: Report}[] = []
  let left = MAX_REPORT_BYTES
  for (const file of files) {
    const {report, bytes} = await readOne(file, left)
    left -= bytes
    out.push({file, report})
  }
  return out
}

let validate: ((r: unknown) => boolean) & {errors?: {instancePath: string; message?: string}[] | null}

/** A saved JSON report, read and validated; anything else is a usage error naming the file. */
export async function readReport(file: string): Promise<Report> {
  return (await readOne(file, MAX_REPORT_BYTES)).report
}

async function readOne(file: string, maxBytes: number): Promise<{report: Report; bytes: number}> {
  let bytes: Buffer
  try {
    bytes = await readRegularFile(file, maxBytes)
  } catch (e) {
    if (e instanceof FileReadError)
      throw new UsageError(
        e.code === 'too-large' && maxBytes < MAX_REPORT_BYTES
          ? `${file} is larger than what is left of the ${sizeText(MAX_REPORT_BYTES)} of reports read at once (${sizeText(maxBytes)})`
          : `${file} ${e.message}`,
        [],
        'name a JSON report written by check --format json',
      )
    throw e
  }
  let json: unknown
  try {
    json = JSON.parse(bytes.toString('utf8').replace(/^\uFEFF/, ''))
  } catch (e) {
    throw new UsageError(
      `${file} is not JSON: ${jsonErrorWords((e as Error).message)}`,
      [],
      'name a JSON report written by check --format json (an HTML, JUnit or text report cannot be read back)',
    )
  }
  const version = (json as {schemaVersion?: unknown} | null)?.schemaVersion
  if (json === null || typeof json !== 'object' || version === undefined)
    throw new UsageError(
      `${file} is not an idm-preflight report (no schemaVersion)`,
      [],
      'write one with check --format json',
    )
  if (version !== 1)
    throw new UsageError(
      `${file} is a report of schema version ${JSON.stringify(version)}; this idm-preflight reads version 1`,
      [],
      'render it with the idm-preflight version that wrote it, or run check again with this one',
    )
  if (!validate) {
    const [{default: Ajv}, {default: addFormats}] = await Promise.all([import('ajv'), import('ajv-formats')])
    const ajv = new (Ajv as unknown as new (o: object) => {compile(s: object): typeof validate})({
      allErrors: false,
      strict: false,
    })
    ;(addFormats as unknown as (a: unknown) => void)(ajv)
    validate = ajv.compile(buildReportSchema())
  }
  if (!validate(json)) {
    const e = validate.errors?.[0]
    throw new UsageError(
      `${file} is not a valid report: ${e?.instancePath || '/'} ${e?.message ?? ''}`.trim(),
      [],
      'it must be check --format json output, unedited',
    )
  }
  // A report file is anyone's text: no terminal control sequence reaches a renderer from it.
  return {report: sanitizeReport(json as Report), bytes: bytes.length}
}

/** How a host's results are labelled: its name, and the agent it ran as. */
const hostLabel = (host: RunHost | undefined, i: number) =>
  `${host?.name ?? `report ${i + 1}`}${host?.agent ? ` (${host.agent})` : ''}`

/** One host's run inside the inputs: a plain report is one, a merged report gives back each of its runs. */
interface HostRun {
  file: string
  report: Report
  host: RunHost
  label: string
  stage: 'before' | 'after'
  startedAt: string
  results: CheckResult[]
  leftOut?: LeftOutSummary
}

/**
 * A merged report's rows as each run saw them: every row back to the verdict of each of its hosts,
 * by host label (one pass over the rows, whatever the number of runs).
 */
function resultsByRun(report: Report): Map<string, CheckResult[]> {
  const out = new Map<string, CheckResult[]>()
  const add = (label: string, r: CheckResult) => {
    const list = out.get(label)
    if (list) list.push(r)
    else out.set(label, [r])
  }
  for (const row of report.results) {
    const {hosts, host, ...plain} = row
    if (hosts?.length)
      for (const h of hosts)
        add(h.host, {...plain, status: h.status, message: h.message, remediation: h.remediation ?? ''})
    else if (host !== undefined) add(host, plain)
  }
  return out
}

function runsOf(file: string, report: Report, i: number): HostRun[] {
  if (!report.runs?.length) {
    const host = report.host ?? {name: hostLabel(undefined, i)}
    const stage = report.stage === 'after' ? 'after' : 'before'
    return [
      {
        file,
        report,
        host,
        label: hostLabel(report.host, i),
        stage,
        startedAt: report.startedAt,
        results: report.results,
        ...(report.leftOut ? {leftOut: report.leftOut} : {}),
      },
    ]
  }
  const byRun = resultsByRun(report)
  return report.runs.map((run) => {
    const label = run.label ?? hostLabel(run.host, i)
    return {
      file,
      report,
      host: run.host,
      label,
      stage: run.stage === 'after' ? 'after' : 'before',
      startedAt: run.startedAt,
      results: byRun.get(label) ?? [],
      ...(run.leftOut ? {leftOut: run.leftOut} : {}),
    }
  })
}

/** `a`, `a and b`, `a, b and c`. */
function andList(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`
}

/**
 * What a row says when several hosts checked the same thing: their message when they agree;
 * else which verdict on which hosts ("pass on SRV01, fail on AGT02"), then what the hosts that
 * did not pass saw.
 */
export function verdictText(hosts: readonly HostVerdict[]): string {
  const byVerdict = new Map<string, {status: Status; message: string; hosts: string[]}>()
  for (const h of hosts) {
    const key = `${h.status}\u0000${h.message}`
    const g = byVerdict.get(key)
    if (g) g.hosts.push(h.host)
    else byVerdict.set(key, {status: h.status, message: h.message, hosts: [h.host]})
  }
  const groups = [...byVerdict.values()]
  if (groups.length === 1) return groups[0]!.message
  const statuses = [...new Set(groups.map((g) => g.status))]
  const headline =
    statuses.length > 1
      ? statuses.map((s) => `${s} on ${andList(hosts.filter((h) => h.status === s).map((h) => h.host))}`).join(', ')
      : ''
  const details = groups
    .filter((g) => statuses.length === 1 || (g.status !== 'pass' && g.status !== 'skip'))
    .map((g) => `${andList(g.hosts)}: ${g.message}`)
    .join('; ')
  return headline && details ? `${headline} — ${details}` : headline || details
}

/** The fixes of the hosts that did not pass, each once (with its hosts when they differ). */
function fixesOf(hosts: readonly HostVerdict[]): string {
  const fixes = new Map<string, string[]>()
  for (const h of hosts)
    if (h.remediation && h.status !== 'pass' && h.status !== 'skip')
      fixes.set(h.remediation, [...(fixes.get(h.remediation) ?? []), h.host])
  if (fixes.size <= 1) return [...fixes.keys()][0] ?? ''
  return [...fixes].map(([fix, on]) => `${andList(on)}: ${fix}`).join(' | ')
}

/** One row of the merged report from what each host saw of it. */
function mergeRow(entries: readonly {host: string; result: CheckResult}[], stage?: 'before' | 'after'): CheckResult {
  const withStage = stage ? {stage} : {}
  if (entries.length === 1) {
    const {hosts: _h, ...r} = entries[0]!.result
    return {...r, host: entries[0]!.host, ...withStage}
  }
  const hosts: HostVerdict[] = entries.map(({host, result: r}) => ({
    host,
    status: r.status,
    message: r.message,
    ...(r.remediation ? {remediation: r.remediation} : {}),
  }))
  const status = worst(hosts.map((h) => h.status))
  const {hosts: _h, ...first} = entries.find((e) => e.result.status === status)!.result
  return {
    ...first,
    status,
    message: verdictText(hosts),
    remediation: fixesOf(hosts),
    durationMs: entries.reduce((m, e) => Math.max(m, e.result.durationMs), 0),
    host: [...new Set(hosts.map((h) => h.host))].join(', '),
    hosts,
    ...withStage,
  }
}

/** Which rows are the same thing: check, target and place in the picture (a host's own `local` is its own). */
function rowKey(r: CheckResult, host: string, stage: string | undefined): string {
  const place = r.place ?? (r.target === 'local' ? `host:${host}` : '')
  return JSON.stringify([r.id, r.target, place, stage ?? ''])
}

export interface MergeOptions {
  /** Runs of both stages may be merged; each row then says its stage. */
  allowMixedStages?: boolean
  /** Two runs of one host part (same role and agent, same stage) may be merged; the second is labelled `#2`. */
  allowRepeatedRuns?: boolean
}

/**
 * The part of the installation a run checks, for the refusal of repeated runs: `--server`, or
 * `--agent ID` (whatever host ran it: an old and a fresh run of one part are two verdicts on one
 * thing); a run without a role checks everything from where it stands, so only the same host's
 * is a repeat.
 */
function partOf(run: HostRun): {key: string; text: string} {
  const role = run.host.role ?? (run.host.agent ? 'agent' : 'all')
  if (role === 'server') return {key: JSON.stringify(['server', run.stage]), text: "the server's part (--server)"}
  if (role === 'agent' && run.host.agent)
    return {
      key: JSON.stringify(['agent', run.host.agent.toLowerCase(), run.stage]),
      text: `${run.host.agent}'s part (--agent ${run.host.agent})`,
    }
  return {key: JSON.stringify(['all', run.host.name, run.stage]), text: `every check from ${run.host.name}`}
}

/**
 * Several hosts' reports of one installation as one. A check of the same thing from several
 * hosts (same check, target and place: the server alias's DNS from each agent, the proxy) is one
 * row, its status the worst of theirs, with what each host saw; the pictures put together; the
 * summary and exit code of the whole, computed from the rows. Refused (usage errors naming the
 * files): reports of another environment or schema version, the same run twice, and runs of both
 * stages unless allowed.
 */
export function mergeReports(inputs: readonly {file: string; report: Report}[], opts: MergeOptions = {}): Report {
  if (inputs.length === 0) throw new UsageError('no report to merge', [], 'name two or more JSON reports')
  const [head] = inputs
  for (const {file, report} of inputs.slice(1)) {
    if (report.schemaVersion !== head!.report.schemaVersion)
      throw new UsageError(
        `${file} is a report of schema version ${report.schemaVersion}, ${head!.file} of version ${head!.report.schemaVersion}: one merge is one schema version`,
        [],
        'render each with the idm-preflight version that wrote it, or run check again on every host with one version',
      )
    if (report.environment !== head!.report.environment || report.topology !== head!.report.topology)
      throw new UsageError(
        `${file} is environment "${report.environment}" (${report.topology}), ${head!.file} is "${head!.report.environment}" (${head!.report.topology}): one merge is one installation`,
        [],
        'merge the reports of one environment file',
      )
  }
  // A file name is the user's argument: printed in the hosts table, so no control sequence.
  const runs = inputs.flatMap(({file, report}, i) => runsOf(stripControl(file), report, i))
  // The same run twice (one file given twice, or a copy of it) would count every result twice.
  const seenRun = new Map<string, HostRun>()
  for (const run of runs) {
    const key = JSON.stringify([run.host.name, run.host.agent ?? '', run.startedAt])
    const other = seenRun.get(key)
    if (other)
      throw new UsageError(
        other.file === run.file
          ? `${run.file} holds the run of ${run.label} started ${run.startedAt} twice`
          : `${run.file} and ${other.file} are the same run (${run.label}, started ${run.startedAt})`,
        [],
        "name each host's report once",
      )
    seenRun.set(key, run)
  }
  const stages = [...new Set(runs.map((r) => r.stage))]
  const mixed = stages.length > 1
  if (mixed && !opts.allowMixedStages) {
    const of = (stage: string) => [...new Set(runs.filter((r) => r.stage === stage).map((r) => r.file))]
    throw new UsageError(
      `${andList(of('before'))} ${of('before').length > 1 ? 'are' : 'is'} stage before, ${andList(of('after'))} ${of('after').length > 1 ? 'are' : 'is'} stage after: one merge is one stage`,
      [],
      'merge the reports of one stage, or add --allow-mixed-stages (each row then says its stage)',
    )
  }
  // Two runs of one part at one stage (an old and a fresh run of an agent's host): both kept, the
  // old one's verdicts would decide the exit code unseen. Refused unless two hosts really run it.
  if (!opts.allowRepeatedRuns) {
    const seenPart = new Map<string, HostRun>()
    for (const run of runs) {
      const part = partOf(run)
      const other = seenPart.get(part.key)
      if (other) {
        const [older, newer] = Date.parse(other.startedAt) <= Date.parse(run.startedAt) ? [other, run] : [run, other]
        const where = (r: HostRun) => `${r.file}${r.file === (r === older ? newer : older).file ? ` (${r.label})` : ''}`
        throw new UsageError(
          `${where(older)} and ${where(newer)} are two runs of ${part.text} at stage ${run.stage}, started ${older.startedAt} and ${newer.startedAt}: one merge has one run of each part`,
          [],
          `keep the newer one (${newer.file}), or pass --allow-repeated-runs when two hosts really run the same agent`,
        )
      }
      seenPart.set(part.key, run)
    }
  }
  // Two runs of one host (and installation) that are not the same run: each keeps its own label.
  const seen = new Map<string, number>()
  for (const run of runs) {
    const n = (seen.get(run.label) ?? 0) + 1
    seen.set(run.label, n)
    if (n > 1) run.label = `${run.label} #${n}`
  }
  const rows = new Map<string, {host: string; result: CheckResult}[]>()
  const stageOf = new Map<string, 'before' | 'after'>()
  for (const run of runs)
    for (const r of run.results) {
      const stage = mixed ? (r.stage ?? run.stage) : undefined
      const key = rowKey(r, run.label, stage)
      const entries = rows.get(key) ?? []
      entries.push({host: run.label, result: r})
      rows.set(key, entries)
      if (stage) stageOf.set(key, stage)
    }
  const results = [...rows].map(([key, entries]) => mergeRow(entries, stageOf.get(key)))
  // The pictures put together: every component and link of any of them, once, in order.
  const nodes = new Map<string, Picture['nodes'][number]>()
  const links = new Map<string, Picture['links'][number]>()
  for (const {report} of inputs) {
    for (const n of report.picture?.nodes ?? []) if (!nodes.has(n.id)) nodes.set(n.id, n)
    for (const l of report.picture?.links ?? []) if (!links.has(l.id)) links.set(l.id, l)
  }
  const picture: Picture = {nodes: [...nodes.values()], links: [...links.values()]}
  const strict = inputs.some(({report}) => report.strict)
  const interrupted = inputs.some(({report}) => report.interrupted)
  const terminated = inputs.some(({report}) => report.interrupted && report.exitCode === ExitCode.Terminated)
  const merged: MergedRun[] = runs.map((run) => {
    const summary = summarize(run.results)
    return {
      host: run.host,
      label: run.label,
      stage: run.stage,
      startedAt: run.startedAt,
      exitCode: runExitCode(run.report, summary),
      summary,
      file: run.file,
      ...(run.leftOut ? {leftOut: run.leftOut} : {}),
    }
  })
  let start = Infinity
  let end = -Infinity
  for (const {report} of inputs) {
    const t = Date.parse(report.startedAt)
    start = Math.min(start, t)
    end = Math.max(end, t + report.durationMs)
  }
  const summary = summarize(results)
  // A note several hosts made (an expired waiver) is said once, with its hosts. A run's note on
  // what it left out is not: the merge says instead which of the runs it names are missing.
  const notes = new Map<string, string[]>()
  for (const run of runs)
    for (const n of run.report.runs?.length ? [] : run.report.notes)
      if (!run.leftOut || n !== leftOutText(run.leftOut)) notes.set(n, [...(notes.get(n) ?? []), run.label])
  const {missing, said} = missingParts(runs)
  // A merged input's notes on missing parts are said again from its runs, against this merge.
  const carried = inputs.flatMap(({report}) => (report.runs?.length ? report.notes : [])).filter((n) => !said.has(n))
  return {
    schemaVersion: 1,
    tool: head!.report.tool,
    environment: head!.report.environment,
    topology: head!.report.topology,
    stage: mixed ? 'mixed' : stages[0]!,
    startedAt: new Date(start).toISOString(),
    durationMs: Math.max(0, end - start),
    exitCode: interrupted ? (terminated ? ExitCode.Terminated : ExitCode.Interrupted) : exitCodeFor(summary, strict),
    strict,
    interrupted,
    summary,
    results,
    notes: [...new Set([...missing, ...[...notes].map(([n, on]) => `${andList(on)}: ${n}`), ...carried])],
    picture,
    ...(head!.report.environmentSummary ? {environmentSummary: head!.report.environmentSummary} : {}),
    runs: merged,
  }
}

/**
 * The parts of the installation that a run left out (--server, --agent) and that no run of the
 * merge checks: the runs each left-out note names, less those merged (a `--server` run; an
 * `--agent ID` run, IDs compared case-insensitively). `said`: every such note this merge could
 * say, so that a merged input's own are replaced.
 */
function missingParts(runs: readonly HostRun[]): {missing: string[]; said: Set<string>} {
  const server = runs.some((r) => r.host.role === 'server')
  const agents = new Set(runs.flatMap((r) => (r.host.agent ? [r.host.agent.toLowerCase()] : [])))
  const missing = new Set<string>()
  const said = new Set<string>()
  for (const {leftOut} of runs) {
    if (!leftOut) continue
    if (leftOut.server) {
      const text = missingPartText({server: true})
      said.add(text)
      if (!server) missing.add(text)
    }
    for (const agent of leftOut.agents) {
      const text = missingPartText({agent})
      said.add(text)
      if (!agents.has(agent.toLowerCase())) missing.add(text)
    }
  }
  // The server's part first, then the agents' in the order the runs named them.
  const serverText = missingPartText({server: true})
  return {missing: [...missing].sort((a, b) => Number(b === serverText) - Number(a === serverText)), said}
}

/** A run's exit code from its results: an interrupted run keeps its 130 or 143. */
function runExitCode(report: Report, summary: Summary): number {
  if (report.interrupted) return report.exitCode === ExitCode.Terminated ? ExitCode.Terminated : ExitCode.Interrupted
  return exitCodeFor(summary, report.strict)
}

/**
 * A saved report's numbers as its rows say them, never as saved: each merged row's status is the
 * worst of its hosts', the summary counts the rows, each run's summary counts its host's
 * verdicts, and the exit code follows (an interrupted run stays 130, or 143 for SIGTERM).
 */
export function recompute(report: Report): Report {
  const results = report.results.map((r) => (r.hosts?.length ? {...r, status: worst(r.hosts.map((h) => h.status))} : r))
  const summary = summarize(results)
  const byRun = report.runs ? resultsByRun({...report, results}) : undefined
  const runs = report.runs?.map((run, i) => {
    const s = summarize(byRun!.get(run.label ?? hostLabel(run.host, i)) ?? [])
    return {...run, summary: s, exitCode: runExitCode(report, s)}
  })
  return {
    ...report,
    results,
    summary,
    exitCode: runExitCode(report, summary),
    ...(runs ? {runs} : {}),
  }
}

/** The same file named twice (directly or through a link): a usage error naming both. */
export async function refuseSameFile(files: readonly string[]): Promise<void> {
  const {realpath} = await import('node:fs/promises')
  const {resolve} = await import('node:path')
  const seen = new Map<string, string>()
  for (const file of files) {
    const real = await realpath(resolve(file)).catch(() => resolve(file))
    const other = seen.get(real)
    if (other !== undefined)
      throw new UsageError(
        other === file ? `${file} is given twice` : `${other} and ${file} are the same file`,
        [],
        "name each host's report once",
      )
    seen.set(real, file)
  }
}
