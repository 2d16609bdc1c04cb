import {FLOWS, SEVERITY, type Finding, type Flow, type Status} from '../core/check.js'
import {formatDuration} from '../core/duration.js'
import type {CheckResult, Report} from '../core/report.js'
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
  for (const r of report.results) {
    // --quiet: only what needs attention.
    if (opts.quiet && (r.status === 'pass' || r.status === 'skip')) continue
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
      const findings = problemFindings(r)
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
  for (const n of report.notes) lines.push('', style.warn(`note: ${n}`))
  if (report.interrupted)
    lines.push(
      '',
      style.fail(
        `INTERRUPTED (Ctrl-C): this report is partial; ${report.results.filter((r) => (r.data as {phase?: string} | null)?.phase === 'interrupted').length} check(s) did not conclude`,
      ),
    )
  // A long run scrolls away: the failures again, each with its fix, just above the summary.
  const failed = report.results.filter((r) => r.status === 'fail' || r.status === 'error')
  if (failed.length > 1 || (failed.length === 1 && report.results.length > 12)) {
    lines.push('', style.bold(`To fix (${failed.length}):`))
    for (const r of failed)
      lines.push(
        `  - ${paint(style, r.status, r.status)} ${r.id}${r.target === '-' ? '' : ` ${r.target}`}${r.host ? ` @ ${r.host}` : ''}: ${r.remediation || r.message}`,
      )
  }
  lines.push('', summaryLine(report, style))
  return `${lines.join('\n')}\n`
}

/** A result's target as the report's column shows it: `-` when there is none, and the host of a merged run. */
function targetText(r: CheckResult): string {
  return `${r.target || '-'}${r.host ? ` @ ${r.host}` : ''}`
}

/** The warn/fail findings behind a result (from `data.findings`), worst first. */
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
  return `${total} check${total === 1 ? '' : 's'}: ${parts.join(', ')} in ${formatDuration(report.durationMs)} (exit ${report.exitCode})`
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
