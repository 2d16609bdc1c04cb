import {interruptionName} from '../../base/index.js'
import {isFailure, rowOrigin, type CheckResult, type Report} from '../index.js'

/** XML 1.0 cannot carry most control characters, even escaped: drop them. */
function clean(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '')
}

export function xmlAttr(s: string): string {
  return clean(s)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;')
    .replace(/\t/g, '&#9;')
}

export function xmlText(s: string): string {
  return clean(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

const secs = (ms: number) => (ms / 1000).toFixed(3)

/**
 * JUnit XML: one testsuite per check id, one testcase per target; fail and error are
 * `<failure>` (type says which), skip is `<skipped>`, warnings go to `system-out`, or are a
 * `<failure type="warn">` under --strict (so that CI's test view agrees with the exit code). An
 * interrupted run adds a failing `idm-preflight` suite that says so.
 */
export function renderJunit(report: Report): string {
  const suites = new Map<string, CheckResult[]>()
  for (const r of report.results) {
    const list = suites.get(r.id)
    // Pushed, not copied: one suite of 200,000 results was quadratic.
    if (list) list.push(r)
    else suites.set(r.id, [r])
  }
  const s = report.summary
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>']
  const failed = report.results.filter((r) => isFailure(r, report.strict)).length + (report.interrupted ? 1 : 0)
  const tests = report.results.length + (report.interrupted ? 1 : 0)
  out.push(
    `<testsuites name="idm-preflight ${xmlAttr(report.environment)}${report.interrupted ? ' (interrupted)' : ''}" tests="${tests}" failures="${failed}" errors="0" skipped="${s.skip}" time="${secs(report.durationMs)}" timestamp="${report.startedAt}">`,
  )
  if (report.interrupted) {
    out.push(`  <testsuite name="idm-preflight" tests="1" failures="1" errors="0" skipped="0" time="0.000">`)
    out.push(`    <testcase classname="idm-preflight" name="run" time="${secs(report.durationMs)}">`)
    out.push(
      `      <failure type="interrupted" message="interrupted (${interruptionName(report.exitCode)}): this report is partial">the run was stopped before every check concluded (exit ${report.exitCode})</failure>`,
    )
    out.push('    </testcase>', '  </testsuite>')
  }
  for (const [id, results] of suites) {
    const failures = results.filter((r) => isFailure(r, report.strict)).length
    const skipped = results.filter((r) => r.status === 'skip').length
    const time = results.reduce((t, r) => t + r.durationMs, 0)
    out.push(
      `  <testsuite name="${xmlAttr(id)}" tests="${results.length}" failures="${failures}" errors="0" skipped="${skipped}" time="${secs(time)}">`,
    )
    for (const r of results) {
      out.push(
        `    <testcase classname="${xmlAttr(id)}" name="${xmlAttr(`${r.target}${rowOrigin(r)}`)}" time="${secs(r.durationMs)}">`,
      )
      const detail = [r.message, r.remediation && `fix: ${r.remediation}`, `docs: ${r.docs}`].filter(Boolean).join('\n')
      if (isFailure(r, report.strict)) {
        out.push(`      <failure type="${r.status}" message="${xmlAttr(r.message)}">${xmlText(detail)}</failure>`)
      } else if (r.status === 'skip') {
        out.push(`      <skipped message="${xmlAttr(r.message)}"/>`)
      } else if (r.status === 'warn') {
        out.push(`      <system-out>${xmlText(`WARN: ${detail}`)}</system-out>`)
      }
      out.push('    </testcase>')
    }
    out.push('  </testsuite>')
  }
  out.push('</testsuites>')
  return `${out.join('\n')}\n`
}
