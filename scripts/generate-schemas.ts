/**
 * Writes schema/environment.schema.json and schema/report.schema.json from the code (the
 * registry's checks included). Run by `npm run build`; test/core/schema.test.ts fails when the
 * committed files are stale.
 */
import {writeFile} from 'node:fs/promises'
import {fileURLToPath} from 'node:url'
import {buildEnvironmentSchema} from '../src/core/environment-schema.js'
import {loadChecks} from '../src/core/registry.js'
import {buildReportSchema} from '../src/core/report-schema.js'

/** The repository root, whether this runs from dist/scripts (built) or scripts/ (tsx). */
const root = new URL(fileURLToPath(import.meta.url).includes('/dist/scripts/') ? '../../' : '../', import.meta.url)

export async function schemaFiles(): Promise<Record<string, string>> {
  const checks = await loadChecks()
  return {
    'schema/environment.schema.json': `${JSON.stringify(buildEnvironmentSchema(checks), null, 2)}\n`,
    'schema/report.schema.json': `${JSON.stringify(buildReportSchema(), null, 2)}\n`,
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const [path, text] of Object.entries(await schemaFiles())) {
    await writeFile(new URL(path, root), text)
    console.log(`wrote ${path}`)
  }
}
