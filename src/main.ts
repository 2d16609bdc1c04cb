import type {Command, Interfaces} from '@oclif/core'
import {existsSync} from 'node:fs'
import {tmpdir, userInfo} from 'node:os'
import {resolve} from 'node:path'
// The entry names the modules it hands the build to, not their rooms' doors: a door brings its
// whole room (the environment's brings the YAML parser), and `--version` must load nothing but this.
import {provideAssets, provideCertificateWorker} from './io/assets.js'
import {loadChecks, provideChecks, type BundledChecks} from './run/registry.js'
import {provideGeneratedValidators} from './environment/validators.js'
import {commonJs} from './base/interop.js'

/**
 * What a build of idm-preflight holds besides its code: scripts/bundle.ts writes an entry point
 * that imports every check and the generated validators statically and passes them here, so that
 * a run reads no directory and loads one file (and, in a standalone executable, no file at all).
 */
export interface Build {
  /** package.json, as built. */
  pjson: Interfaces.PJSON
  /** The package folder (the executable's folder for a standalone executable). */
  root: string
  /** Each command's class by oclif id, loaded when that command runs (and no other). */
  commands: Record<string, () => Promise<Command.Class>>
  /** oclif.manifest.json as built: the commands' ids, flags and help, without a file to read. */
  manifest: () => Promise<Interfaces.Manifest>
  /** The check modules, loaded when a command first needs them. */
  checks: BundledChecks
  /** The generated validator modules, each loaded when first needed. */
  generated: Record<'environment.js' | 'params.js', () => Promise<unknown>>
  /** The embedded templates of a standalone executable. */
  assets?: (key: string) => string
  /** The certificate worker's file (a file URL), where the build ships one. */
  certificateWorker?: string
}

/**
 * A user with no HOME and no entry in the account database (a container run as a bare user id,
 * `docker run --user 4242`): oclif asks the system for the home folder and the shell, which then
 * throw (a stack trace, exit 1). The home is the temporary folder then, and the shell unknown.
 */
function noAccountFallbacks(): void {
  if (process.env.HOME && process.env.SHELL) return
  try {
    userInfo()
  } catch {
    process.env.HOME ||= tmpdir()
    process.env.SHELL ||= 'unknown'
  }
}

/**
 * Runs one command line. `--version` is answered before oclif is even loaded (the same line oclif
 * prints); everything else goes through oclif with the commands, checks and validators handed
 * over in memory.
 */
export async function main(build: Build, argv: string[] = process.argv.slice(2)): Promise<void> {
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v')) {
    process.stdout.write(
      `${build.pjson.name}/${build.pjson.version} ${process.platform}-${process.arch} node-${process.version}\n`,
    )
    return
  }
  noAccountFallbacks()
  provideChecks(build.checks)
  provideGeneratedValidators(build.generated)
  if (build.assets) provideAssets(build.assets)
  if (build.certificateWorker) provideCertificateWorker(build.certificateWorker)
  // The commands that read an environment file need the checks and the environment's validator:
  // their chunks load while oclif starts.
  const helpOnly = argv.some((a) => a === '--help' || a === '-h')
  if (['check', 'validate', 'demo', 'scaffold'].includes(argv[0] ?? '') && !helpOnly) {
    void loadChecks().catch(() => undefined)
    void build.generated['environment.js']().catch(() => undefined)
  }
  const [{Config, Plugin, run, flush, handle, Errors}, manifest] = await Promise.all([
    import('@oclif/core').then(commonJs),
    build.manifest(),
  ])
  // The root plugin (this CLI: there is no other) takes its manifest and its commands from the
  // build: no manifest file is read (a standalone executable has none), and a command's module is
  // loaded when it runs, so that `--help` loads no command and `check` loads only `check`.
  type RootPlugin = {isRoot?: boolean; hasManifest?: boolean; commandIDs?: string[]; commandCache?: unknown}
  const proto = Plugin.prototype as unknown as {
    _manifest(this: RootPlugin): Promise<Interfaces.Manifest>
    findCommand(this: RootPlugin, id: string, opts?: {must?: boolean}): Promise<Command.Class | undefined>
    loadCommandsFromTarget(this: RootPlugin): Promise<unknown>
  }
  const {_manifest: readManifest, findCommand} = proto
  proto._manifest = async function () {
    if (!this.isRoot) return readManifest.call(this)
    this.hasManifest = true
    this.commandIDs = Object.keys(manifest.commands)
    return manifest
  }
  proto.findCommand = async function (id, opts = {}) {
    if (!this.isRoot) return findCommand.call(this, id, opts)
    const load = build.commands[id]
    const cmd = load && (await load())
    if (!cmd) {
      if (opts.must) Errors.error(`command ${id} not found`)
      return undefined
    }
    cmd.id = id
    cmd.plugin = this as unknown as Command.Class['plugin']
    return cmd
  }
  // Every command at once: what oclif's explicit discovery would import from package.json's target.
  proto.loadCommandsFromTarget = async function () {
    this.commandCache ??= Object.fromEntries(
      await Promise.all(Object.entries(build.commands).map(async ([id, load]) => [id, await load()])),
    )
    return this.commandCache
  }
  // oclif reads the user's theme file (~/.config/idm-preflight/theme.json) through its JSON helpers
  // and node:fs/promises even when there is none: without one (and no theme in package.json), its
  // answer is known.
  const configProto = Config.prototype as unknown as {
    loadTheme(this: {configDir: string; pjson: Interfaces.PJSON}): Promise<unknown>
  }
  const {loadTheme} = configProto
  configProto.loadTheme = async function () {
    if (!this.pjson.oclif.theme && !existsSync(resolve(this.configDir, 'theme.json'))) return undefined
    return loadTheme.call(this)
  }
  try {
    const config = await Config.load({
      root: build.root,
      pjson: build.pjson,
      userPlugins: false,
      devPlugins: false,
      jitPlugins: false,
    })
    // A command that does not exist is said as the tool says its own errors, with a did-you-mean.
    const {unknownCommand} = await import('./cli/cli-errors.js')
    const unknown = unknownCommand(argv, manifest.commands, Object.keys(build.pjson.oclif.topics ?? {}))
    if (unknown) {
      process.exitCode = unknown.exitCode
      if (argv.includes('--json'))
        process.stdout.write(
          `${JSON.stringify({status: 'error', exitCode: unknown.exitCode, error: unknown.message, hint: unknown.hint}, null, 2)}\n`,
        )
      else {
        // The unknown word is the user's: printed without its control sequences, if any.
        const {stripControl} = await import('./base/terminal.js')
        process.stderr.write(stripControl(`idm-preflight: ${unknown.message}\n  hint: ${unknown.hint}\n`))
      }
    } else await run(argv, config)
    await flush()
  } catch (error) {
    await handle(error instanceof Error ? error : new Error(String(error)))
  }
  // The command has said all it had to (stdout flushed above). Something it abandoned, such as a
  // host name the system resolver never answers (getaddrinfo cannot be cancelled), must not keep
  // the process alive for the resolver's own timeouts after the report: end here.
  await new Promise<void>((resolve) => process.stderr.write('', () => resolve()))
  process.exit()
}
