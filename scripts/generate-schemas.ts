/**
 * Writes schema/environment.schema.json and schema/report.schema.json from the code (the
 * registry's checks included), and, when run from dist/, the precompiled validators
 * (ajv standalone) that spare every command the ~60 ms of compiling the schemas at start-up.
 * Run by `npm run build`; test/core/schema.test.ts fails when the committed files are stale.
 */
import {mkdir, writeFile} from 'node:fs/promises'
import {fileURLToPath} from 'node:url'
import {Ajv} from 'ajv'
import addFormatsModule from 'ajv-formats'
import standaloneModule from 'ajv/dist/standalone/index.js'
import {buildEnvironmentSchema} from '../src/core/environment-schema.js'
import {loadChecks} from '../src/core/registry.js'
import {buildReportSchema} from '../src/core/report-schema.js'
import {AJV_OPTIONS, ENVIRONMENT_FORMATS} from '../src/core/validators.js'

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

/** ESM source exporting `environment` and one `params_<id>` validator per check, plus the ids. */
export async function validatorsModule(): Promise<string> {
  const checks = await loadChecks()
  const ajv = new Ajv({...AJV_OPTIONS, code: {source: true, esm: true}})
  const addFormats = ((addFormatsModule as unknown as {default?: unknown}).default ?? addFormatsModule) as (
    a: Ajv,
    f: readonly string[],
  ) => void
  addFormats(ajv, ENVIRONMENT_FORMATS)
  ajv.addSchema(buildEnvironmentSchema(checks), 'environment')
  const exports: Record<string, string> = {environment: 'environment'}
  for (const c of checks) {
    const name = `params_${c.id.replace(/[^a-z0-9]/gi, '_')}`
    // A clone: two checks sharing one schema object would make ajv emit one function twice.
    ajv.addSchema(structuredClone(c.params), name)
    exports[name] = name
  }
  const standalone = ((standaloneModule as unknown as {default?: unknown}).default ?? standaloneModule) as (
    a: Ajv,
    e: Record<string, string>,
  ) => string
  // ajv's ESM output still require()s its runtime helpers and the formats: give it a require.
  const prelude = "import {createRequire} from 'node:module';\nconst require = createRequire(import.meta.url);\n"
  return `${prelude}${standalone(ajv, exports)}\nexport const checkIds = ${JSON.stringify(checks.map((c) => c.id))};\n`
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const [path, text] of Object.entries(await schemaFiles())) {
    await writeFile(new URL(path, root), text)
    console.log(`wrote ${path}`)
  }
  if (fromDist) {
    const out = new URL('dist/src/generated/', root)
    await mkdir(out, {recursive: true})
    await writeFile(new URL('validators.js', out), await validatorsModule())
    console.log('wrote dist/src/generated/validators.js')
  }
}
