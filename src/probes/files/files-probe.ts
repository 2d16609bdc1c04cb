import {lstat, opendir, stat} from 'node:fs/promises'
import {userInfo} from 'node:os'
import {basename, dirname, join} from 'node:path'

export interface FileSpec {
  /** The connection key it comes from: Path or PathIncremental. */
  key: 'Path' | 'PathIncremental'
  path: string
  regex: boolean
}

export interface Params {
  owner: string
  system: string
  connection: string
  files: FileSpec[]
  outputFolders: string[]
  roots: string[]
  account?: string
}

export interface FileFacts {
  key: string
  path: string
  /** Outside every SourcesRootPaths entry: the agent refuses to read it. */
  outsideRoots?: boolean
  /** What is there: file, directory, fifo, device, socket, missing; for a regex, the folder. */
  kind?: string
  /** For a regex: the newest matching file (the one the export uses), and how many match. */
  chosen?: string
  matches?: number
  /**
   * The folder holds more entries than are read (maxEntries): only this many were, so the newest
   * match is not known and no file is chosen.
   */
  partial?: number
  size?: number
  /** The service account's rights on the file (r) with traversal of the folders above it. */
  readable?: boolean
  blockedAt?: string
  /** How the rights were known: access(2) as the account (verified), computed from mode and ACLs, or as this user. */
  source?: 'verified' | 'computed' | 'this user'
  error?: string
}

export interface FolderFacts {
  path: string
  kind?: string
  writable?: boolean
  source?: FileFacts['source']
}

export interface Facts {
  files: FileFacts[]
  folders: FolderFacts[]
  /** The account is not one of this host's (a Windows account): rights are this user's. */
  accountUnknown?: string
  user: string
}

/** True when `path` lies in `root` or below it: lexically, case-sensitive as SourcesRootPaths is. */
export function insideRoot(path: string, root: string): boolean {
  const norm = (s: string) => s.replace(/\\/g, '/').replace(/\/+/g, '/').replace(/\/$/, '')
  const p = norm(path)
  const r = norm(root)
  if (!r) return false
  if (p.split('/').includes('..')) return false
  return p === r || p.startsWith(`${r}/`)
}

function kindOf(st: import('node:fs').Stats): string {
  return st.isFile()
    ? 'file'
    : st.isDirectory()
      ? 'directory'
      : st.isFIFO()
        ? 'fifo'
        : st.isSocket()
          ? 'socket'
          : st.isCharacterDevice() || st.isBlockDevice()
            ? 'device'
            : 'special file'
}

/**
 * What connector.files needs, without ever opening a file (a FIFO or a device stays unread):
 * stat and directory listings, then the service account's rights through the same means as
 * folders.permissions (access(2) as the account when root, else mode bits and ACLs).
 */
export async function probeFiles(p: Params, signal: AbortSignal, maxEntries: number): Promise<Facts> {
  const me = userInfo().username
  const facts: Facts = {files: [], folders: [], user: me}
  for (const spec of p.files) {
    const x: FileFacts = {key: spec.key, path: spec.path}
    facts.files.push(x)
    if (!p.roots.some((r) => insideRoot(spec.path, r))) {
      x.outsideRoots = true
      continue
    }
    if (spec.regex) {
      const dir = dirname(spec.path)
      let re: RegExp
      try {
        re = new RegExp(`^(?:${basename(spec.path)})$`)
      } catch (e) {
        x.error = `the file name is not a regular expression: ${(e as Error).message}`
        continue
      }
      const st = await stat(dir).catch(() => undefined)
      if (!st) {
        x.kind = 'missing'
        x.path = dir
        continue
      }
      if (!st.isDirectory()) {
        x.kind = kindOf(st)
        x.chosen = dir
        continue
      }
      // The connector takes the last created file: creation time, then modification time.
      let best: {path: string; time: number; mtime: number} | undefined
      let matches = 0
      let seen = 0
      const d = await opendir(dir)
      try {
        for await (const ent of d) {
          if (signal.aborted) break
          if (++seen > maxEntries) {
            x.partial = maxEntries
            break
          }
          if (!re.test(ent.name)) continue
          matches++
          const s = await lstat(join(dir, ent.name)).catch(() => undefined)
          const t = s ? Number(s.birthtimeMs || s.mtimeMs) : 0
          const m = s ? s.mtimeMs : 0
          if (!best || t > best.time || (t === best.time && m > best.mtime))
            best = {path: join(dir, ent.name), time: t, mtime: m}
        }
      } finally {
        await d.close().catch(() => {})
      }
      x.matches = matches
      // The newest of the entries read is not the newest of the folder: none is named.
      if (!best || x.partial !== undefined) {
        if (x.partial !== undefined) x.kind = 'directory'
        x.path = x.partial !== undefined ? dir : x.path
        continue
      }
      x.chosen = best.path
    }
    const file = x.chosen ?? spec.path
    const st = await stat(file).catch(() => undefined)
    x.kind = st ? kindOf(st) : 'missing'
    if (st?.isFile()) x.size = st.size
  }
  for (const path of p.outputFolders) {
    const st = await stat(path).catch(() => undefined)
    facts.folders.push({path, kind: st ? kindOf(st) : 'missing'})
  }
  const readables = facts.files.filter((x) => x.kind === 'file')
  const writables = facts.folders.filter((d) => d.kind === 'directory')
  if (readables.length === 0 && writables.length === 0) return facts
  const rights = await accountRights(
    p.account,
    [...readables.map((x) => x.chosen ?? x.path), ...writables.map((d) => d.path)],
    signal,
  )
  if (rights.unknown) facts.accountUnknown = rights.unknown
  readables.forEach((x, i) => {
    const r = rights.list[i]!
    x.readable = r.rights.r
    if (r.blockedAt) x.blockedAt = r.blockedAt
    x.source = r.source
  })
  writables.forEach((d, i) => {
    const r = rights.list[readables.length + i]!
    d.writable = r.rights.w && r.rights.x
    d.source = r.source
  })
  return facts
}

type Source = NonNullable<FileFacts['source']>

/**
 * The account's rights on each path: access(2) as the account (root, runuser: the kernel's
 * answer), else computed from mode bits and ACLs (with traversal of every folder above), else,
 * when the account is not this host's, this user's own (access(2)).
 */
async function accountRights(
  account: string | undefined,
  paths: string[],
  signal: AbortSignal,
): Promise<{
  list: {rights: {r: boolean; w: boolean; x: boolean}; blockedAt?: string; source: Source}[]
  unknown?: string
}> {
  const own = async () => {
    const {access, constants} = await import('node:fs/promises')
    const can = (path: string, mode: number) =>
      access(path, mode).then(
        () => true,
        () => false,
      )
    return Promise.all(
      paths.map(async (path) => ({
        rights: {
          r: await can(path, constants.R_OK),
          w: await can(path, constants.W_OK),
          x: await can(path, constants.X_OK),
        },
        source: 'this user' as const,
      })),
    )
  }
  if (!account) return {list: await own()}
  if (process.platform === 'win32') {
    // The account's effective rights from each path's ACL (one PowerShell for all), as
    // folders.permissions computes them; traversal is not a Windows right (bypass traverse checking).
    const {effectiveWindowsRights, readAcls, windowsAccount} = await import('../windows/windows.js')
    let who: {sid: string; groups: string[]}
    try {
      who = await windowsAccount(account, signal)
    } catch (e) {
      return {list: await own(), unknown: `${account}: ${(e as Error).message}, so these are this user's rights`}
    }
    const acls = await readAcls(paths, signal)
    return {
      list: acls.map((acl) => {
        const eff = effectiveWindowsRights(acl, who.sid, account, who.groups)
        return {rights: {r: eff.r, w: eff.w, x: eff.x}, source: 'computed' as const}
      }),
    }
  }
  const {computedRightsAll, resolvePosixAccount, verifyAsAccount} = await import('./posix-acl.js')
  const who = await resolvePosixAccount(account, signal)
  if (!who)
    return {
      list: await own(),
      unknown: `${account} is not an account of this host${/[\\@]/.test(account) ? ' (a Windows account: run on the Windows host)' : ''}, so these are ${userInfo().username}'s rights`,
    }
  const verified = await verifyAsAccount(who.name, paths, signal)
  if (verified) return {list: verified.map((rights) => ({rights, source: 'verified' as const}))}
  // Traversal of every folder above, then the rights on the path itself, from one read of them all.
  const computed = await computedRightsAll(paths, who, signal)
  return {
    list: computed.map((c) => ({
      rights: c.rights,
      ...(c.blockedAt ? {blockedAt: c.blockedAt} : {}),
      source: 'computed' as const,
    })),
  }
}
