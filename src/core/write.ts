import {randomBytes} from 'node:crypto'
import {mkdir, rename, rm, writeFile} from 'node:fs/promises'
import {basename, dirname, join, resolve} from 'node:path'

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
