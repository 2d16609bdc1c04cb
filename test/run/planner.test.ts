import assert from 'node:assert/strict'
import {describe, test} from 'node:test'
import {parse} from 'yaml'
import {defineCheck, type CheckDefinition} from '../../src/model/check.js'
import type {Environment} from '../../src/model/environment.js'
import {leftOutNote, planChecks, type LeftOut} from '../../src/run/planner.js'
import {loadChecks} from '../../src/run/registry.js'
import {validators} from '../../src/environment/validators.js'
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
    // Unselected, a check says so whatever else would skip it (its stage, its topology), with the selection.
    const extra = [
      perAgent('tls.later', {stage: 'after'}),
      perAgent('tls.onprem', {topologies: ['on-prem-integrated']}),
    ]
    const later = planChecks(saas, [...checks, ...extra], {
      stage: 'before',
      baseDir: '/',
      only: ['dns.*'],
    })
    assert.deepEqual(
      later.filter((p) => p.id.startsWith('tls.')).map((p) => [p.skip, p.deselected]),
      later
        .filter((p) => p.id.startsWith('tls.'))
        .map(() => ['not selected by --only', {flag: '--only', patterns: ['dns.*']}]),
    )
    assert.ok(later.some((p) => p.id === 'tls.later') && later.some((p) => p.id === 'tls.onprem'))
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

describe('--server and --agent: each host plans exactly its own checks', () => {
  const checks = loadChecks()
  const env = {
    ...onprem,
    server: {
      ...onprem.server,
      database: {connectionString: 'Server=sql01;Database=Idm;User ID=idm;Password=x'},
      identityServerCertificate: {file: './certs/idsrv.pfx', password: 'x'},
    },
    agents: [
      ...onprem.agents!,
      {
        ...onprem.agents![0]!,
        identifier: 'ContosoHR',
        alias: 'idm-agent-hr.contoso.com',
        url: 'https://idm-agent-hr.contoso.com',
        workingDirectory: '/tmp/idm-agent-hr',
      },
    ],
    connectors: [
      {
        identifier: 'AD',
        agent: 'ContosoAD',
        connections: [{identifier: 'ADExport', type: 'ldap', servers: [{host: 'dc01'}], baseDN: 'DC=c'}],
      },
      {
        identifier: 'HR',
        agent: 'ContosoHR',
        connections: [
          {identifier: 'HRDatabase', type: 'sql', connectionString: 'Server=hr01;Database=HR;User ID=hr;Password=x'},
        ],
      },
    ],
  } as Environment
  const keys = (plan: {id: string; target: string}[]) => plan.map((p) => `${p.id} ${p.target}`)

  test("on premises, --agent leaves out the server's and the other agent's instances, with what they are", async () => {
    const leftOut: LeftOut[] = []
    const plan = planChecks(env, await checks, {stage: 'after', baseDir: '/', agent: 'contosoad', leftOut})
    const ids = new Set(plan.map((p) => p.id))
    for (const id of ['sql.connection', 'sql.requirements']) {
      assert.ok(!ids.has(id), `${id} is the server's`)
      assert.ok(leftOut.some((l) => l.id === id && l.role === 'server'))
    }
    for (const key of ['cert.encryption server', `tls.endpoint ${onprem.server.url}`, 'folders.layout /tmp/idm-server'])
      assert.ok(!keys(plan).includes(key), key)
    // The other agent's: its connector, its alias, its folders.
    assert.ok(!ids.has('connector.sql'))
    assert.ok(leftOut.some((l) => l.id === 'connector.sql' && l.target === 'ContosoHR:HRDatabase'))
    assert.ok(!keys(plan).includes('dns.alias idm-agent-hr.contoso.com'))
    assert.ok(leftOut.some((l) => l.id === 'folders.layout' && l.agent === 'ContosoHR'))
    // No skip says "another host's": what is here runs here.
    assert.ok(
      !plan.some((p) => /the server's|another agent/.test(p.skip ?? '')),
      JSON.stringify(plan.map((p) => p.skip)),
    )
    // The agent's own and what every host checks still run.
    const run = keys(plan.filter((p) => !p.skip))
    for (const key of [
      'folders.layout /tmp/idm-agent',
      `server.reachability ${onprem.server.url}`,
      'dns.alias idm.contoso.com',
      'dns.alias idm-agent.contoso.com',
      'connector.ldap ContosoAD:ADExport@dc01:636',
      'proxy.settings network',
    ])
      assert.ok(run.includes(key), `${key} in ${run.join(', ')}`)
    assert.match(
      leftOutNote(env, leftOut, {agent: 'ContosoAD'})!,
      /check --server on the server's host, check --agent ContosoHR on ContosoHR's host$/,
    )
  })

  test("--server plans the server's own, the database and what every host checks; never an agent's", async () => {
    const leftOut: LeftOut[] = []
    const plan = planChecks(env, await checks, {stage: 'after', baseDir: '/', server: true, leftOut})
    const ids = new Set(plan.map((p) => p.id))
    for (const id of ['server.reachability', 'connector.ldap', 'connector.sql', 'connector.files', 'settings.files'])
      assert.ok(!ids.has(id), `${id} is the agents'`)
    const run = keys(plan.filter((p) => !p.skip))
    for (const key of [
      'sql.connection server',
      'cert.encryption server',
      'folders.layout /tmp/idm-server',
      'dns.alias idm.contoso.com',
      'smtp.server smtp.contoso.com:587',
    ])
      assert.ok(run.includes(key), `${key} in ${run.join(', ')}`)
    assert.ok(!run.some((k) => /idm-agent|ContosoAD|ContosoHR/.test(k)), run.join(', '))
    assert.ok(
      plan.every((p) => p.role === 'server' || p.role === 'any'),
      JSON.stringify(plan.map((p) => [p.id, p.role])),
    )
    assert.match(
      leftOutNote(env, leftOut, {server: true})!,
      /^left out \d+ instances that other hosts check \(.*server\.reachability.*\): run check --agent ContosoAD on ContosoAD's host, check --agent ContosoHR on ContosoHR's host$/,
    )
  })

  test('the three roles together plan every instance of a run without a role, each once per owning role', async () => {
    const list = await checks
    const opts = {stage: 'after' as const, baseDir: '/', platform: 'win32' as const}
    const all = planChecks(env, list, opts)
    const union = new Set(
      [{server: true}, {agent: 'ContosoAD'}, {agent: 'ContosoHR'}].flatMap((r) =>
        keys(planChecks(env, list, {...opts, ...r})),
      ),
    )
    assert.deepEqual([...union].sort(), [...new Set(keys(all))].sort())
    // An agent's own instance is planned on its host only; the server's on the server's only.
    const server = keys(planChecks(env, await checks, {stage: 'after', baseDir: '/', server: true}))
    const hr = keys(planChecks(env, await checks, {stage: 'after', baseDir: '/', agent: 'ContosoHR'}))
    assert.ok(server.includes('cert.encryption server') && !hr.includes('cert.encryption server'))
    assert.ok(hr.includes('cert.encryption ContosoHR') && !server.includes('cert.encryption ContosoHR'))
  })

  test("the integrated agent shares the server's host: --agent and --server leave nothing out", async () => {
    const integrated = {
      ...parse(onPremEnv()),
      topology: 'on-prem-integrated',
      agents: [{identifier: 'Local2'}],
    } as Environment
    for (const r of [{server: true}, {agent: 'Local2'}]) {
      const leftOut: LeftOut[] = []
      const plan = planChecks(integrated, await checks, {stage: 'after', baseDir: '/', leftOut, ...r})
      assert.deepEqual(leftOut, [])
      assert.deepEqual(
        keys(plan),
        keys(planChecks(integrated, await checks, {stage: 'after', baseDir: '/', agent: r.agent})),
      )
    }
  })
})

describe('docs links follow the site and the product version', () => {
  test("every check's link, for each product version, is a listed page of that version in the site's scheme", async () => {
    const {DOC_PAGES, docsForProduct} = await import('../../src/model/docs.js')
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

describe('the note of what a role left out', () => {
  test('SaaS has no server host to send anyone to; a fleet is named, not listed', async () => {
    const env = {
      ...saas,
      agents: ['A1', 'A2', 'A3', 'A4', 'A5'].map((identifier) => ({...saas.agents![0]!, identifier})),
    } as Environment
    const leftOut: LeftOut[] = []
    planChecks(env, await loadChecks(), {stage: 'after', baseDir: '/', agent: 'A1', leftOut})
    const note = leftOutNote(env, leftOut, {agent: 'A1'})!
    assert.doesNotMatch(note, /--server/)
    assert.match(note, /run check --agent ID on each other agent's host \(4: A2, A3, A4, …\)$/)
    assert.ok(
      leftOut.every((l) => l.role === 'agent' && l.agent !== 'A1'),
      JSON.stringify(leftOut),
    )
  })
})
