import {ExitCode} from './exit-codes.js'

/** One problem found in an input file, positioned for an editor: `file:line:column  path  message`. */
export interface Diagnostic {
  file: string
  line: number
  column: number
  /** JSON path in dotted form (`agents[0].identifier`), or '' for the whole document. */
  path: string
  message: string
  severity: 'error' | 'warning'
}

/** Formats a diagnostic the way every command prints it. */
export function formatDiagnostic(d: Diagnostic): string {
  const where = `${d.file}:${d.line}:${d.column}`
  const tag = d.severity === 'warning' ? 'warning: ' : ''
  return d.path ? `${where}  ${d.path}  ${tag}${d.message}` : `${where}  ${tag}${d.message}`
}

/**
 * An error the user can fix: bad flags, an unreadable or invalid file, an unresolved secret.
 * Commands print its message (and diagnostics) without a stack trace and exit 2.
 */
export class UsageError extends Error {
  readonly exitCode = ExitCode.Usage
  constructor(
    message: string,
    readonly diagnostics: Diagnostic[] = [],
    readonly hint?: string,
  ) {
    super(message)
    this.name = 'UsageError'
  }
}
