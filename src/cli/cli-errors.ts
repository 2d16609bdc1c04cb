import {statSync} from 'node:fs'
import {UsageError, didYouMean} from '../base/index.js'

/** What this module reads of an oclif command class. */
export interface CommandShape {
  aliases?: readonly string[]
  args?: Record<string, unknown>
  strict?: boolean
  flags?: Record<string, {char?: string; hidden?: boolean} | undefined>
  enableJsonFlag?: boolean
}

/**
 * The command words of `argv` (those before the first flag) when they name no command: a usage
 * error in the tool's voice with a did-you-mean, instead of oclif's "command chek not found".
 * Undefined when oclif can take the line: a command, a topic alone (its help), help, no words.
 */
export function unknownCommand(
  argv: readonly string[],
  registered: Readonly<Record<string, CommandShape>>,
  topics: readonly string[],
): UsageError | undefined {
  // A flag before any command: only the global ones exist there.
  const first = argv[0]
  if (first?.startsWith('-')) {
    const globals = ['--help', '-h', '--version', '-v']
    if (globals.includes(first)) return undefined
    const flag = first.split('=')[0]!
    const guess = didYouMean(
      flag,
      globals.filter((g) => g.startsWith('--') === flag.startsWith('--')),
    )
    return new UsageError(
      `unknown flag ${flag}${guess ? `; did you mean ${guess}?` : ''} (a command comes first: idm-preflight COMMAND --flags)`,
      [],
      'idm-preflight --help lists the commands',
    )
  }
  // `help COMMAND`: the command named is judged as if typed.
  if (first === 'help' && argv.length > 1 && !argv[1]!.startsWith('-'))
    return unknownCommand(argv.slice(1), registered, topics)
  // Every command by its id and by its aliases (`explain` is `checks show`).
  const commands: Record<string, CommandShape> = {...registered}
  for (const cmd of Object.values(registered)) for (const alias of cmd.aliases ?? []) commands[alias] = cmd
  const words: string[] = []
  for (const a of argv) {
    if (a.startsWith('-')) break
    words.push(a)
  }
  if (words.length === 0) return undefined
  for (let n = Math.min(words.length, 2); n >= 1; n--) {
    const cmd = commands[words.slice(0, n).join(':')]
    if (!cmd) continue
    const rest = words.slice(n)
    if (rest.length === 0 || Object.keys(cmd.args ?? {}).length > 0 || cmd.strict === false) return undefined
    const name = words.slice(0, n).join(' ')
    // An environment file given as validate takes it: the flag that takes it here.
    const file = rest.length === 1 && cmd.flags?.config ? rest[0]! : undefined
    const looksLikeFile = file !== undefined && (/\.(ya?ml|json)$/i.test(file) || isFile(file))
    const config = cmd.flags?.config?.char ? `-${cmd.flags.config.char}` : '--config'
    return new UsageError(
      `${name} takes no argument: ${rest.join(' ')}${looksLikeFile ? `; did you mean ${config} ${file}?` : ''}`,
      [],
      looksLikeFile
        ? `idm-preflight ${name} ${config} ${file} (the environment file is a flag here)`
        : `idm-preflight ${name} --help lists its flags`,
    )
  }
  const spaced = Object.keys(commands).map((id) => id.replaceAll(':', ' '))
  const inTopic = topics.includes(words[0]!)
  if (inTopic && words.length === 1) return undefined
  const typed = inTopic ? words.slice(0, 2).join(' ') : words[0]!
  const guess = didYouMean(typed, inTopic ? spaced.filter((c) => c.startsWith(`${words[0]} `)) : [...spaced, ...topics])
  return new UsageError(
    `${typed} is not a command${guess ? `; did you mean ${guess}?` : ''}`,
    [],
    inTopic ? `idm-preflight ${words[0]} --help lists its commands` : 'idm-preflight --help lists the commands',
  )
}

/**
 * oclif's flag and argument errors: CLIParseError and its kin (they carry what was parsed), and
 * the parser's plain usage errors ("Flag --config expects a value", exit 2). Not this.exit().
 */
export function isParseError(e: unknown): boolean {
  if (!(e instanceof Error) || !('oclif' in e) || e instanceof UsageError) return false
  if ('parse' in e) return true
  const x = e as {oclif?: {exit?: number}; code?: string}
  return x.oclif?.exit === 2 && x.code !== 'EEXIT'
}

/**
 * oclif's flag and argument error as one line and a hint, in the tool's voice: an unknown flag
 * with a did-you-mean among the command's own flags, never the command's whole help.
 */
export function parseErrorToUsage(
  e: Error & {flags?: unknown; args?: unknown},
  id: string,
  cmd: CommandShape,
): UsageError {
  const name = id.replaceAll(':', ' ')
  const hint = `idm-preflight ${name} --help lists its flags`
  if (Array.isArray(e.flags) && e.flags.length > 0) {
    const known = [
      ...Object.entries(cmd.flags ?? {}).flatMap(([flag, def]) =>
        def?.hidden ? [] : [`--${flag}`, ...(def?.char ? [`-${def.char}`] : [])],
      ),
      ...(cmd.enableJsonFlag ? ['--json'] : []),
    ]
    const parts = (e.flags as unknown[]).map((f) => {
      const flag = String(f).split('=')[0]!
      const guess = didYouMean(
        flag,
        known.filter((k) => k.startsWith('--') === flag.startsWith('--')),
      )
      return `${flag}${guess ? `; did you mean ${guess}?` : ''}`
    })
    return new UsageError(`${name}: unknown flag${parts.length > 1 ? 's' : ''} ${parts.join(', ')}`, [], hint)
  }
  // A missing argument: its name and what it is, not oclif's notes on flags that take lists.
  if (Array.isArray(e.args) && /^Missing \d+ required arg/.test(e.message)) {
    const missing = (e.args as {name?: string; description?: string}[]).map(
      (a) => `${String(a.name ?? 'argument').toUpperCase()}${a.description ? ` (${a.description})` : ''}`,
    )
    return new UsageError(`${name}: missing ${missing.join(', ')}`, [], `idm-preflight ${name} --help`)
  }
  // oclif's own first line ("Flag --config expects a value", "Expected --format=xml to be one of:
  // …", "Unexpected argument: x", "Missing 1 required arg:"), without its colours and "See more help".
  // eslint-disable-next-line no-control-regex
  const plain = e.message.replace(/\u001b\[[0-9;]*m/g, '').replace(/\n?See more help with --help\s*$/, '')
  const lines = plain
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
  const together = exclusiveFlags(lines)
  if (together) return new UsageError(`${name}: ${together.message}`, [], together.hint ?? hint)
  let first = lines[0] ?? 'invalid flags'
  if (/^The following errors? occurred:$/.test(first)) first = lines.slice(1).join('; ') || first
  first = first.replace(/^Flag (--[\w-]+) expects a value$/, '$1 needs a value')
  const option = /^Expected --([\w-]+)=(.*) to be one of: (.*)$/.exec(first)
  if (option) {
    const allowed = option[3]!.split(/,\s*/)
    const guess = didYouMean(option[2]!, allowed)
    first = `--${option[1]} ${option[2]} is not one of ${allowed.join(', ')}${guess ? `; did you mean ${guess}?` : ''}`
  }
  return new UsageError(`${name}: ${first.replace(/:$/, '')}`, [], hint)
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile()
  } catch {
    return false
  }
}

/** What to do instead of two flags that exclude each other, by the pair (sorted, joined by +). */
const EXCLUSIVE_HINTS: Record<string, string> = {
  'agent+server': "--server on the server's host, --agent ID on that agent's",
}

/**
 * oclif's "--agent=X cannot also be provided when using --server" (each way round) as one line:
 * "--server and --agent X cannot be given together" (a boolean flag without its value).
 */
function exclusiveFlags(lines: readonly string[]): {message: string; hint?: string} | undefined {
  const said = lines.filter((l) => !/^The following errors? occurred:$/.test(l))
  const re = /^--([\w-]+)(?:=(.*?))? cannot also be provided when using --([\w-]+)$/
  const matches = said.map((l) => re.exec(l))
  if (said.length === 0 || matches.some((m) => !m)) return undefined
  const values = new Map<string, string | undefined>()
  const order: string[] = []
  const pairs = new Map<string, [string, string]>()
  for (const m of matches as RegExpExecArray[]) {
    const [, flag, value, using] = m as unknown as [string, string, string | undefined, string]
    const boolean = value === undefined || value === 'true' || value === 'false'
    if (!values.has(flag) || values.get(flag) === undefined) values.set(flag, boolean ? undefined : value)
    if (!values.has(using)) values.set(using, undefined)
    for (const f of [using, flag]) if (!order.includes(f)) order.push(f)
    const key = [flag, using].sort().join('+')
    if (!pairs.has(key)) pairs.set(key, order.indexOf(using) <= order.indexOf(flag) ? [using, flag] : [flag, using])
  }
  const shown = (f: string) => `--${f}${values.get(f) === undefined ? '' : ` ${values.get(f)}`}`
  const parts = [...pairs.values()].map(([a, b]) => `${shown(a)} and ${shown(b)}`)
  const hints = [...pairs.keys()].map((k) => EXCLUSIVE_HINTS[k]).filter(Boolean)
  return {message: `${parts.join('; ')} cannot be given together`, hint: hints.length ? hints.join('; ') : undefined}
}
