import {interruptionName} from '../../base/index.js'
import {isFailure, rowOrigin, type Report} from '../index.js'

/** A YAML-safe one-line scalar for TAP diagnostics. */
function yamlScalar(s: string): string {
  return JSON.stringify(s)
}

/**
 * TAP version 14 for plain CI logs: skip as `# SKIP`, warn as ok with a diagnostics block (not ok
 * under --strict), and `Bail out!` when the run was interrupted.
 */
export function renderTap(report: Report): string {
  const out = ['TAP version 14', `1..${report.results.length}`]
  report.results.forEach((r, i) => {
    const name = `${r.id} ${r.target}${rowOrigin(r)}`.replace(/#/g, '\\#')
    const n = i + 1
    if (r.status === 'skip') {
      out.push(`ok ${n} - ${name} # SKIP ${r.message.replace(/\n/g, ' ')}`)
      return
    }
    const ok = !isFailure(r, report.strict)
    out.push(`${ok ? 'ok' : 'not ok'} ${n} - ${name}`)
    if (r.status !== 'pass') {
      out.push('  ---')
      out.push(`  severity: ${r.status}`)
      out.push(`  message: ${yamlScalar(r.message)}`)
      if (r.remediation) out.push(`  remediation: ${yamlScalar(r.remediation)}`)
      out.push(`  docs: ${yamlScalar(r.docs)}`)
      out.push(`  duration_ms: ${r.durationMs}`)
      out.push('  ...')
    }
  })
  const s = report.summary
  out.push(
    `# pass ${s.pass}, warn ${s.warn}, fail ${s.fail}, error ${s.error}, skip ${s.skip}${report.strict ? ' (--strict: warnings fail)' : ''}`,
  )
  if (report.interrupted)
    out.push(`Bail out! interrupted (${interruptionName(report.exitCode)}): this report is partial`)
  return `${out.join('\n')}\n`
}
