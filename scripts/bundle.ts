/**
 * Bundles the compiled CLI (dist/src, dist/checks, the generated validators) with esbuild:
 *
 *   node dist/scripts/bundle.js          dist/bundle/idm-preflight.js (ESM, split: the heavy
 *                                        libraries stay in chunks loaded only when a run needs them)
 *   node dist/scripts/bundle.js --sea    dist/sea/idm-preflight.cjs (one CommonJS file, what a
 *                                        Node.js single executable application embeds)
 *
 * The entry point is written here from the directory listing of dist/checks, so adding a check is
 * still adding a file to checks/.
 */
import {build, type Plugin} from 'esbuild'
import {createHash} from 'node:crypto'
import {mkdir, readdir, readFile, rm, writeFile} from 'node:fs/promises'
import {createRequire, isBuiltin} from 'node:module'
import {join, relative, resolve, sep} from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'

const root = fileURLToPath(new URL('../../', import.meta.url))
const nodeRequire = createRequire(import.meta.url)
const dist = join(root, 'dist')
const sea = process.argv.includes('--sea')

const checkFiles = (await readdir(join(dist, 'checks'))).filter((f) => f.endsWith('.js')).sort()
const q = (p: string) => JSON.stringify(p)

/**
 * Each command of the index (src/commands-index.ts), imported on its own when it runs: `cert:create`
 * is the default export of dist/src/commands/cert/create.js (test/commands-index.test.ts keeps
 * ids and paths in step; checked again here), `help` is @oclif/plugin-help's.
 */
const {COMMANDS} = (await import(pathToFileURL(join(dist, 'src', 'commands-index.js')).href)) as {
  COMMANDS: Record<string, unknown>
}
const {commands: helpCommands} = (await import('@oclif/plugin-help')) as {commands: Record<string, unknown>}
const commandLoaders: string[] = []
for (const [id, cls] of Object.entries(COMMANDS)) {
  if (id === 'help' && cls === helpCommands.help) {
    commandLoaders.push(`  help: () => import('@oclif/plugin-help').then((m) => (m.default ?? m).commands.help),`)
    continue
  }
  const file = `${join(dist, 'src', 'commands', ...id.split(':'))}.js`
  const found = ((await import(pathToFileURL(file).href).catch(() => ({}))) as {default?: unknown}).default
  if (found !== cls) throw new Error(`command ${id}: the index's class is not the default export of ${file}`)
  commandLoaders.push(`  ${q(id)}: () => import(${q(file)}).then((m) => m.default),`)
}

const manifest = JSON.parse(await readFile(join(root, 'oclif.manifest.json'), 'utf8')) as {
  commands: Record<string, {aliases?: string[]; hiddenAliases?: string[]}>
}
// Each id and alias names one command (oclif's command table then does not depend on the order
// in which it is filled: see lazyOclifRequires).
{
  const names = Object.entries(manifest.commands).flatMap(([id, c]) => [
    id,
    ...(c.aliases ?? []),
    ...(c.hiddenAliases ?? []),
  ])
  const twice = names.filter((n, i) => names.indexOf(n) !== i)
  if (twice.length > 0) throw new Error(`oclif.manifest.json: ${twice.join(', ')} names two commands`)
}

// What the entry point loads only when a command needs it (not for --version): each command, the
// manifest, the checks (one chunk) and each generated validator.
const entry = [
  `import {main} from ${q(join(dist, 'src', 'main.js'))}`,
  `import pjson from ${q(join(root, 'package.json'))}`,
  `const commands = {`,
  ...commandLoaders,
  `}`,
  `const manifest = () => import(${q(join(root, 'oclif.manifest.json'))}).then((m) => m.default)`,
  `const checks = () => import('idm-preflight:checks').then((m) => m.checks)`,
  `const generated = {`,
  `  'environment.js': () => import(${q(join(dist, 'src', 'generated', 'environment.js'))}),`,
  `  'params.js': () => import(${q(join(dist, 'src', 'generated', 'params.js'))}),`,
  `}`,
  // The certificate worker (src/probes/pki/certificates.ts) is a file of its own beside the bundle;
  // a standalone executable has none (its certificates are opened on the main thread).
  sea
    ? `const certificateWorker = undefined`
    : `const certificateWorker = require('node:url').pathToFileURL(require('node:path').join(__dirname, 'lib', 'cert-worker.cjs')).href`,
  `export function start(root, assets) {`,
  `  return main({pjson, root, commands, manifest, checks, generated, assets, certificateWorker})`,
  `}`,
].join('\n')
const checksModule = [
  ...checkFiles.map((f, i) => `import * as check${i} from ${q(join(dist, 'checks', f))}`),
  `export const checks = [${checkFiles.map((f, i) => `[${q(f)}, check${i}]`).join(', ')}]`,
].join('\n')

/** `idm-preflight:checks`: every check of dist/checks, imported statically. */
const checksPlugin: Plugin = {
  name: 'checks',
  setup(b) {
    b.onResolve({filter: /^idm-preflight:checks$/}, () => ({path: 'checks', namespace: 'idm-preflight'}))
    b.onLoad({filter: /.*/, namespace: 'idm-preflight'}, () => ({
      contents: checksModule,
      resolveDir: root,
      loader: 'js',
    }))
  },
}

/**
 * ajv's standalone output (the generated validators) gets a require() made by createRequire: let
 * esbuild see (and bundle) the plain one.
 */
const generatedValidators: Plugin = {
  name: 'generated-validators',
  setup(b) {
    b.onLoad({filter: /[/\\]dist[/\\]src[/\\]generated[/\\].*\.js$/}, async (args) => {
      const text = await readFile(args.path, 'utf8')
      return {
        contents: text.replace(
          "import {createRequire} from 'node:module';\nconst require = createRequire(import.meta.url);\n",
          '',
        ),
        loader: 'js',
      }
    })
  },
}

/**
 * The libraries no start needs (what a probe, a scaffold, the picture or a prompt uses), each in a
 * file of its own beside the bundle (dist/bundle/lib/<specifier>.cjs): the bundle, read whole at
 * every start, holds our code and the libraries the commands start with (oclif, yaml, ajv). An
 * import of one of these becomes a require() of its file, made when the module importing it is
 * first used. test/commands/startup.test.ts says which libraries each command runs.
 */
const HEAVY = new Set([
  'tedious',
  'node-forge',
  'nodemailer',
  'smtp-server',
  'execa',
  'dns2',
  'listr2',
  'diff',
  'fast-xml-parser',
  'elkjs',
  'ldapts',
  '@inquirer/prompts',
])
const packageOf = (spec: string) =>
  spec
    .split('/')
    .slice(0, spec.startsWith('@') ? 2 : 1)
    .join('/')
/** Each heavy specifier imported, with the file that holds it (relative to dist/bundle). */
const heavySpecifiers = new Map<string, string>()
const heavyLibraries: Plugin = {
  name: 'heavy-libraries',
  setup(b) {
    b.onResolve({filter: /^\.\/lib\//, namespace: 'idm-lib'}, (args) => ({path: args.path, external: true}))
    b.onResolve({filter: /^[@a-z]/}, (args) => {
      if (!HEAVY.has(packageOf(args.path))) return undefined
      const file = `lib/${args.path
        .replace(/^@/, '')
        .replace(/[^A-Za-z0-9._-]+/g, '+')
        .replace(/\.js$/, '')}.cjs`
      heavySpecifiers.set(args.path, file)
      return {path: args.path, namespace: 'idm-lib', pluginData: file}
    })
    b.onLoad({filter: /.*/, namespace: 'idm-lib'}, (args) => ({
      contents: `module.exports = require(${q(`./${args.pluginData as string}`)})`,
      loader: 'js',
    }))
  },
}

/**
 * esbuild's CommonJS output requires each builtin a module imports when that module is first
 * used, whether or not the run then touches it: here a builtin loads when one of its exports is
 * first read.
 */
const builtinsViaRequire: Plugin = {
  name: 'builtins-via-require',
  setup(b) {
    // Lazy imports of builtins become require() too (esbuild then gives them their named exports).
    const kinds = ['import-statement', 'dynamic-import']
    b.onResolve({filter: /^(node:)?[a-z_]+(\/[a-z_0-9]+)?$/}, (args) =>
      isBuiltin(args.path) && kinds.includes(args.kind) ? {path: args.path, namespace: 'builtin'} : undefined,
    )
    // Each export is a getter: the builtin is loaded when a property is first read, not when the
    // module importing it is evaluated (node:crypto alone costs 5 ms, and most runs never use it).
    b.onLoad({filter: /.*/, namespace: 'builtin'}, (args) => {
      const exported = nodeRequire(args.path) as object
      // A builtin that is itself a function (node:events, node:stream, node:assert) is what a
      // default import gets (`class X extends EventEmitter`): those load as they are.
      if (typeof exported === 'function') return {contents: `module.exports = require(${q(args.path)})`, loader: 'js'}
      const keys = Object.keys(exported)
      return {
        contents: [
          `let loaded; const get = () => (loaded ??= require(${q(args.path)}));`,
          ...keys.map((k) =>
            /^(node:)?net$/.test(args.path) && k === 'isIP'
              ? `Object.defineProperty(module.exports, 'isIP', {enumerable: true, get: () => isIP});`
              : `Object.defineProperty(module.exports, ${q(k)}, {enumerable: true, get: () => get()[${q(k)}]});`,
          ),
          // net.isIP compiles its IPv6 expression at its first call (4 ms of a check --plan): a
          // string without a colon is no IPv6 address, and isIPv4 alone says what isIP would.
          ...(/^(node:)?net$/.test(args.path)
            ? [
                `function isIP(s) { return typeof s === 'string' && !s.includes(':') ? (get().isIPv4(s) ? 4 : 0) : get().isIP(s) }`,
              ]
            : []),
        ].join('\n'),
        loader: 'js',
      }
    })
  },
}

/**
 * oclif's index requires its whole library (errors, help, ux, logger with debug, semver, globbing)
 * before a command runs: 20 ms of a start. In the bundle each of its module-level requires is made
 * lazy (the module is loaded at the first property read), so a run pays for what it touches.
 */
const LAZY = `function __idmLazy(load) { let m; const get = () => (m ??= load()); return new Proxy({}, {get: (_, k) => get()[k], has: (_, k) => k in get(), ownKeys: () => Reflect.ownKeys(get()), getOwnPropertyDescriptor: (_, k) => { const d = Reflect.getOwnPropertyDescriptor(get(), k); return d && {...d, configurable: true} } }) }\n`
const lazyOclifRequires: Plugin = {
  name: 'lazy-oclif-requires',
  setup(b) {
    b.onLoad({filter: /[/\\]node_modules[/\\]@oclif[/\\]core[/\\]lib[/\\].*\.js$/}, async (args) => {
      const text = (await readFile(args.path, 'utf8'))
        .replace(
          /^(const|var) (\w+) = ((?:__importDefault|__importStar)\()?require\(("[^"]+")\)(\))?;$/gm,
          (_all, kw: string, name: string, wrap: string | undefined, spec: string, close: string | undefined) =>
            `${kw} ${name} = __idmLazy(() => ${wrap ?? ''}require(${spec})${close ?? ''});`,
        )
        // bin/run.js has checked the Node.js version already (oclif's own check loads semver and
        // looks for its package.json beside the bundle, which is not there).
        .replace(/^checkNodeVersion\(\);$/m, '')
        // Its debug logger is a no-op unless DEBUG is set (then the real debug library loads).
        .replace(
          'const debug_1 = __idmLazy(() => __importDefault(require("debug")));',
          'const debug_1 = __idmLazy(() => process.env.DEBUG ? __importDefault(require("debug")) : {default: () => Object.assign(() => {}, {enabled: false})});',
        )
        // Help renders every description, flag and example as an ejs template: ejs compiles each
        // into a function (new Function: a compile per string, 5 ms of a `check --help`). A
        // string with no tag (neither <% nor %>) renders as itself.
        .replace(
          'return ejs_1.default.render(t, context);',
          'return typeof t === "string" && !t.includes("<%") && !t.includes("%>") ? t : ejs_1.default.render(t, context);',
        )
        // Plugin.load sorts the commands with localeCompare, whose first call builds ICU's
        // collator (6 ms of a `--help`). Nothing reads that order: ids and aliases are distinct
        // (checked above, on the manifest), so the command table is the same in any order, and
        // help sorts what it lists again (by code unit). Code-unit order, then.
        .replace(
          '.sort((a, b) => a.id.localeCompare(b.id));',
          '.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));',
        )
        // Config.load asks whether this is WSL through a library (a chunk, file reads): the
        // kernel's release string says it.
        .replace(
          "(await import('wsl-utils')).isWsl",
          "(process.platform === 'linux' && /microsoft/i.test(require('node:os').release()))",
        )
      if (/[/\\]config[/\\]plugin\.js$/.test(args.path) && text.includes('localeCompare'))
        throw new Error(`${args.path}: oclif no longer sorts the commands of a plugin as expected`)
      if (/[/\\]help[/\\]util\.js$/.test(args.path) && !text.includes('!t.includes("<%")'))
        throw new Error(`${args.path}: oclif no longer renders help through ejs.render(t, context) as expected`)
      return {contents: LAZY + text, loader: 'js'}
    })
  },
}

/**
 * tedious requires @azure/identity (MSAL and all: 36 ms of a run that checks SQL) at load, for
 * the Azure AD authentication types only: it is loaded when one of them is used.
 */
const lazyAzureIdentity: Plugin = {
  name: 'lazy-azure-identity',
  setup(b) {
    b.onLoad({filter: /[/\\]node_modules[/\\]tedious[/\\]lib[/\\]connection\.js$/}, async (args) => {
      const text = await readFile(args.path, 'utf8')
      const lazy = text.replace(
        'var _identity = require("@azure/identity");',
        'var _identity = __idmLazy(() => require("@azure/identity"));',
      )
      if (lazy === text) throw new Error(`${args.path}: tedious no longer requires @azure/identity as expected`)
      return {contents: LAZY + lazy, loader: 'js'}
    })
  },
}

const common = {
  stdin: {contents: entry, resolveDir: root, sourcefile: 'idm-preflight-entry.js', loader: 'js' as const},
  bundle: true,
  platform: 'node' as const,
  target: 'node22',
  // oclif looks for TypeScript only to run a project's .ts sources in development.
  external: ['typescript'],
  // What every build needs; each build adds its own (the checks, the heavy libraries' files).
  plugins: [generatedValidators, lazyOclifRequires, builtinsViaRequire],
  legalComments: 'none' as const,
  // Less text to read, hash and pre-parse at every start; names stay (stack traces under DEBUG).
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning' as const,
  logOverride: {'empty-import-meta': 'silent' as const},
  format: 'cjs' as const,
  // No import.meta in CommonJS: the few modules that locate files from it are handed what they
  // need (checks, validators, templates, the worker) and never resolve against it.
  define: {'import.meta.url': '__idm_preflight_url'},
  banner: {js: "var __idm_preflight_url = require('node:url').pathToFileURL(__filename).href;"},
}

if (sea) {
  await rm(join(dist, 'sea'), {recursive: true, force: true})
  await build({
    ...common,
    plugins: [checksPlugin, lazyAzureIdentity, ...common.plugins],
    outfile: join(dist, 'sea', 'idm-preflight.cjs'),
    footer: {
      js: [
        "const sea = require('node:sea');",
        "const {dirname} = require('node:path');",
        'module.exports.start(dirname(process.execPath), sea.isSea() ? (key) => sea.getAsset(key, "utf8") : undefined)',
        '  .then(() => process.exit(process.exitCode ?? 0));',
      ].join('\n'),
    },
  })
  console.log('wrote dist/sea/idm-preflight.cjs')
} else {
  await rm(join(dist, 'bundle'), {recursive: true, force: true})
  // The bundle: one CommonJS file that bin/run.js reads whole and compiles with a code cache of its
  // own (see there), with the heavy libraries beside it.
  const result = await build({
    ...common,
    plugins: [heavyLibraries, checksPlugin, ...common.plugins],
    metafile: true,
    write: false,
    outfile: join(dist, 'bundle', 'idm-preflight.cjs'),
  })
  // Read as Latin-1 at start (a one-byte string, no UTF-8 decoding): esbuild escapes what is not
  // ASCII in strings, comments are gone, and what remains (a library's regular expression holding
  // U+009B) is written as \uXXXX, which means the same code unit in a string, a template's value
  // and a regular expression.
  const text = result.outputFiles[0]!.text.replace(
    /[\u0080-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  )
  // Its first line says which build it is (the code cache is kept per build) and the words that
  // start a command (a code cache is kept per command).
  const words = [
    ...new Set(
      ['help', ...Object.entries(manifest.commands).flatMap(([id, c]) => [id, ...(c.aliases ?? [])])].map(
        (id) => id.split(/[: ]/)[0]!,
      ),
    ),
  ].sort()
  const buildId = createHash('sha256').update(text).digest('hex').slice(0, 32)
  await mkdir(join(dist, 'bundle', 'lib'), {recursive: true})
  await writeFile(
    join(dist, 'bundle', 'idm-preflight.cjs'),
    `/*idm-preflight ${JSON.stringify({build: buildId, words})}*/\n${text}`,
  )
  // The heavy libraries the bundle requires, each a file, and the certificate worker.
  const libs = await build({
    ...common,
    stdin: undefined,
    entryPoints: [
      ...[...heavySpecifiers].map(([spec, file]) => ({in: `idm-lib-entry:${spec}`, out: file.replace(/\.cjs$/, '')})),
      {in: join(dist, 'src', 'probes', 'pki', 'certificates.js'), out: 'lib/cert-worker'},
    ],
    plugins: [
      {
        name: 'library-entries',
        setup(b) {
          b.onResolve({filter: /^idm-lib-entry:/}, (args) => ({
            path: args.path.slice('idm-lib-entry:'.length),
            namespace: 'idm-lib-entry',
          }))
          b.onLoad({filter: /.*/, namespace: 'idm-lib-entry'}, (args) => ({
            contents: `module.exports = require(${q(args.path)})`,
            resolveDir: root,
            loader: 'js',
          }))
        },
      },
      lazyAzureIdentity,
      ...common.plugins,
    ],
    metafile: true,
    outdir: join(dist, 'bundle'),
    outExtension: {'.js': '.cjs'},
  })
  // Which libraries each file holds, from esbuild's own account: test/commands/startup.test.ts
  // reads it to say what a command loads. Beside the bundle, not in it (not shipped).
  const libraries: Record<string, string[]> = {}
  for (const meta of [result.metafile, libs.metafile])
    for (const [out, m] of Object.entries(meta.outputs)) {
      if (!out.endsWith('.cjs')) continue
      const names = new Set<string>()
      for (const input of Object.keys(m.inputs)) {
        const found = /(?:^|[/\\])node_modules[/\\]((?:@[^/\\]+[/\\])?[^/\\]+)/.exec(input)
        if (found) names.add(found[1]!.replace(/\\/g, '/'))
      }
      libraries[relative(join(dist, 'bundle'), resolve(out)).split(sep).join('/')] = [...names].sort()
    }
  await writeFile(join(dist, 'bundle-libraries.json'), `${JSON.stringify(libraries, null, 1)}\n`)
  console.log(
    `wrote dist/bundle/idm-preflight.cjs and ${Object.keys(libs.metafile.outputs).length} files in dist/bundle/lib`,
  )
}
