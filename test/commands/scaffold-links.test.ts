import assert from 'node:assert/strict'
import {execFileSync, spawnSync} from 'node:child_process'
import {existsSync} from 'node:fs'
import {chmod, mkdir, readdir, readFile, rm, symlink, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'
import {hasStackTrace, runCli, tempDir} from '../helpers/cli.js'
import {saasEnv} from '../helpers/envs.js'

/**
 * Scaffold and the permission scripts never follow a link below the working directory (a Temp or
 * Runtime that points elsewhere), and an account name never smuggles ACL grammar.
 */

const ROOT_USER = process.getuid?.() === 0
const findSbin = (tool: string) => ['/usr/bin', '/bin', '/usr/sbin', '/sbin'].map((d) => join(d, tool)).find(existsSync)
const SETFACL = findSbin('setfacl')
const GETFACL = findSbin('getfacl')
const SECRETS = {IDM_JOB: 'Job-Secret-Value-77'}

let dir: string
let cleanup: () => Promise<void>
before(async () => {
  ;({dir, cleanup} = await tempDir())
  await chmod(dir, 0o755)
})
after(async () => cleanup())

async function envFile(name: string, wd: string, account = 'nobody'): Promise<string> {
  const file = join(dir, `${name}.yaml`)
  await writeFile(
    file,
    saasEnv(wd, '').replace('serviceAccount: svc-idm', `serviceAccount: ${JSON.stringify(account)}`) +
      '    openIdClient: { id: Job, secret: "${env:IDM_JOB}" }\n',
  )
  return file
}

describe('scaffold refuses links below the working directory', () => {
  test('a Temp and a Runtime that link outside: skipped and said, nothing written out there', async () => {
    const wd = join(dir, 'wd-links')
    const outTemp = join(dir, 'outside-temp')
    const outRuntime = join(dir, 'outside-runtime')
    await mkdir(wd)
    await mkdir(outTemp)
    await mkdir(outRuntime)
    await symlink(outTemp, join(wd, 'Temp'))
    await symlink(outRuntime, join(wd, 'Runtime'))
    const file = await envFile('links', wd)
    const r = await runCli(['scaffold', '-c', file, '--target', wd], {env: SECRETS})
    assert.equal(r.code, 3, r.stdout + r.stderr)
    assert.ok(!hasStackTrace(r.stderr), r.stderr)
    assert.match(r.stdout, /skipped +Temp +\(is a symbolic link: not followed/)
    assert.match(r.stdout, /skipped +Runtime +\(is a symbolic link: not followed/)
    assert.match(
      r.stdout,
      /skipped +Runtime\/appsettings\.json +\(Runtime is a symbolic link: not followed, nothing written through it\)/,
    )
    // Nothing landed where the links point; the settings and their secret are nowhere.
    assert.deepEqual(await readdir(outTemp), [])
    assert.deepEqual(await readdir(outRuntime), [])
    assert.ok(!r.stdout.includes(SECRETS.IDM_JOB))
    // The scripts are written (they are the working directory's own files) and refuse the links.
    assert.ok(existsSync(join(wd, 'set-permissions.sh')))
  })

  test('--generate-certificates through a Certificates link: the private key is not written there', async () => {
    const wd = join(dir, 'wd-certs')
    const out = join(dir, 'outside-certs')
    await mkdir(wd)
    await mkdir(out)
    await symlink(out, join(wd, 'Certificates'))
    const file = await envFile('certs', wd)
    const r = await runCli(
      ['scaffold', '-c', file, '--target', wd, '--generate-certificates', '--password-env', 'PFX_PW'],
      {
        env: {...SECRETS, PFX_PW: 'Pfx-Pw-123456'},
      },
    )
    assert.equal(r.code, 3, r.stdout + r.stderr)
    assert.match(
      r.stdout,
      /skipped +Certificates\/ContosoAD-Files\.pfx +\(Certificates is a symbolic link: not followed/,
    )
    assert.deepEqual(await readdir(out), [])
  })
})

describe('set-permissions.sh refuses links and accounts that are not one of the host', () => {
  const skip = !ROOT_USER || !SETFACL || !GETFACL ? 'needs root and setfacl/getfacl (apt-get install acl)' : false

  async function scaffolded(name: string, account = 'nobody'): Promise<string> {
    const wd = join(dir, name)
    const file = await envFile(name, wd, account)
    const r = await runCli(['scaffold', '-c', file, '--target', wd], {env: SECRETS})
    // 3: the encryption certificate is left to provide; every file is written.
    assert.equal(r.code, 3, r.stdout + r.stderr)
    assert.doesNotMatch(r.stdout, /skipped/)
    return wd
  }

  test('a Temp replaced by a link to an outside folder: the script stops, no ACL out there', {skip}, async () => {
    const wd = await scaffolded('sh-link')
    const outside = join(dir, 'sh-outside')
    await mkdir(outside)
    await rm(join(wd, 'Temp'), {recursive: true})
    await symlink(outside, join(wd, 'Temp'))
    const run = spawnSync('sh', [join(wd, 'set-permissions.sh')], {encoding: 'utf8'})
    assert.equal(run.status, 1, run.stdout + run.stderr)
    assert.match(run.stderr, new RegExp(`error: ${wd}/Temp is a symbolic link: not followed`))
    const acl = execFileSync(GETFACL!, ['-p', outside], {encoding: 'utf8'})
    assert.doesNotMatch(acl, /user:nobody/)
    assert.doesNotMatch(acl, /default:/)
  })

  test('a Runtime replaced by a link: the settings files out there get no read grant', {skip}, async () => {
    const wd = await scaffolded('sh-runtime')
    const outside = join(dir, 'sh-outside-runtime')
    await mkdir(outside)
    await writeFile(join(outside, 'appsettings.json'), '{}')
    // The folders' grants come first: let them pass, then the files' are the ones that meet the link.
    const script = await readFile(join(wd, 'set-permissions.sh'), 'utf8')
    await writeFile(join(wd, 'files-only.sh'), script.replace(/^(no_link "\$ROOT"|run setfacl|run chmod).*$/gm, ''))
    await rm(join(wd, 'Runtime'), {recursive: true})
    await symlink(outside, join(wd, 'Runtime'))
    const run = spawnSync('sh', [join(wd, 'files-only.sh')], {encoding: 'utf8'})
    assert.equal(run.status, 1, run.stdout + run.stderr)
    assert.match(run.stderr, new RegExp(`error: ${wd}/Runtime is a symbolic link: not followed`))
    assert.doesNotMatch(
      execFileSync(GETFACL!, ['-p', join(outside, 'appsettings.json')], {encoding: 'utf8'}),
      /user:nobody/,
    )
  })

  test('an account this host does not have: the script stops before any grant', {skip}, async () => {
    const wd = await scaffolded('sh-noaccount', 'no-such-account-27')
    const run = spawnSync('sh', [join(wd, 'set-permissions.sh')], {encoding: 'utf8'})
    assert.equal(run.status, 1, run.stdout + run.stderr)
    assert.match(run.stderr, /error: no-such-account-27 is not an account of this host \(id -u\)/)
    assert.doesNotMatch(execFileSync(GETFACL!, ['-p', wd], {encoding: 'utf8'}), /user:no-such/)
    // --dry-run says so and still prints the plan.
    const dry = spawnSync('sh', [join(wd, 'set-permissions.sh'), '--dry-run'], {encoding: 'utf8'})
    assert.equal(dry.status, 0, dry.stderr)
    assert.match(dry.stderr, /note: no-such-account-27 is not an account of this host/)
    assert.match(dry.stdout, /setfacl -P -m u:no-such-account-27:rwx .*\/Temp/)
  })

  test('an ACCOUNT holding ACL grammar, edited into the script: refused before setfacl', {skip}, async () => {
    const wd = await scaffolded('sh-grammar')
    const script = join(wd, 'set-permissions.sh')
    await writeFile(script, (await readFile(script, 'utf8')).replace(/^ACCOUNT=.*$/m, "ACCOUNT='nobody:rwx,u:daemon'"))
    const run = spawnSync('sh', [script], {encoding: 'utf8'})
    assert.equal(run.status, 1, run.stdout + run.stderr)
    assert.match(run.stderr, /is not an account name/)
    assert.doesNotMatch(execFileSync(GETFACL!, ['-p', wd], {encoding: 'utf8'}), /user:daemon/)
  })

  test(
    'a tree without links, a real account: every grant made (the refusals do not get in the way)',
    {skip},
    async () => {
      const wd = await scaffolded('sh-good')
      const run = spawnSync('sh', [join(wd, 'set-permissions.sh')], {encoding: 'utf8'})
      assert.equal(run.status, 0, run.stdout + run.stderr)
      assert.match(execFileSync(GETFACL!, ['-p', join(wd, 'Temp')], {encoding: 'utf8'}), /^user:nobody:rwx$/m)
      assert.match(
        execFileSync(GETFACL!, ['-p', join(wd, 'Runtime', 'appsettings.json')], {encoding: 'utf8'}),
        /^user:nobody:r--$/m,
      )
    },
  )
})

describe('serviceAccount is one account name, per platform', () => {
  for (const [account, wd, re] of [
    ['nobody:rwx,u:daemon', '/srv/idm', /serviceAccount +holds a colon, which the ACL grammar reads as a separator/],
    ['nobody,u:daemon', '/srv/idm', /serviceAccount +holds a comma/],
    ['svc idm', '/srv/idm', /serviceAccount +holds a space: a user name has no white space/],
    ['-svc', '/srv/idm', /serviceAccount +starts with "-"/],
    ['CONTOSO\\svc,u:x', 'C:/idm', /serviceAccount +holds a comma/],
    ['CONTOSO\\sv"c', 'C:/idm', /serviceAccount +"sv"c" is not an account name/],
    ['svc@', 'C:/idm', /serviceAccount +"" is not a domain name/],
  ] as const) {
    test(`${JSON.stringify(account)} with a working directory ${wd}: validate and scaffold refuse it (exit 2)`, async () => {
      const file = await envFile(`bad-${account.replace(/\W/g, '_')}`, wd, account)
      const v = await runCli(['validate', file])
      assert.equal(v.code, 2, v.stdout + v.stderr)
      assert.match(v.stdout, re)
      const s = await runCli(['scaffold', '-c', file, '--target', join(dir, 'never')], {env: SECRETS})
      assert.equal(s.code, 2, s.stdout + s.stderr)
      assert.ok(!existsSync(join(dir, 'never')))
    })
  }

  test('the forms Windows and POSIX hosts use pass', async () => {
    for (const [account, wd] of [
      ['CONTOSO\\svc-idm', 'C:/idm'],
      ['svc-idm@contoso.com', 'C:/idm'],
      ['IIS AppPool\\Usercube', 'C:/idm'],
      ['NT AUTHORITY\\NETWORK SERVICE', 'C:/idm'],
      ['svc-idm', 'C:/idm'],
      ['svc_idm', '/srv/idm'],
      ['svc-idm@contoso.com', '/srv/idm'],
      ['CONTOSO\\svc-idm', '/srv/idm'],
    ] as const) {
      const file = await envFile(`good-${account.replace(/\W/g, '_')}-${wd.length}`, wd, account)
      const v = await runCli(['validate', file])
      assert.doesNotMatch(v.stdout, /serviceAccount/, `${account}: ${v.stdout}`)
    }
  })
})
