import assert from 'node:assert/strict'
import {writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {describe, test} from 'node:test'
import {defineCheck, type CheckDefinition} from '../../src/model/check.js'
import {loadEnvironmentOrThrow} from '../../src/environment/file/config.js'
import {planUnresolved, planWithSecrets, referencesIn} from '../../src/run/plan-secrets.js'
import {tempDir} from '../helpers/cli.js'
import {saasEnv} from '../helpers/envs.js'

/** A check whose plan holds one reference in its params and reads another only to decide. */
const probeLess = (id: string, plan: CheckDefinition['plan']): CheckDefinition =>
  defineCheck({
    id,
    summary: id,
    docs: 'https://example.test',
    flow: 'network',
    topologies: ['saas'],
    params: {type: 'object'},
    plan,
    title: () => id,
    probe: async () => ({}),
    evaluate: () => [],
  })

const holds = probeLess('x.holds', (env) => [{target: 'smtp', params: {password: env.smtp?.password}}])
// Reads the proxy to decide whether to skip, never passing it on (as server.reachability reads NO_PROXY).
const decides = probeLess('x.decides', (env) => [
  {target: 'net', params: {}, ...(env.network?.noProxy === 'skip-me' ? {skip: 'bypassed'} : {})},
])
const skipped = probeLess('x.skipped', (env) => [
  {target: 'agent', params: {secret: env.agents?.[0]?.openIdClient?.secret}, skip: 'not this run'},
])

async function load(extra: string) {
  const {dir, cleanup} = await tempDir()
  const file = join(dir, 'env.yaml')
  await writeFile(file, saasEnv(dir, extra))
  const loaded = await loadEnvironmentOrThrow(file, [holds, decides, skipped], {secrets: 'defer'})
  return {loaded, cleanup}
}

const EXTRA = `    openIdClient: { id: Job, secret: "\${env:T_JOB}" }
smtp:
  host: smtp.contoso.com
  port: 587
  username: idm
  password: "\${env:T_SMTP}"
  fromAddress: a@contoso.com
network:
  noProxy: "\${env:T_NOPROXY}"
`

describe('secrets follow the plan', () => {
  test('what a running instance holds, and what a running check reads to decide, are resolved; nothing else', async () => {
    const {loaded, cleanup} = await load(EXTRA)
    try {
      const processEnv = {T_JOB: 'job-value', T_SMTP: 'smtp-value', T_NOPROXY: 'skip-me'}
      const r = await planWithSecrets(
        loaded,
        [holds, decides, skipped],
        {stage: 'before', baseDir: loaded.baseDir},
        {processEnv},
      )
      assert.equal(r.problems.size, 0)
      assert.equal(r.env.smtp?.password, 'smtp-value')
      // Read to decide: resolved, and the decision is made on the value.
      assert.equal(r.env.network?.noProxy, 'skip-me')
      assert.equal(r.plan.find((i) => i.id === 'x.decides')!.skip, 'bypassed')
      // Held only by a skipped instance: never read.
      assert.equal(r.env.agents?.[0]?.openIdClient?.secret, '${env:T_JOB}')
    } finally {
      await cleanup()
    }
  })

  test('an unset one makes only the instances holding it errors, naming the variable', async () => {
    const {loaded, cleanup} = await load(EXTRA)
    try {
      const r = await planWithSecrets(
        loaded,
        [holds, decides, skipped],
        {stage: 'before', baseDir: loaded.baseDir},
        {processEnv: {T_NOPROXY: ''}},
      )
      assert.deepEqual([...r.problems], [['${env:T_SMTP}', 'T_SMTP is not set']])
      assert.deepEqual(
        r.plan.map((i) => [i.id, i.error]),
        [
          ['x.decides', undefined],
          ['x.holds', 'T_SMTP is not set: x.holds smtp cannot run'],
          ['x.skipped', undefined],
        ],
      )
      assert.deepEqual(
        r.diagnostics.filter((d) => d.severity === 'error').map((d) => [d.path, d.message]),
        [['smtp.password', 'environment variable T_SMTP is not set']],
      )
    } finally {
      await cleanup()
    }
  })

  test('--plan reads nothing and says what each instance needs', async () => {
    const {loaded, cleanup} = await load(EXTRA)
    try {
      const plan = planUnresolved(loaded.env, [holds, decides, skipped], {stage: 'before', baseDir: loaded.baseDir})
      assert.deepEqual(plan.find((i) => i.id === 'x.holds')!.secrets, ['${env:T_SMTP}'])
      assert.deepEqual(referencesIn({a: ['${file:./x}', 'y', {b: '${env:Z}'}]}), ['${file:./x}', '${env:Z}'])
    } finally {
      await cleanup()
    }
  })
})
