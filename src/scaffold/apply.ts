import {chmod, lstat, mkdir, stat} from 'node:fs/promises'
import {join, resolve} from 'node:path'
import {readRegularFile, createExclusive, FileExistsError, replaceFile, writeError} from '../io/index.js'
import type {Redactor} from '../base/index.js'
import {maskSettingsSecrets} from './settings-mask.js'
import type {PlannedItem} from './plan.js'

/** Largest existing file compared with what would be written (settings files are kilobytes). */
const MAX_EXISTING_BYTES = 16 * 1024 * 1024

export type Action = 'created' | 'updated' | 'unchanged' | 'skipped'

export interface ItemResult {
  relative: string
  kind: 'dir' | 'file'
  action: Action
  /** Why it was skipped, or what --force kept. */
  note?: string
  /** Unified diff (redacted) of what changes, for --dry-run and skipped files. */
  diff?: string
  mode?: string
}

export interface ApplyOptions {
  dryRun: boolean
  force: boolean
  redactor: Redactor
}

/**
 * Writes the plan as generators should: a file that exists and differs is never overwritten
 * without --force (then a .bak is kept), writes are atomic, an identical file is "unchanged",
 * secret-bearing files get 0600 on POSIX, and --dry-run writes nothing at all.
 */
export async function applyPlan(items: readonly PlannedItem[], o: ApplyOptions): Promise<ItemResult[]> {
  const {createTwoFilesPatch} = await import('diff')
  const out: ItemResult[] = []
  for (const item of items) {
    // Nothing goes through a link below the working directory: a Temp or Runtime that links
    // elsewhere would carry the settings (their secrets) and the scripts' grants out of it.
    const link = await linkOnTheWay(item.path, item.relative, item.kind === 'dir')
    if (link) {
      out.push({
        relative: item.relative,
        kind: item.kind,
        action: 'skipped',
        note:
          link === item.relative
            ? 'is a symbolic link: not followed (make it a folder of the working directory, or remove it)'
            : `${link} is a symbolic link: not followed, nothing written through it`,
      })
      continue
    }
    if (item.kind === 'dir') {
      const exists = await stat(item.path).then(
        (s) => s.isDirectory(),
        () => false,
      )
      if (!exists && !o.dryRun)
        await mkdir(item.path, {recursive: true}).catch((e: unknown) => Promise.reject(writeError(e, item.path)))
      out.push({relative: item.relative, kind: 'dir', action: exists ? 'unchanged' : 'created'})
      continue
    }
    out.push(await applyFile(item, o, createTwoFilesPatch))
  }
  return out
}

type Patch = (typeof import('diff'))['createTwoFilesPatch']

/**
 * The first entry below the working directory on the way to `path` (`relative` to it) that is a
 * symbolic link or a junction (Node reports both as links), as a relative path; the entry itself
 * too when `self` (a folder of the plan; a file's own link is judged by applyFile). The working
 * directory itself may be a link: it is the user's choice of where it lives.
 */
export async function linkOnTheWay(path: string, relative: string, self: boolean): Promise<string | undefined> {
  const parts = relative.split('/').filter((x) => x && x !== '.')
  if (parts.length === 0) return undefined
  const root = resolve(path, ...parts.map(() => '..'))
  for (let i = 1; i <= parts.length - (self ? 0 : 1); i++) {
    const st = await lstat(join(root, ...parts.slice(0, i))).catch(() => undefined)
    if (st?.isSymbolicLink()) return parts.slice(0, i).join('/')
  }
  return undefined
}

/**
 * One file of the plan. A file that is not there is created in one step (exclusive link): if
 * another run created it in the meantime, it is judged again as an existing file, so that two
 * concurrent scaffolds never both report "created". Failures the user can fix are exit 2.
 */
async function applyFile(item: PlannedItem, o: ApplyOptions, createTwoFilesPatch: Patch): Promise<ItemResult> {
  const mode = item.secret ? 0o600 : item.executable ? 0o755 : 0o644
  const modeText = mode.toString(8)
  const next = typeof item.content === 'string' ? item.content : (item.content ?? Buffer.alloc(0))
  for (let attempt = 0; ; attempt++) {
    // Never read or print through a link, and never open a FIFO or a device (it could block or
    // never end): such an entry is kept and said, even with --force.
    const st = await lstat(item.path).catch(() => undefined)
    if (st && !st.isFile())
      return {
        relative: item.relative,
        kind: 'file',
        action: 'skipped',
        note: st.isSymbolicLink()
          ? 'is a symbolic link: not followed, not replaced (make it a regular file, or remove it)'
          : `is not a regular file (${st.isDirectory() ? 'a directory' : 'a FIFO, socket or device'}): kept`,
      }
    const old = st ? await readRegularFile(item.path, MAX_EXISTING_BYTES).catch(() => undefined) : undefined
    if (st && !old)
      return {
        relative: item.relative,
        kind: 'file',
        action: 'skipped',
        note: 'exists but cannot be read (permissions, or larger than 16 MB): kept',
      }
    if (old && Buffer.compare(old, Buffer.from(next)) === 0) {
      // Same content: only tighten a secret file's mode, never loosen the user's choice.
      if (process.platform !== 'win32' && item.secret && (st!.mode & 0o077) !== 0) {
        if (!o.dryRun) await chmod(item.path, 0o600).catch((e: unknown) => Promise.reject(writeError(e, item.path)))
        return {relative: item.relative, kind: 'file', action: 'updated', note: 'mode tightened to 600', mode: '600'}
      }
      return {relative: item.relative, kind: 'file', action: 'unchanged'}
    }
    // Secret values are masked on both sides before diffing: a rotated password shows as a
    // change of nothing visible rather than printing the previous one.
    const shown = (t: string) => (item.secret || /\.json$/i.test(item.relative) ? maskSettingsSecrets(t) : t)
    const diff =
      typeof next === 'string'
        ? o.redactor.redact(
            createTwoFilesPatch(
              old ? `a/${item.relative}` : '/dev/null',
              `b/${item.relative}`,
              shown(old?.toString('utf8') ?? ''),
              shown(next),
              '',
              '',
              {context: 3},
            ),
          )
        : undefined
    const why = item.note ? `${item.note}; ` : ''
    if (old && !o.force)
      return {
        relative: item.relative,
        kind: 'file',
        action: 'skipped',
        note: `${why}exists and differs: kept (--force ${item.note ? 'replaces' : 'overwrites'} it and keeps a .bak)`,
        diff,
      }
    if (!o.dryRun) {
      try {
        if (old) await replaceFile(item.path, next, {mode})
        else await createExclusive(item.path, next, {mode})
        if (process.platform !== 'win32') await chmod(item.path, mode)
      } catch (e) {
        if (e instanceof FileExistsError && attempt === 0) continue // created meanwhile: judge it as it is now
        throw writeError(e, item.path)
      }
    }
    return {
      relative: item.relative,
      kind: 'file',
      action: old ? 'updated' : 'created',
      ...(old ? {note: `${why}previous version kept as ${item.relative}.bak`} : {}),
      diff,
      mode: modeText,
    }
  }
}
