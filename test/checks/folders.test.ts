import assert from 'node:assert/strict'
import {execFileSync, spawnSync} from 'node:child_process'
import {chmod, mkdir, readFile, symlink, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'
import layout from '../../checks/folders-layout.js'
import permissions from '../../checks/folders-permissions.js'
import type {WorkdirParams} from '../../src/product/folders.js'
import {
  computedReadable,
  effectiveRights,
  findSbin,
  parseGetfacl,
  readFolders,
  resolvePosixAccount,
  verifyAsAccount,
  type AclEntry,
} from '../../src/probes/files/posix-acl.js'
import {effectiveWindowsRights, parseAclJson, parseAclsJson, rightsMask} from '../../src/probes/windows/windows.js'
import {ROOT, runCli, tempDir} from '../helpers/cli.js'
import {runCheck} from '../helpers/run-check.js'

const agentParams = (path: string, extra: Partial<WorkdirParams> = {}): WorkdirParams => ({
  directory: path,
  path,
  owner: 'ContosoAD',
  role: 'agent',
  product: '6.2',
  ...extra,
})

async function makeWorkdir(root: string, folders = ['Runtime', 'Temp', 'Work', 'Mails', 'Sources']): Promise<void> {
  await mkdir(root, {recursive: true})
  for (const f of folders) await mkdir(join(root, f), {recursive: true})
}

describe('folders.layout', () => {
  let dir: string
  let cleanup: () => Promise<void>
  before(async () => ({dir, cleanup} = await tempDir()))
  after(() => cleanup())

  test('a complete agent working directory passes', async () => {
    await makeWorkdir(join(dir, 'ok'))
    const r = await runCheck(layout, agentParams(join(dir, 'ok')))
    assert.equal(r.status, 'pass', r.message)
    assert.match(r.message, /has Runtime, Temp, Work, Mails, Sources/)
  })
  test('a missing Mails fails for an agent; a server does not need it', async () => {
    await makeWorkdir(join(dir, 'nomails'), ['Runtime', 'Temp', 'Work', 'Sources'])
    const r = await runCheck(layout, agentParams(join(dir, 'nomails')))
    assert.equal(r.status, 'fail')
    assert.match(r.message, /Mails is missing in .*nomails \(password-reset mails are written there \(pickup\)\)/)
    assert.match(r.remediation, /scaffold/)
    assert.equal((await runCheck(layout, agentParams(join(dir, 'nomails'), {role: 'server'}))).status, 'pass')
  })
  test('a file where a folder should be, and a missing root', async () => {
    await makeWorkdir(join(dir, 'file'), ['Runtime', 'Work', 'Mails', 'Sources'])
    await writeFile(join(dir, 'file', 'Temp'), 'not a folder')
    assert.match((await runCheck(layout, agentParams(join(dir, 'file')))).message, /Temp in .* is not a directory/)
    const missing = await runCheck(layout, agentParams(join(dir, 'nope')))
    assert.equal(missing.status, 'fail')
    assert.match(missing.message, /nope does not exist/)
  })
  test('a link that escapes the working directory fails; one inside it is fine', async () => {
    await makeWorkdir(join(dir, 'links'), ['Runtime', 'Temp', 'Mails', 'Sources', 'real-work'])
    await mkdir(join(dir, 'elsewhere'))
    await symlink(join(dir, 'elsewhere'), join(dir, 'links', 'Work'))
    const r = await runCheck(layout, agentParams(join(dir, 'links')))
    assert.equal(r.status, 'fail')
    assert.match(r.message, /Work is a link to .*elsewhere, outside the working directory/)
    await makeWorkdir(join(dir, 'inner'), ['Runtime', 'Temp', 'Mails', 'Sources', 'data'])
    await symlink(join(dir, 'inner', 'data'), join(dir, 'inner', 'Work'))
    assert.equal((await runCheck(layout, agentParams(join(dir, 'inner')))).status, 'pass')
  })
})

describe('POSIX effective rights (mode bits, ACLs, mask)', () => {
  const acct = {name: 'svc', uid: 1001, gid: 1001, groups: [1001, 2000]}
  const acl = (...lines: string[]): AclEntry[] => parseGetfacl(lines.join('\n'))
  const f = (mode: number, entries?: AclEntry[], uid = 0, gid = 0) => ({uid, gid, mode, acl: entries})
  const cases: [string, ReturnType<typeof f>, string][] = [
    ['other bits only', f(0o755), 'r-x'],
    ['owner', f(0o700, undefined, 1001), 'rwx'],
    ['owning group', f(0o770, undefined, 0, 2000), 'rwx'],
    [
      'named user, mask allows',
      f(0o770, acl('user::rwx', 'user:1001:rwx', 'group::r-x', 'mask::rwx', 'other::---')),
      'rwx',
    ],
    [
      'named user, mask restricts',
      f(0o750, acl('user::rwx', 'user:1001:rwx', 'group::r-x', 'mask::r-x', 'other::---')),
      'r-x',
    ],
    [
      'named group union',
      f(0o770, acl('user::rwx', 'group::---', 'group:2000:rw-', 'group:1001:--x', 'mask::rwx', 'other::---')),
      'rwx',
    ],
    ['no match: other', f(0o751, acl('user::rwx', 'group::r-x', 'group:3000:rwx', 'mask::rwx', 'other::--x')), '--x'],
  ]
  for (const [name, facts, want] of cases) {
    test(name, () => {
      const r = effectiveRights(facts, acct)
      assert.equal(`${r.r ? 'r' : '-'}${r.w ? 'w' : '-'}${r.x ? 'x' : '-'}`, want)
    })
  }
  test('root has every right', () =>
    assert.deepEqual(effectiveRights(f(0o000), {...acct, uid: 0}), {r: true, w: true, x: true}))
  test('getfacl output with effective comments and defaults', () => {
    const entries = parseGetfacl(
      '# file: /x\n# owner: 0\n# group: 0\nuser::rwx\nuser:1001:rwx\t#effective:r-x\ngroup::r-x\nmask::r-x\nother::---\ndefault:user::rwx\n',
    )
    assert.deepEqual(
      entries.map((e) => `${e.tag}:${e.id ?? ''}`),
      ['user:', 'user:1001', 'group:', 'mask:', 'other:'],
    )
  })
})

describe('folders.permissions evaluate (facts)', () => {
  const p = agentParams('/srv/idm', {serviceAccount: 'svc'})
  const rwx = (s: string) => ({r: s[0] === 'r', w: s[1] === 'w', x: s[2] === 'x'})
  const folder = (name: string, rights: string, extra = {}) => ({
    name,
    path: `/srv/idm/${name}`,
    exists: true,
    rights: rwx(rights),
    source: 'computed' as const,
    ...extra,
  })
  const good = [
    folder('', 'r-x'),
    folder('Runtime', 'r-x'),
    folder('Temp', 'rwx'),
    folder('Work', 'rwx'),
    folder('Mails', 'rwx'),
    folder('Sources', 'r-x'),
  ]
  const ev = (folders: typeof good, platform: 'posix' | 'windows' = 'posix') =>
    permissions.evaluate(
      p,
      {platform, account: 'svc', getfacl: true, folders},
      {now: new Date(), expiryWarningDays: 30},
    )
  test('a working directory that does not exist is never a pass', () => {
    const missing = good.map((x) => ({name: x.name, path: x.path, exists: false}))
    const r = ev(missing as never)
    assert.deepEqual(
      r.map((x) => x.status),
      ['fail'],
    )
    assert.match(r[0]!.message, /\/srv\/idm does not exist: there are no rights to judge/)
    const partial = ev(good.map((x) => (x.name === 'Temp' ? {name: 'Temp', path: x.path, exists: false} : x)) as never)
    assert.equal(partial[0]!.status, 'fail')
    assert.match(partial[0]!.message, /Temp missing in \/srv\/idm/)
  })
  test('settings and certificate files the account cannot read fail, naming the folder it cannot traverse', () => {
    const f = (readable: boolean, blockedAt?: string) => ({
      label: 'Runtime/appsettings.json',
      path: '/srv/idm/Runtime/appsettings.json',
      readable,
      source: 'computed' as const,
      ...(blockedAt ? {blockedAt} : {}),
    })
    const ctx = {now: new Date(), expiryWarningDays: 30}
    const ok = permissions.evaluate(p, {platform: 'posix', account: 'svc', folders: good, files: [f(true)]}, ctx)
    assert.deepEqual(
      ok.map((x) => x.status),
      ['pass'],
    )
    assert.match(ok[0]!.message, /reads Runtime\/appsettings\.json/)
    const bad = permissions.evaluate(
      p,
      {platform: 'posix', account: 'svc', folders: good, files: [f(false, '/srv')]},
      ctx,
    )
    assert.equal(bad[0]!.status, 'fail')
    assert.match(bad[0]!.message, /svc cannot read Runtime\/appsettings\.json \(it cannot traverse \/srv\)/)
    assert.match(
      bad[0]!.remediation!,
      /setfacl -m u:svc:--x \/srv && setfacl -m u:svc:r-- \/srv\/idm\/Runtime\/appsettings\.json/,
    )
  })
  test('the profile follows the product version: write on the working directory itself warns for 6.1 only', () => {
    const rootWritable = good.map((x) => (x.name === '' ? folder('', 'rwx') : x))
    const ctx = {now: new Date(), expiryWarningDays: 30}
    const facts = {platform: 'posix' as const, account: 'svc', getfacl: true, folders: rootWritable}
    const v61 = permissions.evaluate({...p, product: '6.1'}, facts, ctx)
    assert.equal(v61[0]!.status, 'warn')
    assert.match(v61[0]!.message, /svc can write \/srv\/idm/)
    for (const product of ['6.2', 'saas'] as const)
      assert.deepEqual(
        permissions.evaluate({...p, product}, facts, ctx).map((x) => x.status),
        ['pass'],
        product,
      )
  })
  test('the production-agent profile passes', () =>
    assert.deepEqual(
      ev(good).map((x) => x.status),
      ['pass'],
    ))
  test('Temp not writable fails, with the command that fixes it', () => {
    const r = ev(good.map((x) => (x.name === 'Temp' ? folder('Temp', 'r-x') : x)))
    assert.equal(r[0]!.status, 'fail')
    assert.match(r[0]!.message, /svc has r-x on Temp; it needs rwx/)
    assert.equal(r[0]!.remediation, 'setfacl -m u:svc:rwx /srv/idm/Temp')
    const w = ev(
      good.map((x) => (x.name === 'Temp' ? folder('Temp', 'r-x') : x)),
      'windows',
    )
    assert.equal(w[0]!.remediation, 'icacls "/srv/idm/Temp" /grant "svc:(OI)(CI)M"')
  })
  test('write on Runtime is a least-privilege warning', () => {
    const r = ev(good.map((x) => (x.name === 'Runtime' ? folder('Runtime', 'rwx') : x)))
    assert.deepEqual(
      r.map((x) => x.status),
      ['warn'],
    )
    assert.match(
      r[0]!.message,
      /svc can write Runtime \(rwx\); the agent-requirements page grants no write there \(the product binaries and settings: read and execute only; "Other permissions should be denied"\): a warning, least privilege/,
    )
  })
  test('writable by everyone fails', () => {
    const r = ev(good.map((x) => (x.name === 'Work' ? folder('Work', 'rwx', {othersWrite: true, mode: '777'}) : x)))
    assert.equal(r[0]!.status, 'fail')
    assert.match(r[0]!.message, /Work is writable by everyone \(mode 777\)/)
  })
  test('an account this host does not know is a skip with the reason', () => {
    const r = permissions.evaluate(
      p,
      {
        platform: 'posix',
        unresolved: 'CONTOSO\\svc is not an account of this host (a Windows account: run on the Windows host)',
        folders: [],
      },
      {now: new Date(), expiryWarningDays: 30},
    )
    assert.deepEqual(
      r.map((x) => x.status),
      ['skip'],
    )
  })
  test('plan: no serviceAccount is a skip naming the owner', () => {
    const env = {
      topology: 'saas',
      product: 'saas',
      server: {url: 'https://x'},
      agents: [{identifier: 'A', workingDirectory: '/w'}],
    }
    const planned = permissions.plan(env as never, {agents: env.agents, baseDir: '/'} as never)
    assert.equal(planned[0]!.skip, 'no serviceAccount for A in the environment file')
  })
})

describe('Windows ACLs from PowerShell JSON (fixtures)', () => {
  const fixture = async (name: string) =>
    parseAclJson(JSON.parse(await readFile(join(ROOT, 'test', 'fixtures', 'windows', name), 'utf8')))
  const POOL = 'S-1-5-82-3006700770-424185619-1745488364-794895919-4004696415'
  test('rights names and numbers', () => {
    assert.equal(rightsMask('Modify, Synchronize') & 0x301bf, 0x301bf)
    assert.equal(rightsMask(2032127), 0x1f01ff)
    assert.equal(rightsMask('ReadAndExecute, Synchronize') & 0x2, 0)
    assert.throws(() => rightsMask('Bogus'), /unknown FileSystemRights "Bogus"/)
  })
  test('the app pool identity with Modify has rwx; Users read-only gives nobody write', async () => {
    const e = effectiveWindowsRights(await fixture('acl-agent-temp-ok.json'), POOL, 'IIS APPPOOL\\Usercube', [])
    assert.deepEqual({r: e.r, w: e.w, x: e.x}, {r: true, w: true, x: true})
    assert.deepEqual(e.everyoneWrite, [])
  })
  test('a Deny Write entry wins over an inherited Modify', async () => {
    const e = effectiveWindowsRights(await fixture('acl-runtime-deny-write.json'), POOL, 'IIS APPPOOL\\Usercube', [])
    assert.deepEqual({r: e.r, w: e.w, x: e.x}, {r: true, w: false, x: true})
  })
  test('Everyone with Modify is found by SID, whatever the display language', async () => {
    const e = effectiveWindowsRights(
      await fixture('acl-everyone-modify.json'),
      'S-1-5-21-1004336348-1177238915-682003330-1107',
      'CONTOSO\\svc-idm',
      [],
    )
    assert.deepEqual(e.everyoneWrite, ['Jeder (Modify, Synchronize)'])
    assert.equal(e.w, true, 'the account can write through Everyone')
  })
  test('the ACLs of several paths from one PowerShell: one list per path, in order, or a clear error', async () => {
    const json = JSON.parse(await readFile(join(ROOT, 'test', 'fixtures', 'windows', 'acls-three-paths.json'), 'utf8'))
    const paths = ['C:\\a b', "C:\\it's", 'C:\\empty']
    const lists = parseAclsJson(json, paths)
    assert.deepEqual(
      lists.map((l) => l.map((e) => e.identity)),
      [['BUILTIN\\Users', 'CONTOSO\\svc'], ['CONTOSO\\svc'], []],
    )
    const svc = effectiveWindowsRights(lists[1]!, 'S-1-5-21-9', 'CONTOSO\\svc', [])
    assert.deepEqual({r: svc.r, w: svc.w, x: svc.x}, {r: true, w: true, x: true})
    assert.throws(() => parseAclsJson(json, paths.slice(0, 2)), /PowerShell gave 3 ACLs for 2 paths/)
    assert.throws(
      () => parseAclsJson(json, ['C:\\a b', 'C:\\other', 'C:\\empty']),
      /answered for C:\\it's, not C:\\other/,
    )
    assert.throws(() => parseAclsJson(null, paths), /PowerShell gave 0 ACLs for 3 paths/)
  })
  test('the raw Get-Acl shape (numbers, {Value}) is read too, generic rights expanded', async () => {
    const entries = await fixture('get-acl-raw.json')
    assert.equal(entries[1]!.identity, 'CONTOSO\\svc-idm')
    const e = effectiveWindowsRights(entries, 'S-1-5-21-9', 'CONTOSO\\svc-idm', [])
    assert.deepEqual({r: e.r, w: e.w, x: e.x}, {r: true, w: true, x: true})
  })
})

const isRoot = process.getuid?.() === 0
const useradd = findSbin('useradd')
const userdel = findSbin('userdel')
const hasUseradd = !!useradd && !!userdel && !!findSbin('runuser') && !!findSbin('setfacl')

describe(
  'folders.permissions with a real unprivileged account',
  {
    skip: !isRoot
      ? 'needs root to create an account'
      : !hasUseradd
        ? 'needs useradd, runuser and setfacl (apt-get install acl)'
        : false,
  },
  () => {
    const user = `idmpf${process.pid}`
    let dir: string
    let cleanup: () => Promise<void>
    before(async () => {
      execFileSync(useradd!, ['--no-create-home', '--shell', '/usr/sbin/nologin', user])
      ;({dir, cleanup} = await tempDir())
      await chmod(dir, 0o755)
    })
    after(async () => {
      spawnSync(userdel!, [user])
      await cleanup()
    })

    test('root-owned folders: the account cannot write Temp; measured as the account', async () => {
      const wd = join(dir, 'wd1')
      await makeWorkdir(wd)
      for (const d of ['', 'Runtime', 'Temp', 'Work', 'Mails', 'Sources']) await chmod(join(wd, d), 0o755)
      const r = await runCheck(permissions, agentParams(wd, {serviceAccount: user}))
      assert.equal(r.status, 'fail')
      assert.match(r.message, new RegExp(`${user} has r-x on Temp; it needs rwx`))
      const facts = (r.data as {facts: {folders: {source: string}[]}}).facts
      assert.ok(
        facts.folders.every((x) => x.source === 'verified'),
        'root measures as the account',
      )
    })

    test('ACL grants fix it; the computed rights agree with the kernel in every case', async () => {
      const wd = join(dir, 'wd2')
      await makeWorkdir(wd)
      for (const d of ['Temp', 'Work', 'Mails'])
        execFileSync(findSbin('setfacl')!, ['-m', `u:${user}:rwx`, join(wd, d)])
      const ok = await runCheck(permissions, agentParams(wd, {serviceAccount: user}))
      assert.equal(ok.status, 'pass', ok.message)
      assert.match(ok.message, /measured as/)
      // A mask that takes write away, a world-writable folder, an owning-group grant:
      execFileSync(findSbin('setfacl')!, ['-m', 'm::r-x', join(wd, 'Mails')])
      await chmod(join(wd, 'Sources'), 0o777)
      const account = (await resolvePosixAccount(user))!
      const paths = ['', 'Runtime', 'Temp', 'Work', 'Mails', 'Sources'].map((d) => join(wd, d))
      const {folders} = await readFolders(paths)
      const verified = await verifyAsAccount(user, paths)
      folders.forEach((f, i) =>
        assert.deepEqual(
          effectiveRights({uid: f.uid!, gid: f.gid!, mode: f.mode!, acl: f.acl}, account),
          verified![i],
          f.path,
        ),
      )
      const bad = await runCheck(permissions, agentParams(wd, {serviceAccount: user}))
      assert.equal(bad.status, 'fail')
      assert.match(bad.message, new RegExp(`${user} has r-x on Mails; it needs rwx`))
      assert.match(bad.message, /Sources is writable by everyone \(mode 777\)/)
    })

    test('requests made together (one process for them) get each its own answer; a cancelled caller leaves alone', async () => {
      const wd = join(dir, 'wd-shared')
      await makeWorkdir(wd)
      execFileSync(findSbin('setfacl')!, ['-m', `u:${user}:rwx`, join(wd, 'Temp')])
      const temp = join(wd, 'Temp')
      const runtime = join(wd, 'Runtime')
      const cancelled = new AbortController()
      const asks = [
        verifyAsAccount(user, [temp]),
        verifyAsAccount(user, [runtime, temp], cancelled.signal),
        verifyAsAccount(user, [runtime]),
        verifyAsAccount('root', [temp]),
      ]
      cancelled.abort(new Error('the check timed out'))
      const [a, b, c, d] = await Promise.allSettled(asks)
      assert.deepEqual(a, {status: 'fulfilled', value: [{r: true, w: true, x: true}]})
      assert.equal(b!.status, 'rejected')
      assert.match(String((b as PromiseRejectedResult).reason), /the check timed out/)
      assert.deepEqual(c, {status: 'fulfilled', value: [{r: true, w: false, x: true}]}, 'Runtime is read-only for it')
      assert.deepEqual(
        d,
        {status: 'fulfilled', value: [{r: true, w: true, x: true}]},
        'another account, its own answer',
      )
    })

    test(
      'the set-permissions.sh that scaffold writes gives exactly the rights the check wants',
      {timeout: 60_000},
      async () => {
        const target = join(dir, 'scaffolded')
        const env = join(dir, 'perm.yaml')
        await writeFile(
          env,
          `version: 1\nname: perm\nproduct: saas\ntopology: saas\norganization: Contoso\nserver: {url: https://contoso.usercube.com}\nagents:\n  - identifier: ContosoAD\n    workingDirectory: ${target}\n    serviceAccount: ${user}\n`,
        )
        const sc = await runCli(
          ['scaffold', '-c', env, '--target', target, '--generate-certificates', '--password-env', 'IDM_PFX'],
          {
            env: {IDM_PFX: 'Pfx-Pa55-1'},
          },
        )
        // Exit 3: the environment names no IdentityServer certificate, a value left to provide.
        assert.equal(sc.code, 3, sc.stdout + sc.stderr)
        assert.match(sc.stdout, /values? to provide/)
        const pfx = join(target, 'Certificates', 'ContosoAD-Files.pfx')
        const files = [{label: 'encryptionCertificate.file', path: pfx}]
        const before = await runCheck(permissions, agentParams(target, {serviceAccount: user, files}))
        assert.equal(before.status, 'fail', 'root-owned folders: the account cannot write Temp yet')
        // Scaffold wrote the settings (and the PFX) 0600 for root: the service could not start.
        assert.match(before.message, new RegExp(`${user} cannot read Runtime/appsettings\\.json`))
        assert.match(before.message, new RegExp(`${user} cannot read encryptionCertificate\\.file`))
        const dry = spawnSync('sh', [join(target, 'set-permissions.sh'), '--dry-run'], {encoding: 'utf8'})
        assert.equal(dry.status, 0, dry.stderr)
        assert.match(dry.stdout, new RegExp(`setfacl -P -m u:${user}:rwx ${target}/Temp`))
        assert.equal(
          (await runCheck(permissions, agentParams(target, {serviceAccount: user}))).status,
          'fail',
          '--dry-run changed nothing',
        )
        const real = spawnSync('sh', [join(target, 'set-permissions.sh')], {
          encoding: 'utf8',
          env: {...process.env, PATH: `${process.env.PATH}:/usr/sbin:/sbin`},
        })
        assert.equal(real.status, 0, real.stderr)
        const after = await runCheck(permissions, agentParams(target, {serviceAccount: user, files}))
        assert.equal(after.status, 'pass', after.message)
        assert.match(
          after.message,
          /Temp rwx, Work rwx, Mails rwx, Sources r-x; reads Runtime\/appsettings\.json, Runtime\/appsettings\.agent\.json, encryptionCertificate\.file \(measured as/,
        )
        // The kernel agrees: the account really reads them.
        for (const f of [join(target, 'Runtime', 'appsettings.json'), pfx])
          assert.equal(spawnSync(findSbin('runuser')!, ['-u', user, '--', 'head', '-c1', f]).status, 0, f)
        // Run again: nothing breaks.
        assert.equal(spawnSync('sh', [join(target, 'set-permissions.sh')]).status, 0)
      },
    )

    test('a working directory that does not exist fails; a PFX behind a folder the account cannot traverse fails', async () => {
      const gone = await runCheck(permissions, agentParams(join(dir, 'nowhere'), {serviceAccount: user}))
      assert.equal(gone.status, 'fail')
      assert.match(gone.message, /does not exist/)
      const wd = join(dir, 'wd3')
      await makeWorkdir(wd)
      for (const d of ['Temp', 'Work', 'Mails'])
        execFileSync(findSbin('setfacl')!, ['-m', `u:${user}:rwx`, join(wd, d)])
      const vault = join(dir, 'vault')
      await mkdir(vault, {mode: 0o700})
      await chmod(vault, 0o700)
      const pfx = join(vault, 'agent.pfx')
      await writeFile(pfx, 'x', {mode: 0o644})
      const r = await runCheck(
        permissions,
        agentParams(wd, {
          serviceAccount: user,
          files: [{label: 'encryptionCertificate.file vault/agent.pfx', path: pfx}],
        }),
      )
      assert.equal(r.status, 'fail', r.message)
      assert.match(r.message, new RegExp(`${user} cannot read encryptionCertificate\\.file vault/agent\\.pfx`))
      // The computed rights agree with the kernel's answer.
      const computed = await computedReadable(pfx, (await resolvePosixAccount(user))!)
      assert.deepEqual(computed, {readable: false, blockedAt: vault})
      await chmod(vault, 0o711)
      assert.deepEqual(await computedReadable(pfx, (await resolvePosixAccount(user))!), {readable: true})
      assert.equal(
        (await runCheck(permissions, agentParams(wd, {serviceAccount: user, files: [{label: 'pfx', path: pfx}]})))
          .status,
        'pass',
      )
    })

    test('an unreadable PFX is its own verdict (read as the account)', async (t) => {
      const sysNode = ['/usr/bin/node', '/usr/local/bin/node'].find((n) => spawnSync(n, ['-e', '0']).status === 0)
      const access = spawnSync(findSbin('runuser')!, [
        '-u',
        user,
        '--',
        'test',
        '-r',
        join(ROOT, 'dist', 'src', 'lib', 'certificates.js'),
      ])
      if (!sysNode || access.status !== 0) {
        t.skip('no Node.js the account can run, or the build is not readable by it')
        return
      }
      const pfx = join(dir, 'secret.pfx')
      await writeFile(pfx, 'x', {mode: 0o600})
      const lib = (f: string) => JSON.stringify(join(ROOT, 'dist', 'src', 'lib', f))
      const code = `Promise.all([import(${lib('cert-probe.js')}), import(${lib('cert-verdicts.js')})]).then(async ([probe, verdicts]) => { const p = {owner: 'a', kind: 'encryption', field: 'f', file: ${JSON.stringify(pfx)}, fileAsWritten: 'secret.pfx', password: 'x', requirePrivateKey: true}; const f = await probe.probeCertificate(p, async () => ({})); console.log(JSON.stringify(verdicts.certFindings(p, f, new Date(), 30))) })`
      const r = spawnSync(findSbin('runuser')!, ['-u', user, '--', sysNode, '-e', code], {encoding: 'utf8'})
      assert.equal(r.status, 0, r.stderr)
      const findings = JSON.parse(r.stdout)
      assert.equal(findings[0].status, 'fail')
      assert.match(findings[0].message, /cannot read .*secret\.pfx: it is not readable \(permission denied\)/)
    })
  },
)
