import assert from 'node:assert/strict'
import {mkdtemp, rm} from 'node:fs/promises'
import {availableParallelism, tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, test} from 'node:test'
import {parse} from 'yaml'
import check, {isLocalSqlHost} from '../../checks/host-resources.js'
import {isWindowsPath} from '../../src/base/paths.js'
import type {Environment} from '../../src/model/environment.js'
import {onPremEnv} from '../helpers/envs.js'

const ctx = {now: new Date(), expiryWarningDays: 30}
const GB = 1e9
const params = {workingDirectories: ['/srv/idm'], minMemoryGB: 8, minCores: 2, minCoresWithSql: 4, minFreeDiskGB: 20}
const facts = (o: Partial<{memoryBytes: number; cores: number; free: number; hostname: string}> = {}) => ({
  hostname: o.hostname ?? 'idm01',
  memoryBytes: o.memoryBytes ?? 16 * GB,
  cores: o.cores ?? 4,
  disks: [{path: '/srv/idm', measured: '/srv/idm', freeBytes: (o.free ?? 100) * GB, totalBytes: 200 * GB}],
})
const statusOf = (fs: {status: string}[]) =>
  fs.some((f) => f.status === 'fail') ? 'fail' : fs.some((f) => f.status === 'warn') ? 'warn' : 'pass'

describe('host.resources evaluate', () => {
  test('a host that meets everything passes', () => {
    const f = check.evaluate(params, facts(), ctx)
    assert.equal(statusOf(f), 'pass')
    assert.match(
      f.map((x) => x.message).join('|'),
      /16\.0 GB memory \(needs 8\)\|4 cores \(needs 2\)\|100 GB free for \/srv\/idm/,
    )
  })
  test('a machine sold as 8 GB (7.8 GiB usable) passes; 6 GB fails', () => {
    assert.equal(statusOf(check.evaluate(params, facts({memoryBytes: 7.8 * 1024 ** 3}), ctx)), 'pass')
    const f = check.evaluate(params, facts({memoryBytes: 6 * GB}), ctx)
    assert.equal(statusOf(f), 'fail')
    assert.match(
      f.find((x) => x.status === 'fail')!.message,
      /6\.0 GB memory; 8 GB wanted \(the device-requirements page: "at least 8 GB of RAM"\)/,
    )
  })
  test('one core fails; with SQL Server on this host 4 are recommended (a warning, as the docs say)', () => {
    assert.equal(statusOf(check.evaluate(params, facts({cores: 1}), ctx)), 'fail')
    const f = check.evaluate({...params, sqlHost: '.'}, facts({cores: 2}), ctx)
    assert.equal(statusOf(f), 'warn')
    assert.match(
      f.find((x) => x.status === 'warn')!.message,
      /2 cores; the device-requirements page recommends "a 4-core CPU if SQL server is installed on this device" with SQL Server on this host \(\.\)/,
    )
    assert.equal(statusOf(check.evaluate({...params, sqlHost: 'sql01.contoso.com'}, facts({cores: 2}), ctx)), 'pass')
    assert.equal(statusOf(check.evaluate({...params, sqlHost: 'IDM01'}, facts({cores: 2}), ctx)), 'warn')
    assert.equal(statusOf(check.evaluate({...params, sqlHost: 'IDM01'}, facts({cores: 1}), ctx)), 'fail')
    assert.match(check.docs, /requirements\/device-requirements$/)
  })
  test('low disk is a warning, not a failure', () => {
    const f = check.evaluate(params, facts({free: 5}), ctx)
    assert.equal(statusOf(f), 'warn')
    assert.match(
      f.find((x) => x.status === 'warn')!.message,
      /5\.0 GB free for \/srv\/idm; 20 GB wanted \(the device-requirements page: "at least … 20 GB of disk storage"/,
    )
  })
  test('a disk that cannot be measured is said, not judged', () => {
    const f = check.evaluate(params, {...facts(), disks: [{path: 'C:/idm', problem: 'a Windows path'}]}, ctx)
    assert.equal(statusOf(f), 'pass')
    assert.ok(f.some((x) => x.status === 'skip' && /C:\/idm: a Windows path/.test(x.message)))
  })
  test('path and host helpers', () => {
    assert.ok(isWindowsPath('C:/identitymanager') && isWindowsPath('D:\\x') && isWindowsPath('\\\\srv\\share'))
    assert.ok(!isWindowsPath('/srv/idm') && !isWindowsPath('relative/C:'))
    assert.ok(
      isLocalSqlHost('(local)', 'h') && isLocalSqlHost('localhost', 'h') && isLocalSqlHost('H.contoso.com', 'h'),
    )
    assert.ok(!isLocalSqlHost('sql01', 'h'))
  })
})

describe('host.resources plan and probe', () => {
  test('plan takes the working directories, the SQL host and the settings', () => {
    const env = parse(onPremEnv()) as Environment
    env.server.database = {connectionString: 'Data Source=tcp:SQL01\\INST,1433;Database=x'}
    env.checks = {settings: {'host.resources': {minMemoryGB: 16}}}
    const [p] = check.plan(env, {
      settings: {minMemoryGB: 16},
      agents: env.agents!,
      baseDir: '/',
      platform: 'linux',
      processEnv: {},
    })
    assert.deepEqual(p!.params, {
      workingDirectories: ['/tmp/idm-server', '/tmp/idm-agent'],
      sqlHost: 'SQL01',
      minMemoryGB: 16,
      minCores: 2,
      minCoresWithSql: 4,
      minFreeDiskGB: 20,
    })
    const [agentOnly] = check.plan(env, {
      settings: {},
      agents: env.agents!,
      agent: 'ContosoAD',
      baseDir: '/',
      platform: 'linux',
      processEnv: {},
    })
    assert.deepEqual(agentOnly!.params.workingDirectories, ['/tmp/idm-agent'])
    assert.equal(agentOnly!.params.sqlHost, undefined, 'an agent host does not care where SQL Server runs')
  })

  test('the probe measures this host, and the nearest existing folder of a directory not made yet', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'idm-hr-'))
    try {
      const missing = join(dir, 'not', 'yet')
      const f = await check.probe(
        {...params, workingDirectories: [dir, missing, 'C:/identitymanager']},
        {signal: AbortSignal.timeout(5000), timeoutMs: 5000, secret: () => {}},
      )
      assert.equal(f.cores, availableParallelism())
      assert.ok(f.memoryBytes > 0)
      assert.equal(f.disks[0]!.measured, dir)
      assert.ok(f.disks[0]!.freeBytes! > 0)
      assert.equal(f.disks[1]!.measured, dir)
      assert.match(f.disks[2]!.problem!, /a Windows path/)
    } finally {
      await rm(dir, {recursive: true, force: true})
    }
  })
})
