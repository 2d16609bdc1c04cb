import {lstat, readdir, readFile, rm} from 'node:fs/promises'
import {join} from 'node:path'
import {UsageError} from '../base/index.js'

/** The first line of the environment file the sandbox writes (src/sandbox/sandbox.ts). */
const SANDBOX_HEADER = '# idm-preflight sandbox environment:'

/**
 * `demo --dir`: a new or empty folder is used as it is. A folder holding anything is refused,
 * naming it (a second demo there would mix its reports, certificates and scaffold with the
 * first's); with `force`, a folder an earlier demo left (its environment file is the sandbox's)
 * is cleared first, and nothing else ever is. Returns how many entries were cleared.
 */
export async function prepareDemoDir(dir: string, shown: string, force: boolean): Promise<number> {
  let entries: string[]
  try {
    entries = await readdir(dir)
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return 0
    if (code === 'ENOTDIR')
      throw new UsageError(`--dir ${shown} is a file, not a folder`, [], 'give a new or empty folder')
    throw new UsageError(`--dir ${shown} cannot be read: ${(e as Error).message}`, [], 'give a new or empty folder')
  }
  if (entries.length === 0) return 0
  const envFile = join(dir, 'idm-preflight.yaml')
  const st = await lstat(envFile).catch(() => undefined)
  // Read only a small regular file: never a FIFO, a device or a link.
  const isDemo =
    st?.isFile() === true &&
    st.size < 1024 * 1024 &&
    (await readFile(envFile, 'utf8').catch(() => '')).startsWith(SANDBOX_HEADER)
  const some = entries.sort().slice(0, 3).join(', ') + (entries.length > 3 ? ', …' : '')
  if (!force)
    throw new UsageError(
      `--dir ${shown} is not empty (${some}): a demo there would mix its files with what is there`,
      [],
      isDemo
        ? 'give a new or empty folder, or add --force to clear the earlier demo there first'
        : 'give a new or empty folder',
    )
  if (!isDemo)
    throw new UsageError(
      `--dir ${shown} holds files no demo wrote (${some}): --force clears only a folder an earlier demo left`,
      [],
      'give a new or empty folder',
    )
  for (const e of entries) await rm(join(dir, e), {recursive: true, force: true})
  return entries.length
}
