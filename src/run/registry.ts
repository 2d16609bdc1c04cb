import {readdir} from 'node:fs/promises'
import {extname} from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'
import type {CheckDefinition} from '../model/index.js'

/** `checks/` beside `src/`: `dist/checks` once built, `checks/` when run from source through tsx. */
const CHECKS_DIR = new URL('../../checks/', import.meta.url)
const OWN_EXT = extname(fileURLToPath(import.meta.url))

let cache: Promise<CheckDefinition[]> | undefined
/** The check modules compiled into the bundle (file name, module), loaded when first needed. */
export type BundledChecks = () => Promise<ReadonlyArray<readonly [string, {default?: unknown}]>>
let bundled: BundledChecks | undefined

/** The bundled entry point hands over the check modules it holds: no directory is read then. */
export function provideChecks(load: BundledChecks): void {
  bundled = load
  cache = undefined
}

/**
 * Every check in `checks/`, sorted by id. Adding a check is adding a file there: nothing else
 * lists them. Check modules import their heavy libraries inside `probe`, so loading all is cheap.
 */
export function loadChecks(): Promise<CheckDefinition[]> {
  cache ??= discover()
  return cache
}

async function discover(): Promise<CheckDefinition[]> {
  if (bundled) {
    const modules = await bundled()
    return collect(
      modules.map(([f]) => f),
      modules.map(([, m]) => m),
    )
  }
  const dir = fileURLToPath(CHECKS_DIR)
  const files = (await readdir(dir)).filter((f) => extname(f) === OWN_EXT && !/\.(d|test)\.[cm]?[jt]s$/.test(f)).sort()
  const mods = await Promise.all(
    files.map((f) => import(pathToFileURL(`${dir}/${f}`).href) as Promise<{default?: unknown}>),
  )
  return collect(files, mods)
}

function collect(files: readonly string[], mods: ReadonlyArray<{default?: unknown}>): CheckDefinition[] {
  const checks: CheckDefinition[] = []
  const seen = new Map<string, string>()
  mods.forEach((m, i) => {
    const def = m.default as CheckDefinition | undefined
    if (!def || typeof def.id !== 'string' || typeof def.probe !== 'function') {
      throw new Error(`checks/${files[i]} does not export a check (export default defineCheck({...}))`)
    }
    const other = seen.get(def.id)
    if (other) throw new Error(`check id ${def.id} is defined twice: checks/${other} and checks/${files[i]}`)
    seen.set(def.id, files[i]!)
    checks.push(def)
  })
  // By code unit, as byCodeUnit (src/base) does: written here so that the entry point, which imports
  // this module, loads no other room.
  return checks.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
}
