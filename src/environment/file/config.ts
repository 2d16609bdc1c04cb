import {existsSync} from 'node:fs'
import {dirname, isAbsolute, resolve} from 'node:path'
import {type CheckDefinition, isSecretPath, type Environment} from '../../model/index.js'
import {formatDiagnostic, UsageError, type Diagnostic, urlCredentials, type Redactor} from '../../base/index.js'
import {FileReadError, readRegularFile} from '../../io/index.js'
import {readSource, type SourceDocument} from '../../documents/index.js'
import {
  ConnectionStringError,
  describeSchemaErrors,
  dottedPath,
  parseConnectionString,
  isReference,
  paramsCheckWanted,
  semanticProblems,
  validators,
  walkStrings,
} from '../index.js'

/** The names `check`, `validate` and `scaffold` look for when no --config is given. */
export const DEFAULT_CONFIG_NAMES = ['idm-preflight.yaml', 'idm-preflight.yml', 'idm-preflight.json'] as const

/**
 * Finds the environment file: `--config`, else `IDM_PREFLIGHT_CONFIG`, else
 * `./idm-preflight.yaml|.yml|.json`. Throws a usage error that says all three when none exists.
 */
export function discoverConfig(flag: string | undefined, env = process.env, cwd = process.cwd()): string {
  if (flag) return flag
  if (env.IDM_PREFLIGHT_CONFIG) return env.IDM_PREFLIGHT_CONFIG
  for (const name of DEFAULT_CONFIG_NAMES) {
    if (existsSync(resolve(cwd, name))) return name
  }
  throw new UsageError(
    'no environment file found',
    [],
    'pass --config FILE, set IDM_PREFLIGHT_CONFIG, or create ./idm-preflight.yaml (`idm-preflight init` writes one)',
  )
}

/** Largest `${file:}` secret read (a password, a license: a few kilobytes). */
export const MAX_SECRET_FILE_BYTES = 1024 * 1024

/** How unresolved `${env:}`/`${file:}` references are treated. */
export type SecretMode =
  /** Resolve every reference; an unset variable or missing file is an error (check, scaffold). */
  | 'require'
  /** Resolve what can be; what cannot is a warning naming the field (validate without --require-secrets). */
  | 'static'
  /**
   * Resolve nothing yet: `check` resolves, with resolveSecrets, only the references its plan
   * needs (an agent's host has none of the server's secrets); `--plan` resolves none at all.
   */
  | 'defer'

export interface LoadOptions {
  secrets: SecretMode
  /** Where resolved secrets are registered; every output goes through it. */
  redactor?: Redactor
  processEnv?: Readonly<Record<string, string | undefined>>
  /** Only planning (check --plan): a missing network.caFile is a warning, as in validate. */
  planOnly?: boolean
  /**
   * Also apply each check's `fileRules` (its verdicts on the file alone: a proxy written https://,
   * a DNS alias in capitals): validate does, so that they are said without a network. check and
   * scaffold do not: there the check itself reports them, as a result rather than a file error.
   */
  checkRules?: boolean
}

export interface LoadedEnvironment {
  file: string
  baseDir: string
  /** The environment with every resolvable reference replaced by its value. */
  env: Environment
  /** Errors and warnings, sorted by position. */
  diagnostics: Diagnostic[]
  source: SourceDocument
}

export type LoadResult = ({ok: true} & LoadedEnvironment) | {ok: false; file: string; diagnostics: Diagnostic[]}

/**
 * Loads, validates and resolves one environment file. Never throws for a problem in the file:
 * every problem is a positioned diagnostic. `ok` is false when any diagnostic is an error.
 */
export async function loadEnvironment(
  file: string,
  checks: readonly CheckDefinition[],
  opts: LoadOptions,
): Promise<LoadResult> {
  const src = await readSource(file)
  if (!src.ok) return {ok: false, file, diagnostics: src.diagnostics}
  const doc = src.doc
  const v = await validators(checks, {params: paramsCheckWanted()})
  const validate = v.environment
  const diagnostics: Diagnostic[] = []
  const push = (path: (string | number)[], message: string, severity: 'error' | 'warning', atKey = false) => {
    const pos = doc.position(path, {key: atKey})
    diagnostics.push({file, line: pos.line, column: pos.column, path: dottedPath(path), message, severity})
  }

  const baseDir = resolve(dirname(file))
  if (!validate(doc.value)) {
    const schema = describeSchemaErrors(validate.errors ?? [], doc.value, v.schema)
    for (const p of schema) push(p.path, p.message, 'error', p.atKey)
    // One round: the rules beyond the schema are applied too, to what the schema accepted (the
    // faulty values left out), so that a file's errors come all at once. A rule's finding at or
    // around a faulty value is the schema error's consequence, not news: left out.
    // A faulty entry of a list (an agent without identifier) takes its list out: the rules walk
    // lists whole, and an entry left out would shift the positions of the others.
    const faulty = schema
      .map((p) => {
        const i = p.path.findIndex((seg) => typeof seg === 'number')
        return i < 0 ? p.path : p.path.slice(0, i)
      })
      .filter((p) => p.length > 0)
    const overlaps = (a: readonly (string | number)[], b: readonly (string | number)[]) =>
      a.slice(0, b.length).every((x, i) => x === b[i]) || b.slice(0, a.length).every((x, i) => x === a[i])
    const pushBeside = (path: (string | number)[], message: string, severity: 'error' | 'warning') => {
      if (!faulty.some((f) => overlaps(f, path))) push(path, message, severity)
    }
    const partial = withoutPaths(doc.value, faulty)
    if (partial) await furtherProblems(partial, baseDir, checks, opts, pushBeside, true)
    return {ok: false, file, diagnostics: sortDiagnostics(diagnostics)}
  }
  const env = doc.value as Environment
  const resolved = await furtherProblems(env, baseDir, checks, opts, push)
  const sorted = sortDiagnostics(diagnostics)
  if (sorted.some((d) => d.severity === 'error')) return {ok: false, file, diagnostics: sorted}
  return {ok: true, file, baseDir, env: resolved, diagnostics: sorted, source: doc}
}

/**
 * The rules a schema cannot express (semantics.ts), the references resolved, the CA file, the
 * connection strings and LDAP filters and, with `checkRules`, the checks' own verdicts on the file
 * alone. Returns the environment with its references resolved.
 */
async function furtherProblems(
  env: Environment,
  baseDir: string,
  checks: readonly CheckDefinition[],
  opts: LoadOptions,
  push: (path: (string | number)[], message: string, severity: 'error' | 'warning') => void,
  /** The schema refused the file and `env` is what it accepted: each step says what it can. */
  partial = false,
): Promise<Environment> {
  if (typeof env.product === 'number') env.product = String(env.product) as Environment['product']
  // A refused file may lack what the rules stand on (its topology, its server, an agent's
  // identifier): the rules that need them are left out, and a step that cannot run on what is
  // left says nothing rather than fail.
  const whole = typeof env.topology === 'string' && typeof env.server?.url === 'string'
  const guarded = async (step: () => unknown) => {
    if (!partial) return step()
    try {
      await step()
    } catch {
      // the schema errors already say what is wrong here
    }
  }
  if (whole) await guarded(() => semanticProblems(env).forEach((p) => push(p.path, p.message, p.severity)))
  const resolved = structuredClone(env)
  await guarded(() =>
    resolveReferences(resolved, baseDir, opts, push, opts.secrets === 'defer' ? {only: new Set()} : {}),
  )
  await guarded(() => caFileProblems(resolved, baseDir, opts, push))
  await guarded(() => connectionStringProblems(resolved, push))
  await guarded(() => ldapFilterProblems(resolved, push))
  if (opts.checkRules && whole)
    for (const c of checks)
      await guarded(() =>
        (c.fileRules?.(resolved) ?? []).forEach((p) =>
          push(
            p.path,
            `${p.message}${p.remediation ? `; ${p.remediation}` : ''} (check ${c.id})`,
            p.status === 'fail' ? 'error' : 'warning',
          ),
        ),
      )
  return resolved
}

/** A copy of a document without the values at `paths` (those the schema refused; no list index in them). */
function withoutPaths(value: unknown, paths: readonly (string | number)[][]): Environment | undefined {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined
  const copy = structuredClone(value) as Record<string, unknown>
  for (const path of paths) {
    let node: unknown = copy
    for (const seg of path.slice(0, -1)) node = node && typeof node === 'object' ? (node as never)[seg] : undefined
    if (node && typeof node === 'object' && !Array.isArray(node)) delete (node as Record<string, unknown>)[path.at(-1)!]
  }
  return copy as unknown as Environment
}

/**
 * Loads an environment for a command that needs it whole (check, scaffold): throws a
 * UsageError (exit 2) listing every diagnostic when the file has errors.
 */
export async function loadEnvironmentOrThrow(
  file: string,
  checks: readonly CheckDefinition[],
  opts: LoadOptions,
): Promise<LoadedEnvironment> {
  const res = await loadEnvironment(file, checks, opts)
  if (!res.ok) {
    const n = res.diagnostics.filter((d) => d.severity === 'error').length
    throw new UsageError(`${file}: ${n} error${n === 1 ? '' : 's'} in the environment file`, res.diagnostics)
  }
  return res
}

/**
 * Resolves the references the plan of a `check` run needs (`refs`, as written: `${env:NAME}`),
 * in a copy of a file loaded with `secrets: 'defer'`; the others stay references. Each one that
 * cannot be resolved is in `problems` ("IDM_HR_SQL is not set"), with a positioned diagnostic per
 * field for --require-secrets. A resolved connection string or filter that is malformed is in
 * `malformed`, an error as it is for a literal one.
 */
export async function resolveSecrets(
  loaded: LoadedEnvironment,
  refs: ReadonlySet<string>,
  opts: Pick<LoadOptions, 'redactor' | 'processEnv'> = {},
): Promise<{env: Environment; problems: Map<string, string>; diagnostics: Diagnostic[]; malformed: Diagnostic[]}> {
  const env = structuredClone(loaded.env)
  const diagnostics: Diagnostic[] = []
  const push = (path: (string | number)[], message: string, severity: 'error' | 'warning') => {
    const pos = loaded.source.position(path, {key: false})
    diagnostics.push({file: loaded.file, line: pos.line, column: pos.column, path: dottedPath(path), message, severity})
  }
  const problems = new Map<string, string>()
  await resolveReferences(env, loaded.baseDir, {...opts, secrets: 'require'}, push, {only: refs, problems})
  const values: Diagnostic[] = []
  const pushValue = (path: (string | number)[], message: string, severity: 'error' | 'warning') => {
    // Only what a resolved value brought: the literals were judged when the file was loaded.
    if (severity !== 'error' || !isResolvedPath(loaded.env, path)) return
    const pos = loaded.source.position(path, {key: false})
    values.push({file: loaded.file, line: pos.line, column: pos.column, path: dottedPath(path), message, severity})
  }
  await connectionStringProblems(env, pushValue)
  await ldapFilterProblems(env, pushValue)
  return {env, problems, diagnostics: sortDiagnostics(diagnostics), malformed: sortDiagnostics(values)}
}

/** True when the value at `path` of the file as written is a reference. */
function isResolvedPath(env: Environment, path: (string | number)[]): boolean {
  let node: unknown = env
  for (const seg of path) node = (node as Record<string | number, unknown> | undefined)?.[seg]
  return isReference(node)
}

async function resolveReferences(
  env: Environment,
  baseDir: string,
  opts: LoadOptions,
  push: (path: (string | number)[], message: string, severity: 'error' | 'warning') => void,
  select: {
    /** Resolve only these references (as written); the others stay as they are, silently. */
    only?: ReadonlySet<string>
    /** Filled with each selected reference that could not be resolved, and why. */
    problems?: Map<string, string>
  } = {},
): Promise<void> {
  const processEnv = opts.processEnv ?? process.env
  const severity = opts.secrets === 'require' ? 'error' : 'warning'
  const fix = opts.secrets === 'require' ? '' : ' (--require-secrets makes this an error)'
  // A fleet names the same secret file for every agent (its PFX password): read once per load.
  const files = new Map<string, Promise<Buffer>>()
  const readSecretFile = (target: string) => {
    let r = files.get(target)
    if (!r) files.set(target, (r = readRegularFile(target, MAX_SECRET_FILE_BYTES)))
    return r
  }
  for (const [path, value] of [...walkStrings(env)]) {
    if (!isReference(value) || (select.only && !select.only.has(value))) continue
    const [, kind, arg] = /^\$\{(env|file):(.+)\}$/.exec(value)!
    let resolvedValue: string | undefined
    if (kind === 'env') {
      resolvedValue = processEnv[arg!]
      if (resolvedValue === undefined) {
        push(path, `environment variable ${arg} is not set${fix}`, severity)
        select.problems?.set(value, `${arg} is not set`)
        continue
      }
      if (resolvedValue === '') push(path, `environment variable ${arg} is set but empty`, 'warning')
    } else {
      const target = isAbsolute(arg!) ? arg! : resolve(baseDir, arg!)
      try {
        // A secret file is small; a FIFO or /dev/zero is refused rather than read forever.
        resolvedValue = (await readSecretFile(target)).toString('utf8').replace(/\r?\n$/, '')
      } catch (e) {
        if (!(e instanceof FileReadError)) throw e
        select.problems?.set(value, `secret file ${target} ${e.message}`)
        // A missing file is what --require-secrets is about; anything else is wrong whatever the mode.
        push(
          path,
          `secret file ${target} ${e.message}${e.code === 'missing' ? fix : ''}`,
          e.code === 'missing' ? severity : 'error',
        )
        continue
      }
    }
    setAt(env, path, resolvedValue)
    if (isSecretPath(dottedPath(path))) {
      opts.redactor?.add(resolvedValue)
      // A connection string's password may be printed on its own by a driver's error message.
      const pw = /(?:^|;)\s*(?:password|pwd)\s*=\s*("(?:[^"]|"")*"|'(?:[^']|'')*'|[^;]*)/i.exec(resolvedValue)?.[1]
      if (pw) opts.redactor?.add(unquote(pw.trim()))
    }
    const creds = urlCredentials(resolvedValue)
    if (creds) opts.redactor?.addCredential(creds.user, creds.password)
  }
  // SMTP AUTH sends the pair in base64; a peer may echo it back (535 ... AUTH PLAIN <base64>).
  if (env.smtp?.password && !isReference(env.smtp.password))
    opts.redactor?.addCredential(env.smtp.username, env.smtp.password)
  for (const c of [env.server.database?.windowsCredentials, env.server.database?.checkLogin])
    if (c?.password && !isReference(c.password)) opts.redactor?.addCredential(c.username, c.password)
  // An HTTP API's Basic header is the pair in base64; a peer may echo it back.
  for (const k of (env.connectors ?? []).flatMap((c) => c.connections)) {
    const user = k.login ?? k.username
    if (user && k.password && !isReference(k.password)) opts.redactor?.addCredential(user, k.password)
  }
  // The proxy may be written in the file as it is, or come from this host's environment.
  const fileProxy = env.network?.httpsProxy ? urlCredentials(env.network.httpsProxy) : undefined
  if (fileProxy) opts.redactor?.addCredential(fileProxy.user, fileProxy.password)
  for (const name of ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'ALL_PROXY', 'all_proxy']) {
    const v = processEnv[name]
    const c = v ? urlCredentials(v) : undefined
    if (c) opts.redactor?.addCredential(c.user, c.password)
  }
}

function unquote(v: string): string {
  if (/^"[\s\S]*"$/.test(v)) return v.slice(1, -1).replace(/""/g, '"')
  if (/^'[\s\S]*'$/.test(v)) return v.slice(1, -1).replace(/''/g, "'")
  return v
}

function setAt(root: unknown, path: (string | number)[], value: unknown): void {
  let node = root as Record<string | number, unknown>
  for (const seg of path.slice(0, -1)) node = node[seg] as Record<string | number, unknown>
  node[path.at(-1)!] = value
}

function sortDiagnostics(ds: Diagnostic[]): Diagnostic[] {
  return ds.sort((a, b) => a.line - b.line || a.column - b.column)
}

/** Renders diagnostics one per line, errors first. */
export function formatDiagnostics(ds: readonly Diagnostic[]): string {
  return ds.map(formatDiagnostic).join('\n')
}

/**
 * A connection string that is known (written as a literal, or resolved) must parse as SqlClient
 * parses it: a malformed one is an error with its position in the string, never its password.
 */
async function connectionStringProblems(
  env: Environment,
  push: (path: (string | number)[], message: string, severity: 'error' | 'warning') => void,
): Promise<void> {
  ;(env.connectors ?? []).forEach((c, i) =>
    c.connections.forEach((k, j) => {
      const v = k.connectionString
      // Another DBMS (MySQL, Oracle, ODBC) has its own syntax: only SQL Server's is parsed.
      if (k.type !== 'sql' || v === undefined || isReference(v) || k.settings?.ProviderClassFullName) return
      try {
        for (const w of parseConnectionString(v).warnings)
          push(['connectors', i, 'connections', j, 'connectionString'], `connection string: ${w}`, 'warning')
      } catch (e) {
        if (!(e instanceof ConnectionStringError)) throw e
        push(['connectors', i, 'connections', j, 'connectionString'], `connection string: ${e.message}`, 'error')
      }
    }),
  )
  const cs = env.server.database?.connectionString
  if (cs === undefined || isReference(cs)) return
  const path = ['server', 'database', 'connectionString']
  try {
    const parsed = parseConnectionString(cs)
    for (const w of parsed.warnings) push(path, `connection string: ${w}`, 'warning')
    // DOMAIN.md §7: Windows authentication needs the IIS identity to be a domain account; an
    // application-pool identity cannot log in to a SQL Server on another host.
    const account = env.server.serviceAccount
    const poolOrLocal = !account || /^iis apppool\\/i.test(account) || !account.includes('\\')
    if (
      parsed.integratedSecurity &&
      !parsed.dataSource?.local &&
      !env.server.database?.windowsCredentials &&
      poolOrLocal
    )
      push(
        path,
        `connection string: Integrated Security logs in as the IIS identity${account ? ` (${account})` : ''}, which cannot reach a SQL Server on another host: use a domain account as serviceAccount (DOMAIN\\user), or a SQL login`,
        'warning',
      )
  } catch (e) {
    if (e instanceof ConnectionStringError) push(path, `connection string: ${e.message}`, 'error')
    else throw e
  }
}

/**
 * An LDAP connection's filter must parse as a search filter (RFC 4515, which Microsoft's syntax
 * follows): in parentheses, balanced, each item an attribute and a value. The product would fail
 * its export at run time; validate says it with the line.
 */
async function ldapFilterProblems(
  env: Environment,
  push: (path: (string | number)[], message: string, severity: 'error' | 'warning') => void,
): Promise<void> {
  const filters: {path: (string | number)[]; filter: string}[] = []
  ;(env.connectors ?? []).forEach((c, i) =>
    c.connections.forEach((k, j) => {
      const filter: string | undefined = k.filter
      if ((k.type === 'ldap' || k.type === 'activeDirectory') && filter !== undefined && !isReference(filter))
        filters.push({path: ['connectors', i, 'connections', j, 'filter'], filter})
    }),
  )
  if (filters.length === 0) return
  const {FilterParser} = await import('ldapts')
  for (const {path, filter} of filters) {
    let depth = 0
    let balanced = filter.startsWith('(') && filter.endsWith(')')
    for (const ch of filter.replace(/\\./g, '')) {
      depth += ch === '(' ? 1 : ch === ')' ? -1 : 0
      if (depth < 0) balanced = false
    }
    if (!balanced || depth !== 0) {
      push(path, 'is not a search filter: it must be in parentheses, balanced, such as (objectclass=*)', 'error')
      continue
    }
    try {
      FilterParser.parseString(filter)
    } catch (e) {
      push(path, `is not a search filter: ${(e as Error).message.replace(/\. Full string: .*$/, '')}`, 'error')
    }
  }
}

/**
 * `network.caFile` is read by every TLS check: a FIFO or a device there would block them, and a
 * missing one would fail each of them alike. Both are the file's problem, said once (exit 2).
 */
async function caFileProblems(
  env: Environment,
  baseDir: string,
  opts: LoadOptions,
  push: (path: (string | number)[], message: string, severity: 'error' | 'warning') => void,
): Promise<void> {
  const ca = env.network?.caFile
  if (!ca || isReference(ca)) return
  const {stat} = await import('node:fs/promises')
  const st = await stat(isAbsolute(ca) ? ca : resolve(baseDir, ca)).catch(() => undefined)
  const path = ['network', 'caFile']
  const needed = opts.secrets !== 'static' && !opts.planOnly
  if (!st) push(path, `${ca} does not exist${needed ? '' : ' (check needs it)'}`, needed ? 'error' : 'warning')
  else if (!st.isFile())
    push(
      path,
      `${ca} is ${st.isDirectory() ? 'a directory' : st.isFIFO() ? 'a FIFO (named pipe)' : 'not a regular file'}: a CA file is a PEM file`,
      'error',
    )
}
