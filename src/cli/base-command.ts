import {Command} from '@oclif/core'
import {isParseError, parseErrorToUsage, type CommandShape} from './cli-errors.js'
import {
  formatDiagnostic,
  UsageError,
  ExitCode,
  ISSUES_URL,
  maskUrlPasswords,
  redactor,
  stripControl,
} from '../base/index.js'

/**
 * What every idm-preflight command shares: errors become the documented exit codes with a clear
 * message and no stack trace (set DEBUG=idm-preflight to see one), always redacted.
 */
export abstract class BaseCommand extends Command {
  /**
   * Writes to stdout; waits until the data is flushed (large reports into a pipe). What is written
   * was redacted where it was made (reports, diffs, errors: see Redactor); here only a password in
   * a URL is masked, which cannot touch ids, keys or statuses.
   */
  protected async out(text: string): Promise<void> {
    const data = maskUrlPasswords(text)
    // A reader that went away (`| head`) is not an error of ours: stop writing, finish quietly.
    if (!process.stdout.listenerCount('error')) process.stdout.on('error', () => undefined)
    if (process.stdout.destroyed || process.stdout.writableEnded) return
    await new Promise<void>((resolve) => process.stdout.write(data, () => resolve()))
  }

  /** Writes a line to stderr (a password in a URL masked; the caller redacts free text). */
  protected err(text: string): void {
    process.stderr.write(`${maskUrlPasswords(text)}\n`)
  }

  protected override async catch(
    caught: Error & {oclif?: {exit?: number}; code?: string; flags?: unknown},
  ): Promise<never> {
    // oclif's flag and argument errors, said as the tool says its own: one line, a hint, exit 2.
    const error: Error & {oclif?: {exit?: number}; code?: string} = isParseError(caught)
      ? parseErrorToUsage(caught, this.id ?? '', this.ctor as unknown as CommandShape)
      : caught
    // Ctrl-C (or Esc) at a prompt: cancelled, quietly, exit 130, the same at every command's
    // question. A command that has written something before asking catches it itself and says so.
    if (isPromptCancel(error)) {
      this.err(`\n${(this.id ?? 'idm-preflight').replaceAll(':', ' ')}: cancelled; nothing was written`)
      return this.exit(ExitCode.Interrupted)
    }
    // this.exit() carries its exit code: let oclif end with it.
    if (error.oclif?.exit !== undefined && !(error instanceof UsageError)) {
      if (error.oclif.exit === ExitCode.Usage || error.code === 'EEXIT') return super.catch(error) as never
    }
    const json = this.jsonEnabled()
    if (error instanceof UsageError) {
      // Free text is redacted; file names, paths and positions are structure and stay.
      const usage = redactUsageError(error)
      if (json) {
        await this.out(
          `${JSON.stringify(
            {
              status: 'error',
              exitCode: ExitCode.Usage,
              error: usage.message,
              hint: usage.hint,
              diagnostics: usage.diagnostics,
            },
            null,
            2,
          )}\n`,
        )
      } else {
        // A file name or an argument may hold terminal control sequences: never passed to the terminal.
        this.err(stripControl(`idm-preflight: ${usage.message}`))
        for (const d of usage.diagnostics) this.err(stripControl(`  ${formatDiagnostic(d)}`))
        if (usage.hint) this.err(stripControl(`  hint: ${usage.hint}`))
      }
      return this.exit(ExitCode.Usage)
    }
    const msg = `internal error: ${redactor.redact(error.message || error.name)}`
    if (json) await this.out(`${JSON.stringify({status: 'error', exitCode: ExitCode.Internal, error: msg}, null, 2)}\n`)
    this.err(`idm-preflight: ${msg}`)
    this.err(`This is a bug in idm-preflight: please report it at ${ISSUES_URL} with the command you ran.`)
    if (process.env.DEBUG?.includes('idm-preflight')) this.err(redactor.redact(error.stack ?? ''))
    else this.err('(run with DEBUG=idm-preflight for the stack trace)')
    return this.exit(ExitCode.Internal)
  }
}

function redactUsageError(e: UsageError): UsageError {
  const r = new UsageError(
    redactor.redact(e.message),
    e.diagnostics.map((d) => ({...d, message: redactor.redact(d.message)})),
    e.hint === undefined ? undefined : redactor.redact(e.hint),
  )
  return r
}

/** @inquirer's error when its prompt is closed by Ctrl-C (ExitPromptError) or aborted. */
export function isPromptCancel(e: unknown): boolean {
  return e instanceof Error && (e.name === 'ExitPromptError' || e.name === 'AbortPromptError')
}
