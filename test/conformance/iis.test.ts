import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {mkdir, readFile, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'
import {parse} from 'yaml'
import iis, {siteFindings} from '../../checks/host-iis.js'
import type {Finding} from '../../src/model/check.js'
import {planChecks} from '../../src/run/planner.js'
import {loadCertificateFile} from '../../src/probes/pki/certificates.js'
import {IIS_SITES_SCRIPT, parseIisSites} from '../../src/product/iis.js'
import {powershellArgs} from '../../src/probes/windows/windows.js'
import {ENVS, SECRETS} from '../fixtures/scaffold-envs.js'
import {runCli, tempDir} from '../helpers/cli.js'
import {NO_PWSH, parseErrors, pwsh} from '../helpers/dotnet.js'

/**
 * install-iis-site.ps1 (scaffold) and host.iis's WebAdministration script, run by real PowerShell
 * against a stand-in for WebAdministration and the Cert: drive (test/conformance/iis-standin.ps1:
 * IIS itself needs Windows). What this proves: both scripts parse; the install script's -WhatIf
 * changes nothing, a first run makes what the docs ask, a second run changes nothing, hostile
 * names stay data; and what host.iis reads back from the result passes, while the states it must
 * not pass (IIS defaults, another identity, no certificate) fail. What it cannot prove: that real
 * IIS takes the same property names and values (the fixtures' README says how they were written).
 */

const STANDIN = join(import.meta.dirname, 'iis-standin.ps1')
const THUMB = '0123456789ABCDEF0123456789ABCDEF01234567'
const LATER = '2030-01-01T00:00:00Z'

interface State {
  pools?: Record<string, Record<string, unknown>>
  sites?: Record<string, Record<string, unknown>>
  certs?: {Thumbprint: string; Subject: string; Store: string; NotAfter: string}[]
  pfx?: Record<string, {password: string; thumbprint: string; subject: string; notAfter: string}>
  noWebAdministration?: boolean
  calls?: string[]
}

/** The environments: each golden topology with a tlsCertificate of each kind. */
const VARIANTS: Record<string, {env: string; owner: string; credential?: [string, string]}> = {
  'separate, store thumbprint': {
    env: ENVS['separate-store']!.replace(
      '    openIdClient:',
      `    tlsCertificate: { store: { thumbprint: ${THUMB.toLowerCase()}, storeLocation: LocalMachine, storeName: My } }\n    openIdClient:`,
    ),
    owner: 'ContosoAD',
  },
  'saas, PFX file': {
    env: ENVS['saas-pfx']!.replace(
      '    openIdClient:',
      '    tlsCertificate: { file: ./certs/agent-ssl.pfx, password: "${env:IDM_PFX}" }\n    openIdClient:',
    ),
    owner: 'ContosoAD',
    // A local account of the agent's host: the pool's identity needs its password once.
    credential: ['svc-idm', 'Local-Pa55-word'],
  },
  'integrated, store subject': {
    env: ENVS['integrated-pfx']!.replace(
      '  license:',
      '  tlsCertificate: { store: { subject: "CN=idm.contoso.com", storeLocation: LocalMachine, storeName: My } }\n  license:',
    ),
    owner: 'server',
    // A domain account: the pool's identity needs its password once.
    credential: ['CONTOSO\\svc-idm', 'Pool-Pa55-word'],
  },
}

// Each test has its own files: they run side by side (each PowerShell start costs a second or two).
describe('install-iis-site.ps1 and host.iis under PowerShell', {skip: NO_PWSH, concurrency: 4}, () => {
  let dir: string
  let cleanup: () => Promise<void>
  let sitesScript: string
  let pfxThumb: string
  before(async () => {
    ;({dir, cleanup} = await tempDir())
    // host.iis's script as powershell.exe receives it (with the prelude that makes errors stop it).
    sitesScript = join(dir, 'sites.ps1')
    await writeFile(sitesScript, powershellArgs(IIS_SITES_SCRIPT).at(-1)!)
    // The PFX the saas variant names, made by cert create: scaffold reads its thumbprint; the
    // stand-in's Import-PfxCertificate knows it by path.
    await mkdir(join(dir, 'certs'))
    const pfx = join(dir, 'certs', 'agent-ssl.pfx')
    const made = await runCli(
      ['cert', 'create', '-o', pfx, '--subject', 'CN=idm-agent.contoso.com', '--password-env', 'IDM_PFX'],
      {env: SECRETS},
    )
    assert.equal(made.code, 0, made.stdout + made.stderr)
    const opened = await loadCertificateFile(pfx, SECRETS.IDM_PFX)
    assert.ok(opened.ok)
    pfxThumb = opened.file.leaf!.thumbprint
  })
  after(async () => cleanup?.())

  let n = 0
  /** Scaffolds the environment with its working directory moved here; returns the text host.iis plans from. */
  async function scaffold(text: string, name?: string): Promise<{target: string; script: string; env: string}> {
    const envFile = join(dir, `env-${++n}.yaml`)
    const target = join(dir, name ?? `wd-${n}`)
    const envText = text.replace(
      /workingDirectory: \/srv\/idm(-agent)?$/gm,
      `workingDirectory: ${JSON.stringify(target)}`,
    )
    assert.notEqual(envText, text)
    await writeFile(envFile, envText)
    const r = await runCli(['scaffold', '-c', envFile, '--target', target], {env: SECRETS})
    assert.equal(r.code, 0, r.stdout + r.stderr)
    assert.match(r.stdout, /created\s+install-iis-site\.ps1/)
    return {target, script: join(target, 'install-iis-site.ps1'), env: envText}
  }

  /** Runs a script in the stand-in; returns its output and the state it left. */
  async function run(
    state: State,
    script: string,
    o: {whatIf?: boolean; credential?: [string, string]; pfxPassword?: string} = {},
  ): Promise<{status: number | null; out: string; state: State}> {
    const file = join(dir, `state-${++n}.json`)
    await writeFile(file, JSON.stringify(state))
    const args = ['-NoLogo', '-NoProfile', '-NonInteractive', '-File', STANDIN, '-State', file, '-Script', script]
    if (o.whatIf) args.push('-WhatIf')
    if (o.credential) args.push('-CredentialUser', o.credential[0], '-CredentialPassword', o.credential[1])
    if (o.pfxPassword) args.push('-PfxPassword', o.pfxPassword)
    const r = await new Promise<{status: number | null; out: string}>((done) => {
      const child = spawn(pwsh!, args, {stdio: ['ignore', 'pipe', 'pipe']})
      let out = ''
      child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')))
      child.stderr.on('data', (d: Buffer) => (out += d.toString('utf8')))
      child.on('close', (status) => done({status, out}))
    })
    return {
      status: r.status,
      // eslint-disable-next-line no-control-regex
      out: r.out.replace(/\x1b\[[0-9;]*m/g, ''),
      state: JSON.parse(await readFile(file, 'utf8')) as State,
    }
  }

  /** host.iis on the state: its script run in the stand-in, parsed, judged with the planned params. */
  async function judge(state: State, envText: string, owner: string, expectedThumbprint?: string): Promise<Finding[]> {
    const r = await run(state, sitesScript)
    assert.equal(r.status, 0, r.out)
    assert.deepEqual(r.state.calls, [], 'reading changes nothing')
    const facts = parseIisSites(JSON.parse(r.out))
    const env = parse(envText)
    const plan = planChecks(env, [iis], {stage: 'after', baseDir: dir, platform: 'win32'})
    const inst = plan.find((i) => i.target === owner)!
    assert.ok(inst && !inst.skip, `${owner} is planned`)
    const p = (inst.params as {site: Parameters<typeof siteFindings>[0]}).site
    return siteFindings(p, {kind: 'site', ...facts, ...(expectedThumbprint ? {expectedThumbprint} : {})}, new Date())
  }

  const certs = (): State['certs'] => [
    {Thumbprint: THUMB, Subject: 'CN=idm-agent.contoso.com', Store: 'My', NotAfter: LATER},
    {Thumbprint: 'ABCDEF'.repeat(6) + 'ABCD', Subject: 'CN=idm.contoso.com', Store: 'My', NotAfter: LATER},
  ]

  test(
    "every install-iis-site.ps1 scaffold writes parses, and so does host.iis's script",
    {timeout: 60_000},
    async () => {
      const scripts: Record<string, string> = {
        'host.iis sites': IIS_SITES_SCRIPT,
        'host.iis sites, as run': powershellArgs(IIS_SITES_SCRIPT).at(-1)!,
      }
      for (const [name, env] of Object.entries({
        ...ENVS,
        ...Object.fromEntries(Object.entries(VARIANTS).map(([k, v]) => [k, v.env])),
      })) {
        const {script} = await scaffold(env)
        scripts[name] = await readFile(script, 'utf8')
      }
      assert.equal(Object.keys(scripts).length, 2 + Object.keys(ENVS).length + Object.keys(VARIANTS).length)
      const errors = await parseErrors(dir, scripts)
      assert.deepEqual(
        Object.entries(errors).filter(([, e]) => e.length > 0),
        [],
      )
    },
  )

  for (const [name, v] of Object.entries(VARIANTS))
    test(
      `${name}: -WhatIf changes nothing; a run makes what host.iis passes; a second run changes nothing`,
      {timeout: 120_000},
      async () => {
        const {script, target, env: e} = await scaffold(v.env)
        const pfx = join(dir, 'certs', 'agent-ssl.pfx')
        const host: State = {
          certs: certs(),
          pfx: {
            [pfx]: {
              password: SECRETS.IDM_PFX,
              thumbprint: pfxThumb,
              subject: 'CN=idm-agent.contoso.com',
              notAfter: LATER,
            },
          },
        }
        // Nothing there yet: host.iis must not pass.
        const none = await judge(host, e, v.owner)
        assert.deepEqual(
          none.map((f) => f.status),
          ['fail'],
        )
        assert.match(none[0]!.message, new RegExp(`no IIS site serves ${target.replace(/[/\\]/g, '.')}.Runtime`))

        const whatIf = await run(host, script, {whatIf: true, pfxPassword: SECRETS.IDM_PFX})
        assert.equal(whatIf.status, 0, whatIf.out)
        assert.deepEqual(whatIf.state.calls, [])
        assert.deepEqual(whatIf.state.pools, {})
        assert.deepEqual(whatIf.state.sites, {})
        assert.match(whatIf.out, /What if: Performing the operation "create" on target "pool Usercube"/)
        assert.match(
          whatIf.out,
          /What if: Performing the operation "create on .*Runtime, pool Usercube, https \*:443:idm(-agent)?\.contoso\.com" on target "site Usercube(Agent)?Contoso"/,
        )

        const first = await run(host, script, {
          pfxPassword: SECRETS.IDM_PFX,
          ...(v.credential ? {credential: v.credential} : {}),
        })
        assert.equal(first.status, 0, first.out)
        assert.ok(first.state.calls!.includes('New-WebAppPool Usercube'), first.out)
        assert.ok(
          first.state.calls!.some((c) => c.startsWith('New-Website ')),
          first.out,
        )
        assert.ok(
          first.state.calls!.some((c) => c.startsWith('AddSslCertificate ')),
          first.out,
        )
        assert.ok(!first.out.includes(SECRETS.IDM_PFX), 'the PFX password is never printed')
        if (v.credential) assert.ok(!first.out.includes(v.credential[1]), 'the account password is never printed')
        const made = await judge(first.state, e, v.owner, pfxThumb)
        assert.deepEqual(
          made.map((f) => f.status),
          ['pass'],
          JSON.stringify(made, null, 1),
        )

        const second = await run({...first.state, calls: []}, script, {pfxPassword: SECRETS.IDM_PFX})
        assert.equal(second.status, 0, second.out)
        assert.deepEqual(second.state.calls, [], second.out)
        assert.match(second.out, /nothing to change/)
      },
    )

  test(
    'a site and pool at IIS defaults: host.iis fails the mandatory setting, warns on the recommended ones; the script sets them all; then it passes',
    {timeout: 120_000},
    async () => {
      const v = VARIANTS['separate, store thumbprint']!
      const {script, target, env: e} = await scaffold(v.env)
      const runtime = join(target, 'Runtime')
      const host: State = {
        certs: certs(),
        pools: {
          Usercube: {
            managedRuntimeVersion: 'v4.0',
            startMode: 'OnDemand',
            state: 'Started',
            processModel: {
              identityType: 'NetworkService',
              userName: '',
              password: '',
              idleTimeout: '00:20:00',
              loadUserProfile: false,
            },
            recycling: {periodicRestart: {time: '1.05:00:00'}},
          },
        },
        sites: {
          IdmAgent: {
            physicalPath: runtime,
            applicationPool: 'Usercube',
            state: 'Started',
            applicationDefaults: {preloadEnabled: false},
            bindings: [
              {
                protocol: 'http',
                bindingInformation: '*:80:',
                sslFlags: 0,
                certificateHash: '',
                certificateStoreName: '',
              },
            ],
          },
        },
      }
      const before = await judge(host, e, v.owner)
      const failed = before.filter((f) => f.status === 'fail').map((f) => f.message)
      const warned = before.filter((f) => f.status === 'warn').map((f) => f.message)
      for (const m of [
        /No Managed Code/,
        /runs as NetworkService, not as IIS AppPool\\Usercube/,
        /has no https idm-agent\.contoso\.com:443 binding/,
      ])
        assert.ok(
          failed.some((x) => m.test(x)),
          `${m}: ${failed.join('\n')}`,
        )
      // The agent and server pages recommend these (not required): warnings.
      for (const m of [/AlwaysRunning/, /idle time-out 20 min/, /Load User Profile is off/, /recycled every 1740 min/])
        assert.ok(
          warned.some((x) => m.test(x)) && !failed.some((x) => m.test(x)),
          `${m}: warned ${warned.join('\n')}; failed ${failed.join('\n')}`,
        )

      // The site made by hand for this runtime is brought in line under its own name, not doubled.
      const fixed = await run(host, script)
      assert.equal(fixed.status, 0, fixed.out)
      assert.match(fixed.out, /site IdmAgent serves .*Runtime already: bringing it in line/)
      assert.deepEqual(Object.keys(fixed.state.sites!), ['IdmAgent'])
      assert.ok(!fixed.state.calls!.some((c) => c.startsWith('New-Website')), fixed.state.calls!.join('\n'))
      for (const c of [
        'Set-ItemProperty IIS:\\AppPools\\Usercube managedRuntimeVersion ',
        'Set-ItemProperty IIS:\\AppPools\\Usercube startMode AlwaysRunning',
        'Set-ItemProperty IIS:\\AppPools\\Usercube processModel.idleTimeout 00:00:00',
        'Set-ItemProperty IIS:\\AppPools\\Usercube processModel.loadUserProfile True',
        'Set-ItemProperty IIS:\\AppPools\\Usercube recycling.periodicRestart.time 00:00:00',
        'Set-ItemProperty IIS:\\AppPools\\Usercube processModel.identityType ApplicationPoolIdentity',
        'New-WebBinding IdmAgent https *:443:idm-agent.contoso.com sslFlags=1',
        'Set-ItemProperty IIS:\\Sites\\IdmAgent applicationDefaults.preloadEnabled True',
        `AddSslCertificate *:443:idm-agent.contoso.com ${THUMB} My`,
      ])
        assert.ok(fixed.state.calls!.includes(c), `${c}\n${fixed.state.calls!.join('\n')}`)
      // Nothing is removed: the http binding stays.
      assert.equal((fixed.state.sites!.IdmAgent!.bindings as unknown[]).length, 2)
      assert.deepEqual(
        (await judge(fixed.state, e, v.owner)).map((f) => f.status),
        ['pass'],
      )
      const again = await run({...fixed.state, calls: []}, script)
      assert.deepEqual(again.state.calls, [], again.out)
    },
  )

  test(
    'an existing site of that name: its path, pool, binding and certificate are corrected; a rerun changes nothing',
    {timeout: 120_000},
    async () => {
      const v = VARIANTS['separate, store thumbprint']!
      const {script, target, env: e} = await scaffold(v.env)
      const host: State = {
        certs: [...certs()!, {Thumbprint: 'AB'.repeat(20), Subject: 'CN=old', Store: 'My', NotAfter: LATER}],
        pools: {
          Usercube: {
            managedRuntimeVersion: '',
            startMode: 'AlwaysRunning',
            state: 'Started',
            processModel: {
              identityType: 'ApplicationPoolIdentity',
              userName: '',
              password: '',
              idleTimeout: '00:00:00',
              loadUserProfile: true,
            },
            recycling: {periodicRestart: {time: '00:00:00'}},
          },
          DefaultAppPool: {
            managedRuntimeVersion: 'v4.0',
            startMode: 'OnDemand',
            state: 'Started',
            processModel: {identityType: 'ApplicationPoolIdentity', idleTimeout: '00:20:00', loadUserProfile: true},
            recycling: {periodicRestart: {time: '1.05:00:00'}},
          },
        },
        sites: {
          UsercubeAgentContoso: {
            physicalPath: 'C:\\old\\Runtime',
            applicationPool: 'DefaultAppPool',
            state: 'Started',
            applicationDefaults: {preloadEnabled: true},
            bindings: [
              {
                protocol: 'https',
                bindingInformation: '*:443:idm-agent.contoso.com',
                sslFlags: 1,
                certificateHash: 'AB'.repeat(20),
                certificateStoreName: 'My',
              },
            ],
          },
        },
      }
      const r = await run(host, script)
      assert.equal(r.status, 0, r.out)
      assert.deepEqual(r.state.calls, [
        `Set-ItemProperty IIS:\\Sites\\UsercubeAgentContoso physicalPath ${join(target, 'Runtime')}`,
        'Set-ItemProperty IIS:\\Sites\\UsercubeAgentContoso applicationPool Usercube',
        'RemoveSslCertificate *:443:idm-agent.contoso.com',
        `AddSslCertificate *:443:idm-agent.contoso.com ${THUMB} My`,
      ])
      assert.match(r.out, /bind certificate 0123.* \(was ABAB/)
      // DefaultAppPool is not touched: only the pool the script owns.
      assert.deepEqual(r.state.pools!.DefaultAppPool, host.pools!.DefaultAppPool)
      assert.deepEqual(
        (await judge(r.state, e, v.owner)).map((f) => f.status),
        ['pass'],
      )
      const again = await run({...r.state, calls: []}, script)
      assert.deepEqual(again.state.calls, [], again.out)
    },
  )

  test(
    'hostile account, organization and host name stay data: exact names, nothing injected',
    {timeout: 120_000},
    async () => {
      const account = "IIS AppPool\\it's \u2018x\u2019 $(Write-Output INJECTED) `y"
      const env = ENVS['saas-pfx']!.replace(
        'serviceAccount: svc-idm',
        `serviceAccount: ${JSON.stringify(account)}`,
      ).replace('organization: Contoso', 'organization: "Con\'toso $(Write-Output INJECTED); `rm"')
      // The working directory's own name is hostile too (and outside ASCII: the script gets a BOM).
      const {script, target} = await scaffold(env, "wd it's \u2019$(Write-Output INJECTED) `n")
      assert.deepEqual([...(await readFile(script)).subarray(0, 3)], [0xef, 0xbb, 0xbf])
      const r = await run({}, script)
      assert.equal(r.status, 0, r.out)
      // Write-Output never ran: no line of its own.
      assert.doesNotMatch(r.out, /^INJECTED$/m)
      assert.deepEqual(Object.keys(r.state.pools!), ["it's \u2018x\u2019 $(Write-Output INJECTED) `y"])
      // A site name keeps letters, digits, '.', '-' and '_' of the organization.
      assert.deepEqual(Object.keys(r.state.sites!), ['UsercubeAgentContosoWrite-OutputINJECTEDrm'])
      assert.equal(Object.values(r.state.sites!)[0]!.physicalPath, join(target, 'Runtime'))
      assert.equal(
        r.state.pools![Object.keys(r.state.pools!)[0]!]!.processModel!['identityType' as never],
        'ApplicationPoolIdentity',
      )
    },
  )

  test(
    'a domain account: without -Credential a warning and host.iis fails; with it the pool runs as it, the password never shown',
    {timeout: 120_000},
    async () => {
      const v = VARIANTS['integrated, store subject']!
      const {script, env: e} = await scaffold(v.env)
      const host: State = {certs: certs()}
      const bare = await run(host, script)
      assert.equal(bare.status, 0, bare.out)
      assert.match(
        bare.out,
        /WARNING: pool Usercube does not run as CONTOSO\\svc-idm: run again with -Credential \(Get-Credential 'CONTOSO\\svc-idm'\)/,
      )
      const without = await judge(bare.state, e, v.owner)
      assert.ok(
        without.some(
          (f) => f.status === 'fail' && /runs as IIS AppPool\\Usercube, not as CONTOSO\\svc-idm/.test(f.message),
        ),
      )
      const password = 'Pool-Pa55-word'
      const withIt = await run({...bare.state, calls: []}, script, {credential: ['CONTOSO\\svc-idm', password]})
      assert.equal(withIt.status, 0, withIt.out)
      assert.ok(!withIt.out.includes(password))
      assert.deepEqual(withIt.state.calls, [
        `Set-ItemProperty IIS:\\AppPools\\Usercube processModel processModel{identityType=SpecificUser,password=<${password.length} chars>,userName=CONTOSO\\svc-idm}`,
      ])
      assert.deepEqual(
        (await judge(withIt.state, e, v.owner)).map((f) => f.status),
        ['pass'],
      )
    },
  )

  test(
    'a gMSA runs the pool without a password; a wrong PFX password stops the script, unprinted',
    {timeout: 120_000},
    async () => {
      const gmsa = VARIANTS['separate, store thumbprint']!.env.replace(
        'serviceAccount: IIS AppPool\\Usercube',
        'serviceAccount: CONTOSO\\gmsa-idm$',
      )
      const {script} = await scaffold(gmsa)
      const r = await run({certs: certs()}, script)
      assert.equal(r.status, 0, r.out)
      assert.ok(
        r.state.calls!.includes(
          'Set-ItemProperty IIS:\\AppPools\\Usercube processModel processModel{identityType=SpecificUser,password=<0 chars>,userName=CONTOSO\\gmsa-idm$}',
        ),
        r.state.calls!.join('\n'),
      )
      assert.doesNotMatch(r.out, /WARNING: pool/)

      const pfxEnv = VARIANTS['saas, PFX file']!
      const {script: pfxScript} = await scaffold(pfxEnv.env)
      const pfx = join(dir, 'certs', 'agent-ssl.pfx')
      const wrong = 'Wrong-Pfx-Pa55'
      const bad = await run(
        {pfx: {[pfx]: {password: SECRETS.IDM_PFX, thumbprint: THUMB, subject: 'CN=x', notAfter: LATER}}},
        pfxScript,
        {pfxPassword: wrong},
      )
      assert.notEqual(bad.status, 0, bad.out)
      assert.match(bad.out, /requires either a different[\s|]+password/)
      assert.ok(!bad.out.includes(wrong) && !bad.out.includes(SECRETS.IDM_PFX))
      assert.ok(!bad.state.calls!.some((c) => c.startsWith('AddSslCertificate')))
    },
  )

  test('host.iis on a host without WebAdministration fails saying how to add it', async () => {
    const v = VARIANTS['separate, store thumbprint']!
    const f = await judge({noWebAdministration: true}, v.env, v.owner)
    assert.deepEqual(
      f.map((x) => x.status),
      ['fail'],
    )
    assert.match(f[0]!.remediation!, /IIS Management Scripts and Tools/)
  })
})
