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
import {readdir, readFile, rm, writeFile} from 'node:fs/promises'
import {createRequire, isBuiltin} from 'node:module'
import {dirname, join, relative, resolve, sep} from 'node:path'
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

// Each id and alias names one command (oclif's command table then does not depend on the order
// in which it is filled: see lazyOclifRequires).
{
  const manifest = JSON.parse(await readFile(join(root, 'oclif.manifest.json'), 'utf8')) as {
    commands: Record<string, {aliases?: string[]; hiddenAliases?: string[]}>
  }
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
  `export function start(root, assets) {`,
  `  return main({pjson, root, commands, manifest, checks, generated, assets})`,
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
 * Our own modules import each other lazily (`await import('./x.js')`) so that an unbundled run
 * loads only what it uses. In the bundle each such import would be a chunk of its own, and loading
 * forty small files costs more than the code in them: a lazy import of one of our modules that
 * pulls in no library (directly or through its own static imports) becomes a static one here. The
 * libraries, and our modules that bring one, stay in chunks loaded on demand.
 */
const LIGHT_PACKAGES = new Set(['@oclif/core', '@oclif/plugin-help', 'yaml'])
const staticImports = new Map<string, string[]>()
async function importsOf(file: string): Promise<string[]> {
  let found = staticImports.get(file)
  if (!found) {
    const text = await readFile(file, 'utf8')
    found = [...text.matchAll(/^import\s+(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]/gm)].map((m) => m[1]!)
    staticImports.set(file, found)
  }
  return found
}
const heavyCache = new Map<string, Promise<boolean>>()
function isHeavy(file: string, seen = new Set<string>()): Promise<boolean> {
  const cached = heavyCache.get(file)
  if (cached) return cached
  if (seen.has(file)) return Promise.resolve(false)
  seen.add(file)
  const result = (async () => {
    for (const spec of await importsOf(file)) {
      if (spec.startsWith('node:')) continue
      if (!spec.startsWith('.')) {
        if (!LIGHT_PACKAGES.has(spec)) return true
        continue
      }
      if (await isHeavy(join(dirname(file), spec), seen)) return true
    }
    return false
  })()
  heavyCache.set(file, result)
  return result
}
const lightLazyImports: Plugin = {
  name: 'light-lazy-imports',
  setup(b) {
    b.onLoad({filter: /[/\\]dist[/\\](src|checks)[/\\].*\.js$/}, async (args) => {
      let text = await readFile(args.path, 'utf8')
      if (/[/\\]dist[/\\]src[/\\]generated[/\\]/.test(args.path)) {
        // ajv's standalone output gets a require() made by createRequire: let esbuild see (and
        // bundle) the plain one.
        text = text.replace(
          "import {createRequire} from 'node:module';\nconst require = createRequire(import.meta.url);\n",
          '',
        )
        return {contents: text, loader: 'js'}
      }
      // main.js answers --version before loading anything: its lazy imports stay lazy. So do a
      // check's (what its probe uses): every run that plans or lists checks loads all thirty, and
      // only a probe needs what they import lazily (checks list: 6 ms less).
      if (args.path.endsWith(`${sep}src${sep}main.js`) || args.path.includes(`${sep}dist${sep}checks${sep}`))
        return {contents: text, loader: 'js'}
      const hoisted: string[] = []
      const specs = [...new Set([...text.matchAll(/\bimport\((['"])(\.{1,2}\/[^'"]+)\1\)/g)].map((m) => m[2]!))]
      for (const spec of specs) {
        const target = join(dirname(args.path), spec)
        if (await isHeavy(target)) continue
        const name = `__idm_lazy_${hoisted.length}`
        hoisted.push(`import * as ${name} from ${q(spec)}`)
        text = text.split(`import('${spec}')`).join(`Promise.resolve(${name})`)
      }
      return {contents: hoisted.length ? `${hoisted.join('\n')}\n${text}` : text, loader: 'js'}
    })
  },
}

/**
 * `import … from 'node:http'` in an ES module makes Node build the builtin's ES module facade,
 * which reads every export: `node:http`'s getters then load all of undici (15 ms of a 100 ms
 * start). Through require() a builtin's exports are read when used: every builtin an ES module of
 * the bundle imports is required instead.
 */
const builtinsViaRequire: Plugin = {
  name: 'builtins-via-require',
  setup(b) {
    // In the single CommonJS file of an executable there is no import(): lazy imports of
    // builtins become require() too (esbuild then gives them their named exports).
    const kinds = sea ? ['import-statement', 'dynamic-import'] : ['import-statement']
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
  plugins: [lightLazyImports, checksPlugin, lazyOclifRequires, lazyAzureIdentity, builtinsViaRequire],
  legalComments: 'none' as const,
  // Less text to read, hash and pre-parse at every start; names stay (stack traces under DEBUG).
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning' as const,
  logOverride: {'empty-import-meta': 'silent' as const},
}

if (sea) {
  await rm(join(dist, 'sea'), {recursive: true, force: true})
  await build({
    ...common,
    format: 'cjs',
    outfile: join(dist, 'sea', 'idm-preflight.cjs'),
    // No import.meta in CommonJS: the few modules that locate files from it are handed what they
    // need (checks, validators, templates) and never resolve against it.
    define: {'import.meta.url': '__idm_preflight_url'},
    banner: {js: "var __idm_preflight_url = require('node:url').pathToFileURL(__filename).href;"},
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
  const result = await build({
    ...common,
    metafile: true,
    format: 'esm',
    splitting: true,
    outdir: join(dist, 'bundle'),
    entryNames: 'idm-preflight',
    chunkNames: 'chunks/[name]-[hash]',
    // CommonJS libraries inside an ES module bundle still call require() and read __dirname.
    banner: {
      js: [
        "import {createRequire as __idmCreateRequire} from 'node:module';",
        "import {fileURLToPath as __idmFileURLToPath} from 'node:url';",
        "import {dirname as __idmDirname} from 'node:path';",
        'const require = __idmCreateRequire(import.meta.url);',
        'const __filename = __idmFileURLToPath(import.meta.url);',
        'const __dirname = __idmDirname(__filename);',
      ].join('\n'),
    },
  })
  // Node.js looks for the package.json that says a module's type from the module's folder up, for
  // every module it loads, and remembers only what it found: without one here, each chunk costs
  // three failed opens (dist/bundle/chunks, dist/bundle, dist) before the package's own.
  for (const dir of [join(dist, 'bundle'), join(dist, 'bundle', 'chunks')])
    await writeFile(join(dir, 'package.json'), `${JSON.stringify({type: 'module'})}\n`)
  // Which libraries each file of the bundle holds, from esbuild's own account (an ES module library
  // inlined into a chunk leaves no path in its text): test/commands/startup.test.ts reads it to say
  // what a command loads. Beside the bundle, not in it (not shipped).
  const libraries: Record<string, string[]> = {}
  for (const [out, meta] of Object.entries(result.metafile.outputs)) {
    if (!out.endsWith('.js')) continue
    const names = new Set<string>()
    for (const input of Object.keys(meta.inputs)) {
      const m = /(?:^|[/\\])node_modules[/\\]((?:@[^/\\]+[/\\])?[^/\\]+)/.exec(input)
      if (m) names.add(m[1]!.replace(/\\/g, '/'))
    }
    libraries[relative(join(dist, 'bundle'), resolve(out)).split(sep).join('/')] = [...names].sort()
  }
  await writeFile(join(dist, 'bundle-libraries.json'), `${JSON.stringify(libraries, null, 1)}\n`)
  console.log('wrote dist/bundle/idm-preflight.js')
}
