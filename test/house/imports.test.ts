/**
 * The house rules (docs/development.md), over the import graph of src/ and checks/:
 * - every module lives in a room, and a room imports only from rooms on its floor or below;
 * - the rooms' graph has no cycle;
 * - a room is entered by its door (index.ts) when imported statically; `import()` may name the
 *   module it loads, so that a heavy module is loaded only by the command that needs it; the entry
 *   point (src/main.ts) names the modules it needs, so that `--version` loads nothing else;
 * - every room has a door, and no folder under src/ holds more than 15 source files directly.
 */
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {readdirSync, readFileSync, statSync} from 'node:fs'
import {dirname, join, normalize, relative} from 'node:path'
import {fileURLToPath} from 'node:url'
import ts from 'typescript'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

/** Floors, lowest first. A room is a folder; its sub-folders are rooms of their own. */
const FLOORS: readonly (readonly string[])[] = [
  // helpers that know nothing of Identity Manager
  ['src/base'],
  ['src/io', 'src/documents'],
  // the words every room shares: the environment file's shape, the check contract, the versions
  ['src/model'],
  // the environment file read and judged; the report as data
  ['src/environment', 'src/environment/file', 'src/report'],
  // the product's rules and file formats; how each fact is observed
  [
    'src/product',
    'src/probes/dns',
    'src/probes/pki',
    'src/probes/windows',
    'src/probes/tls',
    'src/probes/http',
    'src/probes/smtp',
    'src/probes/sql',
    'src/probes/ldap',
    'src/probes/files',
    'src/probes/certificates',
  ],
  // what uses them: the checks, the run, scaffolding, the report's formats, the sandbox
  ['checks', 'src/run', 'src/scaffold', 'src/report/formats', 'src/sandbox'],
  // the command line
  ['src/cli', 'src/commands', 'src/commands/cert', 'src/commands/checks', 'src/commands/report', 'src'],
]
const FLOOR = new Map(FLOORS.flatMap((rooms, floor) => rooms.map((room) => [room, floor] as const)))
/**
 * Folders without a door: src/ itself (main.ts, the entry); the commands, which oclif finds through
 * src/commands-index.ts (their door, beside main.ts); and checks/, which the registry and the
 * bundle load file by file.
 */
const NO_DOOR = new Set([
  'src',
  'src/commands',
  'src/commands/cert',
  'src/commands/checks',
  'src/commands/report',
  'checks',
])

interface Edge {
  from: string
  to: string
  dynamic: boolean
  /** Names types only: gone at run time (`import type`, `export type`, `import('…').T`). */
  typeOnly: boolean
}

/** Every file under `dir`, source or not. */
function everything(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((name) => {
    const path = `${dir}/${name}`
    return statSync(join(ROOT, path)).isDirectory() ? everything(path) : [path]
  })
}
const sources = (dir: string) => everything(dir).filter((f) => f.endsWith('.ts'))

/** Where a module specifier is computed: the registry and the validators load files of the build. */
const COMPUTED_IMPORTS = new Set(['src/run/registry.ts', 'src/environment/validators.ts'])
const computed: string[] = []
const requires: string[] = []

function edgesOf(file: string): Edge[] {
  const text = readFileSync(join(ROOT, file), 'utf8')
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS)
  const edges: Edge[] = []
  const add = (spec: string, dynamic: boolean, typeOnly = false) => {
    if (!spec.startsWith('.')) return
    const to = normalize(join(dirname(file), spec)).replace(/\.js$/, '.ts')
    edges.push({from: file, to, dynamic, typeOnly})
  }
  const onlyTypes = (node: ts.ImportDeclaration | ts.ExportDeclaration): boolean => {
    if (ts.isExportDeclaration(node))
      return (
        node.isTypeOnly ||
        (!!node.exportClause &&
          ts.isNamedExports(node.exportClause) &&
          node.exportClause.elements.every((e) => e.isTypeOnly))
      )
    const c = node.importClause
    if (!c) return false
    if (c.isTypeOnly) return true
    return (
      !c.name &&
      !!c.namedBindings &&
      ts.isNamedImports(c.namedBindings) &&
      c.namedBindings.elements.every((e) => e.isTypeOnly)
    )
  }
  const visit = (node: ts.Node) => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier)
      add((node.moduleSpecifier as ts.StringLiteral).text, false, onlyTypes(node))
    // `import('../x.js').T` in a type: no load at run time, so it keeps the rules of a static import.
    else if (
      ts.isImportTypeNode(node) &&
      ts.isLiteralTypeNode(node.argument) &&
      ts.isStringLiteral(node.argument.literal)
    )
      add(node.argument.literal.text, false, true)
    else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const arg = node.arguments[0]
      if (arg && ts.isStringLiteralLike(arg)) add(arg.text, true)
      else computed.push(`${file}: ${node.getText(sf)}`)
    } else if (
      (ts.isCallExpression(node) &&
        ts.isIdentifier(node.expression) &&
        /^(require|createRequire)$/.test(node.expression.text)) ||
      ts.isImportEqualsDeclaration(node)
    )
      requires.push(`${file}: ${node.getText(sf)}`)
    ts.forEachChild(node, visit)
  }
  visit(sf)
  return edges
}

const files = [...sources('src'), ...sources('checks')]
const edges = files.flatMap(edgesOf)
const roomOf = (file: string) => dirname(file)

test('every module is in a room with a floor', () => {
  const homeless = [...new Set(files.map(roomOf))].filter((room) => !FLOOR.has(room))
  assert.deepEqual(homeless, [], 'give each new folder a floor in FLOORS (and a door)')
})

test('every import resolves to a file of src/ or checks/', () => {
  const known = new Set(files)
  const dangling = edges.filter((e) => !known.has(e.to)).map((e) => `${e.from} → ${e.to}`)
  assert.deepEqual(dangling, [])
})

test('imports point down or across a floor, never up', () => {
  const up = edges
    .filter((e) => FLOOR.get(roomOf(e.to))! > FLOOR.get(roomOf(e.from))!)
    .map((e) => `${e.from} (floor ${FLOOR.get(roomOf(e.from))}) → ${e.to} (floor ${FLOOR.get(roomOf(e.to))})`)
  assert.deepEqual(up, [])
})

test('the rooms import one another without a cycle', () => {
  const next = new Map<string, Set<string>>()
  for (const e of edges) {
    const [a, b] = [roomOf(e.from), roomOf(e.to)]
    if (a !== b) next.set(a, (next.get(a) ?? new Set()).add(b))
  }
  const cycles: string[] = []
  const state = new Map<string, 'open' | 'done'>()
  const walk = (room: string, path: string[]) => {
    if (state.get(room) === 'done') return
    if (state.get(room) === 'open') return void cycles.push([...path.slice(path.indexOf(room)), room].join(' → '))
    state.set(room, 'open')
    for (const to of next.get(room) ?? []) walk(to, [...path, room])
    state.set(room, 'done')
  }
  for (const room of next.keys()) walk(room, [])
  assert.deepEqual(cycles, [])
})

test('a room is entered statically through its door', () => {
  // Except by the entry point, src/main.ts: it names the modules it hands the build to, because a
  // door brings its whole room and `--version` loads nothing but the entry (test/commands/startup).
  const around = edges
    .filter((e) => !e.dynamic && e.from !== 'src/main.ts')
    .filter((e) => roomOf(e.from) !== roomOf(e.to) && !NO_DOOR.has(roomOf(e.to)))
    .filter((e) => !e.to.endsWith('/index.ts'))
    .map((e) => `${e.from} → ${e.to}`)
  assert.deepEqual(around, [], 'import from the room’s index.ts, or load the module with import()')
})

test('every room has a door that says what lives there', () => {
  const rooms = [...new Set(files.map(roomOf))].filter((room) => !NO_DOOR.has(room))
  const missing = rooms.filter((room) => !files.includes(`${room}/index.ts`))
  assert.deepEqual(missing, [])
  const silent = rooms
    .filter((room) => files.includes(`${room}/index.ts`))
    .filter((room) => {
      const first = /^\/\*\*([\s\S]*?)\*\//.exec(readFileSync(join(ROOT, room, 'index.ts'), 'utf8'))?.[1]
      return (first?.replace(/[\s*]+/g, ' ').trim().length ?? 0) < 80
    })
  assert.deepEqual(silent, [], 'an index.ts begins with a comment (80 characters or more) saying what the room holds')
})

test('no folder under src/ holds more than 15 source files directly', () => {
  const counts = new Map<string, number>()
  for (const f of files.filter((f) => f.startsWith('src/'))) counts.set(roomOf(f), (counts.get(roomOf(f)) ?? 0) + 1)
  const crowded = [...counts].filter(([, n]) => n > 15).map(([room, n]) => `${room}: ${n}`)
  assert.deepEqual(crowded, [])
})

test('every module is TypeScript, and loads others only in ways this test can read', () => {
  // A .mts or .js file would be a module the rules above never see.
  const other = [...everything('src'), ...everything('checks')].filter((f) => !f.endsWith('.ts'))
  assert.deepEqual(other, [])
  // A computed import() or a require() would be an edge the graph cannot draw.
  assert.deepEqual(
    computed.filter((c) => !COMPUTED_IMPORTS.has(c.slice(0, c.indexOf(':')))),
    [],
  )
  assert.deepEqual(requires, [])
})

test('import() names the module it loads, never a door', () => {
  // A door is for static imports. Measured: demo's import() of the sandbox's door (re-exports
  // only) made esbuild put node-forge and dns2 in the chunks every command loads (--help read
  // 1.68 MB instead of 1.09 MB).
  const doors = edges.filter((e) => e.dynamic && e.to.endsWith('/index.ts')).map((e) => `${e.from} → ${e.to}`)
  assert.deepEqual(doors, [])
})

test('import() is for a module not loaded already: not one its door re-exports to this file', () => {
  // A file that imports a room's door statically has that door's modules loaded: an import() of
  // one of them defers nothing and only hides the dependency.
  const loads = (e: Edge) => !e.dynamic && !e.typeOnly
  const reexports = (door: string) => new Set(edges.filter((e) => e.from === door && loads(e)).map((e) => e.to))
  const redundant = edges
    .filter((e) => e.dynamic && roomOf(e.from) !== roomOf(e.to))
    .filter((e) => {
      const door = `${roomOf(e.to)}/index.ts`
      return edges.some((s) => s.from === e.from && loads(s) && s.to === door) && reexports(door).has(e.to)
    })
    .map((e) => `${e.from} → ${e.to}`)
  assert.deepEqual([...new Set(redundant)], [])
})

test('checks/ is loaded by the registry only', () => {
  const into = edges.filter((e) => e.to.startsWith('checks/') && !e.from.startsWith('checks/'))
  assert.deepEqual(
    into.map((e) => `${e.from} → ${e.to}`),
    [],
  )
})

test('the graph is the real one: it sees the imports this file knows exist', () => {
  // A parser that found nothing would let every rule above pass.
  assert.ok(edges.length > 300, `only ${edges.length} imports found`)
  assert.ok(
    edges.some((e) => e.dynamic),
    'no import() found',
  )
  assert.ok(edges.some((e) => e.from === 'src/main.ts'))
  assert.equal(relative(ROOT, join(ROOT, 'src')), 'src')
})
