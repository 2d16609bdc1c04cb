import {randomBytes} from 'node:crypto'
import {rm, stat, writeFile} from 'node:fs/promises'
import {userInfo} from 'node:os'
import {isAbsolute, join, resolve} from 'node:path'
import {defineCheck, type Finding, netwrixDocs} from '../src/model/index.js'
import {isWindowsPath} from '../src/base/index.js'
import {smtpParams} from '../src/probes/smtp/index.js'

interface Params {
  directory: string
  /** The directory as this host sees it (relative paths from the environment file's folder). */
  path: string
  serviceAccount?: string
}

interface Facts {
  exists: boolean
  isDirectory?: boolean
  writable?: boolean
  error?: string
  user: string
  foreignPath?: boolean
  /** The service account's own rights on the folder: measured as it (root), or computed from mode bits and ACLs. */
  account?: {name: string; rights: {r: boolean; w: boolean; x: boolean}; source: 'verified' | 'computed'}
  /** Why the account's rights could not be known here. */
  accountUnknown?: string
}

export default defineCheck<Params, Facts>({
  id: 'smtp.pickup',
  summary: 'Pickup mode: the pickup directory exists and the service account can write mails into it',
  docs: netwrixDocs('installation-guide/production-ready/email-server'),
  flow: 'smtp',
  topologies: ['saas', 'on-prem-integrated', 'on-prem-separate'],
  params: {
    type: 'object',
    additionalProperties: false,
    required: ['directory', 'path'],
    properties: {directory: {type: 'string'}, path: {type: 'string'}, serviceAccount: {type: 'string'}},
  },
  plan(env, ctx) {
    const dir = env.smtp?.pickupDirectory
    if (!dir) {
      // Named by what the mails go to instead, as smtp.server and smtp.test-mail are.
      const smtp = smtpParams(env, ctx.baseDir)
      return [
        {
          target: smtp ? `${smtp.host}:${smtp.port}` : 'smtp',
          params: {directory: '-', path: '-'},
          skip: env.smtp?.host
            ? 'SMTP mode: mails go to an SMTP server (smtp.server)'
            : 'no smtp section in the environment file',
        },
      ]
    }
    const account = ctx.agents[0]?.serviceAccount ?? env.server.serviceAccount
    const path = isAbsolute(dir) || isWindowsPath(dir) ? dir : resolve(ctx.baseDir, dir)
    return [{target: dir, params: {directory: dir, path, ...(account ? {serviceAccount: account} : {})}}]
  },
  title: (p) => `Pickup directory ${p.directory}`,
  async probe(p, ctx) {
    const user = userInfo().username
    if (process.platform !== 'win32' && isWindowsPath(p.path)) return {exists: false, user, foreignPath: true}
    try {
      const st = await stat(p.path)
      if (!st.isDirectory()) return {exists: true, isDirectory: false, user}
    } catch (e) {
      return {exists: false, user, error: (e as NodeJS.ErrnoException).code}
    }
    // Write and remove a file, as the mail writer will.
    const probe = join(p.path, `.idm-preflight-${randomBytes(4).toString('hex')}.eml`)
    let facts: Facts
    try {
      await writeFile(probe, 'X-idm-preflight: pickup test\r\n\r\n', {flag: 'wx'})
      await rm(probe, {force: true})
      facts = {exists: true, isDirectory: true, writable: true, user}
    } catch (e) {
      facts = {exists: true, isDirectory: true, writable: false, user, error: (e as NodeJS.ErrnoException).code}
    }
    // The mail writer is the service account, not whoever runs this tool: its own rights decide.
    if (!p.serviceAccount) return {...facts, accountUnknown: 'no serviceAccount in the environment file'}
    return {...facts, ...(await accountRights(p.serviceAccount, p.path, ctx.signal))}
  },
  evaluate(p, f): Finding[] {
    if (f.foreignPath)
      return [{status: 'skip', message: `${p.directory} is a Windows path: run on the Windows host to check it`}]
    if (!f.exists)
      return [
        {
          status: 'fail',
          message: `pickup directory ${p.path} does not exist${f.error && f.error !== 'ENOENT' ? ` (${f.error})` : ''}`,
          remediation: `create it and grant ${p.serviceAccount ?? 'the service account'} Modify on it (the mail service reads from it)`,
        },
      ]
    if (f.isDirectory === false)
      return [
        {
          status: 'fail',
          message: `${p.path} is a file, not a directory`,
          remediation: 'point smtp.pickupDirectory at a folder',
        },
      ]
    const grant =
      process.platform === 'win32'
        ? `icacls "${p.path}" /grant "${p.serviceAccount}:(OI)(CI)M"`
        : `setfacl -m u:${p.serviceAccount}:rwx ${p.path} && setfacl -d -m u:${p.serviceAccount}:rwx ${p.path}`
    if (f.account) {
      const {r, w, x} = f.account.rights
      const how = f.account.source === 'verified' ? `measured as ${f.account.name}` : 'from mode bits and ACLs'
      if (!w || !x)
        return [
          {
            status: 'fail',
            message: `${f.account.name} cannot write mails into ${p.path} (it has ${r ? 'r' : '-'}${w ? 'w' : '-'}${x ? 'x' : '-'}; ${how})`,
            remediation: grant,
          },
        ]
      return [{status: 'pass', message: `${p.path} exists and ${f.account.name} can write mails into it (${how})`}]
    }
    // The account's rights are unknown here: never a pass on someone else's behalf.
    return [
      {
        status: 'warn',
        message: `${f.accountUnknown}: ${p.path} ${f.writable ? 'can' : `cannot (${f.error})`} be written by ${f.user}, which is not the service account`,
        remediation: p.serviceAccount
          ? `run idm-preflight on the host where ${p.serviceAccount} exists, or check by hand that it has Modify on ${p.directory}`
          : 'set serviceAccount for the agent (or the server) in the environment file',
      },
    ]
  },
  // What `checks show` says beyond the definition (verdicts, and the docs sentences it rests on).
  explain: {
    how: "Checks that smtp.pickupDirectory is a folder, writes and removes a file there, and judges the service account's own rights on it (measured as the account when run as root, else from mode bits and ACLs; icacls on Windows).",
    verdicts: [
      {status: 'pass', when: 'the folder exists and the service account can write mails into it'},
      {
        status: 'fail',
        when: 'the folder does not exist, is a file, or the service account cannot write into it',
        fix: 'create it and grant the account Modify (the grant command is given)',
      },
      {
        status: 'warn',
        when: "the account's rights cannot be known here (no serviceAccount, or not an account of this host)",
        fix: 'run on the host where the account exists, or set serviceAccount',
      },
      {status: 'skip', when: 'SMTP mode, no smtp section, or a Windows path on another platform'},
    ],
    sources: [
      {
        page: netwrixDocs('installation-guide/production-ready/email-server'),
        quote: 'The directory where clients write emails as files is called the **pickup directory**.',
      },
    ],
  },
})

/** The service account's rights on the pickup folder: Windows ACLs, or POSIX (measured as the account when root). */
async function accountRights(
  account: string,
  path: string,
  signal: AbortSignal,
): Promise<Pick<Facts, 'account' | 'accountUnknown'>> {
  if (process.platform === 'win32') {
    const {aclScript, effectiveWindowsRights, parseAclJson, powershellJson, windowsAccount} =
      await import('../src/probes/windows/windows.js')
    const who = await windowsAccount(account, signal)
    const eff = effectiveWindowsRights(
      parseAclJson(await powershellJson(aclScript(path), signal)),
      who.sid,
      account,
      who.groups,
    )
    return {account: {name: account, rights: {r: eff.r, w: eff.w, x: eff.x}, source: 'computed'}}
  }
  const {effectiveRights, readFolders, resolvePosixAccount, verifyAsAccount} =
    await import('../src/probes/files/posix-acl.js')
  const who = await resolvePosixAccount(account, signal)
  if (!who)
    return {
      accountUnknown: `${account} is not an account of this host${/[\\@]/.test(account) ? ' (a Windows account: run on the Windows host)' : ''}`,
    }
  const verified = await verifyAsAccount(who.name, [path], signal)
  if (verified?.[0]) return {account: {name: account, rights: verified[0], source: 'verified'}}
  const {folders} = await readFolders([path], signal)
  const f = folders[0]!
  if (!f.exists) return {accountUnknown: `${path} could not be read`}
  return {
    account: {
      name: account,
      rights: effectiveRights({uid: f.uid!, gid: f.gid!, mode: f.mode!, acl: f.acl}, who),
      source: 'computed',
    },
  }
}
