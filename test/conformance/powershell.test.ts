import assert from 'node:assert/strict'
import {mkdir, readFile, rm, symlink, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'
import {INETSTP_SCRIPT} from '../../checks/host-iis.js'
import {
  accountScript,
  aclScript,
  aclsScript,
  parseAclsJson,
  powershellArgs,
  rightsMask,
  storeScript,
} from '../../src/probes/windows/windows.js'
import {ENVS, SECRETS} from '../fixtures/scaffold-envs.js'
import {runCli, tempDir} from '../helpers/cli.js'
import {NO_PWSH, parseErrors, runPwsh} from '../helpers/dotnet.js'

/**
 * PowerShell as the judge of the PowerShell we write and run: every script scaffold writes and
 * every snippet the checks run on Windows parses with PowerShell's own parser
 * ([System.Management.Automation.Language.Parser]::ParseInput) without errors; what can run on
 * Linux runs (set-permissions.ps1 -WhatIf with hostile names and paths, the ACL script with the
 * real .NET enums) and does what it says.
 */

/**
 * Hostile values: quotes of every kind, subexpressions, backticks. Each is still an account name
 * that validate lets through (no `;`, `"`, `,` or `:`, which it refuses): the quoting must hold
 * for what passes.
 */
const HOSTILE = [
  "CONTOSO\\svc' $(Start-Process calc) '",
  "CONTOSO\\svc\u2019$(Write-Output INJ$('ECTED'))\u2018",
  "CONTOSO\\a`b'c$d{e}",
]

/** PowerShell's error text without its colours and the frame it wraps long lines in. */
// eslint-disable-next-line no-control-regex
const flat = (s: string) => s.replace(/\u001b\[[0-9;]*m/g, '').replace(/\s*\n\s*\|?\s*/g, ' ')

describe('PowerShell parses and runs what we write', {skip: NO_PWSH}, () => {
  let dir: string
  let cleanup: () => Promise<void>
  before(async () => ({dir, cleanup} = await tempDir()))
  after(async () => cleanup?.())

  test('the parser catches a broken script (the judge can fail)', async () => {
    const e = await parseErrors(dir, {broken: "Write-Host 'unclosed", fine: "Write-Host 'closed'"})
    assert.equal(e.fine!.length, 0)
    assert.ok(e.broken!.length > 0)
  })

  test('every snippet the checks run on Windows parses, with hostile names, paths and subjects', async () => {
    const scripts: Record<string, string> = {'host.iis (InetStp)': INETSTP_SCRIPT}
    for (const [i, v] of HOSTILE.entries()) {
      scripts[`store by thumbprint ${i}`] = storeScript({
        thumbprint: 'ab'.repeat(20),
        storeLocation: 'LocalMachine',
        storeName: 'My',
      })
      scripts[`store by subject ${i}`] = storeScript({
        subject: `CN=${v}`,
        storeLocation: 'CurrentUser',
        storeName: 'My',
      })
      scripts[`ACL ${i}`] = aclScript(`C:\\idm\\${v}`)
      scripts[`ACLs ${i}`] = aclsScript([`C:\\idm\\${v}`, 'C:\\idm\\Temp', `D:\\${v}\\Mails`])
      scripts[`account ${i}`] = accountScript(v)
    }
    // As powershell.exe receives them: the -Command text with its prelude.
    for (const [k, v] of Object.entries(scripts)) scripts[`${k}, as run`] = powershellArgs(v).at(-1)!
    const errors = await parseErrors(dir, scripts)
    assert.equal(Object.keys(errors).length, Object.keys(scripts).length)
    assert.deepEqual(
      Object.entries(errors).filter(([, e]) => e.length > 0),
      [],
    )
  })

  test('every set-permissions.ps1 scaffold writes parses (each golden topology)', {timeout: 60_000}, async () => {
    const scripts: Record<string, string> = {}
    for (const [name, env] of Object.entries(ENVS)) {
      const envFile = join(dir, `${name}.yaml`)
      await writeFile(envFile, env)
      const target = join(dir, `golden-${name}`)
      const r = await runCli(['scaffold', '-c', envFile, '--target', target], {env: SECRETS})
      assert.equal(r.code, 0, r.stdout + r.stderr)
      scripts[name] = await readFile(join(target, 'set-permissions.ps1'), 'utf8')
    }
    assert.equal(Object.keys(scripts).length, Object.keys(ENVS).length)
    const errors = await parseErrors(dir, scripts)
    assert.deepEqual(
      Object.entries(errors).filter(([, e]) => e.length > 0),
      [],
    )
  })

  for (const [i, account] of HOSTILE.entries()) {
    test(
      `set-permissions.ps1 -WhatIf with a hostile account (${i}) and path names the exact account and paths, runs nothing`,
      {timeout: 60_000},
      async () => {
        const env = ENVS['saas-pfx']!.replace('serviceAccount: svc-idm', `serviceAccount: ${JSON.stringify(account)}`)
        const envFile = join(dir, `hostile-${i}.yaml`)
        await writeFile(envFile, env)
        // The working directory's own name is hostile too.
        const target = join(dir, `wd it's $(Write-Output INJ) ${i}`)
        const r = await runCli(['scaffold', '-c', envFile, '--target', target], {env: SECRETS})
        assert.equal(r.code, 0, r.stdout + r.stderr)
        const script = join(target, 'set-permissions.ps1')
        const ps = runPwsh(`& '${script.replace(/'/g, "''")}' -WhatIf`)
        assert.equal(ps.status, 0, ps.stderr)
        assert.ok(!ps.stdout.includes('INJECTED') && !ps.stdout.includes('\nINJ\n'), ps.stdout)
        const lines = ps.stdout.split('\n').filter((l) => l.startsWith('icacls '))
        // One grant per folder of the layout and one read per file, each naming the account as given.
        const grants = lines.filter((l) => l.includes('/grant:r'))
        assert.ok(grants.length >= 5, ps.stdout)
        for (const l of lines) {
          const m = /^icacls "(.*)" \/grant(?::r)? "(.*):(\(OI\)\(CI\)(?:M|RX)|R)"$/.exec(l)
          assert.ok(m, l)
          assert.equal(m[2], account)
          assert.ok(m[1]!.startsWith(target), `${m[1]} under ${target}`)
        }
        assert.ok(grants.some((l) => l.startsWith(`icacls "${target}" /grant:r`)))
      },
    )
  }

  test(
    'set-permissions.ps1 refuses a Temp or a Runtime that is a link (a reparse point), even with -WhatIf, before its icacls',
    {timeout: 60_000},
    async () => {
      const envFile = join(dir, 'links.yaml')
      await writeFile(envFile, ENVS['saas-pfx']!)
      for (const sub of ['Temp', 'Runtime']) {
        const target = join(dir, `wd-link-${sub}`)
        const r = await runCli(['scaffold', '-c', envFile, '--target', target], {env: SECRETS})
        assert.equal(r.code, 0, r.stdout + r.stderr)
        const outside = join(dir, `outside-${sub}`)
        await mkdir(outside, {recursive: true})
        await rm(join(target, sub), {recursive: true})
        await symlink(outside, join(target, sub))
        const script = join(target, 'set-permissions.ps1')
        // -WhatIf: without it, on Linux, the account's SID check stops the script first (the test below).
        for (const args of ['-WhatIf']) {
          const ps = runPwsh(`& '${script.replace(/'/g, "''")}' ${args}`)
          assert.notEqual(ps.status, 0, ps.stdout)
          assert.match(flat(ps.stdout + ps.stderr), new RegExp(`${sub} is a link or a junction: not followed`))
          assert.doesNotMatch(ps.stdout, new RegExp(`icacls "${outside}|granted .* on ${outside}`))
        }
      }
    },
  )

  test(
    'set-permissions.ps1 checks the account has a SID before any grant (here, on Linux, it has none)',
    {timeout: 60_000},
    async () => {
      const envFile = join(dir, 'sid.yaml')
      await writeFile(envFile, ENVS['saas-pfx']!)
      const target = join(dir, 'wd-sid')
      const r = await runCli(['scaffold', '-c', envFile, '--target', target], {env: SECRETS})
      assert.equal(r.code, 0, r.stdout + r.stderr)
      const script = join(target, 'set-permissions.ps1')
      const ps = runPwsh(`& '${script.replace(/'/g, "''")}'`)
      assert.notEqual(ps.status, 0, ps.stdout)
      assert.match(flat(ps.stdout + ps.stderr), /is not an account here \(its name translates to no SID\)/)
      assert.doesNotMatch(ps.stdout, /granted/)
      // -WhatIf warns and still shows the plan.
      const what = runPwsh(`& '${script.replace(/'/g, "''")}' -WhatIf`)
      assert.equal(what.status, 0, what.stderr)
      assert.match(flat(what.stdout + what.stderr), /is not an account here/)
      assert.match(what.stdout, /^icacls /m)
    },
  )

  test("FileSystemRights: our names and values are .NET's, and what .NET prints we read to the same mask", () => {
    const r = runPwsh(`
      $t = [System.Security.AccessControl.FileSystemRights]
      $names = [ordered]@{}
      foreach ($n in [enum]::GetNames($t)) { $names[$n] = [int][enum]::Parse($t, $n) }
      $masks = @(0x1, 0x20089, 0x200a9, 0x116, 0x301bf, 0x1f01ff, (0x301bf -bor 0x100000), (0x200a9 -bor 0x100000), 0x116 -bor 0x20000, 0x10000 -bor 0x40, 0x40000 -bor 0x80000, 0x10000000, 0x20000000, 0x40000000, [int]0x80000000, [int]0xA0000000)
      $printed = @($masks | ForEach-Object { [pscustomobject]@{mask=[int]$_; text=[Enum]::ToObject($t, [int]$_).ToString()} })
      $types = @([enum]::GetNames([System.Security.AccessControl.AccessControlType]))
      ConvertTo-Json -Depth 3 -Compress -InputObject ([pscustomobject]@{names=$names; printed=$printed; types=$types})`)
    assert.equal(r.status, 0, r.stderr)
    const net = JSON.parse(r.stdout) as {
      names: Record<string, number>
      printed: {mask: number; text: string}[]
      types: string[]
    }
    assert.equal(Object.keys(net.names).length, 23)
    for (const [name, value] of Object.entries(net.names)) assert.equal(rightsMask(name), value, name)
    // What .NET prints (names joined by ", ", or the number for generic rights) reads back to the mask.
    for (const {mask, text} of net.printed) {
      const generic = (mask >>> 0) & 0xf0000000
      if (!generic) assert.equal(rightsMask(text), mask >>> 0, text)
      else {
        assert.match(text, /^-?\d+$/, 'generic rights print as numbers')
        assert.equal(rightsMask(text), rightsMask(mask), text)
        assert.ok(rightsMask(text) & 0x1, `${text} grants read`)
      }
    }
    assert.deepEqual(net.types, ['Allow', 'Deny'])
  })

  test('the ACLs script, run with the real .NET enums behind a stand-in Get-Acl, reads back what was granted', () => {
    // ACL objects and identities need Windows; the rules' rights and types are the real enums,
    // printed by the script as it is (the stand-in only replaces Get-Acl).
    const paths = ['/srv/idm/Runtime', "/srv/it's", '/srv/empty']
    const r = runPwsh(`
      # NTAccount and SecurityIdentifier need Windows: an identity that says its name and cannot translate.
      function Id([string]$n) { [pscustomobject]@{Value=$n} | Add-Member -PassThru ScriptMethod Translate { throw 'Windows only' } }
      function Get-Acl([string]$LiteralPath) {
        $r = [System.Security.AccessControl.FileSystemRights]
        $rules = switch -Exact ($LiteralPath) {
          '/srv/idm/Runtime' { @(
            [pscustomobject]@{IdentityReference=(Id 'CONTOSO\\svc-idm'); FileSystemRights=[Enum]::ToObject($r, 0x200a9 -bor 0x100000); AccessControlType=[System.Security.AccessControl.AccessControlType]::Allow; IsInherited=$true},
            [pscustomobject]@{IdentityReference=(Id 'CONTOSO\\svc-idm'); FileSystemRights=[Enum]::ToObject($r, 0x116); AccessControlType=[System.Security.AccessControl.AccessControlType]::Deny; IsInherited=$false}) }
          "/srv/it's" { @([pscustomobject]@{IdentityReference=(Id 'CREATOR OWNER'); FileSystemRights=[Enum]::ToObject($r, 0x10000000); AccessControlType=[System.Security.AccessControl.AccessControlType]::Allow; IsInherited=$true}) }
          default { @() }
        }
        [pscustomobject]@{Access=$rules}
      }
      ${aclsScript(paths)}`)
    assert.equal(r.status, 0, r.stderr)
    const acls = parseAclsJson(JSON.parse(r.stdout), paths)
    assert.equal(acls.length, 3)
    assert.deepEqual(
      acls[0]!.map((e) => [e.identity, rightsMask(e.rights), e.type, e.inherited]),
      [
        ['CONTOSO\\svc-idm', 0x200a9 | 0x100000, 'Allow', true],
        ['CONTOSO\\svc-idm', 0x116, 'Deny', false],
      ],
    )
    // SIDs need Windows to translate: the script leaves them empty rather than failing, and the
    // parser reads an empty one as none.
    assert.equal(acls[0]![0]!.sid, undefined)
    assert.equal(acls[1]![0]!.identity, 'CREATOR OWNER')
    assert.equal(rightsMask(acls[1]![0]!.rights), rightsMask(0x10000000))
    assert.deepEqual(acls[2], [])
  })
})
