import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {chmod, mkdir, symlink, utimes, writeFile} from 'node:fs/promises'
import {userInfo} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'
import connectorFiles from '../../checks/connector-files.js'
import {planChecks} from '../../src/run/planner.js'
import type {Environment} from '../../src/model/environment.js'
import {insideRoot, type Facts, type Params} from '../../src/probes/files/files-probe.js'
import {tempDir} from '../helpers/cli.js'
import {runCheck} from '../helpers/run-check.js'

const ROOT_USER = process.getuid?.() === 0
/** As root the rights are the kernel's answer for `nobody`; otherwise this user's own account. */
const ACCOUNT = ROOT_USER ? 'nobody' : userInfo().username
const facts = (r: {data: unknown}) => (r.data as {facts: Facts}).facts
const said = (r: {data: unknown}) =>
  (r.data as {findings: {message: string}[]}).findings.map((x) => x.message).join('\n')

describe('connector.files on real folders', () => {
  let t: Awaited<ReturnType<typeof tempDir>>
  let sources: string
  before(async () => {
    t = await tempDir()
    await chmod(t.dir, 0o755)
    sources = join(t.dir, 'Sources')
    await mkdir(join(sources, 'hr'), {recursive: true, mode: 0o755})
    await chmod(sources, 0o755)
    await chmod(join(sources, 'hr'), 0o755)
    await writeFile(join(sources, 'hr', 'hr.csv'), 'Id;Name\n1;Ada\n', {mode: 0o644})
    await writeFile(join(sources, 'hr', 'empty.csv'), '', {mode: 0o644})
    await writeFile(join(sources, 'hr', 'hr_export_20261101.csv'), 'Id\n1\n', {mode: 0o644})
    await writeFile(join(sources, 'hr', 'hr_export_20261201.csv'), 'Id\n1\n2\n', {mode: 0o644})
    // The older export is older on disk as well (the connector takes the last created).
    await utimes(join(sources, 'hr', 'hr_export_20261101.csv'), new Date('2026-11-01'), new Date('2026-11-01'))
    execFileSync('mkfifo', [join(sources, 'hr', 'pipe.csv')])
    await mkdir(join(sources, 'hr', 'folder.csv'))
    await mkdir(join(t.dir, 'Elsewhere'), {mode: 0o755})
    await writeFile(join(t.dir, 'Elsewhere', 'hr.csv'), 'Id\n', {mode: 0o644})
    await mkdir(join(t.dir, 'Out'), {mode: 0o755})
    await mkdir(join(t.dir, 'OutOpen'), {mode: 0o777})
    await chmod(join(t.dir, 'OutOpen'), 0o777)
    await symlink(join(t.dir, 'Elsewhere'), join(sources, 'link'))
  })
  after(() => t?.cleanup())
  const params = (o: Partial<Params>): Params => ({
    owner: 'Agent1',
    system: 'HR/HRExport',
    connection: 'HRExport',
    files: [],
    outputFolders: [],
    roots: [sources],
    account: ACCOUNT,
    ...o,
  })
  const file = (path: string, regex = false) => ({key: 'Path' as const, path, regex})

  test('a readable file inside SourcesRootPaths: pass, measured as the account', async () => {
    const r = await runCheck(connectorFiles, params({files: [file(join(sources, 'hr', 'hr.csv'))]}))
    assert.equal(r.status, 'pass', r.message)
    assert.equal(facts(r).files[0]!.readable, true)
    if (ROOT_USER) assert.equal(facts(r).files[0]!.source, 'verified')
    assert.match(r.message, new RegExp(`hr\\.csv: 14 bytes, readable by ${ACCOUNT}`))
  })

  test(
    'a drop folder of more than 20,000 entries: only part was read, and no file is named as the one the export uses',
    {timeout: 60_000},
    async () => {
      const big = join(sources, 'big')
      await mkdir(big, {mode: 0o755})
      await chmod(big, 0o755)
      for (let i = 0; i < 20_050; i += 500)
        await Promise.all(
          Array.from({length: Math.min(500, 20_050 - i)}, (_, k) =>
            writeFile(join(big, `drop_${i + k}.csv`), 'Id\n', {mode: 0o644}),
          ),
        )
      const r = await runCheck(connectorFiles, params({files: [file(join(big, 'drop_\\d+\\.csv'), true)]}))
      assert.equal(r.status, 'warn', r.message)
      assert.equal(facts(r).files[0]!.chosen, undefined)
      assert.equal(facts(r).files[0]!.partial, 20_000)
      assert.match(
        r.message,
        /holds more than 20000 entries: only 20000 were read \(20000 matching\), so the file the export would use \(the newest\) is not known/,
      )
      assert.doesNotMatch(said(r), /newest of|drop_\d+\.csv:/)
    },
  )

  test('a file outside SourcesRootPaths: fail, whatever its rights', async () => {
    const r = await runCheck(connectorFiles, params({files: [file(join(t.dir, 'Elsewhere', 'hr.csv'))]}))
    assert.equal(r.status, 'fail')
    assert.equal(facts(r).files[0]!.outsideRoots, true)
    assert.match(r.message, /lies outside SourcesRootPaths \(.*Sources\): the agent will not read it/)
  })

  test('a path that climbs out with .. is outside, and so is a differently-cased root', () => {
    assert.equal(insideRoot('/srv/idm/Sources/../secret.csv', '/srv/idm/Sources'), false)
    assert.equal(insideRoot('/srv/idm/sources/hr.csv', '/srv/idm/Sources'), false)
    assert.equal(insideRoot('/srv/idm/SourcesOld/hr.csv', '/srv/idm/Sources'), false)
    assert.equal(insideRoot('C:\\idm\\Sources\\hr.csv', 'C:/idm/Sources/'), true)
    assert.equal(insideRoot('/srv/idm/Sources/hr/x.csv', '/srv/idm/Sources'), true)
  })

  test('a missing file: fail', async () => {
    const r = await runCheck(connectorFiles, params({files: [file(join(sources, 'hr', 'nope.csv'))]}))
    assert.equal(r.status, 'fail')
    assert.match(r.message, /nope\.csv does not exist/)
  })

  test('a FIFO where the file should be: fail at once, never opened (no hang)', async () => {
    const r = await runCheck(connectorFiles, params({files: [file(join(sources, 'hr', 'pipe.csv'))]}), {
      timeoutMs: 3000,
    })
    assert.equal(r.status, 'fail')
    assert.match(r.message, /is a FIFO \(named pipe\), not a regular file/)
  })

  test('a folder where the file should be: fail', async () => {
    const r = await runCheck(connectorFiles, params({files: [file(join(sources, 'hr', 'folder.csv'))]}))
    assert.match(r.message, /is a folder, not a regular file/)
  })

  test('an empty file: warn (the export would load nothing)', async () => {
    const r = await runCheck(connectorFiles, params({files: [file(join(sources, 'hr', 'empty.csv'))]}))
    assert.equal(r.status, 'warn')
    assert.match(r.message, /empty, the export would load nothing/)
  })

  test('a file-name regex: the newest matching file is the one checked', async () => {
    const r = await runCheck(connectorFiles, params({files: [file(join(sources, 'hr', 'hr_export_(.*?).csv'), true)]}))
    assert.equal(r.status, 'pass', r.message)
    assert.equal(facts(r).files[0]!.matches, 2)
    assert.equal(facts(r).files[0]!.chosen, join(sources, 'hr', 'hr_export_20261201.csv'))
  })

  test('a regex that matches nothing yet: warn', async () => {
    const r = await runCheck(connectorFiles, params({files: [file(join(sources, 'hr', 'payroll_(.*).csv'), true)]}))
    assert.equal(r.status, 'warn')
    assert.match(r.message, /no file in .*hr matches the regular expression yet/)
  })

  test(
    'a file the account may not read: fail (the kernel says so as the account when root)',
    {skip: !ROOT_USER && 'needs root to measure as another account'},
    async () => {
      await writeFile(join(sources, 'hr', 'secret.csv'), 'Id\n', {mode: 0o600})
      await chmod(join(sources, 'hr', 'secret.csv'), 0o600)
      const r = await runCheck(connectorFiles, params({files: [file(join(sources, 'hr', 'secret.csv'))]}))
      assert.equal(r.status, 'fail')
      assert.match(r.message, /secret\.csv cannot be read by nobody/)
    },
  )

  test(
    'a folder above the file the account may not traverse: fail, naming it',
    {skip: !ROOT_USER && 'needs root to measure as another account'},
    async () => {
      await mkdir(join(sources, 'closed'), {mode: 0o700})
      await chmod(join(sources, 'closed'), 0o700)
      await writeFile(join(sources, 'closed', 'hr.csv'), 'Id\n', {mode: 0o644})
      const r = await runCheck(connectorFiles, params({files: [file(join(sources, 'closed', 'hr.csv'))]}))
      assert.equal(r.status, 'fail')
      assert.match(r.message, /cannot be read by nobody/)
    },
  )

  test(
    'output folders: writable passes, read-only fails, missing fails',
    {skip: !ROOT_USER && 'needs root to measure as another account'},
    async () => {
      const r = await runCheck(
        connectorFiles,
        params({outputFolders: [join(t.dir, 'OutOpen'), join(t.dir, 'Out'), join(t.dir, 'Gone')]}),
      )
      assert.equal(r.status, 'fail')
      const all = said(r)
      assert.match(all, /output folder .*OutOpen writable by nobody/)
      assert.match(all, /output folder .*\/Out cannot be written by nobody/)
      assert.match(all, /output folder .*Gone does not exist/)
    },
  )

  test("a Windows account (not on this host): warn, the rights are this user's", async () => {
    const r = await runCheck(
      connectorFiles,
      params({account: 'CONTOSO\\svc-idm', files: [file(join(sources, 'hr', 'hr.csv'))]}),
    )
    assert.equal(r.status, 'pass', r.message)
    assert.match(facts(r).accountUnknown ?? '', /CONTOSO\\svc-idm is not an account of this host \(a Windows account/)
    assert.equal(facts(r).files[0]!.source, 'this user')
  })

  test('plan: Windows paths are a skip on Linux, and only the agents in scope are planned', () => {
    const env = {
      version: 1,
      name: 't',
      product: 'saas',
      topology: 'saas',
      organization: 'C',
      server: {url: 'https://c.usercube.com'},
      agents: [
        {identifier: 'A1', workingDirectory: 'C:/idm', serviceAccount: 'CONTOSO\\svc'},
        {identifier: 'A2', workingDirectory: '/srv/idm', serviceAccount: 'svc'},
      ],
      connectors: [
        {
          identifier: 'HR',
          agent: 'A1',
          connections: [{identifier: 'HRWin', type: 'files', path: 'C:/idm/Sources/hr.csv'}],
        },
        {
          identifier: 'HR2',
          agent: 'A2',
          connections: [{identifier: 'HRLin', type: 'files', path: '/srv/idm/Sources/hr.csv'}],
        },
      ],
    } as unknown as Environment
    const all = planChecks(env, [connectorFiles], {stage: 'before', baseDir: '/', platform: 'linux'})
    assert.deepEqual(
      all.map((i) => [i.target, i.skip ?? 'run']),
      [
        ['A1:HRWin', 'Windows paths: run idm-preflight on the agent host (Windows) to check them'],
        ['A2:HRLin', 'run'],
      ],
    )
    assert.deepEqual((all[1]!.params as Params).roots, ['/srv/idm/Sources'])
    const one = planChecks(env, [connectorFiles], {stage: 'before', baseDir: '/', platform: 'linux', agent: 'a2'})
    assert.deepEqual(
      one.map((i) => i.target),
      ['A2:HRLin'],
    )
  })
})
