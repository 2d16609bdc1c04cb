import {existsSync} from 'node:fs'
import {stat} from 'node:fs/promises'
import {delimiter, dirname, join} from 'node:path'
import {abortable, sharedAnswers} from '../../base/index.js'

/**
 * Effective rights of another account on a POSIX folder: uid, gid and groups, mode bits, and
 * POSIX ACLs with their mask (mode bits alone are wrong once an ACL exists: the group bits then
 * show the mask). TOOLCHAIN.md §6.
 */

export interface Rwx {
  r: boolean
  w: boolean
  x: boolean
}

export interface PosixAccount {
  name: string
  uid: number
  gid: number
  groups: number[]
}

export interface AclEntry {
  tag: 'user' | 'group' | 'mask' | 'other'
  /** Numeric id for named entries; undefined for the owner/owning group entries. */
  id?: number
  perms: Rwx
}

export interface FolderFacts {
  path: string
  exists: boolean
  uid?: number
  gid?: number
  mode?: number
  /** Entries from getfacl; undefined when getfacl is not installed (mode bits only). */
  acl?: AclEntry[]
  /** Rights measured by access(2) as the account itself (root only, through runuser). */
  verified?: Rwx
}

export function parseRwx(s: string): Rwx {
  return {r: s[0] === 'r', w: s[1] === 'w', x: s[2] === 'x'}
}

export function rwxString(p: Rwx): string {
  return `${p.r ? 'r' : '-'}${p.w ? 'w' : '-'}${p.x ? 'x' : '-'}`
}

/** Parses `getfacl --numeric --absolute-names` output. */
export function parseGetfacl(text: string): AclEntry[] {
  const out: AclEntry[] = []
  for (const raw of text.split('\n')) {
    const line = raw.split('#')[0]!.trim()
    if (!line || line.startsWith('default:')) continue
    const m = /^(user|group|mask|other):([^:]*):([rwx-]{3})/.exec(line)
    if (!m) continue
    out.push({tag: m[1] as AclEntry['tag'], ...(m[2] ? {id: Number(m[2])} : {}), perms: parseRwx(m[3]!)})
  }
  return out
}

const and = (a: Rwx, b: Rwx): Rwx => ({r: a.r && b.r, w: a.w && b.w, x: a.x && b.x})
const or = (a: Rwx, b: Rwx): Rwx => ({r: a.r || b.r, w: a.w || b.w, x: a.x || b.x})
const NONE: Rwx = {r: false, w: false, x: false}
const ALL: Rwx = {r: true, w: true, x: true}

function modeBits(mode: number, shift: number): Rwx {
  return {r: ((mode >> shift) & 4) !== 0, w: ((mode >> shift) & 2) !== 0, x: ((mode >> shift) & 1) !== 0}
}

/**
 * The POSIX.1e access check, per permission: owner entry for the owner; else a named user entry
 * (masked); else the union of the matching group entries (masked); else other. Root has all.
 */
export function effectiveRights(
  f: Required<Pick<FolderFacts, 'uid' | 'gid' | 'mode'>> & {acl?: AclEntry[]},
  a: PosixAccount,
): Rwx {
  if (a.uid === 0) return ALL
  const acl = f.acl?.length
    ? f.acl
    : [
        {tag: 'user' as const, perms: modeBits(f.mode, 6)},
        {tag: 'group' as const, perms: modeBits(f.mode, 3)},
        {tag: 'other' as const, perms: modeBits(f.mode, 0)},
      ]
  const mask = acl.find((e) => e.tag === 'mask')?.perms ?? ALL
  if (a.uid === f.uid) return acl.find((e) => e.tag === 'user' && e.id === undefined)?.perms ?? NONE
  const named = acl.find((e) => e.tag === 'user' && e.id === a.uid)
  if (named) return and(named.perms, mask)
  const groups = new Set([a.gid, ...a.groups])
  const matching = acl.filter((e) => e.tag === 'group' && (e.id === undefined ? groups.has(f.gid) : groups.has(e.id)))
  if (matching.length)
    return and(
      matching.reduce((u, e) => or(u, e.perms), NONE),
      mask,
    )
  return acl.find((e) => e.tag === 'other')?.perms ?? NONE
}

/** What everyone (the "other" class) may do. */
export function othersRights(f: Pick<FolderFacts, 'mode' | 'acl'>): Rwx {
  return f.acl?.find((e) => e.tag === 'other')?.perms ?? modeBits(f.mode ?? 0, 0)
}

/**
 * Work that many checks ask of the same tool at about the same time (getfacl over the folders of
 * fourteen working directories, access(2) as the same account) is done by one process: requests
 * made while a process for the same key is starting or running wait for the next one, which takes
 * them all. A caller's own signal ends its wait, not the others'.
 */
class Coalescer<R> {
  private readonly queued = new Map<
    string,
    {paths: Set<string>; waiters: ((m: Map<string, R> | undefined) => void)[]}
  >()
  private readonly busy = new Set<string>()
  constructor(private readonly run: (key: string, paths: string[]) => Promise<Map<string, R> | undefined>) {}

  request(key: string, paths: readonly string[], signal?: AbortSignal): Promise<Map<string, R> | undefined> {
    let q = this.queued.get(key)
    if (!q) this.queued.set(key, (q = {paths: new Set(), waiters: []}))
    for (const p of paths) q.paths.add(p)
    const answer = new Promise<Map<string, R> | undefined>((resolve) => q.waiters.push(resolve))
    // Same turn of the event loop: the requests made by checks started together join.
    if (!this.busy.has(key)) {
      this.busy.add(key)
      setImmediate(() => void this.flush(key))
    }
    return abortable(answer, signal)
  }

  private async flush(key: string): Promise<void> {
    const q = this.queued.get(key)
    this.queued.delete(key)
    if (!q) {
      this.busy.delete(key)
      return
    }
    let result: Map<string, R> | undefined
    try {
      result = await this.run(key, [...q.paths])
    } catch {
      result = undefined
    }
    for (const w of q.waiters) w(result)
    // What arrived meanwhile goes in the next process.
    if (this.queued.has(key)) setImmediate(() => void this.flush(key))
    else this.busy.delete(key)
  }
}

/** A process that outlives every caller's wait is ended (a hung NSS or PAM module, a dead mount). */
const TOOL_TIMEOUT_MS = 30_000
/** Paths per process: far below the kernel's argument limits. */
const MAX_PATHS_PER_PROCESS = 2000

async function inChunks<R>(
  paths: string[],
  run: (chunk: string[]) => Promise<Map<string, R> | undefined>,
): Promise<Map<string, R> | undefined> {
  const out = new Map<string, R>()
  for (let i = 0; i < paths.length; i += MAX_PATHS_PER_PROCESS) {
    const part = await run(paths.slice(i, i + MAX_PATHS_PER_PROCESS))
    if (!part) return undefined
    for (const [k, v] of part) out.set(k, v)
  }
  return out
}

const accounts = sharedAnswers<PosixAccount | undefined>()

/**
 * Resolves a local account (files or NSS) with `id`, in one process (`id -u`, `-g`, `-G` in one
 * shell), once for all the checks of a run that ask; undefined when it does not exist here.
 */
export function resolvePosixAccount(name: string, signal?: AbortSignal): Promise<PosixAccount | undefined> {
  if (/[\\/@]/.test(name)) return Promise.resolve(undefined) // DOMAIN\user, IIS AppPool\x, user@domain: Windows accounts
  return accounts(
    name,
    async () => {
      const {execa} = await import('execa')
      const r = await execa('sh', ['-c', 'id -u "$1" && id -g "$1" && id -G "$1"', 'sh', name], {
        reject: false,
        timeout: TOOL_TIMEOUT_MS,
      })
      const [u, g, gs] = String(r.stdout).split('\n')
      if (r.exitCode !== 0 || !/^\d+$/.test(u ?? '') || !/^\d+$/.test(g ?? '')) return undefined
      return {
        name,
        uid: Number(u),
        gid: Number(g),
        groups: (gs ?? '').split(/\s+/).filter(Boolean).map(Number),
      }
    },
    signal,
  )
}

/** getfacl's `# file:` header: octal escapes (\012, \134…) for what is not printable. */
function unescapeGetfaclPath(s: string): string {
  return Buffer.from(
    s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))),
    'latin1',
  ).toString('utf8')
}

/** Each path's ACL from one getfacl run over all of them (a path it cannot read has none). */
export function parseGetfaclFiles(text: string): Map<string, AclEntry[]> {
  const out = new Map<string, AclEntry[]>()
  for (const block of text.split(/\n(?=# file: )/)) {
    const m = /^# file: (.*)$/m.exec(block)
    if (m) out.set(unescapeGetfaclPath(m[1]!), parseGetfacl(block))
  }
  return out
}

/**
 * stat of each path, and the ACLs of all of them from one getfacl (getfacl absent: mode bits
 * only, and the facts say so).
 */
export async function readFolders(
  paths: readonly string[],
  signal?: AbortSignal,
): Promise<{folders: FolderFacts[]; getfacl: boolean}> {
  const folders = await Promise.all(
    paths.map(async (path): Promise<FolderFacts> => {
      try {
        const st = await stat(path)
        return {path, exists: true, uid: st.uid, gid: st.gid, mode: st.mode & 0o7777}
      } catch {
        return {path, exists: false}
      }
    }),
  )
  const present = [...new Set(folders.filter((f) => f.exists).map((f) => f.path))]
  if (present.length === 0) return {folders, getfacl: true}
  const acls = await getfaclBatch.request('', present, signal)
  // Not installed: no ACLs anywhere, and the facts say so.
  if (!acls) return {folders, getfacl: false}
  for (const f of folders) {
    const acl = f.exists ? acls.get(f.path) : undefined
    if (acl) f.acl = acl
  }
  return {folders, getfacl: true}
}

/** getfacl over every path asked for at about the same time; undefined when getfacl is not installed. */
const getfaclBatch = new Coalescer<AclEntry[]>((_, paths) =>
  inChunks(paths, async (chunk) => {
    const {execa} = await import('execa')
    const r = await execa('getfacl', ['--absolute-names', '--numeric', '--', ...chunk], {
      reject: false,
      timeout: TOOL_TIMEOUT_MS,
    })
    // Not installed: execa reports a failure with no exit code (ENOENT).
    if (r.failed && r.exitCode === undefined && !r.timedOut) return undefined
    // A path getfacl could not read is left without an ACL (exit 1, the others still printed).
    return parseGetfaclFiles(String(r.stdout))
  }),
)

/** The folders above a path, from the root down. */
function foldersAbove(path: string): string[] {
  const chain: string[] = []
  for (let d = dirname(path); ; d = dirname(d)) {
    chain.unshift(d)
    if (dirname(d) === d) break
  }
  return chain
}

/**
 * The account's rights on each path, computed from mode bits and ACLs: none when a folder above
 * it cannot be traversed (`blockedAt` names the first), else its rights on the path itself. One
 * stat per path and one getfacl for all of them.
 */
export async function computedRightsAll(
  paths: readonly string[],
  account: PosixAccount,
  signal?: AbortSignal,
): Promise<{rights: Rwx; blockedAt?: string}[]> {
  const all = [...new Set(paths.flatMap((p) => [...foldersAbove(p), p]))]
  const {folders} = await readFolders(all, signal)
  const facts = new Map(folders.map((f) => [f.path, f]))
  const none: Rwx = {r: false, w: false, x: false}
  const rightsOf = (f: FolderFacts) =>
    f.exists ? effectiveRights({uid: f.uid!, gid: f.gid!, mode: f.mode!, acl: f.acl}, account) : none
  return paths.map((path) => {
    for (const d of foldersAbove(path)) if (!rightsOf(facts.get(d)!).x) return {rights: none, blockedAt: d}
    return {rights: rightsOf(facts.get(path)!)}
  })
}

/**
 * Whether the account may read each file, computed from mode bits and ACLs: r on the file and x
 * on every folder above it (`blockedAt` names the first one it cannot traverse).
 */
export async function computedReadableAll(
  paths: readonly string[],
  account: PosixAccount,
  signal?: AbortSignal,
): Promise<{readable: boolean; blockedAt?: string}[]> {
  return (await computedRightsAll(paths, account, signal)).map((c) =>
    c.blockedAt ? {readable: false, blockedAt: c.blockedAt} : {readable: c.rights.r},
  )
}

/** One file's readability (see computedReadableAll). */
export async function computedReadable(
  path: string,
  account: PosixAccount,
  signal?: AbortSignal,
): Promise<{readable: boolean; blockedAt?: string}> {
  return (await computedReadableAll([path], account, signal))[0]!
}

/**
 * As root, asks the kernel itself: access(2) as the account (runuser keeps its supplementary
 * groups), for each folder or file (for a file, traversal of the folders above it included). The ground truth that the computation above must agree with.
 */
export async function verifyAsAccount(
  account: string,
  paths: readonly string[],
  signal?: AbortSignal,
): Promise<Rwx[] | undefined> {
  if (process.getuid?.() !== 0 || paths.length === 0) return undefined
  const rights = await accessBatch.request(account, paths, signal)
  if (!rights) return undefined
  const out = paths.map((p) => rights.get(p))
  return out.every((r): r is Rwx => r !== undefined) ? out : undefined
}

/** access(2) as each account, every path asked for at about the same time in one runuser. */
const accessBatch = new Coalescer<Rwx>((account, paths) =>
  inChunks(paths, async (chunk) => {
    const runuser = findSbin('runuser')
    if (!runuser) return undefined
    const {execa} = await import('execa')
    const script =
      'for d in "$@"; do r=-; w=-; x=-; [ -r "$d" ] && r=r; [ -w "$d" ] && w=w; [ -x "$d" ] && x=x; echo "$r$w$x"; done'
    const r = await execa(runuser, ['-u', account, '--', 'sh', '-c', script, 'sh', ...chunk], {
      reject: false,
      timeout: TOOL_TIMEOUT_MS,
    })
    if (r.exitCode !== 0) return undefined
    const lines = String(r.stdout).split('\n').filter(Boolean)
    if (lines.length !== chunk.length) return undefined
    return new Map(chunk.map((p, i) => [p, parseRwx(lines[i]!)]))
  }),
)

/** An administration tool (runuser, useradd…): on PATH, or in the sbin folders a minimal PATH lacks. */
export function findSbin(tool: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), '/usr/sbin', '/sbin', '/usr/bin', '/bin']
  return dirs.map((d) => join(d, tool)).find((p) => existsSync(p))
}
