import {randomBytes} from 'node:crypto'
import {existsSync} from 'node:fs'
import {copyFile, mkdir, rename, rm, writeFile} from 'node:fs/promises'
import {basename, dirname, join, resolve} from 'node:path'
import {UsageError} from './errors.js'

/**
 * Writes a file atomically: a temporary file beside it, then a rename, so that a reader (or a
 * crash) never sees half a file. `mode` applies to the new file (0600 for secret-bearing ones).
 */
export async function writeFileAtomic(file: string, data: string | Buffer, opts: {mode?: number} = {}): Promise<void> {
  const target = resolve(file)
  await mkdir(dirname(target), {recursive: true})
  const tmp = join(dirname(target), `.${basename(target)}.${randomBytes(6).toString('hex')}.tmp`)
  try {
    await writeFile(tmp, data, {mode: opts.mode ?? 0o644, flag: 'wx'})
    // Test hook: a crash between the write and the rename must leave the old file intact.
    if (process.env.IDM_PREFLIGHT_TEST_CRASH_BEFORE_RENAME === basename(target)) process.kill(process.pid, 'SIGKILL')
    await rename(tmp, target)
  } catch (e) {
    await rm(tmp, {force: true})
    throw e
  }
}

/**
 * The rule every command that writes a user's file follows: an existing file is never replaced
 * without --force. Throws the usage error (exit 2) that says so; `shown` is the path as typed.
 */
export function refuseOverwrite(file: string, shown: string, force: boolean, flag = '--out'): void {
  if (existsSync(resolve(file)) && !force)
    throw new UsageError(
      `${shown} exists: not overwritten`,
      [],
      `choose another ${flag}, or add --force (a .bak is kept)`,
    )
}

/** Writes atomically, first keeping the previous version (if any) as `<file>.bak`. */
export async function replaceFile(file: string, data: string | Buffer, opts: {mode?: number} = {}): Promise<void> {
  const target = resolve(file)
  if (existsSync(target)) await copyFile(target, `${target}.bak`)
  await writeFileAtomic(target, data, opts)
}
