import {join} from 'node:path'
import {stat} from 'node:fs/promises'
import {defineCheck, type Finding, netwrixDocs} from '../src/model/index.js'
import {
  folderRules,
  planWorkdirs,
  SETTINGS_FILE_NAMES,
  workdirParamsSchema,
  type WorkdirParams,
} from '../src/product/index.js'
import {
  computedReadableAll,
  effectiveRights,
  othersRights,
  readFolders,
  resolvePosixAccount,
  rwxString,
  verifyAsAccount,
  type Rwx,
} from '../src/probes/files/index.js'
import {effectiveWindowsRights, readAcls, windowsAccount} from '../src/probes/windows/index.js'

interface FolderRights {
  name: string
  path: string
  exists: boolean
  rights?: Rwx
  /** How the rights were known: computed from mode bits and ACLs, or measured as the account. */
  source?: 'computed' | 'verified'
  computed?: Rwx
  othersWrite?: boolean
  everyoneWrite?: string[]
  mode?: string
}

/** A file the account reads at start-up (settings, certificates) and whether it can. */
interface FileAccess {
  label: string
  path: string
  readable: boolean
  source: 'computed' | 'verified'
  /** The first folder above it the account cannot traverse. */
  blockedAt?: string
}

interface Facts {
  platform: 'posix' | 'windows'
  unresolved?: string
  account?: string
  getfacl?: boolean
  folders: FolderRights[]
  files?: FileAccess[]
}

/** The files to read: the settings files in Runtime, then the certificates the settings name. */
function filesToRead(p: WorkdirParams): {label: string; path: string}[] {
  return [
    ...SETTINGS_FILE_NAMES.map((n) => ({label: `Runtime/${n}`, path: join(p.path, 'Runtime', n)})),
    ...(p.files ?? []),
  ]
}

/** Those of `files` that exist as regular files (the others are settings.files' and cert.*'s to report). */
async function existingFiles(files: {label: string; path: string}[]): Promise<{label: string; path: string}[]> {
  const isFile = await Promise.all(
    files.map((f) =>
      stat(f.path).then(
        (st) => st.isFile(),
        () => false,
      ),
    ),
  )
  return files.filter((_, i) => isFile[i])
}

export default defineCheck<WorkdirParams, Facts>({
  id: 'folders.permissions',
  summary:
    "The service account's effective rights on each working folder match the product's profile; nobody else may write",
  docs: netwrixDocs('installation-guide/requirements/agent-requirements'),
  flow: 'files',
  topologies: ['saas', 'on-prem-integrated', 'on-prem-separate'],
  params: workdirParamsSchema,
  plan: (env, ctx) =>
    planWorkdirs(env, ctx.agents, ctx.agent, ctx.baseDir).map((t) =>
      t.skip || t.params.serviceAccount
        ? t
        : {...t, skip: `no serviceAccount for ${t.params.owner} in the environment file`},
    ),
  title: (p) => `Rights of ${p.serviceAccount} on ${p.directory}`,
  async probe(p, ctx) {
    const rules = folderRules(p.role, p.product)
    const paths = rules.map((r) => (r.name ? join(p.path, r.name) : p.path))
    if (process.platform === 'win32') {
      const who = await windowsAccount(p.serviceAccount!, ctx.signal)
      // A folder that is not there is a finding; an ACL that cannot be read is an error, never "missing".
      const [there, toRead] = await Promise.all([
        Promise.all(
          paths.map((path) =>
            stat(path).then(
              (st) => st.isDirectory(),
              () => false,
            ),
          ),
        ),
        existingFiles(filesToRead(p)),
      ])
      const present = paths.filter((_, i) => there[i])
      // Every folder's and file's ACL from one PowerShell.
      const acls = await readAcls([...present, ...toRead.map((f) => f.path)], ctx.signal)
      const rightsOf = (i: number) => effectiveWindowsRights(acls[i]!, who.sid, p.serviceAccount!, who.groups)
      const folders = rules.map((rule, i): FolderRights => {
        if (!there[i]) return {name: rule.name, path: paths[i]!, exists: false}
        const eff = rightsOf(present.indexOf(paths[i]!))
        return {
          name: rule.name,
          path: paths[i]!,
          exists: true,
          rights: {r: eff.r, w: eff.w, x: eff.x},
          source: 'computed',
          everyoneWrite: eff.everyoneWrite,
        }
      })
      const files: FileAccess[] = toRead.map((f, i) => ({
        ...f,
        readable: rightsOf(present.length + i).r,
        source: 'computed',
      }))
      return {platform: 'windows', account: p.serviceAccount, folders, files}
    }
    const account = await resolvePosixAccount(p.serviceAccount!, ctx.signal)
    if (!account)
      return {
        platform: 'posix',
        unresolved: `${p.serviceAccount} is not an account of this host${/[\\@]/.test(p.serviceAccount!) ? ' (a Windows account: run on the Windows host)' : ''}`,
        folders: [],
      }
    // One stat per folder and file, one getfacl and (as root) one runuser for all of them, shared
    // with the other working directories of the run (posix-acl coalesces).
    const [{folders: facts, getfacl}, toRead] = await Promise.all([
      readFolders(paths, ctx.signal),
      existingFiles(filesToRead(p)),
    ])
    const present = facts.filter((f) => f.exists).map((f) => f.path)
    const measured = await verifyAsAccount(account.name, [...present, ...toRead.map((f) => f.path)], ctx.signal)
    const folders = facts.map((f, i): FolderRights => {
      if (!f.exists) return {name: rules[i]!.name, path: f.path, exists: false}
      const computed = effectiveRights({uid: f.uid!, gid: f.gid!, mode: f.mode!, acl: f.acl}, account)
      const v = measured?.[present.indexOf(f.path)]
      return {
        name: rules[i]!.name,
        path: f.path,
        exists: true,
        rights: v ?? computed,
        source: v ? 'verified' : 'computed',
        computed,
        othersWrite: othersRights(f).w,
        mode: (f.mode! & 0o777).toString(8).padStart(3, '0'),
      }
    })
    // The account must read its own settings and certificates, or the service cannot start.
    const computedFiles = measured
      ? undefined
      : await computedReadableAll(
          toRead.map((f) => f.path),
          account,
          ctx.signal,
        )
    const files: FileAccess[] = toRead.map((f, i) => {
      const v = measured?.[present.length + i]
      return v ? {...f, readable: v.r, source: 'verified'} : {...f, ...computedFiles![i]!, source: 'computed'}
    })
    return {
      files,
      platform: 'posix',
      account: `${account.name} (uid ${account.uid}, groups ${[account.gid, ...account.groups.filter((g) => g !== account.gid)].join(',')})`,
      getfacl,
      folders,
    }
  },
  evaluate(p, f): Finding[] {
    if (f.unresolved) return [{status: 'skip', message: f.unresolved}]
    const out: Finding[] = []
    const rules = new Map(folderRules(p.role, p.product).map((r) => [r.name, r]))
    const acct = p.serviceAccount!
    const grant = (path: string, rights: 'rx' | 'rwx') =>
      f.platform === 'windows'
        ? `icacls "${path}" /grant "${acct}:(OI)(CI)${rights === 'rwx' ? 'M' : 'RX'}"`
        : `setfacl -m u:${acct}:${rights === 'rwx' ? 'rwx' : 'r-x'} ${path}`
    // A pass is a promise about rights that were measured: a folder that is not there has none.
    const root = f.folders.find((x) => x.name === '')
    if (root && !root.exists)
      return [
        {
          status: 'fail',
          message: `${p.directory} does not exist: there are no rights to judge (folders.layout reports it too)`,
          remediation: `create it (idm-preflight scaffold --target ${p.directory}), then run its set-permissions script`,
        },
      ]
    const missing = f.folders.filter((x) => !x.exists && rules.get(x.name)?.required).map((x) => x.name)
    if (missing.length)
      out.push({
        status: 'fail',
        message: `${missing.join(', ')} missing in ${p.directory}: ${acct}'s rights there cannot be judged (folders.layout reports it too)`,
        remediation: `create ${missing.join(', ')} (idm-preflight scaffold), then run its set-permissions script`,
      })
    for (const file of f.files ?? []) {
      if (file.readable) continue
      out.push({
        status: 'fail',
        message: `${acct} cannot read ${file.label}${file.blockedAt ? ` (it cannot traverse ${file.blockedAt})` : ''}: the service reads it at start-up and would not start`,
        remediation:
          f.platform === 'windows'
            ? `icacls "${file.path}" /grant "${acct}:R"`
            : `${file.blockedAt ? `setfacl -m u:${acct}:--x ${file.blockedAt} && ` : ''}setfacl -m u:${acct}:r-- ${file.path} (the scaffolded set-permissions script does this)`,
      })
    }
    for (const folder of f.folders) {
      const rule = rules.get(folder.name)!
      const label = folder.name || p.directory
      if (!folder.exists || !folder.rights) continue
      const have = rwxString(folder.rights)
      const needsWrite = rule.need === 'rwx'
      if (!folder.rights.r || !folder.rights.x || (needsWrite && !folder.rights.w)) {
        out.push({
          status: 'fail',
          message: `${acct} has ${have} on ${label}; it needs ${needsWrite ? 'rwx (read, write, traverse)' : 'r-x (read and traverse)'}: ${rule.why}`,
          remediation:
            folder.name === '' && !folder.rights.r && !folder.rights.x && !folder.rights.w
              ? `${acct} cannot even enter ${p.directory}: check the parent folders too (each needs x for ${acct}), then ${grant(folder.path, rule.need)}`
              : grant(folder.path, rule.need),
        })
      } else if (rule.noWrite && folder.rights.w) {
        out.push({
          status: 'warn',
          message: `${acct} can write ${label} (${have}); the agent-requirements page grants no write there (${rule.why}; "Other permissions should be denied"): a warning, least privilege`,
          remediation:
            f.platform === 'windows'
              ? `icacls "${folder.path}" /remove:g "${acct}" and grant RX`
              : `remove write for ${acct} on ${folder.path}`,
        })
      }
      if (folder.othersWrite || folder.everyoneWrite?.length) {
        out.push({
          status: 'fail',
          message: `${label} is writable by everyone (${folder.everyoneWrite?.join(', ') || `mode ${folder.mode}`}): anyone could replace the product's files or settings (this tool's security baseline; the docs grant rights to the service account only)`,
          remediation:
            f.platform === 'windows'
              ? `icacls "${folder.path}" /remove:g Everyone Users "Authenticated Users"`
              : `chmod o-w ${folder.path}`,
        })
      }
    }
    if (out.length === 0) {
      const how = f.folders.some((x) => x.source === 'verified')
        ? `measured as ${acct}`
        : f.getfacl === false
          ? 'from mode bits (getfacl not installed: ACLs not read)'
          : 'from mode bits and ACLs'
      const readable = (f.files ?? []).length
      out.push({
        status: 'pass',
        message: `${f.account ?? acct}: ${f.folders
          .filter((x) => x.exists)
          .map((x) => `${x.name || '.'} ${rwxString(x.rights!)}`)
          .join(', ')}${readable ? `; reads ${(f.files ?? []).map((x) => x.label).join(', ')}` : ''} (${how})`,
      })
    }
    return out
  },
  // What `checks show` says beyond the definition (verdicts, and the docs sentences it rests on).
  explain: {
    how: "Computes the service account's effective rights on each folder of the working directory (measured as the account with runuser when root; from mode bits and POSIX ACLs otherwise; from icacls on Windows), and whether it can read the settings files and the PFX files they name.",
    verdicts: [
      {status: 'pass', when: "the account's rights match the product's profile, nobody else may write"},
      {
        status: 'fail',
        when: 'the directory or a required folder is missing, the account lacks read/traverse (or write where needed), a file it reads at start-up is unreadable, or everyone may write',
        fix: 'the icacls or setfacl command, or the scaffolded set-permissions script',
      },
      {
        status: 'warn',
        when: 'the account can write where the docs grant read and execute only (least privilege)',
        fix: 'remove the write right',
      },
      {status: 'skip', when: 'no serviceAccount, or the account is not one of this host'},
    ],
    sources: [
      {
        page: netwrixDocs('installation-guide/requirements/agent-requirements'),
        quote:
          "The agent's service account needs specific permissions presented in the Create a Working Directory topic",
      },
      {
        page: netwrixDocs('installation-guide/requirements/agent-requirements'),
        quote: 'Other permissions should be denied.',
      },
    ],
  },
})
