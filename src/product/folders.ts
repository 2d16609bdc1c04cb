import {isAbsolute, resolve} from 'node:path'
import {type PlannedTarget, PRODUCTS, type Environment, type Product, versionRules} from '../model/index.js'
import {isWindowsPath} from '../base/index.js'

/** Who runs in a working directory: a separate or SaaS agent, the server, or the server with its integrated agent. */
export type WorkdirRole = 'agent' | 'server' | 'server+agent'

/** A folder of the working directory and what the service account needs on it. */
export interface FolderRule {
  /** Relative to the working directory; '' is the directory itself. */
  name: string
  required: boolean
  /** Rights the account needs (r list, w create/delete, x traverse). */
  need: 'rx' | 'rwx'
  /** Rights beyond `need` that the docs deny (least privilege): a warning. */
  noWrite?: boolean
  why: string
}

/**
 * The folders and rights per role and product version (DOMAIN.md §1.2, §2). The product's pages
 * disagree on the rights (four matrices); the production-agent guide's recipe is the baseline,
 * and deviations from it that are not needed are warnings, not failures. Where the guide says
 * Full control (Temp, Work, Mails), this tool asks for and grants Modify, the strongest right the
 * agent-requirements page lists ("Other permissions should be denied"): its own least-privilege
 * choice. The version changes one thing, the working directory itself (VERSIONS'
 * `workingDirectoryWrite`: 6.2, 6.3 and SaaS grant Modify there, 6.1 does not).
 */
export function folderRules(role: WorkdirRole, product: Product = '6.2'): FolderRule[] {
  const agent = role !== 'server'
  const rootWrite = versionRules(product).workingDirectoryWrite.value
  return [
    rootWrite
      ? {
          name: '',
          required: true,
          need: 'rx',
          why: `the working directory: read and list (${product === 'saas' ? 'SaaS' : product} also allows Modify)`,
        }
      : {
          name: '',
          required: true,
          need: 'rx',
          noWrite: true,
          why: `the working directory: read and list only (${product})`,
        },
    {
      name: 'Runtime',
      required: true,
      need: 'rx',
      noWrite: true,
      why: 'the product binaries and settings: read and execute only',
    },
    {name: 'Temp', required: true, need: 'rwx', why: 'job logs, exports and caches are written there'},
    {name: 'Work', required: true, need: 'rwx', why: 'collected data and provisioning orders are written there'},
    ...(agent
      ? [
          {
            name: 'Mails',
            required: role === 'agent',
            need: 'rwx' as const,
            why: 'password-reset mails are written there (pickup)',
          },
          {
            name: 'Sources',
            required: role === 'agent',
            need: 'rx' as const,
            why: 'file-based connectors read their input there',
          },
        ]
      : []),
  ]
}

export interface WorkdirParams {
  /** The directory as written in the environment file (the target). */
  directory: string
  /** As this host sees it: absolute. */
  path: string
  owner: string
  role: WorkdirRole
  product: Product
  serviceAccount?: string
  /**
   * Files the account must be able to read besides the settings files in Runtime: the
   * certificate files its settings name (encryption and IdentityServer PFX), as this host sees them.
   */
  files?: {label: string; path: string}[]
}

export const workdirParamsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['directory', 'path', 'owner', 'role', 'product'],
  properties: {
    directory: {type: 'string'},
    path: {type: 'string'},
    owner: {type: 'string'},
    role: {enum: ['agent', 'server', 'server+agent']},
    product: {enum: [...PRODUCTS]},
    serviceAccount: {type: 'string'},
    files: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['label', 'path'],
        properties: {label: {type: 'string'}, path: {type: 'string'}},
      },
    },
  },
} as const

/** The settings files of a working directory the service account reads at start-up. */
export const SETTINGS_FILE_NAMES = ['appsettings.json', 'appsettings.agent.json'] as const

/**
 * The certificate files the service account opens at start-up (encryption and IdentityServer
 * PFX; the TLS one is IIS's), for a working directory's owner, as this host sees them.
 */
export function certificateFilesOf(
  owners: readonly {encryptionCertificate?: {file?: string}; identityServerCertificate?: {file?: string}}[],
  baseDir: string,
): {label: string; path: string}[] {
  const out: {label: string; path: string}[] = []
  for (const o of owners)
    for (const [label, ref] of [
      ['encryptionCertificate', o.encryptionCertificate],
      ['identityServerCertificate', o.identityServerCertificate],
    ] as const) {
      const file = ref?.file
      if (!file || file.startsWith('${')) continue
      const path = isAbsolute(file) || isWindowsPath(file) ? file : resolve(baseDir, file)
      if (!out.some((x) => x.path === path)) out.push({label: `${label}.file ${file}`, path})
    }
  return out
}

/** One instance per working directory in scope: the server's (on premises) and each agent's. */
export function planWorkdirs(
  env: Environment,
  agents: NonNullable<Environment['agents']>,
  agent: string | undefined,
  baseDir: string,
): PlannedTarget<WorkdirParams>[] {
  const out: PlannedTarget<WorkdirParams>[] = []
  const add = (
    directory: string | undefined,
    owner: string,
    role: WorkdirRole,
    serviceAccount: string | undefined,
    certOwners: Parameters<typeof certificateFilesOf>[0],
  ) => {
    if (!directory) return
    const path = isAbsolute(directory) || isWindowsPath(directory) ? directory : resolve(baseDir, directory)
    const files = certificateFilesOf(certOwners, baseDir)
    const params: WorkdirParams = {
      directory,
      path,
      owner,
      role,
      product: env.product,
      ...(serviceAccount ? {serviceAccount} : {}),
      ...(files.length ? {files} : {}),
    }
    const foreign = isWindowsPath(directory) && process.platform !== 'win32'
    out.push({
      target: directory,
      owner: owner === 'server' ? ('server' as const) : {agent: owner},
      params,
      ...(foreign ? {skip: `${directory} is a Windows path: run idm-preflight on the Windows host to check it`} : {}),
    })
  }
  if (env.topology !== 'saas') {
    add(
      env.server.workingDirectory,
      'server',
      env.topology === 'on-prem-integrated' ? 'server+agent' : 'server',
      env.server.serviceAccount,
      env.topology === 'on-prem-integrated' ? [env.server, ...(env.agents ?? []).slice(0, 1)] : [env.server],
    )
  }
  if (env.topology !== 'on-prem-integrated')
    for (const a of agents) add(a.workingDirectory, a.identifier, 'agent', a.serviceAccount, [a])
  return out
}
