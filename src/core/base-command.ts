import {Command} from '@oclif/core'
import {formatDiagnostic, UsageError} from './errors.js'
import {ExitCode, ISSUES_URL} from './exit-codes.js'
import {redactor} from './redact.js'

/**
 * What every idm-preflight command shares: errors become the documented exit codes with a clear
 * message and no stack trace (set DEBUG=idm-preflight to see one), always redacted.
 */
export abstract class BaseCommand extends Command {
  /** Writes to stdout, redacted; waits until the data is flushed (large reports into a pipe). */
  protected async out(text: string): Promise<void> {
    const data = redactor.redact(text)
    await new Promise<void>((resolve) => {
      if (process.stdout.write(data)) resolve()
      else process.stdout.once('drain', resolve)
    })
  }

  /** Writes a line to stderr, redacted. */
  protected err(text: string): void {
    process.stderr.write(`${redactor.redact(text)}\n`)
  }

  protected override async catch(error: Error & {oclif?: {exit?: number}; code?: string}): Promise<never> {
    // oclif's own flag/argument errors and this.exit() carry their exit code: let oclif print them.
    if (error.oclif?.exit !== undefined && !(error instanceof UsageError)) {
      if (error.oclif.exit === ExitCode.Usage || error.code === 'EEXIT') return super.catch(error) as never
    }
    const json = this.jsonEnabled()
    if (error instanceof UsageError) {
      if (json) {
        await this.out(
          `${JSON.stringify(
            {
              status: 'error',
              exitCode: ExitCode.Usage,
              error: error.message,
              hint: error.hint,
              diagnostics: error.diagnostics,
            },
            null,
            2,
          )}\n`,
        )
      } else {
        this.err(`idm-preflight: ${error.message}`)
        for (const d of error.diagnostics) this.err(`  ${formatDiagnostic(d)}`)
        if (error.hint) this.err(`  hint: ${error.hint}`)
      }
      return this.exit(ExitCode.Usage)
    }
    const msg = `internal error: ${error.message || error.name}`
    if (json) await this.out(`${JSON.stringify({status: 'error', exitCode: ExitCode.Internal, error: msg}, null, 2)}\n`)
    this.err(`idm-preflight: ${msg}`)
    this.err(`This is a bug in idm-preflight: please report it at ${ISSUES_URL} with the command you ran.`)
    if (process.env.DEBUG?.includes('idm-preflight')) this.err(error.stack ?? '')
    else this.err('(run with DEBUG=idm-preflight for the stack trace)')
    return this.exit(ExitCode.Internal)
  }
}
