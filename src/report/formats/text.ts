import {FLOWS, SEVERITY, type Finding, type Flow, type Status} from '../../model/index.js'
import {formatDuration, interruptionName} from '../../base/index.js'
import {rowOrigin, type CheckResult, type Report} from '../index.js'
import {plainStyle, type Style} from './style.js'

const ICON: Record<Status, string> = {pass: 'PASS ', warn: 'WARN ', fail: 'FAIL ', skip: 'SKIP ', error: 'ERROR'}

/**
 * The human report: results grouped by data flow (DESIGN.md §5), the fix and docs link under
 * every row that is not a pass, and a one-line summary.
 */
export function renderText(report: Report, style: Style = plainStyle, opts: {quiet?: boolean} = {}): string {
  // No terminal control sequence reaches here: the runner strips results, the session notes, and
  // names and paths with one are refused at validation. Our own colours are added by `style`.
  const lines: string[] = []
  lines.push(style.bold(`idm-preflight: ${report.environment} (${report.topology}, stage ${report.stage})`))
  const groups = new Map<Flow, CheckResult[]>()
  // Rows the user's own --only or --skip left out: one line per selection, not one row each
  // (JSON, JUnit and TAP keep the rows). Other skips (stage, platform, opt-in) stay listed.
  const deselected = new Map<string, number>()
  for (const r of report.results) {
    // --quiet: only what needs attention.
    if (opts.quiet && (r.status === 'pass' || r.status === 'skip')) continue
    const by = r.status === 'skip' ? deselectedBy(r) : undefined
    if (by) {
      deselected.set(by, (deselected.get(by) ?? 0) + 1)
      continue
    }
    const g = groups.get(r.flow) ?? []
    g.push(r)
    groups.set(r.flow, g)
  }
  // Columns sized from the data: the longest id of the report, the longest target of each group
  // (a target that has nothing to name is `-`, so that no row shifts its message left). Loops, not
  // Math.max(...spread): 200,000 results would overflow the call stack.
  let idWidth = 8
  for (const r of report.results) if (r.id.length > idWidth) idWidth = r.id.length
  for (const [flow, results] of [...groups].sort(
    (a, b) => Object.keys(FLOWS).indexOf(a[0]) - Object.keys(FLOWS).indexOf(b[0]),
  )) {
    lines.push('', style.bold(FLOWS[flow]))
    let targetWidth = 0
    for (const r of results) targetWidth = Math.max(targetWidth, targetText(r).length)
    for (const r of results) {
      const icon = paint(style, r.status, ICON[r.status])
      const target = targetText(r)
      // A row several hosts saw says what each saw, in one line (its message).
      const findings = r.hosts?.length ? [] : problemFindings(r)
      if (findings.length > 1) {
        // Several problems: one line each, with its own fix under it.
        const waived = r.waiver && !r.waiver.expired ? `  waived until ${r.waiver.until} (${r.waiver.reason}):` : ''
        lines.push(`  ${icon} ${r.id.padEnd(idWidth)}  ${target}${waived}`)
        for (const f of findings) {
          lines.push(`        ${paint(style, f.status, '-')} ${f.message}`)
          if (f.remediation) lines.push(style.dim(`          fix: ${f.remediation}`))
        }
        lines.push(style.dim(`        docs: ${r.docs}`))
        continue
      }
      lines.push(`  ${icon} ${r.id.padEnd(idWidth)}  ${target.padEnd(targetWidth)}  ${r.message}`)
      if (r.status !== 'pass' && r.status !== 'skip') {
        if (r.remediation) lines.push(style.dim(`        fix: ${r.remediation}`))
        lines.push(style.dim(`        docs: ${r.docs}`))
      }
    }
  }
  if (deselected.size) lines.push('')
  for (const [by, n] of deselected)
    lines.push(
      style.dim(`${n} check${n === 1 ? '' : 's'} ${by.startsWith('--only') ? 'not selected' : 'skipped'} (${by})`),
    )
  for (const n of report.notes) lines.push('', style.warn(`note: ${n}`))
  if (report.interrupted)
    lines.push(
      '',
      style.fail(
        `INTERRUPTED (${interruptionName(report.exitCode)}): this report is partial; ${report.results.filter((r) => (r.data as {phase?: string} | null)?.phase === 'interrupted').length} check(s) did not conclude`,
      ),
    )
  if (report.runs?.length) {
    lines.push('', style.bold(`Hosts (${report.runs.length}):`))
    for (const l of hostLines(report)) lines.push(l)
  }
  // A long run scrolls away: the failures again, each with its fix, just above the summary. A fix
  // several hosts need is said once, with its hosts.
  const failed = report.results.filter((r) => r.status === 'fail' || r.status === 'error')
  if (failed.length > 1 || (failed.length === 1 && report.results.length > 12)) {
    const recap = new Map<
      string,
      {status: Status; id: string; fix: string; targets: Set<string>; hosts: Set<string>; stage?: string}
    >()
    for (const r of failed) {
      const seen = r.hosts?.length
        ? r.hosts
            .filter((h) => h.status === 'fail' || h.status === 'error')
            .map((h) => ({status: h.status, fix: h.remediation || h.message, host: h.host}))
        : [{status: r.status, fix: r.remediation || r.message, host: r.host}]
      for (const x of seen) {
        const key = JSON.stringify([x.status, r.id, x.fix, r.stage ?? ''])
        const e = recap.get(key) ?? {
          status: x.status,
          id: r.id,
          fix: x.fix,
          targets: new Set(),
          hosts: new Set(),
          stage: r.stage,
        }
        if (r.target !== '-') e.targets.add(r.target)
        if (x.host) e.hosts.add(x.host)
        recap.set(key, e)
      }
    }
    lines.push('', style.bold(`To fix (${recap.size}):`))
    for (const e of recap.values())
      lines.push(
        `  - ${paint(style, e.status, e.status)} ${e.id}${e.targets.size ? ` ${[...e.targets].join(', ')}` : ''}${rowOrigin({host: [...e.hosts].join(', ') || undefined, stage: e.stage as CheckResult['stage']})}: ${e.fix}`,
      )
  }
  lines.push('', summaryLine(report, style))
  return `${lines.join('\n')}\n`
}

/** A result's target as the report's column shows it: `-` when there is none, and where a merged row comes from. */
function targetText(r: CheckResult): string {
  return `${r.target || '-'}${rowOrigin(r)}`
}

/** The runs of a merged report, one line each: host, role, stage, counts, exit code, file. */
function hostLines(report: Report): string[] {
  const runs = report.runs ?? []
  const label = (r: (typeof runs)[number]) => r.label ?? `${r.host.name}${r.host.agent ? ` (${r.host.agent})` : ''}`
  const w = Math.min(
    40,
    runs.reduce((m, r) => Math.max(m, label(r).length), 0),
  )
  const roles = runs.some((r) => r.host.role)
  return runs.map((r) => {
    const counts = (['pass', 'warn', 'fail', 'error', 'skip'] as const)
      .filter((k) => r.summary[k])
      .map((k) => `${r.summary[k]} ${k}`)
      .join(', ')
    return `  ${label(r).padEnd(w)}${roles ? `  ${(r.host.role ?? '').padEnd(6)}` : ''}  stage ${r.stage}  ${counts || 'no result'}  exit ${r.exitCode}  ${r.file}`
  })
}

/** The warn/fail findings behind a result (from `data.findings`), worst first. */
/** The user's selection that left a skipped row out (`--only tls.*`), from the row's data; else undefined. */
function deselectedBy(r: CheckResult): string | undefined {
  const d = (r.data as {deselected?: {flag?: unknown; patterns?: unknown}} | null)?.deselected
  if (!d || (d.flag !== '--only' && d.flag !== '--skip') || !Array.isArray(d.patterns)) return undefined
  return `${d.flag} ${d.patterns.map(String).join(',')}`
}

function problemFindings(r: CheckResult): Finding[] {
  if (r.status === 'pass' || r.status === 'skip') return []
  const fs = (r.data as {findings?: Finding[]} | null)?.findings ?? []
  return fs
    .filter((f) => f.status === 'warn' || f.status === 'fail')
    .sort((a, b) => SEVERITY[b.status] - SEVERITY[a.status])
}

export function summaryLine(report: Report, style: Style = plainStyle): string {
  const s = report.summary
  const total = report.results.length
  const parts = (['pass', 'warn', 'fail', 'error', 'skip'] as const).map((k) =>
    s[k] > 0 ? paint(style, k, `${s[k]} ${k}`) : `${s[k]} ${k}`,
  )
  return `${total} check${total === 1 ? '' : 's'}: ${parts.join(', ')} ${timeText(report)} (exit ${report.exitCode})`
}

/**
 * How long a report took: one run's duration; a merged report's is the span from the first run's
 * start to the last one's end (runs of several hosts, maybe days apart), said as such, in UTC.
 */
function timeText(report: Report): string {
  if (!report.runs?.length) return `in ${formatDuration(report.durationMs)}`
  const start = Date.parse(report.startedAt)
  const [from, to] = [start, start + report.durationMs].map((t) => new Date(t).toISOString())
  const sameDay = from!.slice(0, 10) === to!.slice(0, 10)
  const at = (iso: string) => (sameDay ? iso.slice(11, 19) : `${iso.slice(0, 10)} ${iso.slice(11, 19)}`)
  return `runs from ${at(from!)} to ${at(to!)} UTC`
}

function paint(style: Style, status: Status, text: string): string {
  switch (status) {
    case 'pass':
      return style.pass(text)
    case 'warn':
      return style.warn(text)
    case 'fail':
    case 'error':
      return style.fail(text)
    default:
      return style.skip(text)
  }
}
