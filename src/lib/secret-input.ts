import {UsageError} from '../core/errors.js'
import {redactor} from '../core/redact.js'

/**
 * A password for a command: from the environment variable named by --password-env, or typed at a
 * hidden prompt on a terminal. Never from the command line. The value is registered for redaction.
 */
export async function readPassword(o: {
  envVar?: string
  confirm?: boolean
  purpose: string
  allowEmpty?: boolean
}): Promise<string | undefined> {
  if (o.envVar) {
    const v = process.env[o.envVar]
    if (v === undefined)
      throw new UsageError(
        `--password-env ${o.envVar}: the environment variable ${o.envVar} is not set`,
        [],
        `set it first: export ${o.envVar}=… (or read -s ${o.envVar}; export ${o.envVar})`,
      )
    if (v === '' && !o.allowEmpty)
      throw new UsageError(`--password-env ${o.envVar}: the environment variable ${o.envVar} is empty`)
    redactor.add(v)
    return v
  }
  if (!process.stdin.isTTY) {
    if (o.allowEmpty) return undefined
    throw new UsageError(
      `no password for ${o.purpose}: this is not a terminal, so there is nobody to ask`,
      [],
      'pass --password-env VAR with the password in that environment variable (never on the command line)',
    )
  }
  const {password} = await import('@inquirer/prompts')
  const ask = () => password({message: `Password for ${o.purpose}:`, mask: true})
  const first = await ask()
  if (first === '' && !o.allowEmpty) throw new UsageError('an empty password is not accepted for a private key')
  if (o.confirm) {
    const again = await password({message: 'Type it again:', mask: true})
    if (again !== first) throw new UsageError('the two passwords differ; nothing was written')
  }
  redactor.add(first)
  return first
}

/**
 * `--password` exists only to be refused: a password on the command line ends up in shell
 * history and process lists. The value is registered for redaction before anything is printed.
 */
export function refuseArgvPassword(value: string | undefined): void {
  if (value === undefined) return
  redactor.add(value)
  throw new UsageError(
    '--password is refused: a password on the command line ends up in shell history and process lists',
    [],
    'use --password-env VAR, or run on a terminal to be prompted',
  )
}
