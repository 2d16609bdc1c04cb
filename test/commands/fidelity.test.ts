import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {existsSync} from 'node:fs'
import {mkdir, readFile, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'
import {runCli, tempDir} from '../helpers/cli.js'
import {saasEnv} from '../helpers/envs.js'

let dir: string
let cleanup: () => Promise<void>
before(async () => ({dir, cleanup} = await tempDir()))
after(async () => cleanup())

const SECRETS = {IDM_PFX: 'Pfx-Pa55', IDM_JOB: 'Job-Secret-1', IDM_LICENSE: '{"LicensedTo":"Contoso","Signature":"x"}'}

/** A SaaS agent with PFX certificates and a Job client, whose working directory is `wd`. */
function agentEnv(wd: string, extra = ''): string {
  return `${saasEnv(wd)}    encryptionCertificate: { file: ./certs/agent-files.pfx, password: "\${env:IDM_PFX}" }
    identityServerCertificate: { file: ./certs/identityserver.pfx, password: "\${env:IDM_PFX}" }
    openIdClient: { id: Job, secret: "\${env:IDM_JOB}" }
${extra}`
}

/** What the runtime archive ships: the server's settings in Runtime, the agent's in Runtime/Agent. */
async function extractRuntime(wd: string): Promise<void> {
  await mkdir(join(wd, 'Runtime', 'Agent'), {recursive: true})
  await writeFile(
    join(wd, 'Runtime', 'appsettings.json'),
    JSON.stringify({
      ConnectionString: 'data source=.;Database=Usercube;Integrated Security=true',
      ApplicationUri: 'http://localhost:5000',
      Authentication: {RequireHttpsMetadata: false, AllowLocalLogin: true, TestUserStore: {Enabled: true}},
      IdentityServer: {X509KeyFilePath: './Usercube.pfx', X509KeyFilePassword: 'secret'},
    }),
  )
  await writeFile(
    join(wd, 'Runtime', 'appsettings.agent.json'),
    JSON.stringify({OpenId: {AgentIdentifier: 'Local'}, Connections: {BootstrapDemo: {Path: 'C:/demo'}}}),
  )
  await writeFile(
    join(wd, 'Runtime', 'Agent', 'appsettings.json'),
    '{\n  // the agent flavour\n  "Jobs": { "MaxTaskBatchSize": 5 },\n}\n',
  )
  await writeFile(join(wd, 'Runtime', 'Agent', 'appsettings.agent.json'), '{"Connections": {}}\n')
}

describe("a separate agent never builds on the server's settings", () => {
  test('scaffold replaces the shipped server files by Runtime/Agent (with --force, keeping .bak); the check and validate catch them', async () => {
    const wd = join(dir, 'agent')
    await extractRuntime(wd)
    const env = join(dir, 'agent.yaml')
    await writeFile(env, agentEnv(wd))

    // Before: the server's files are not an agent's, whatever they look like.
    const before = await runCli(['validate', env, '--workdir', wd])
    assert.equal(before.code, 2, before.stdout)
    assert.match(
      before.stdout,
      /ConnectionString {2}"ConnectionString" is a server setting: this is the server's appsettings\.json/,
    )
    assert.match(before.stdout, /Authentication\.TestUserStore/)
    const check = await runCli(['check', '-c', env, '--only', 'settings.files', '--stage', 'after'], {env: SECRETS})
    assert.equal(check.code, 3, check.stdout + check.stderr)
    assert.match(check.stdout, /FAIL {2}settings\.files +ContosoAD:appsettings\.json/)

    // Without --force: kept, and the output says why it would be replaced.
    const kept = await runCli(['scaffold', '-c', env, '--target', wd], {env: SECRETS})
    assert.match(
      kept.stdout,
      /skipped +Runtime\/appsettings\.json {2}\(the server's file \(ConnectionString, Authentication\.TestUserStore, Authentication\.AllowLocalLogin\): an agent's settings start from Runtime\/Agent\/appsettings\.json, replacing it/,
    )
    assert.match(await readFile(join(wd, 'Runtime', 'appsettings.json'), 'utf8'), /ConnectionString/)

    const forced = await runCli(['scaffold', '-c', env, '--target', wd, '--force'], {env: SECRETS})
    assert.ok([0, 3].includes(forced.code!), forced.stdout + forced.stderr)
    assert.match(
      forced.stdout,
      /updated +Runtime\/appsettings\.json .*replacing it \(settings-files page\); previous version kept as Runtime\/appsettings\.json\.bak/,
    )
    const main = JSON.parse(await readFile(join(wd, 'Runtime', 'appsettings.json'), 'utf8'))
    for (const k of ['ConnectionString', 'Authentication.TestUserStore'])
      assert.equal(
        k.split('.').reduce<unknown>((o, p) => (o as Record<string, unknown>)?.[p], main),
        undefined,
        k,
      )
    assert.deepEqual(main.Jobs, {MaxTaskBatchSize: 5}, "Runtime/Agent's keys are the base")
    assert.equal(main.ApplicationUri, 'https://contoso.usercube.com')
    const agent = JSON.parse(await readFile(join(wd, 'Runtime', 'appsettings.agent.json'), 'utf8'))
    assert.equal(agent.Connections.BootstrapDemo, undefined, "the server's bootstrap Connections are gone")
    assert.equal(agent.OpenId.AgentIdentifier, 'ContosoAD')
    assert.match(await readFile(join(wd, 'Runtime', 'appsettings.json.bak'), 'utf8'), /ConnectionString/)

    // After: valid; a re-run keeps the agent's files as they are (no replacement loop).
    const after = await runCli(['validate', env, '--workdir', wd])
    assert.doesNotMatch(after.stdout, /server setting/)
    const again = await runCli(['scaffold', '-c', env, '--target', wd], {env: SECRETS})
    assert.match(again.stdout, /unchanged +Runtime\/appsettings\.json/)
  })
})

describe('"@" in PFX passwords: the environment file holds the real password', () => {
  test('scaffold escapes every plain password holding "@", even one starting with "@"; the protected form verbatim', async () => {
    const cases: [string, string][] = [
      ['p@ss', '@p@ss'],
      ['@leading', '@@leading'],
      ['plain', 'plain'],
      [
        'QUJDREVGR0hJSktMTU5PUA==@UVJTVFVWV1hZWg==@YWJjZGVmZ2hpams=',
        'QUJDREVGR0hJSktMTU5PUA==@UVJTVFVWV1hZWg==@YWJjZGVmZ2hpams=',
      ],
    ]
    for (const [i, [real, written]] of cases.entries()) {
      const wd = join(dir, `at-${i}`)
      const env = join(dir, `at-${i}.yaml`)
      await writeFile(env, agentEnv(wd))
      const r = await runCli(['scaffold', '-c', env, '--target', wd], {env: {...SECRETS, IDM_PFX: real}})
      assert.equal(r.code, 0, r.stdout + r.stderr)
      const s = JSON.parse(await readFile(join(wd, 'Runtime', 'appsettings.json'), 'utf8'))
      assert.equal(s.EncryptionCertificate.Password, written, real)
      assert.equal(s.IdentityServer.X509KeyFilePassword, written, real)
    }
  })
})

describe('SaaS: the agent needs a License, and the environment file can give it', () => {
  test('server.license is valid in SaaS, scaffold writes it, settings.files is then satisfied', async () => {
    const wd = join(dir, 'lic')
    const env = join(dir, 'lic.yaml')
    await writeFile(
      env,
      agentEnv(wd).replace(
        '  url: https://contoso.usercube.com\n',
        '  url: https://contoso.usercube.com\n  license: "${env:IDM_LICENSE}"\n',
      ),
    )
    const v = await runCli(['validate', env])
    assert.equal(v.code, 0, v.stdout)
    const r = await runCli(['scaffold', '-c', env, '--target', wd], {env: SECRETS})
    assert.equal(r.code, 0, r.stdout + r.stderr)
    assert.equal(
      JSON.parse(await readFile(join(wd, 'Runtime', 'appsettings.json'), 'utf8')).License,
      SECRETS.IDM_LICENSE,
    )
    const w = await runCli(['validate', '--workdir', wd])
    assert.doesNotMatch(w.stdout, /no "License"/)
    // Without it, the warning says how to fix it.
    const wd2 = join(dir, 'nolic')
    const env2 = join(dir, 'nolic.yaml')
    await writeFile(env2, agentEnv(wd2))
    await runCli(['scaffold', '-c', env2, '--target', wd2], {env: SECRETS})
    const w2 = await runCli(['validate', '--workdir', wd2])
    assert.match(w2.stdout, /no "License".*set server\.license in the environment file/)
    assert.ok(existsSync(join(wd2, 'Runtime', 'appsettings.json')))
  })
})

describe('http:// is allowed and advised against, as the docs say', () => {
  test('validate warns (exit 0) for server.url and a settings ApplicationUri in http://', async () => {
    const file = join(dir, 'http.yaml')
    await writeFile(file, saasEnv(dir).replace('https://contoso.usercube.com', 'http://contoso.usercube.com'))
    const v = await runCli(['validate', file])
    assert.equal(v.code, 0, v.stdout)
    assert.match(
      v.stdout,
      /server\.url {2}warning: uses http:\/\/: the product accepts it, but the docs recommend HTTPS/,
    )
    const wd = join(dir, 'http-wd')
    await mkdir(join(wd, 'Runtime'), {recursive: true})
    await writeFile(join(wd, 'Runtime', 'appsettings.json'), JSON.stringify({ApplicationUri: 'http://idm.contoso.com'}))
    const w = await runCli(['validate', '--workdir', wd])
    assert.match(w.stdout, /ApplicationUri {2}warning: ApplicationUri uses http:\/\//)
    assert.doesNotMatch(w.stdout, /must use https/)
  })
})

describe('certificates scaffold references', () => {
  test('--generate-certificates prints the exact environment-file change, the password as its reference only', async () => {
    const wd = join(dir, 'gen')
    const env = join(dir, 'gen.yaml')
    await writeFile(env, agentEnv(wd))
    const r = await runCli(['scaffold', '-c', env, '--target', wd, '--generate-certificates'], {env: SECRETS})
    assert.equal(r.code, 0, r.stdout + r.stderr)
    assert.match(
      r.stdout,
      /The settings now use the generated certificate, but .*gen\.yaml names \.\/certs\/agent-files\.pfx in agents\[0\]\.encryptionCertificate: check would judge another file\. Change it to:\n {2}at agents\[0\]:\n {4}encryptionCertificate: \{ file: \.\/gen\/Certificates\/ContosoAD-Files\.pfx, password: "\$\{env:IDM_PFX\}" \}/,
    )
    assert.ok(!r.stdout.includes(SECRETS.IDM_PFX))
    const json = await runCli(['scaffold', '-c', env, '--target', wd, '--generate-certificates', '--json'], {
      env: SECRETS,
    })
    assert.equal(JSON.parse(json.stdout).environmentChange.field, 'agents[0].encryptionCertificate')
    // Once the file names it, nothing more is said.
    const fixed = join(dir, 'gen-fixed.yaml')
    await writeFile(fixed, agentEnv(wd).replace('./certs/agent-files.pfx', './gen/Certificates/ContosoAD-Files.pfx'))
    const quiet = await runCli(['scaffold', '-c', fixed, '--target', wd, '--generate-certificates'], {env: SECRETS})
    assert.doesNotMatch(quiet.stdout, /The settings now use the generated certificate/)
  })

  test('a PFX outside the working directory is said; --copy-certificates copies it to Runtime as ./name.pfx', async () => {
    const wd = join(dir, 'copy')
    const env = join(dir, 'copy.yaml')
    await mkdir(join(dir, 'certs'), {recursive: true})
    await writeFile(join(dir, 'certs', 'identityserver.pfx'), 'pfx bytes')
    await writeFile(join(dir, 'certs', 'agent-files.pfx'), 'other pfx bytes')
    await writeFile(env, agentEnv(wd))
    const said = await runCli(['scaffold', '-c', env, '--target', wd], {env: SECRETS})
    assert.match(
      said.stdout,
      /Certificates outside the working directory: the settings hold this path, which must exist on the product's host:/,
    )
    assert.match(said.stdout, new RegExp(`IdentityServer\\.X509KeyFilePath: ${dir}/certs/identityserver\\.pfx`))
    const copied = await runCli(['scaffold', '-c', env, '--target', wd, '--copy-certificates', '--force'], {
      env: SECRETS,
    })
    assert.equal(copied.code, 0, copied.stdout + copied.stderr)
    const s = JSON.parse(await readFile(join(wd, 'Runtime', 'appsettings.json'), 'utf8'))
    assert.equal(s.IdentityServer.X509KeyFilePath, './identityserver.pfx')
    assert.equal(s.EncryptionCertificate.File, './agent-files.pfx')
    assert.equal(await readFile(join(wd, 'Runtime', 'identityserver.pfx'), 'utf8'), 'pfx bytes')
    assert.match(
      await readFile(join(wd, 'set-permissions.sh'), 'utf8'),
      /grant_read '.*\/Runtime\/identityserver\.pfx'/,
    )
    assert.doesNotMatch(copied.stdout, /Certificates outside the working directory/)
  })

  test('--copy-certificates refuses a PFX that is a FIFO (exit 2), never blocks on it', async () => {
    const wd = join(dir, 'copy-fifo')
    const env = join(dir, 'copy-fifo.yaml')
    await mkdir(join(dir, 'fifo-certs'), {recursive: true})
    execFileSync('mkfifo', [join(dir, 'fifo-certs', 'identityserver.pfx')])
    await writeFile(env, agentEnv(wd).replace(/\.\/certs\/identityserver\.pfx/, './fifo-certs/identityserver.pfx'))
    const r = await runCli(['scaffold', '-c', env, '--target', wd, '--copy-certificates'], {
      env: SECRETS,
      timeoutMs: 15000,
    })
    assert.equal(r.code, 2, r.stdout + r.stderr)
    assert.match(r.stderr, /--copy-certificates: .*identityserver\.pfx is a FIFO \(named pipe\), not a regular file/)
  })

  test('validate says when an agent has no identityServerCertificate (scaffold could not fill it)', async () => {
    const file = join(dir, 'noidsrv.yaml')
    await writeFile(file, saasEnv(dir))
    const v = await runCli(['validate', file])
    assert.equal(v.code, 0)
    assert.match(
      v.stdout,
      /agents\[0\] {2}warning: no "identityServerCertificate": .*in SaaS, the PFX and password Netwrix gives you/,
    )
  })
})
