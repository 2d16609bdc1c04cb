import assert from 'node:assert/strict'
import {describe, test} from 'node:test'
import {parse} from 'yaml'
import type {Environment} from '../../src/model/environment.js'
import {semanticProblems} from '../../src/environment/semantics.js'
import {loadEnvironment} from '../../src/environment/file/config.js'
import {loadChecks} from '../../src/run/registry.js'
import {writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {tempDir} from '../helpers/cli.js'
import {onPremEnv, saasEnv} from '../helpers/envs.js'

/** An http connection as its API's reference page describes it (SCIM, ServiceNow). */
function problems(connection: Record<string, unknown>) {
  const env = {
    ...(parse(saasEnv()) as Environment),
    connectors: [
      {identifier: 'API', agent: 'ContosoAD', connections: [{identifier: 'APIExport', type: 'http', ...connection}]},
    ],
  } as Environment
  return semanticProblems(env)
    .filter((p) => p.path[0] === 'connectors')
    .map((p) => `${p.severity} ${p.path.join('.')} ${p.message}`)
}

describe('http connections: what the SCIM and ServiceNow pages say', () => {
  test('SCIM: ApplicationId, ApplicationKey, Login and Password are all optional; a token with them is a warning', () => {
    assert.deepEqual(
      problems({
        url: 'https://scim.contoso.com/scim',
        applicationId: 'app',
        applicationKey: '${env:KEY}',
        username: 'svc',
        password: '${env:PW}',
      }),
      [],
    )
    assert.deepEqual(problems({url: 'https://scim.contoso.com/scim'}), [])
    const both = problems({
      url: 'https://scim.contoso.com/scim',
      token: '${env:T}',
      username: 'svc',
      password: '${env:PW}',
    })
    assert.equal(both.length, 1)
    assert.match(
      both[0]!,
      /^warning .*token a token and the credentials the product gets a token with: the SCIM page does not say which one it uses/,
    )
    assert.match(
      problems({url: 'https://scim.contoso.com/scim', applicationKey: '${env:KEY}'}).join(),
      /^warning .*applicationKey an applicationKey \(the SCIM page: "Password of the application"\) without its applicationId/,
    )
    assert.match(
      problems({url: 'https://scim.contoso.com/scim', clientId: 'x'}).join(),
      /clientId is a servicenow setting/,
    )
  })

  test('ServiceNow: Login and Password required, https, and OAuth settings together', () => {
    const base = {
      api: 'servicenow',
      url: 'https://c.service-now.com/api/now/table',
      username: 'svc',
      password: '${env:PW}',
    }
    assert.deepEqual(problems(base), [])
    assert.match(
      problems({...base, username: undefined, password: undefined}).join(),
      /the ServiceNow page requires Login and Password/,
    )
    assert.match(
      problems({...base, url: 'http://c.service-now.com/api/now/table'}).join(),
      /the URL must start with https/,
    )
    assert.match(
      problems({...base, clientId: 'id'}).join(),
      /OAuth needs clientId, clientSecret and oauth2Url together .*found only clientId/,
    )
    assert.deepEqual(
      problems({
        ...base,
        clientId: 'id',
        clientSecret: '${env:S}',
        oauth2Url: 'https://c.service-now.com/oauth_token.do',
      }),
      [],
    )
    assert.match(problems({...base, applicationId: 'app'}).join(), /applicationId is a scim setting/)
  })

  test('the secrets of the new keys are references only (the schema), and product 6.3 is a version', async () => {
    const dir = await tempDir()
    try {
      const file = join(dir.dir, 'env.yaml')
      const text = saasEnv(
        '/tmp/idm-wd',
        `connectors:
  - identifier: API
    agent: ContosoAD
    connections:
      - { identifier: SCIMExport, type: http, url: https://scim.contoso.com/scim, applicationId: app, applicationKey: in-clear }
      - { identifier: SNExport, type: http, api: servicenow, url: https://c.service-now.com/api/now/table, username: svc, password: "\${env:PW}", clientId: id, clientSecret: in-clear, oauth2Url: https://c.service-now.com/oauth_token.do }
`,
      )
      await writeFile(file, text)
      const res = await loadEnvironment(file, await loadChecks(), {secrets: 'static'})
      assert.ok(!res.ok)
      const where = res.diagnostics.map((d) => d.path)
      assert.ok(where.includes('connectors[0].connections[0].applicationKey'), JSON.stringify(res.diagnostics))
      assert.ok(where.includes('connectors[0].connections[1].clientSecret'), JSON.stringify(res.diagnostics))
      await writeFile(file, onPremEnv().replace('product: "6.2"', 'product: "6.3"'))
      const ok = await loadEnvironment(file, await loadChecks(), {secrets: 'static'})
      assert.ok(ok.ok && ok.env.product === '6.3', JSON.stringify(!ok.ok && ok.diagnostics))
    } finally {
      await dir.cleanup()
    }
  })
})
