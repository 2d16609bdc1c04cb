import {randomBytes} from 'node:crypto'
import {rm, stat, writeFile} from 'node:fs/promises'
import {userInfo} from 'node:os'
import {isAbsolute, join, resolve} from 'node:path'
import {defineCheck, type Finding} from '../src/core/check.js'
import {netwrixDocs} from '../src/core/docs.js'
import {isWindowsPath} from '../src/lib/paths.js'

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
}

export default defineCheck<Params, Facts>({
  id: 'smtp.pickup',
  summary: 'Pickup mode: the pickup directory exists and can be written',
  docs: netwrixDocs('installation-guide/production-ready/email-server/index.md'),
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
    if (!dir)
      return [
        {
          target: '-',
          params: {directory: '-', path: '-'},
          skip: env.smtp?.host
            ? 'SMTP mode: mails go to an SMTP server (smtp.server)'
            : 'no smtp section in the environment file',
        },
      ]
    const account = ctx.agents[0]?.serviceAccount ?? env.server.serviceAccount
    const path = isAbsolute(dir) || isWindowsPath(dir) ? dir : resolve(ctx.baseDir, dir)
    return [{target: dir, params: {directory: dir, path, ...(account ? {serviceAccount: account} : {})}}]
  },
  title: (p) => `Pickup directory ${p.directory}`,
  async probe(p) {
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
    try {
      await writeFile(probe, 'X-idm-preflight: pickup test\r\n\r\n', {flag: 'wx'})
      await rm(probe, {force: true})
      return {exists: true, isDirectory: true, writable: true, user}
    } catch (e) {
      return {exists: true, isDirectory: true, writable: false, user, error: (e as NodeJS.ErrnoException).code}
    }
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
    const account = p.serviceAccount ? `; ${p.serviceAccount}'s own rights are judged by folders.permissions` : ''
    if (!f.writable)
      return [
        {
          status: 'fail',
          message: `${p.path} cannot be written by ${f.user} (${f.error})${account}`,
          remediation: `grant ${p.serviceAccount ?? 'the service account'} Modify on ${p.directory}`,
        },
      ]
    return [{status: 'pass', message: `${p.path} exists and ${f.user} can write mails into it${account}`}]
  },
})
