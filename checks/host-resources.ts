import {statfs} from 'node:fs/promises'
import {availableParallelism, hostname, totalmem} from 'node:os'
import {dirname, resolve} from 'node:path'
import {defineCheck, type Finding, netwrixDocs, workingDirectories} from '../src/model/index.js'
import {isReference, parseConnectionString} from '../src/environment/index.js'
import {isWindowsPath} from '../src/base/index.js'

interface Params {
  workingDirectories: string[]
  /** Host part of the connection string's data source, when SQL Server may run on this host. */
  sqlHost?: string
  minMemoryGB: number
  minCores: number
  minCoresWithSql: number
  minFreeDiskGB: number
}

interface Disk {
  path: string
  /** The existing folder measured (the directory itself, or its nearest existing parent). */
  measured?: string
  freeBytes?: number
  totalBytes?: number
  problem?: string
}

interface Facts {
  hostname: string
  memoryBytes: number
  cores: number
  disks: Disk[]
}

const GB = 1e9 // The requirement says "8 GB"; a machine sold as 8 GB reports about 7.8 GiB.

/** True when a data source names this host: `.`, `(local)`, `localhost`, loopback, or our host name. */
export function isLocalSqlHost(host: string, thisHost: string): boolean {
  const h = host.toLowerCase()
  return (
    ['.', '(local)', 'localhost', '127.0.0.1', '::1', '(localdb)'].includes(h) ||
    h === thisHost.toLowerCase() ||
    h.startsWith(`${thisHost.toLowerCase()}.`)
  )
}

export default defineCheck<Params, Facts>({
  id: 'host.resources',
  summary:
    'This host has the memory, cores and free disk of the device-requirements page (8 GB, two cores, 20 GB; four cores recommended with SQL Server on the host)',
  // The device-requirements page: 8 GB, 20 GB and a dual-core CPU "at least"; 4 cores
  // "recommended" when SQL Server runs on the same device.
  docs: netwrixDocs('installation-guide/requirements/device-requirements'),
  flow: 'host',
  topologies: ['saas', 'on-prem-integrated', 'on-prem-separate'],
  settings: {
    type: 'object',
    additionalProperties: false,
    properties: {
      minMemoryGB: {type: 'number', minimum: 1, default: 8, description: 'Minimum memory in GB (default 8)'},
      minCores: {type: 'integer', minimum: 1, default: 2, description: 'Minimum cores (default 2)'},
      minCoresWithSql: {
        type: 'integer',
        minimum: 1,
        default: 4,
        description: 'Cores recommended when SQL Server runs on the same host (default 4; fewer is a warning)',
      },
      minFreeDiskGB: {
        type: 'number',
        minimum: 0,
        default: 20,
        description: "Free space wanted on the working directory's volume, in GB (default 20)",
      },
    },
  },
  params: {
    type: 'object',
    additionalProperties: false,
    required: ['workingDirectories', 'minMemoryGB', 'minCores', 'minCoresWithSql', 'minFreeDiskGB'],
    properties: {
      workingDirectories: {type: 'array', items: {type: 'string'}},
      sqlHost: {type: 'string'},
      minMemoryGB: {type: 'number'},
      minCores: {type: 'integer'},
      minCoresWithSql: {type: 'integer'},
      minFreeDiskGB: {type: 'number'},
    },
  },
  plan(env, ctx) {
    // With --agent this host is that agent's: measure its directory (the server's, when
    // integrated); with --server, the server's.
    const role = ctx.role ?? (ctx.agent ? 'agent' : 'all')
    const own = role === 'all' ? undefined : new Set(ctx.agents.map((a) => a.identifier))
    const integrated = env.topology === 'on-prem-integrated'
    const dirs = workingDirectories(env)
      .filter((d) => !own || own.has(d.owner) || ((integrated || role === 'server') && d.owner === 'server'))
      .map((d) => d.path)
    // SQL Server on this host matters for the server's host, not for a separate agent's.
    const cs = role === 'agent' && !integrated ? undefined : env.server.database?.connectionString
    let sqlHost: string | undefined
    try {
      sqlHost = cs && !isReference(cs) ? parseConnectionString(cs).dataSource?.host : undefined
    } catch {
      sqlHost = undefined // a malformed string is reported by validation and sql.connection
    }
    const s = ctx.settings as Partial<Params>
    return [
      {
        target: 'local',
        params: {
          workingDirectories: [...new Set(dirs)],
          ...(sqlHost ? {sqlHost} : {}),
          minMemoryGB: s.minMemoryGB ?? 8,
          minCores: s.minCores ?? 2,
          minCoresWithSql: s.minCoresWithSql ?? 4,
          minFreeDiskGB: s.minFreeDiskGB ?? 20,
        },
      },
    ]
  },
  title: () => 'Memory, cores and disk of this host',
  async probe(p) {
    const constrained = process.constrainedMemory?.() ?? 0
    const memoryBytes = constrained > 0 && constrained < totalmem() ? constrained : totalmem()
    const disks = await Promise.all(p.workingDirectories.map((d) => measure(d)))
    return {hostname: hostname(), memoryBytes, cores: availableParallelism(), disks}
  },
  evaluate(p, f): Finding[] {
    const out: Finding[] = []
    const mem = f.memoryBytes / GB
    out.push(
      mem + 0.05 >= p.minMemoryGB
        ? {status: 'pass', message: `${mem.toFixed(1)} GB memory (needs ${p.minMemoryGB})`}
        : {
            status: 'fail',
            message: `${mem.toFixed(1)} GB memory; ${p.minMemoryGB} GB wanted (the device-requirements page: "at least 8 GB of RAM"${p.minMemoryGB === 8 ? '' : `; checks.settings sets ${p.minMemoryGB}`})`,
            remediation: `give this host at least ${p.minMemoryGB} GB of memory`,
          },
    )
    const sqlHere = p.sqlHost !== undefined && isLocalSqlHost(p.sqlHost, f.hostname)
    const why = ` with SQL Server on this host (${p.sqlHost})`
    out.push(
      f.cores < p.minCores
        ? {
            status: 'fail',
            message: `${f.cores} cores; the device-requirements page: at least "a dual-core CPU"${p.minCores === 2 ? '' : ` (checks.settings sets ${p.minCores})`}`,
            remediation: `give this host ${p.minCores} cores`,
          }
        : sqlHere && f.cores < p.minCoresWithSql
          ? {
              status: 'warn',
              message: `${f.cores} cores; the device-requirements page recommends "a 4-core CPU if SQL server is installed on this device"${p.minCoresWithSql === 4 ? '' : ` (checks.settings sets ${p.minCoresWithSql})`}${why}`,
              remediation: `give this host ${p.minCoresWithSql} cores, or move SQL Server to its own host`,
            }
          : {
              status: 'pass',
              message: `${f.cores} cores (needs ${p.minCores}${sqlHere ? `; ${p.minCoresWithSql} recommended${why}` : ''})`,
            },
    )
    for (const d of f.disks) {
      if (d.problem) {
        out.push({status: 'skip', message: `disk of ${d.path}: ${d.problem}`})
        continue
      }
      const free = (d.freeBytes ?? 0) / GB
      const where =
        d.measured && d.measured !== d.path ? ` (measured at ${d.measured}, the directory does not exist yet)` : ''
      out.push(
        free >= p.minFreeDiskGB
          ? {status: 'pass', message: `${free.toFixed(0)} GB free for ${d.path}${where}`}
          : {
              status: 'warn',
              message: `${free.toFixed(1)} GB free for ${d.path}${where}; ${p.minFreeDiskGB} GB wanted (the device-requirements page: "at least … 20 GB of disk storage"; free space is measured here, so a warning: the product may already be on the volume)`,
              remediation: `free space on that volume or move the working directory; logs, exports and collected data grow in Temp and Work`,
            },
      )
    }
    return out
  },
  // What `checks show` says beyond the definition (verdicts, and the docs sentences it rests on).
  explain: {
    how: "Reads this host's memory (the container's limit when lower), its cores, and the free space of each working directory's volume (its nearest existing parent when not created yet). Thresholds come from checks.settings.host.resources.",
    verdicts: [
      {status: 'pass', when: 'memory, cores and free disk meet the thresholds'},
      {status: 'fail', when: 'less memory than minMemoryGB, or fewer cores than minCores', fix: 'give the host more'},
      {
        status: 'warn',
        when: 'fewer than minCoresWithSql cores with SQL Server on this host, or less free disk than minFreeDiskGB',
        fix: 'more cores or SQL Server on its own host; free space or move the working directory',
      },
      {status: 'skip', when: 'a Windows path measured from another platform'},
    ],
    sources: [
      {
        page: netwrixDocs('installation-guide/requirements/device-requirements'),
        quote:
          'No matter whether the machine is virtual or physical, running a Identity Manager server or agent requires at least 8 GB of RAM, 20 GB of disk storage, and a dual-core CPU.',
      },
      {
        page: netwrixDocs('installation-guide/requirements/device-requirements'),
        quote:
          'Netwrix Identity Manager (formerly Usercube) recommends a 4-core CPU if SQL server is installed on this device.',
      },
    ],
  },
})

async function measure(path: string): Promise<Disk> {
  if (process.platform !== 'win32' && isWindowsPath(path))
    return {path, problem: 'a Windows path: run idm-preflight on the Windows host to measure it'}
  let dir = resolve(path)
  for (;;) {
    try {
      const s = await statfs(dir)
      return {path, measured: dir, freeBytes: s.bavail * s.bsize, totalBytes: s.blocks * s.bsize}
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code
      const parent = dirname(dir)
      if ((code === 'ENOENT' || code === 'ENOTDIR') && parent !== dir) {
        dir = parent
        continue
      }
      return {path, problem: `cannot measure (${code ?? (e as Error).message})`}
    }
  }
}
