import {UsageError} from './errors.js'
import type {Picture} from './picture.js'
import {stat} from 'node:fs/promises'
import {FileReadError, readRegularFile, sizeText} from './read.js'
import {buildReportSchema} from './report-schema.js'
import {sanitizeReport} from './report-sanitize.js'
import {exitCodeFor, summarize, type CheckResult, type MergedRun, type Report} from './report.js'
import {ExitCode} from './exit-codes.js'

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
      `${file} is not JSON: ${(e as Error).message}`,
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
const hostLabel = (r: Report, i: number) =>
  `${r.host?.name ?? `report ${i + 1}`}${r.host?.agent ? ` (${r.host.agent})` : ''}`

/**
 * Several hosts' reports of one installation as one: every result labelled with its host, the
 * pictures put together, the summary and exit code of the whole. Reports of another environment
 * (name or topology) are refused, naming both files.
 */
export function mergeReports(inputs: readonly {file: string; report: Report}[]): Report {
  if (inputs.length === 0) throw new UsageError('no report to merge', [], 'name two or more JSON reports')
  const [head] = inputs
  for (const {file, report} of inputs.slice(1)) {
    if (report.environment !== head!.report.environment || report.topology !== head!.report.topology)
      throw new UsageError(
        `${file} is environment "${report.environment}" (${report.topology}), ${head!.file} is "${head!.report.environment}" (${head!.report.topology}): one merge is one installation`,
        [],
        'merge the reports of one environment file',
      )
  }
  const labels = inputs.map(({report}, i) => hostLabel(report, i))
  // Two reports of one host and installation: each keeps its own label.
  const seen = new Map<string, number>()
  const unique = labels.map((l) => {
    const n = (seen.get(l) ?? 0) + 1
    seen.set(l, n)
    return n === 1 ? l : `${l} #${n}`
  })
  const results: CheckResult[] = inputs.flatMap(({report}, i) => report.results.map((r) => ({...r, host: unique[i]!})))
  // The pictures put together: every component and link of any of them, once, in order.
  const nodes = new Map<string, Picture['nodes'][number]>()
  const links = new Map<string, Picture['links'][number]>()
  for (const {report} of inputs) {
    for (const n of report.picture?.nodes ?? []) if (!nodes.has(n.id)) nodes.set(n.id, n)
    for (const l of report.picture?.links ?? []) if (!links.has(l.id)) links.set(l.id, l)
  }
  const picture: Picture = {nodes: [...nodes.values()], links: [...links.values()]}
  const runs: MergedRun[] = inputs.map(({file, report}, i) => ({
    host: report.host ?? {name: unique[i]!},
    stage: report.stage,
    startedAt: report.startedAt,
    exitCode: report.exitCode,
    summary: report.summary,
    file,
  }))
  let start = Infinity
  let end = -Infinity
  for (const {report} of inputs) {
    const t = Date.parse(report.startedAt)
    start = Math.min(start, t)
    end = Math.max(end, t + report.durationMs)
  }
  const summary = summarize(results)
  const strict = inputs.some(({report}) => report.strict)
  const interrupted = inputs.some(({report}) => report.interrupted)
  return {
    schemaVersion: 1,
    tool: head!.report.tool,
    environment: head!.report.environment,
    topology: head!.report.topology,
    stage: inputs.some(({report}) => report.stage === 'after') ? 'after' : 'before',
    startedAt: new Date(start).toISOString(),
    durationMs: Math.max(0, end - start),
    exitCode: interrupted ? ExitCode.Interrupted : exitCodeFor(summary, strict),
    strict,
    interrupted,
    summary,
    results,
    notes: inputs.flatMap(({report}, i) => report.notes.map((n) => `${unique[i]}: ${n}`)),
    picture,
    ...(head!.report.environmentSummary ? {environmentSummary: head!.report.environmentSummary} : {}),
    runs,
  }
}
