import assert from 'node:assert/strict'
import {readFile} from 'node:fs/promises'
import {join} from 'node:path'
import {describe, test} from 'node:test'
import {schemaFiles} from '../../scripts/generate-schemas.js'
import {ROOT} from '../helpers/cli.js'

describe('committed schemas', () => {
  test('schema/*.json match the code (run `npm run build` to regenerate)', async () => {
    for (const [path, text] of Object.entries(await schemaFiles())) {
      const committed = await readFile(join(ROOT, path), 'utf8')
      assert.equal(committed, text, `${path} is stale: run npm run build and commit it`)
    }
  })

  test('the environment schema grows with the checks: settings and waiver ids', async () => {
    const env = JSON.parse((await schemaFiles())['schema/environment.schema.json']!)
    const checks = env.properties.checks.properties
    assert.ok(checks.settings.properties['host.resources'], 'host.resources publishes its settings')
    assert.ok(checks.waivers.items.properties.id.enum.includes('proxy.settings'))
  })
})
