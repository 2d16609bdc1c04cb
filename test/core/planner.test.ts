import assert from 'node:assert/strict'
import {describe, test} from 'node:test'
import {parse} from 'yaml'
import {defineCheck, type CheckDefinition} from '../../src/core/check.js'
import type {Environment} from '../../src/core/environment.js'
import {planChecks} from '../../src/core/planner.js'
import {loadChecks} from '../../src/core/registry.js'
import {validators} from '../../src/core/validators.js'
import {onPremEnv, saasEnv} from '../helpers/envs.js'

const saas = parse(saasEnv()) as Environment
const onprem = parse(onPremEnv()) as Environment

function perAgent(id: string, extra: Partial<CheckDefinition> = {}): CheckDefinition {
  return defineCheck({
    id,
    summary: id,
    docs: 'https://example.test',
    flow: 'agent-server',
    topologies: ['saas', 'on-prem-separate'],
    params: {type: 'object', required: ['agent'], properties: {agent: {type: 'string'}}},
    plan: (_env, ctx) => ctx.agents.map((a) => ({target: a.identifier, params: {agent: a.identifier}})),
    title: (p: {agent: string}) => `agent ${p.agent}`,
    probe: async () => ({}),
    evaluate: () => [],
    ...extra,
  })
}

describe('planner', () => {
  test('the registry finds the checks in checks/ by itself', async () => {
    const ids = (await loadChecks()).map((c) => c.id)
    assert.ok(ids.includes('proxy.settings') && ids.includes('host.resources'), ids.join(','))
    assert.deepEqual(ids, [...ids].sort())
  })

  test('a check for other topologies is one skip with the reason', () => {
    const c = perAgent('x.one', {topologies: ['on-prem-separate']})
    const plan = planChecks(saas, [c], {stage: 'before', baseDir: '/'})
    assert.equal(plan.length, 1)
    assert.equal(plan[0]!.skip, 'does not apply to topology saas')
  })

  test('--only and --skip accept ids, globs and families; both report what they leave out as skipped', () => {
    const checks = [perAgent('tls.endpoint'), perAgent('tls.other'), perAgent('dns.alias')]
    const only = planChecks(saas, checks, {stage: 'before', baseDir: '/', only: ['tls.*']})
    assert.deepEqual(
      only.filter((p) => !p.skip).map((p) => p.id),
      ['tls.endpoint', 'tls.other'],
    )
    assert.deepEqual(
      only.filter((p) => p.skip).map((p) => [p.id, p.skip]),
      [['dns.alias', 'not selected by --only']],
    )
    const fam = planChecks(saas, checks, {stage: 'before', baseDir: '/', only: ['dns']})
    assert.deepEqual(
      fam.filter((p) => !p.skip).map((p) => p.id),
      ['dns.alias'],
    )
    const skip = planChecks(saas, checks, {stage: 'before', baseDir: '/', skip: ['tls.endpoint']})
    assert.deepEqual(
      skip.map((p) => [p.id, p.skip]),
      [
        ['dns.alias', undefined],
        ['tls.endpoint', 'skipped by --skip'],
        ['tls.other', undefined],
      ],
    )
  })

  test('checks.skip in the file is reported with its own reason', () => {
    const env = {...saas, checks: {skip: ['dns.*']}}
    const plan = planChecks(env, [perAgent('dns.alias')], {stage: 'before', baseDir: '/'})
    assert.equal(plan[0]!.skip, 'skipped by checks.skip in the environment file')
  })

  test('--agent narrows per-agent instances', () => {
    const env = {...onprem, agents: [...onprem.agents!, {...onprem.agents![0]!, identifier: 'Second'}]}
    const all = planChecks(env, [perAgent('a.b')], {stage: 'before', baseDir: '/'})
    assert.deepEqual(
      all.map((p) => p.target),
      ['ContosoAD', 'Second'],
    )
    const one = planChecks(env, [perAgent('a.b')], {stage: 'before', baseDir: '/', agent: 'second'})
    assert.deepEqual(
      one.map((p) => p.target),
      ['Second'],
    )
  })

  test('after-stage instances are skips before installation, and run after', () => {
    const c = perAgent('a.after', {stage: 'after'})
    assert.equal(
      planChecks(saas, [c], {stage: 'before', baseDir: '/'})[0]!.skip,
      'runs after installation: use --stage after',
    )
    assert.equal(planChecks(saas, [c], {stage: 'after', baseDir: '/'})[0]!.skip, undefined)
  })

  test('platform-bound and opt-in checks are skips with the flag that runs them', () => {
    const win = perAgent('host.win', {platforms: ['win32']})
    assert.match(
      planChecks(saas, [win], {stage: 'before', baseDir: '/', platform: 'linux'})[0]!.skip!,
      /runs on win32 only \(this host is linux\)/,
    )
    const mail = perAgent('smtp.mail', {optIn: {flag: 'send-test-mail'}})
    assert.equal(
      planChecks(saas, [mail], {stage: 'before', baseDir: '/'})[0]!.skip,
      'opt-in: run with --send-test-mail',
    )
    assert.equal(
      planChecks(saas, [mail], {stage: 'before', baseDir: '/', optIn: new Set(['send-test-mail'])})[0]!.skip,
      undefined,
    )
  })

  test('instances are ordered by data flow, then id', () => {
    const a = perAgent('z.host', {flow: 'host'})
    const b = perAgent('a.smtp', {flow: 'smtp'})
    const c = perAgent('m.net', {flow: 'network'})
    assert.deepEqual(
      planChecks(saas, [b, c, a], {stage: 'before', baseDir: '/'}).map((p) => p.id),
      ['z.host', 'm.net', 'a.smtp'],
    )
  })

  test('params that break the check schema are a bug, caught at plan time', async () => {
    const bad = perAgent('a.bad', {plan: () => [{target: 'x', params: {agent: 42}}]})
    const v = await validators([bad])
    assert.throws(
      () => planChecks(saas, [bad], {stage: 'before', baseDir: '/', validators: v}),
      /check a\.bad planned invalid params for x: \/agent must be string/,
    )
  })
})

describe('--agent: one rule for what it keeps, with true reasons', () => {
  test("on premises, the server's instances are skipped as the server's; the agent's and shared ones run", async () => {
    const checks = await loadChecks()
    const env = {
      ...onprem,
      server: {
        ...onprem.server,
        database: {connectionString: 'Server=sql01;Database=Idm;User ID=idm;Password=x'},
        identityServerCertificate: {file: './certs/idsrv.pfx', password: 'x'},
      },
    } as Environment
    const plan = planChecks(env, checks, {stage: 'after', baseDir: '/', agent: 'contosoad'})
    const skipOf = (id: string, target?: string) =>
      plan.filter((p) => p.id === id && (!target || p.target === target)).map((p) => p.skip)
    for (const id of ['sql.connection', 'sql.requirements'])
      assert.deepEqual(skipOf(id), [
        "the server's: --agent contosoad checks that agent's host; run without --agent on the server",
      ])
    assert.match(skipOf('cert.encryption', 'server')[0]!, /^the server's/)
    assert.match(skipOf('tls.endpoint', onprem.server.url)[0]!, /^the server's/)
    assert.match(skipOf('folders.layout', '/tmp/idm-server')[0]!, /^the server's/)
    // Never "nothing to check" for something that exists in the environment.
    assert.ok(
      !plan.some((p) => p.skip === 'nothing to check in this environment'),
      JSON.stringify(plan.map((p) => [p.id, p.skip])),
    )
    // The agent's own and what every host shares still run.
    assert.equal(skipOf('folders.layout', '/tmp/idm-agent')[0], undefined)
    assert.equal(skipOf('server.reachability')[0], undefined)
    assert.equal(skipOf('dns.alias', 'idm.contoso.com')[0], undefined)
    // Without --agent, the server's instances run.
    const all = planChecks(env, checks, {stage: 'after', baseDir: '/'})
    assert.equal(all.find((p) => p.id === 'sql.connection')!.skip, undefined)
  })
})

describe('docs links follow the site and the product version', () => {
  test("every check's link, for each product version, is a listed page of that version in the site's scheme", async () => {
    const {DOC_PAGES, docsForProduct} = await import('../../src/core/docs.js')
    const checks = await loadChecks()
    for (const product of ['6.1', '6.2', '6.3', 'saas'] as const) {
      for (const c of checks.filter((x) => x.docs.startsWith('https://docs.netwrix.com/'))) {
        const url = docsForProduct(c.docs, product)
        const m = /^https:\/\/docs\.netwrix\.com\/docs\/identitymanager\/(6_1|6_2|6_3|current)\/([a-z0-9/-]+)$/.exec(
          url,
        )
        assert.ok(m, `${c.id}: ${url} is not in the site's scheme (version with "_", SaaS as current, no index.md)`)
        const version = m[1] === 'current' ? 'saas' : m[1]!.replace('_', '.')
        const pages = DOC_PAGES as Record<string, readonly string[]>
        assert.ok(pages[m[2]!]?.includes(version), `${c.id}: ${url} is not a page of ${version}`)
        // The environment's own version whenever the page exists there.
        if (pages[m[2]!]!.includes(product)) assert.equal(version, product, `${c.id} for ${product}: ${url}`)
      }
    }
    // 6.2 has no proxy page: its link is the nearest version that has one (6.3), never a 404.
    const proxy = checks.find((c) => c.id === 'proxy.settings')!
    assert.equal(
      docsForProduct(proxy.docs, '6.2'),
      'https://docs.netwrix.com/docs/identitymanager/6_3/integration-guide/network-configuration/proxy',
    )
    assert.ok(checks.filter((x) => x.docs.startsWith('https://docs.netwrix.com/')).length >= 15)
    // The planner gives each result the page of the environment's version.
    const plan = planChecks({...saas}, checks, {stage: 'before', baseDir: '/'})
    // SaaS follows the current docs (the saas/ folder is gone); a page current lacks links 6.3's or older.
    for (const p of plan.filter((x) => x.docs.includes('docs.netwrix.com')))
      assert.match(p.docs, /\/identitymanager\/(current|6_3|6_2)\//, `${p.id}: ${p.docs}`)
    assert.ok(plan.filter((x) => x.docs.includes('/identitymanager/current/')).length >= 10)
  })
})
