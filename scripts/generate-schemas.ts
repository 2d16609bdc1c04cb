/**
 * Writes schema/environment.schema.json and schema/report.schema.json from the code (the
 * registry's checks included), and, when run from dist/, the precompiled validators
 * (ajv standalone) that spare every command the ~60 ms of compiling the schemas at start-up.
 * Run by `npm run build`; test/environment/schema.test.ts fails when the committed files are stale.
 */
import {mkdir, writeFile} from 'node:fs/promises'
import {fileURLToPath} from 'node:url'
import {Ajv} from 'ajv'
import addFormatsModule from 'ajv-formats'
import standaloneModule from 'ajv/dist/standalone/index.js'
import {buildEnvironmentSchema} from '../src/environment/environment-schema.js'
import {loadChecks} from '../src/run/registry.js'
import {buildReportSchema} from '../src/report/report-schema.js'
import {AJV_OPTIONS, ENVIRONMENT_FORMATS} from '../src/environment/validators.js'

const fromDist = fileURLToPath(import.meta.url).includes('/dist/scripts/')
/** The repository root, whether this runs from dist/scripts (built) or scripts/ (tsx). */
const root = new URL(fromDist ? '../../' : '../', import.meta.url)

export async function schemaFiles(): Promise<Record<string, string>> {
  const checks = await loadChecks()
  return {
    'schema/environment.schema.json': `${JSON.stringify(buildEnvironmentSchema(checks), null, 2)}\n`,
    'schema/report.schema.json': `${JSON.stringify(buildReportSchema(), null, 2)}\n`,
  }
}

/**
 * ESM sources of the precompiled validators: `environment.js` (every command that reads an
 * environment file needs it) and `params.js` (one `params_<id>` per check: an internal
 * consistency check of the planner, loaded only when asked for), each with the check ids.
 */
export async function validatorModules(): Promise<Record<string, string>> {
  const checks = await loadChecks()
  const addFormats = ((addFormatsModule as unknown as {default?: unknown}).default ?? addFormatsModule) as (
    a: Ajv,
    f: readonly string[],
  ) => void
  const standalone = ((standaloneModule as unknown as {default?: unknown}).default ?? standaloneModule) as (
    a: Ajv,
    e: Record<string, string>,
  ) => string
  // ajv's ESM output still require()s its runtime helpers and the formats: give it a require.
  const prelude = "import {createRequire} from 'node:module';\nconst require = createRequire(import.meta.url);\n"
  const ids = `\nexport const checkIds = ${JSON.stringify(checks.map((c) => c.id))};\n`
  const envAjv = new Ajv({...AJV_OPTIONS, code: {source: true, esm: true}})
  addFormats(envAjv, ENVIRONMENT_FORMATS)
  envAjv.addSchema(buildEnvironmentSchema(checks), 'environment')
  const paramsAjv = new Ajv({...AJV_OPTIONS, code: {source: true, esm: true}})
  const exports: Record<string, string> = {}
  for (const c of checks) {
    const name = `params_${c.id.replace(/[^a-z0-9]/gi, '_')}`
    // A clone: two checks sharing one schema object would make ajv emit one function twice.
    paramsAjv.addSchema(structuredClone(c.params), name)
    exports[name] = name
  }
  return {
    'environment.js': `${prelude}${standalone(envAjv, {environment: 'environment'})}${ids}`,
    'params.js': `${prelude}${standalone(paramsAjv, exports)}${ids}`,
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const [path, text] of Object.entries(await schemaFiles())) {
    await writeFile(new URL(path, root), text)
    console.log(`wrote ${path}`)
  }
  if (fromDist) {
    const out = new URL('dist/src/generated/', root)
    await mkdir(out, {recursive: true})
    for (const [name, text] of Object.entries(await validatorModules())) {
      await writeFile(new URL(name, out), text)
      console.log(`wrote dist/src/generated/${name}`)
    }
  }
}
