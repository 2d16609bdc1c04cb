import {randomBytes} from 'node:crypto'
import {constants, open as openFd} from 'node:fs'
import {copyFile, link, lstat, mkdir, open, readdir, realpath, rename, rm, stat, writeFile} from 'node:fs/promises'
import {basename, dirname, join, resolve} from 'node:path'
import {UsageError} from '../base/index.js'

/**
 * How the tool writes a user's files, in one place:
 * - a new file appears whole or not at all, and only if nothing is there (temp file + `link`,
 *   which fails when the name exists: "exists?" and "write" are one step, so of two concurrent
 *   writers exactly one creates the file and the other is told);
 * - a replaced file keeps its previous version as `.bak` and is swapped in by `rename`;
 * - a device, a pipe or a link to one (`/dev/stdout`, `/dev/null`) is written through, never
 *   replaced; a pipe is opened without waiting for a reader; a link to a file is refused (it
 *   would rewrite another file in place); `--output` never makes a folder;
 * - a temporary file left by a killed run (our own naming, its process gone) is removed by the
 *   next write beside it;
 * - a failure the user can fix (permissions, a full disk, a missing folder) is a usage error
 *   naming the file, never an internal error.
 */

/** Thrown by `createExclusive` when the file exists (it may have appeared since it was checked). */
export class FileExistsError extends Error {
  constructor(readonly file: string) {
    super(`${file} exists`)
    this.name = 'FileExistsError'
  }
}

/** Our temporary files: `.<name>.<pid>.<12 hex>.tmp` (before 0.2: without the pid). */
function tempName(target: string): string {
  return join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`)
}

const STALE_WITHOUT_PID_MS = 10 * 60_000

/** Removes temporary files of ours for `target` whose process is gone (or, for old names, that are old). */
export async function removeStaleTemps(target: string): Promise<string[]> {
  const dir = dirname(target)
  const base = basename(target)
  const names = await readdir(dir).catch(() => [] as string[])
  const removed: string[] = []
  const ours = new RegExp(`^\\.${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.(?:(\\d+)\\.)?[0-9a-f]{12}\\.tmp$`)
  for (const n of names) {
    if (!n.startsWith(`.${base}.`) || !n.endsWith('.tmp')) continue
    const m = ours.exec(n)
    if (!m) continue
    const pid = m[1] ? Number(m[1]) : undefined
    const path = join(dir, n)
    let stale: boolean
    if (pid !== undefined) stale = pid !== process.pid && !alive(pid)
    else stale = Date.now() - ((await lstat(path).catch(() => undefined))?.mtimeMs ?? Date.now()) > STALE_WITHOUT_PID_MS
    if (
      stale &&
      (await rm(path, {force: true}).then(
        () => true,
        () => false,
      ))
    )
      removed.push(path)
  }
  return removed
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Writes `data` to a new temporary file beside `target` (mode applied) and returns its path. */
async function writeTemp(target: string, data: string | Buffer, mode: number): Promise<string> {
  await mkdir(dirname(target), {recursive: true})
  await removeStaleTemps(target)
  const tmp = tempName(target)
  await writeFile(tmp, data, {mode, flag: 'wx'})
  return tmp
}

/**
 * Writes a file atomically: a temporary file beside it, then a rename, so that a reader (or a
 * crash) never sees half a file. `mode` applies to the new file (0600 for secret-bearing ones).
 */
export async function writeFileAtomic(file: string, data: string | Buffer, opts: {mode?: number} = {}): Promise<void> {
  const target = resolve(file)
  const tmp = await writeTemp(target, data, opts.mode ?? 0o644)
  try {
    // Test hook: a crash between the write and the rename must leave the old file intact.
    if (process.env.IDM_PREFLIGHT_TEST_CRASH_BEFORE_RENAME === basename(target)) process.kill(process.pid, 'SIGKILL')
    await rename(tmp, target)
  } catch (e) {
    await rm(tmp, {force: true})
    throw e
  }
}

/**
 * Creates a file that must not exist yet, whole, in one step: the temporary file is linked to
 * its name, which fails if anything (even a file created a moment ago by another run) is there.
 * Throws FileExistsError then.
 */
export async function createExclusive(file: string, data: string | Buffer, opts: {mode?: number} = {}): Promise<void> {
  const target = resolve(file)
  const tmp = await writeTemp(target, data, opts.mode ?? 0o644)
  try {
    if (process.env.IDM_PREFLIGHT_TEST_CRASH_BEFORE_RENAME === basename(target)) process.kill(process.pid, 'SIGKILL')
    try {
      await link(tmp, target)
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code
      // A file system without hard links (FAT, some shares): an exclusive open is still one step.
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'EXDEV') throw e
      await writeFile(target, data, {mode: opts.mode ?? 0o644, flag: 'wx'})
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new FileExistsError(target)
    throw e
  } finally {
    await rm(tmp, {force: true})
  }
}

/**
 * The rule every command that writes a user's file follows: an existing file is never replaced
 * without --force. Throws the usage error (exit 2) that says so; `shown` is the path as typed.
 * The check is repeated at the moment of writing (createExclusive): this one only fails early.
 */
export async function refuseOverwrite(file: string, shown: string, force: boolean, flag = '--out'): Promise<void> {
  await refuseMissingFolder(file, shown, flag)
  if (
    !force &&
    (await lstat(resolve(file)).then(
      () => true,
      () => false,
    ))
  )
    throw existsError(shown, flag)
}

/**
 * A user's file goes into a folder that is there: never a folder tree made from a typo (as
 * `check -o`, see judgeTarget). This tool's own policy. A usage error naming the folder.
 */
export async function refuseMissingFolder(file: string, shown: string, flag = '--out'): Promise<void> {
  const folder = dirname(resolve(file))
  const st = await stat(folder).catch((e: NodeJS.ErrnoException) => e)
  if (st instanceof Error && st.code === 'ENOENT')
    throw new UsageError(
      `cannot write ${shown}: the folder ${folder} does not exist`,
      [],
      `create it first (mkdir -p ${folder}), or choose another ${flag}`,
    )
  if ((st instanceof Error && st.code === 'ENOTDIR') || (!(st instanceof Error) && !st.isDirectory()))
    throw new UsageError(
      `cannot write ${shown}: a folder on the way is a file (${folder})`,
      [],
      `choose another ${flag}`,
    )
}

function existsError(shown: string, flag: string): UsageError {
  return new UsageError(
    `${shown} exists: not overwritten`,
    [],
    `choose another ${flag}, or add --force (a .bak is kept)`,
  )
}

/**
 * Writes a user's file: without `force`, only if nothing is there (in one step, see
 * createExclusive); with it, the previous version kept as `<file>.bak`, then an atomic swap.
 * Failures the user can fix are usage errors naming `shown`.
 */
export async function writeUserFile(
  file: string,
  data: string | Buffer,
  opts: {mode?: number; force: boolean; shown?: string; flag?: string},
): Promise<'created' | 'replaced'> {
  const shown = opts.shown ?? file
  try {
    if (!opts.force) {
      await createExclusive(file, data, opts)
      return 'created'
    }
    return (await replaceFile(file, data, opts)) ? 'replaced' : 'created'
  } catch (e) {
    if (e instanceof FileExistsError) throw existsError(shown, opts.flag ?? '--out')
    throw writeError(e, shown)
  }
}

/** Writes atomically, first keeping the previous version (if any) as `<file>.bak`. True when one was kept. */
export async function replaceFile(file: string, data: string | Buffer, opts: {mode?: number} = {}): Promise<boolean> {
  const target = resolve(file)
  const existed = await lstat(target).then(
    (s) => s.isFile(),
    () => false,
  )
  if (existed) await copyFile(target, `${target}.bak`)
  await writeFileAtomic(target, data, opts)
  return existed
}

/** The names of this process's standard streams, as `--output` may give them. */
const STD_STREAMS: Record<string, 'stdout' | 'stderr'> = {
  '/dev/stdout': 'stdout',
  '/dev/fd/1': 'stdout',
  '/proc/self/fd/1': 'stdout',
  '-': 'stdout',
  '/dev/stderr': 'stderr',
  '/dev/fd/2': 'stderr',
  '/proc/self/fd/2': 'stderr',
}

/** Which standard stream `--output` names, if any. */
function stdStream(file: string): 'stdout' | 'stderr' | undefined {
  return STD_STREAMS[file] ?? STD_STREAMS[resolve(file)]
}

/** Whether `--output` names this process's standard output. */
export function isStdout(file: string): boolean {
  return stdStream(file) === 'stdout'
}

/** How a command names its inputs when `--output` is one of them. */
export interface InputNames {
  /** The inputs, the first one the main input (the environment file, or the report read). */
  files: readonly string[]
  /** Says what `input` (at `index` in `files`) is: "the environment file", "a report being merged (x.json)". */
  describe?: (input: string, index: number) => string
}

const describeCheckInput = (input: string, index: number) =>
  index === 0 ? 'the environment file' : `an input of this run (${input})`

function inputNames(inputs: readonly string[] | InputNames): InputNames {
  return Array.isArray(inputs) ? {files: inputs} : (inputs as InputNames)
}

/**
 * `--output` may be none of the run's inputs (the environment file first, then a secret file,
 * the CA or a certificate file; for `report show`/`report merge` the reports read), directly or
 * through a link: a usage error naming which.
 */
export async function refuseInputAsOutput(file: string, inputs: readonly string[] | InputNames): Promise<void> {
  const {files, describe = describeCheckInput} = inputNames(inputs)
  const real = await realpath(resolve(file)).catch(() => undefined)
  if (real) {
    // A 100-agent run has some 300 inputs (PFX files, secrets): asked all at once.
    const unique = [...new Set(files)]
    const reals = await Promise.all(unique.map((input) => realpath(resolve(input)).catch(() => undefined)))
    for (const [i, input] of unique.entries()) {
      const other = reals[i]
      if (other && other === real)
        throw new UsageError(
          `--output ${file} is ${describe(input, files.indexOf(input))}: not overwritten`,
          [],
          'write the report to another file',
        )
    }
  }
}

/** Where `--output` would write, as far as can be told before writing: the refusals of writeOutput, early. */
async function judgeTarget(file: string): Promise<void> {
  if (stdStream(file)) return
  const target = resolve(file)
  const link = await lstat(target).catch(() => undefined)
  if (!link) {
    // Never a folder tree made from a typo: the folder must be there.
    const folder = dirname(target)
    const st = await stat(folder).catch((e: NodeJS.ErrnoException) => e)
    if (st instanceof Error) {
      if (st.code === 'ENOENT')
        throw new UsageError(
          `cannot write ${file}: the folder ${folder} does not exist`,
          [],
          `create it first (mkdir -p ${folder}), or choose another --output`,
        )
      if (st.code === 'ENOTDIR') throw writeError(st, file)
      return
    }
    if (!st.isDirectory()) throw writeError(Object.assign(new Error('not a folder'), {code: 'ENOTDIR'}), file)
    return
  }
  if (link.isSymbolicLink()) {
    const st = await stat(target).catch(() => undefined)
    // A link to a device or a pipe (/dev/fd/63 of `-o >(gzip > r.gz)`) is written through; a link
    // to a file is not: writing through it would rewrite another file in place, without a .bak.
    if (!st || st.isFile() || st.isDirectory()) {
      const to = await realpath(target).catch(() => undefined)
      throw new UsageError(
        `--output ${file} is a symbolic link${to ? ` (to ${to})` : ''}: not followed`,
        [],
        to && st?.isFile() ? `name the file itself (--output ${to}), or remove the link` : 'choose another --output',
      )
    }
    return
  }
  if (link.isDirectory()) throw writeError(Object.assign(new Error('is a directory'), {code: 'EISDIR'}), file)
  if (link.isBlockDevice() || link.isSocket())
    throw new UsageError(
      `cannot write ${file}: it is a ${link.isSocket() ? 'socket' : 'block device'}`,
      [],
      'write the report to a file, /dev/stdout or /dev/null',
    )
}

/**
 * Everything that can be said about the `--output` files before the run: none twice, none an
 * input, each one's folder there, no link to a file, no socket or disk. Usage errors (exit 2),
 * so that a long run does not end in a refusal.
 */
export async function checkOutputs(outputs: readonly string[], inputs: readonly string[] | InputNames): Promise<void> {
  const seen = new Map<string, string>()
  for (const o of outputs) {
    const key = stdStream(o) ?? (await realpath(resolve(o)).catch(() => undefined)) ?? resolve(o)
    const twice = seen.get(key)
    if (twice !== undefined)
      throw new UsageError(
        twice === o ? `--output ${o} is given twice` : `--output ${twice} and --output ${o} are the same file`,
        [],
        'give each --output once (the format of each comes from its extension)',
      )
    seen.set(key, o)
  }
  for (const o of outputs) {
    await refuseInputAsOutput(o, inputs)
    await judgeTarget(o)
  }
}

/**
 * Writes a report to `--output`: never over one of the run's inputs (refuseInputAsOutput), never
 * through a link to a file nor into a folder that is not there (judgeTarget); to the process's
 * standard streams as streams; into a pipe opened without waiting for a reader (none: exit 2,
 * never a hang); through devices (`/dev/null`); atomically over a regular file.
 */
export async function writeOutput(file: string, data: string, inputs: readonly string[] | InputNames): Promise<void> {
  await refuseInputAsOutput(file, inputs)
  const target = resolve(file)
  // The process's own standard streams: written to as streams (opening /dev/stdout fails when it
  // is a socket, as under many CI runners).
  const std = stdStream(file)
  if (std) {
    await new Promise<void>((resolve, reject) =>
      process[std].write(data, (e) =>
        e && (e as NodeJS.ErrnoException).code !== 'EPIPE' ? reject(writeError(e, file)) : resolve(),
      ),
    )
    return
  }
  try {
    await judgeTarget(file)
    const st = await stat(target).catch(() => undefined)
    if (st?.isFIFO()) {
      // Opened without waiting: no reader is ENXIO (exit 2) instead of a run that never ends; the
      // socket then waits for the reader to take each part.
      const fd = await new Promise<number>((resolve, reject) =>
        openFd(target, constants.O_WRONLY | constants.O_NONBLOCK, (e, fd) => (e ? reject(e) : resolve(fd))),
      )
      const {Socket} = await import('node:net')
      const pipe = new Socket({fd, readable: false, writable: true})
      await new Promise<void>((resolve, reject) => {
        pipe.once('error', reject)
        pipe.end(data, () => resolve())
      }).finally(() => pipe.destroy())
      return
    }
    if (st && !st.isFile()) {
      // A device (/dev/null): written to, never replaced.
      const fh = await open(target, constants.O_WRONLY)
      try {
        await fh.writeFile(data)
      } finally {
        await fh.close()
      }
      return
    }
    await writeFileAtomic(target, data)
  } catch (e) {
    if (e instanceof UsageError) throw e
    throw writeError(e, file)
  }
}

/** A write failure as the user can act on it: the file named, the cause in words (exit 2). */
export function writeError(e: unknown, shown: string): Error {
  const code = (e as NodeJS.ErrnoException).code
  const why: Record<string, string> = {
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    ENOSPC: 'no space left on the device',
    EDQUOT: 'disk quota exceeded',
    EROFS: 'the file system is read-only',
    EISDIR: 'is a directory',
    ENOTDIR: 'a folder on the way is a file',
    // mkdir -p over a file: the folder to create exists as something else.
    EEXIST: 'a folder on the way is a file',
    ENXIO: 'nothing is reading it (ENXIO: a FIFO without a reader, or a closed descriptor)',
    ENOENT: 'a folder on the way does not exist',
    ENAMETOOLONG: 'the name is too long',
    EXDEV: 'cannot be replaced across file systems',
  }
  if (code && why[code]) return new UsageError(`cannot write ${shown}: ${why[code]} (${code})`)
  return e as Error
}
