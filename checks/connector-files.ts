import {defineCheck, type FileRuleFinding, type Finding, netwrixDocs} from '../src/model/index.js'
import {isReference} from '../src/environment/index.js'
import {
  accountOf,
  connectionsOf,
  connectorParamsSchema,
  noConnectionReason,
  ownedBy,
  sourcesRootPathsOf,
} from '../src/product/index.js'
import {insideRoot, type Facts, type FileSpec, type Params, probeFiles} from '../src/probes/files/index.js'
import {isWindowsPath} from '../src/base/index.js'

/** Most directory entries read to find a regex's newest file: a drop folder, not a file system. */
const MAX_ENTRIES = 20000

export default defineCheck<Params, Facts>({
  id: 'connector.files',
  summary:
    "File (CSV) connection from the agent's host: each input lies inside SourcesRootPaths, exists as a regular file (the newest match of a regex), is readable by the service account; output folders writable",
  docs: netwrixDocs('integration-guide/connectors/references-connectors/csv'),
  flow: 'agent-systems',
  local: true,
  topologies: ['saas', 'on-prem-integrated', 'on-prem-separate'],
  roles: ['agent'],
  params: {
    type: 'object',
    additionalProperties: false,
    required: ['owner', 'system', 'connection', 'files', 'outputFolders', 'roots'],
    properties: {
      ...connectorParamsSchema,
      files: {
        type: 'array',
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['key', 'path', 'regex'],
          properties: {key: {enum: ['Path', 'PathIncremental']}, path: {type: 'string'}, regex: {type: 'boolean'}},
        },
      },
      outputFolders: {type: 'array', items: {type: 'string'}},
      roots: {type: 'array', items: {type: 'string'}},
      account: {type: 'string'},
    },
  },
  emptyReason: (env, ctx) => noConnectionReason(env, ctx, ['files']),
  plan(env, ctx) {
    return connectionsOf(env, ctx, ['files']).map(({connection: k, owner, target, system, agent}) => {
      const files: FileSpec[] = []
      if (k.path) files.push({key: 'Path', path: k.path, regex: k.isFileNameRegex === true})
      if (k.pathIncremental)
        files.push({key: 'PathIncremental', path: k.pathIncremental, regex: k.isFileNameRegex === true})
      const account = accountOf(agent, env)
      const params: Params = {
        owner,
        system,
        connection: k.identifier,
        files,
        outputFolders: k.outputFolders ?? [],
        roots: sourcesRootPathsOf(agent, env),
        ...(account ? {account} : {}),
      }
      const windows = [...files.map((f) => f.path), ...params.outputFolders].some(isWindowsPath)
      if (windows && ctx.platform !== 'win32')
        return {
          target,
          ...ownedBy(owner),
          params,
          skip: 'Windows paths: run idm-preflight on the agent host (Windows) to check them',
        }
      return {target, ...ownedBy(owner), params}
    })
  },
  title: (p) => `${p.connection} → ${p.files.map((f) => f.path).join(', ') || p.outputFolders.join(', ')}`,
  async probe(p, ctx) {
    return probeFiles(p, ctx.signal, MAX_ENTRIES)
  },
  evaluate(p, f): Finding[] {
    const out: Finding[] = []
    const who = f.accountUnknown ? f.user : (p.account ?? f.user)
    const roots = p.roots.length ? p.roots.join(', ') : '(none)'
    for (const x of f.files) {
      const name = `${x.key} ${x.path}`
      if (x.outsideRoots) {
        out.push({
          status: 'fail',
          message: `${name} lies outside SourcesRootPaths (${roots}): the agent will not read it`,
          remediation: `move the file under a SourcesRootPaths folder, or add its folder to the agent's sourcesRootPaths (case-sensitive)`,
        })
        continue
      }
      if (x.error) {
        out.push({status: 'fail', message: `${name}: ${x.error}`, remediation: 'check the path'})
        continue
      }
      if (x.kind === 'missing') {
        out.push({
          status: 'fail',
          message: `${name} does not exist`,
          remediation: 'create it, or correct the path (the export fails when its input is missing)',
        })
        continue
      }
      if (x.partial !== undefined) {
        out.push({
          status: 'warn',
          message: `${x.key} ${x.path} holds more than ${x.partial} entries: only ${x.partial} were read (${x.matches} matching), so the file the export would use (the newest) is not known`,
          remediation:
            'move processed files out of the drop folder (the connector reads the newest match), or run idm-preflight where the folder is smaller',
        })
        continue
      }
      if (x.matches === 0) {
        out.push({
          status: 'warn',
          message: `${name}: no file in ${dirOf(x.path)} matches the regular expression yet`,
          remediation: 'drop a first file, or correct the expression (it is matched against the whole file name)',
        })
        continue
      }
      const file = x.chosen ?? x.path
      if (x.kind !== 'file') {
        out.push({
          status: 'fail',
          message: `${name}: ${file} is ${article(x.kind)}, not a regular file`,
          remediation: 'the connector reads a CSV file: point the path at one',
        })
        continue
      }
      if (!x.readable) {
        out.push({
          status: f.accountUnknown ? 'warn' : 'fail',
          message: `${file} cannot be read by ${who}${x.blockedAt ? ` (no traversal of ${x.blockedAt})` : ''}${f.accountUnknown ? `; ${f.accountUnknown}` : ''}`,
          remediation: `give ${p.account ?? 'the service account'} read on the file and traverse on the folders above it`,
        })
        continue
      }
      const via =
        x.source === 'verified' ? ' (access(2) as the account)' : x.source === 'computed' ? ' (from mode and ACLs)' : ''
      out.push({
        status: x.size === 0 ? 'warn' : 'pass',
        message: `${file}${x.matches !== undefined ? ` (newest of ${x.matches} matching)` : ''}: ${x.size} bytes, readable by ${who}${via}${x.size === 0 ? ': empty, the export would load nothing' : ''}`,
        ...(x.size === 0 ? {remediation: 'check the process that drops the file'} : {}),
      })
    }
    for (const d of f.folders) {
      if (d.kind !== 'directory')
        out.push({
          status: 'fail',
          message: `output folder ${d.path} ${d.kind === 'missing' ? 'does not exist' : `is ${article(d.kind)}, not a folder`}`,
          remediation: 'create the folder the connector writes into',
        })
      else if (!d.writable)
        out.push({
          status: f.accountUnknown ? 'warn' : 'fail',
          message: `output folder ${d.path} cannot be written by ${who}${f.accountUnknown ? `; ${f.accountUnknown}` : ''}`,
          remediation: `give ${p.account ?? 'the service account'} Modify (write and traverse) on ${d.path}`,
        })
      else out.push({status: 'pass', message: `output folder ${d.path} writable by ${who}`})
    }
    if (!p.account && out.length)
      out.push({
        status: 'warn',
        message: `no serviceAccount for ${p.owner}: rights were measured as ${f.user}`,
        remediation: 'set serviceAccount for the agent in the environment file',
      })
    return out
  },
  // The one verdict decided from the environment file alone: an input outside the agent's
  // SourcesRootPaths (insideRoot, as the probe decides it before touching the disk), worded by
  // evaluate itself from the facts the probe would give. validate applies it.
  fileRules(env) {
    const out: FileRuleFinding[] = []
    for (const {connector, connection: k, agent, owner, system} of connectionsOf(env, {agents: env.agents ?? []}, [
      'files',
    ])) {
      const roots = sourcesRootPathsOf(agent, env)
      const i = (env.connectors ?? []).indexOf(connector)
      const j = connector.connections.indexOf(k)
      for (const key of ['path', 'pathIncremental'] as const) {
        const path = k[key]
        if (!path || isReference(path) || roots.some((r) => insideRoot(path, r))) continue
        const spec = {key: key === 'path' ? ('Path' as const) : ('PathIncremental' as const), path, regex: false}
        const params = {owner, system, connection: k.identifier, files: [spec], outputFolders: [], roots}
        for (const f of this.evaluate(
          params,
          {files: [{...spec, outsideRoots: true}], folders: [], user: ''},
          {
            now: new Date(),
            expiryWarningDays: 30,
          },
        ))
          if (f.status === 'fail') out.push({...f, status: 'fail', path: ['connectors', i, 'connections', j, key]})
      }
    }
    return out
  },
  // What `checks show` says beyond the definition (verdicts, and the docs sentences it rests on).
  explain: {
    how: "On the agent's host: each input (path, pathIncremental; with isFileNameRegex the newest match) must lie inside the agent's SourcesRootPaths, be a regular file, non-empty, and readable by the service account with traversal of every folder above it; each output folder writable by it.",
    verdicts: [
      {status: 'pass', when: 'the file is readable by the account (its size shown); the output folder is writable'},
      {
        status: 'fail',
        when: 'outside SourcesRootPaths, missing, not a regular file, unreadable, or an output folder missing or not writable',
        fix: 'move the file or add its folder to sourcesRootPaths; grant read (or Modify)',
      },
      {
        status: 'warn',
        when: 'no file matches the regular expression yet, the file is empty, or the account is unknown here',
      },
      {status: 'skip', when: 'Windows paths checked from another platform'},
    ],
    sources: [
      {
        page: 'https://docs.netwrix.com/docs/identitymanager/6_2/integration-guide/network-configuration/agent-configuration/appsettings-agent',
        quote:
          'List of folder paths from which Identity Manager is allowed to read. This option is used to validate the sources files defined in file-based connections. These paths are case sensitive.',
      },
    ],
  },
})

function dirOf(path: string): string {
  return path.replace(/[\\/][^\\/]*$/, '') || '/'
}

function article(kind: string | undefined): string {
  return kind === 'fifo' ? 'a FIFO (named pipe)' : kind === 'directory' ? 'a folder' : `a ${kind ?? 'special file'}`
}
