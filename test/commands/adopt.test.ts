import assert from 'node:assert/strict'
import {mkdir, readFile, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'
import {parseJsonc} from '../../src/scaffold/jsonc.js'
import {configurationKeys} from '../../src/scaffold/adopt.js'
import {readWebConfig} from '../../src/scaffold/render.js'
import {ENVS, SECRETS} from '../fixtures/scaffold-envs.js'
import {runCli, tempDir} from '../helpers/cli.js'

interface Adopted {
  file: string
  variables: {name: string; file: string; key: string; field: string}[]
  unexpressed: {file: string; key: string; why: string}[]
  environment: Record<string, unknown>
}

const SETTINGS = ['Runtime/appsettings.json', 'Runtime/appsettings.agent.json']

async function settings(dir: string, file: string): Promise<unknown> {
  const r = parseJsonc(file, await readFile(join(dir, file)))
  assert.ok(r.ok, file)
  return r.doc.value
}

/**
 * The value a variable must hold: the one at its file and key in the original installation (the
 * PFX passwords as the environment file holds them: one escaping "@" less).
 */
async function valuesOf(dir: string, a: Adopted): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  for (const v of a.variables) {
    if (v.file === 'Runtime/web.config') {
      const env = readWebConfig(await readFile(join(dir, v.file), 'utf8')).environment
      out[v.name] = env[v.key.split('/').at(-1)!]!
      continue
    }
    const value = configurationKeys(await settings(dir, v.file)).get(v.key.toLowerCase())?.value
    assert.ok(value !== undefined, `${v.name}: ${v.file} ${v.key}`)
    out[v.name] = /password$/i.test(v.key) && value.startsWith('@') ? value.slice(1) : value
  }
  return out
}

/**
 * The round trip of issue 25 item 5: adopt the installation in `orig`, then scaffold the adopted
 * file into an empty folder with the variables set to the original values; the settings files
 * written are equal key for key to the originals, and the proxy variables of web.config too.
 */
async function roundTrip(dir: string, orig: string, extra: string[] = []): Promise<Adopted> {
  const file = join(dir, 'adopted.yaml')
  const r = await runCli(['init', '--from-workdir', orig, '--out', file, '--force', '--json', ...extra])
  assert.equal(r.code, 0, r.stdout + r.stderr)
  const adopted = JSON.parse(r.stdout) as Adopted
  const values = await valuesOf(orig, adopted)
  // No value is printed: not in the JSON, not in the file.
  const text = await readFile(file, 'utf8')
  for (const v of Object.values(values)) {
    assert.ok(!r.stdout.includes(v), `a secret in the output (${adopted.variables.map((x) => x.name).join(', ')})`)
    assert.ok(!text.includes(v), 'a secret in the adopted file')
  }
  const v = await runCli(['validate', file, '--require-secrets'], {env: values})
  assert.equal(v.code, 0, v.stdout + v.stderr)
  const target = join(dir, 'new')
  const s = await runCli(['scaffold', '-c', file, '--target', target], {env: values})
  assert.equal(s.code, 0, s.stdout + s.stderr)
  for (const f of SETTINGS) assert.deepEqual(await settings(target, f), await settings(orig, f), f)
  const web = async (d: string) => readWebConfig(await readFile(join(d, 'Runtime', 'web.config'), 'utf8')).environment
  assert.deepEqual(await web(target), await web(orig))
  return adopted
}

describe('init --from-workdir', () => {
  let dir: string
  let cleanup: () => Promise<void>
  before(async () => {
    ;({dir, cleanup} = await tempDir())
  })
  after(() => cleanup())

  for (const name of Object.keys(ENVS)) {
    test(`round trip: the golden ${name} installation`, {timeout: 90_000}, async () => {
      const d = join(dir, name)
      await mkdir(d)
      await writeFile(join(d, 'env.yaml'), ENVS[name]!)
      const orig = join(d, 'orig')
      const s = await runCli(['scaffold', '-c', join(d, 'env.yaml'), '--target', orig], {env: SECRETS})
      assert.equal(s.code, 0, s.stdout + s.stderr)
      // A separate agent's files do not say where the server is: the init flags that do.
      const server =
        name === 'separate-store'
          ? ['--working-directory', '/srv/idm', '--database-server', 'sql01', '--database-name', 'UsercubeContoso']
          : []
      const a = await roundTrip(d, orig, server)
      assert.deepEqual(a.unexpressed, [])
      // Every secret is a reference, with the file and key it came from.
      assert.ok(a.variables.length > 0)
      for (const x of a.variables) assert.match(x.key, /Password|Secret|ConnectionString|License|OpenIdClients/, x.key)
    })
  }
})
