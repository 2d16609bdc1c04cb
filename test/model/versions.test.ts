import assert from 'node:assert/strict'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, test} from 'node:test'
import {parse} from 'yaml'
import type {Environment, Product} from '../../src/model/environment.js'
import {planChecks} from '../../src/run/planner.js'
import {loadChecks} from '../../src/run/registry.js'
import {VERSIONS} from '../../src/model/versions.js'
import {folderRules} from '../../src/product/folders.js'
import {planScaffold} from '../../src/scaffold/plan.js'
import {scaffoldTarget, type ScaffoldTarget} from '../../src/scaffold/settings.js'
import {onPremEnv, saasEnv} from '../helpers/envs.js'

/**
 * Each product version picks its own rules from src/model/versions.ts: the runtime host.runtime
 * asks for, the docs folder links go to, the permission profile, scaffold's file names.
 */

const envOf = (product: Product, wd: string): Environment =>
  product === 'saas'
    ? (parse(saasEnv(wd)) as Environment)
    : ({...(parse(onPremEnv()) as Environment), product} as Environment)

async function whatVersionPicks(product: Product) {
  const dir = mkdtempSync(join(tmpdir(), `idm-version-${product}-`))
  try {
    const env = envOf(product, join(dir, 'agent'))
    if (product !== 'saas') env.agents![0]!.workingDirectory = join(dir, 'agent')
    const checks = await loadChecks()
    const plan = planChecks(env, checks, {stage: 'before', baseDir: dir, processEnv: {}})
    const runtime = plan.find((p) => p.id === 'host.runtime')!
    const proxy = plan.find((p) => p.id === 'proxy.settings')!
    const iis = planChecks(env, checks, {stage: 'after', baseDir: dir, processEnv: {}}).find(
      (p) => p.id === 'host.iis' && p.target === 'ContosoAD',
    )!
    const t = scaffoldTarget(env, 'ContosoAD', dir) as ScaffoldTarget
    const scaffold = await planScaffold(env, t, dir, {index: 0})
    const ps1 = scaffold.items.find((i) => i.relative === 'set-permissions.ps1')!.content!.toString()
    return {runtime, proxy, iis, scaffold, ps1, root: folderRules('agent', product)[0]!}
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
}

describe('every product version picks its own rules', () => {
  test('6.1: ASP.NET Core 8, the 6_1 pages, read-only working directory, Usercube file names', async () => {
    const v = await whatVersionPicks('6.1')
    assert.deepEqual(v.runtime.params, {
      minMajor: 8,
      download: 'https://dotnet.microsoft.com/en-us/download/dotnet/8.0',
    })
    assert.equal(
      v.runtime.docs,
      'https://docs.netwrix.com/docs/identitymanager/6_1/installation-guide/requirements/agent-requirements',
    )
    assert.equal(
      v.proxy.docs,
      'https://docs.netwrix.com/docs/identitymanager/6_1/integration-guide/network-configuration/proxy',
    )
    assert.equal(v.root.noWrite, true)
    assert.match(v.ps1, /Grant-Right \$Root 'RX' {2}# the working directory: read and list only \(6\.1\)/)
    assert.equal(v.scaffold.productPrefix, 'Usercube')
    assert.match(v.scaffold.prefixSource, /Usercube 6\.1 docs/)
  })

  test('6.2: ASP.NET Core 8, the 6_2 pages (6.3 for the proxy page 6.2 lacks), Modify allowed on the working directory', async () => {
    const v = await whatVersionPicks('6.2')
    assert.equal((v.runtime.params as {minMajor: number}).minMajor, 8)
    assert.match(v.runtime.docs, /\/identitymanager\/6_2\//)
    assert.equal(
      v.proxy.docs,
      'https://docs.netwrix.com/docs/identitymanager/6_3/integration-guide/network-configuration/proxy',
    )
    assert.equal(v.root.noWrite, undefined)
    assert.match(v.root.why, /6\.2 also allows Modify/)
    assert.equal(v.scaffold.productPrefix, 'Usercube')
  })

  test("6.3: ASP.NET Core 8, the 6_3 pages (current's where the list has no 6.3 copy), Modify allowed", async () => {
    const v = await whatVersionPicks('6.3')
    assert.deepEqual(v.runtime.params, {
      minMajor: 8,
      download: 'https://dotnet.microsoft.com/en-us/download/dotnet/8.0',
    })
    assert.equal(
      v.runtime.docs,
      'https://docs.netwrix.com/docs/identitymanager/6_3/installation-guide/requirements/agent-requirements',
    )
    assert.equal(
      v.proxy.docs,
      'https://docs.netwrix.com/docs/identitymanager/6_3/integration-guide/network-configuration/proxy',
    )
    assert.equal(
      v.iis.docs,
      'https://docs.netwrix.com/docs/identitymanager/6_3/installation-guide/production-ready/agent',
    )
    assert.match(v.root.why, /6\.3 also allows Modify/)
    assert.match(v.ps1, /Grant-Right \$Root 'RX' {2}# the working directory: read and list \(6\.3 also allows Modify\)/)
    assert.equal(v.scaffold.productPrefix, VERSIONS['6.3'].productFiles.value)
    assert.match(v.scaffold.prefixSource, /Identity Manager 6\.3 docs/)
  })

  test('saas: the current docs, and a .NET 10 hosting bundle for its agents', async () => {
    const v = await whatVersionPicks('saas')
    assert.deepEqual(v.runtime.params, {
      minMajor: 10,
      download: 'https://dotnet.microsoft.com/en-us/download/dotnet/10.0',
    })
    assert.equal(
      v.runtime.docs,
      'https://docs.netwrix.com/docs/identitymanager/current/installation-guide/requirements/device-requirements',
    )
    assert.equal(
      v.proxy.docs,
      'https://docs.netwrix.com/docs/identitymanager/current/integration-guide/network-configuration/proxy',
    )
    assert.equal(
      v.iis.docs,
      'https://docs.netwrix.com/docs/identitymanager/current/installation-guide/production-ready/agent',
    )
    assert.match(v.root.why, /SaaS also allows Modify/)
    assert.equal(v.scaffold.productPrefix, 'Usercube')
  })
})
