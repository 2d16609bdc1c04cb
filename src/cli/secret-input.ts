import {UsageError, redactor} from '../base/index.js'

/**
 * The shortest password this tool accepts for a private key it creates: its own policy (the
 * product's pages set none), so that a PFX holding an encryption key is not opened by guessing.
 */
export const MIN_NEW_PASSWORD = 8

/** Tries at a terminal before giving up, when the second typing differs from the first. */
const CONFIRM_TRIES = 3

/**
 * A password for a command: from the environment variable named by --password-env, or typed at a
 * hidden prompt on a terminal. Never from the command line. The value is registered for redaction.
 * `minLength` (a new private key's password): a shorter one is refused with the reason, at the
 * prompt (asked again) or from the variable (exit 2). With `confirm`, a second typing that differs
 * asks for both again. Nothing is echoed while typing, not even one mark per character: the
 * screen never tells the password's length.
 */
export async function readPassword(o: {
  envVar?: string
  confirm?: boolean
  purpose: string
  allowEmpty?: boolean
  minLength?: number
}): Promise<string | undefined> {
  const tooShort = `shorter than ${o.minLength} characters, idm-preflight's minimum for the password of a private key it creates`
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
    if (o.minLength && v.length < o.minLength)
      throw new UsageError(
        `--password-env ${o.envVar}: the password is ${tooShort}`,
        [],
        'choose a longer one (a few words make a passphrase that is easy to type and hard to guess)',
      )
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
  // No mask (it would show one mark per character) and no Ctrl-T to reveal it on screen.
  const hidden = {mask: false, toggleMask: false} as const
  const validate = (v: string) =>
    o.minLength && v.length < o.minLength
      ? `the password is ${tooShort}`
      : v !== '' || !!o.allowEmpty || 'an empty password is not accepted for a private key'
  for (let attempt = 1; ; attempt++) {
    const first = await password({message: `Password for ${o.purpose}:`, ...hidden, validate})
    if (first === '' && !o.allowEmpty) throw new UsageError('an empty password is not accepted for a private key')
    redactor.add(first)
    if (!o.confirm) return first
    const again = await password({message: 'Type it again:', ...hidden})
    if (again === first) return first
    if (attempt >= CONFIRM_TRIES)
      throw new UsageError(`the two passwords differed ${CONFIRM_TRIES} times; nothing was written`)
    process.stderr.write(`the two passwords differ: type it again (${CONFIRM_TRIES - attempt} more tries)\n`)
  }
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
