/** Process exit codes, as documented in README.md and every command's --help (DESIGN.md §2). */
export const ExitCode = {
  /** Every check passed (warnings allowed unless --strict). */
  Ok: 0,
  /** Internal error: a bug in idm-preflight. */
  Internal: 1,
  /** Usage or configuration error: bad flags, invalid environment file, unresolved secret. */
  Usage: 2,
  /** At least one check failed (fail or error). */
  Failed: 3,
  /** No failure, but warnings, with --strict. */
  Warnings: 4,
  /** Interrupted (Ctrl-C): the partial report, marked interrupted, is still written. */
  Interrupted: 130,
  /** Stopped by SIGTERM: the partial report, marked interrupted, is still written. */
  Terminated: 143,
} as const

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode]

/**
 * Why a run was stopped, as the reason of its AbortSignal: Ctrl-C (SIGINT, exit 130) or SIGTERM
 * (exit 143). Its message is how results and reports say it.
 */
export class Interruption extends Error {
  constructor(readonly signal: 'SIGINT' | 'SIGTERM') {
    super(signal === 'SIGTERM' ? 'interrupted (SIGTERM)' : 'interrupted (Ctrl-C)')
    this.name = 'Interruption'
  }
  get exitCode(): ExitCode {
    return this.signal === 'SIGTERM' ? ExitCode.Terminated : ExitCode.Interrupted
  }
}

/** The exit code of a run stopped by `signal` (Ctrl-C unless it was SIGTERM). */
export function interruptedExitCode(signal: AbortSignal | undefined): ExitCode {
  return signal?.reason instanceof Interruption ? signal.reason.exitCode : ExitCode.Interrupted
}

/** How a report says what stopped its run: from its exit code (143 is SIGTERM). */
export function interruptionName(exitCode: number): string {
  return exitCode === ExitCode.Terminated ? 'SIGTERM' : 'Ctrl-C'
}

/** A command's own exit codes, for the end of its --help: each line as that command means it. */
export function exitCodesHelp(lines: Record<number, string>): string {
  const all: Record<number, string> = {1: 'internal error (a bug: please report it)', ...lines}
  const codes = Object.keys(all)
    .map(Number)
    .sort((a, b) => a - b)
  return `EXIT CODES\n${codes.map((c) => `  ${String(c).padEnd(3)}  ${all[c]}`).join('\n')}`
}

/** The text block that check's (and demo's) --help ends with. */
export const EXIT_CODES_HELP = exitCodesHelp({
  0: 'every check passed (warnings allowed unless --strict)',
  2: 'usage or configuration error (bad flags, invalid environment file, unresolved secret)',
  3: 'at least one check failed (fail or error)',
  4: 'no failure but warnings, with --strict',
  130: 'interrupted (Ctrl-C): the partial report, marked interrupted, is still written',
  143: 'stopped by SIGTERM: the partial report, marked interrupted, is still written',
})

export const ISSUES_URL = 'https://github.com/idm-preflight/idm-preflight/issues'
