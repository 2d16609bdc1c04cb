import {existsSync} from 'node:fs'
import {stat} from 'node:fs/promises'
import {delimiter, dirname, join} from 'node:path'

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

/** Resolves a local account (files or NSS) with `id`; undefined when it does not exist here. */
export async function resolvePosixAccount(name: string, signal?: AbortSignal): Promise<PosixAccount | undefined> {
  if (/[\\/@]/.test(name)) return undefined // DOMAIN\user, IIS AppPool\x, user@domain: Windows accounts
  const {execa} = await import('execa')
  const run = (args: string[]) => execa('id', args, {reject: false, cancelSignal: signal})
  const [u, g, gs] = await Promise.all([run(['-u', name]), run(['-g', name]), run(['-G', name])])
  if (u.exitCode !== 0) return undefined
  return {
    name,
    uid: Number(u.stdout),
    gid: Number(g.stdout),
    groups: String(gs.stdout).split(/\s+/).filter(Boolean).map(Number),
  }
}

/** stat + getfacl of each folder (getfacl absent: mode bits only, and the facts say so). */
export async function readFolders(
  paths: readonly string[],
  signal?: AbortSignal,
): Promise<{folders: FolderFacts[]; getfacl: boolean}> {
  const {execa} = await import('execa')
  let getfacl = true
  const folders: FolderFacts[] = []
  for (const path of paths) {
    let st
    try {
      st = await stat(path)
    } catch {
      folders.push({path, exists: false})
      continue
    }
    const f: FolderFacts = {path, exists: true, uid: st.uid, gid: st.gid, mode: st.mode & 0o7777}
    if (getfacl) {
      const r = await execa('getfacl', ['--absolute-names', '--numeric', path], {reject: false, cancelSignal: signal})
      // Not installed: execa reports a failure with no exit code (ENOENT).
      if (r.failed && r.exitCode === undefined) getfacl = false
      else if (r.exitCode === 0) f.acl = parseGetfacl(String(r.stdout))
    }
    folders.push(f)
  }
  return {folders, getfacl}
}

/**
 * Whether the account may read a file, computed from mode bits and ACLs: r on the file and x on
 * every folder above it. `blockedAt` names the first folder it cannot traverse.
 */
export async function computedReadable(
  path: string,
  account: PosixAccount,
  signal?: AbortSignal,
): Promise<{readable: boolean; blockedAt?: string}> {
  const chain: string[] = []
  for (let d = dirname(path); ; d = dirname(d)) {
    chain.unshift(d)
    if (dirname(d) === d) break
  }
  const {folders} = await readFolders([...chain, path], signal)
  for (const f of folders.slice(0, -1)) {
    if (!f.exists) return {readable: false, blockedAt: f.path}
    if (!effectiveRights({uid: f.uid!, gid: f.gid!, mode: f.mode!, acl: f.acl}, account).x)
      return {readable: false, blockedAt: f.path}
  }
  const file = folders.at(-1)!
  if (!file.exists) return {readable: false}
  return {readable: effectiveRights({uid: file.uid!, gid: file.gid!, mode: file.mode!, acl: file.acl}, account).r}
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
  const {execa} = await import('execa')
  const script =
    'for d in "$@"; do r=-; w=-; x=-; [ -r "$d" ] && r=r; [ -w "$d" ] && w=w; [ -x "$d" ] && x=x; echo "$r$w$x"; done'
  const runuser = findSbin('runuser')
  if (!runuser) return undefined
  const r = await execa(runuser, ['-u', account, '--', 'sh', '-c', script, 'sh', ...paths], {
    reject: false,
    cancelSignal: signal,
  })
  if (r.exitCode !== 0) return undefined
  const lines = String(r.stdout).split('\n').filter(Boolean)
  return lines.length === paths.length ? lines.map(parseRwx) : undefined
}

/** An administration tool (runuser, useradd…): on PATH, or in the sbin folders a minimal PATH lacks. */
export function findSbin(tool: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), '/usr/sbin', '/sbin', '/usr/bin', '/bin']
  return dirs.map((d) => join(d, tool)).find((p) => existsSync(p))
}
