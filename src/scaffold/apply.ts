import {chmod, lstat, mkdir, readFile, stat} from 'node:fs/promises'
import {replaceFile} from '../core/write.js'
import type {Redactor} from '../core/redact.js'
import {maskSettingsSecrets} from './mask.js'
import type {PlannedItem} from './plan.js'

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
    if (item.kind === 'dir') {
      const exists = await stat(item.path).then(
        (s) => s.isDirectory(),
        () => false,
      )
      if (!exists && !o.dryRun) await mkdir(item.path, {recursive: true})
      out.push({relative: item.relative, kind: 'dir', action: exists ? 'unchanged' : 'created'})
      continue
    }
    const mode = item.secret ? 0o600 : item.executable ? 0o755 : 0o644
    const next = typeof item.content === 'string' ? item.content : (item.content ?? Buffer.alloc(0))
    // Never read or print through a link, and never open a FIFO or a device (it could block or
    // never end): such an entry is kept and said, even with --force.
    const st = await lstat(item.path).catch(() => undefined)
    if (st && !st.isFile()) {
      out.push({
        relative: item.relative,
        kind: 'file',
        action: 'skipped',
        note: st.isSymbolicLink()
          ? 'is a symbolic link: not followed, not replaced (make it a regular file, or remove it)'
          : `is not a regular file (${st.isDirectory() ? 'a directory' : 'a FIFO, socket or device'}): kept`,
      })
      continue
    }
    const old = st ? await readFile(item.path).catch(() => undefined) : undefined
    const modeText = mode.toString(8)
    if (old && Buffer.compare(old, Buffer.from(next)) === 0) {
      const cur = await stat(item.path)
      // Same content: only tighten a secret file's mode, never loosen the user's choice.
      if (process.platform !== 'win32' && item.secret && (cur.mode & 0o077) !== 0) {
        if (!o.dryRun) await chmod(item.path, 0o600)
        out.push({relative: item.relative, kind: 'file', action: 'updated', note: 'mode tightened to 600', mode: '600'})
      } else out.push({relative: item.relative, kind: 'file', action: 'unchanged'})
      continue
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
    if (old && !o.force) {
      out.push({
        relative: item.relative,
        kind: 'file',
        action: 'skipped',
        note: 'exists and differs: kept (--force overwrites it and keeps a .bak)',
        diff,
      })
      continue
    }
    if (!o.dryRun) {
      await replaceFile(item.path, next, {mode})
      if (process.platform !== 'win32') await chmod(item.path, mode)
    }
    out.push({
      relative: item.relative,
      kind: 'file',
      action: old ? 'updated' : 'created',
      ...(old ? {note: `previous version kept as ${item.relative}.bak`} : {}),
      diff,
      mode: modeText,
    })
  }
  return out
}
