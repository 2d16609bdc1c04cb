import assert from 'node:assert/strict'
import {existsSync} from 'node:fs'
import {mkdir, readdir, readFile, stat, writeFile} from 'node:fs/promises'
import {join, relative} from 'node:path'
import {after, before, describe, test} from 'node:test'
import {XMLParser, XMLValidator} from 'fast-xml-parser'
import {readWebConfig} from '../../src/scaffold/render.js'
import {ENVS, SECRETS} from '../fixtures/scaffold-envs.js'
import {hasStackTrace, ROOT, runCli, tempDir} from '../helpers/cli.js'

async function tree(dir: string): Promise<string[]> {
  const out: string[] = []
  const walk = async (d: string) => {
    for (const e of (await readdir(d, {withFileTypes: true})).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(d, e.name)
      if (e.isDirectory()) {
        out.push(`${relative(dir, p)}/`)
        await walk(p)
      } else out.push(relative(dir, p))
    }
  }
  await walk(dir)
  return out
}

describe('scaffold', () => {
  let dir: string
  let cleanup: () => Promise<void>
  before(async () => {
    ;({dir, cleanup} = await tempDir())
    for (const [name, text] of Object.entries(ENVS)) await writeFile(join(dir, `${name}.yaml`), text)
  })
  after(() => cleanup())

  for (const name of Object.keys(ENVS)) {
    test(`golden tree: ${name}`, {timeout: 60_000}, async () => {
      const target = join(dir, 'out', name)
      const r = await runCli(['scaffold', '-c', join(dir, `${name}.yaml`), '--target', target], {env: SECRETS})
      assert.equal(r.code, 0, r.stdout + r.stderr)
      for (const v of Object.values(SECRETS)) assert.ok(!(r.stdout + r.stderr).includes(v), 'a secret was printed')
      const golden = join(ROOT, 'test', 'fixtures', 'golden', name)
      const files = await tree(target)
      const normalize = (s: string) => s.split(target).join('<TARGET>').split(dir).join('<ENV>')
      if (process.env.UPDATE_GOLDEN) {
        await mkdir(golden, {recursive: true})
        await writeFile(join(golden, 'TREE'), `${files.join('\n')}\n`)
        for (const f of files.filter((x) => !x.endsWith('/'))) {
          await mkdir(join(golden, f, '..'), {recursive: true})
          await writeFile(join(golden, f), normalize(await readFile(join(target, f), 'utf8')))
        }
      }
      assert.equal(
        `${files.join('\n')}\n`,
        await readFile(join(golden, 'TREE'), 'utf8'),
        'the tree (UPDATE_GOLDEN=1 rewrites the golden files)',
      )
      for (const f of files.filter((x) => !x.endsWith('/'))) {
        assert.equal(normalize(await readFile(join(target, f), 'utf8')), await readFile(join(golden, f), 'utf8'), f)
      }
      // Settings files are 0600; the web.config is XML; what scaffold wrote passes validate --workdir.
      assert.equal((await stat(join(target, 'Runtime', 'appsettings.json'))).mode & 0o777, 0o600)
      assert.equal(XMLValidator.validate(await readFile(join(target, 'Runtime', 'web.config'), 'utf8')), true)
      const v = await runCli(['validate', join(dir, `${name}.yaml`), '--workdir', target], {env: SECRETS})
      assert.equal(v.code, 0, v.stdout)
      // A second run changes nothing.
      const again = await runCli(['scaffold', '-c', join(dir, `${name}.yaml`), '--target', target, '--json'], {
        env: SECRETS,
      })
      const out = JSON.parse(again.stdout)
      assert.deepEqual([...new Set(out.items.map((i: {action: string}) => i.action))], ['unchanged'])
    })
  }

  test('the separate agent with store certificates references them by thumbprint and subject', async () => {
    const s = JSON.parse(await readFile(join(dir, 'out', 'separate-store', 'Runtime', 'appsettings.json'), 'utf8'))
    assert.deepEqual(s.EncryptionCertificate, {
      Thumbprint: '0123456789ABCDEF0123456789ABCDEF01234567',
      StoreLocation: 'LocalMachine',
      StoreName: 'My',
    })
    assert.deepEqual(s.IdentityServer, {
      X509StoreLocation: 'LocalMachine',
      X509StoreName: 'My',
      X509SubjectDistinguishedName: 'CN=Contoso IdentityServer',
    })
    assert.equal(s.License, SECRETS.IDM_LICENSE)
    const web = readWebConfig(await readFile(join(dir, 'out', 'separate-store', 'Runtime', 'web.config'), 'utf8'))
    assert.deepEqual(web, {
      arguments: './Usercube-Agent.dll',
      stdoutLogFile: '../Temp/stdout-agent.log',
      environment: {HTTPS_PROXY: 'http://proxy.contoso.com:8080', NO_PROXY: '.contoso.com'},
    })
  })

  test('never overwrites a file that differs without --force; --force keeps a .bak', async () => {
    const target = join(dir, 'out', 'force')
    const args = ['scaffold', '-c', join(dir, 'saas-pfx.yaml'), '--target', target]
    assert.equal((await runCli(args, {env: SECRETS})).code, 0)
    const file = join(target, 'Runtime', 'appsettings.json')
    await writeFile(file, '{"mine": true}\n')
    const kept = await runCli(args, {env: SECRETS})
    // A kept file that differs is exit 3, so that CI notices.
    assert.equal(kept.code, 3)
    assert.match(kept.stdout, /skipped +Runtime\/appsettings\.json {2}\(exists and differs: kept/)
    assert.equal(await readFile(file, 'utf8'), '{"mine": true}\n')
    const forced = await runCli([...args, '--force'], {env: SECRETS})
    assert.match(
      forced.stdout,
      /updated +Runtime\/appsettings\.json {2}\(mode 600, previous version kept as Runtime\/appsettings\.json\.bak\)/,
    )
    assert.equal(await readFile(`${file}.bak`, 'utf8'), '{"mine": true}\n')
    // The user's extra key survives: their file is the base that scaffold completes.
    assert.equal(JSON.parse(await readFile(file, 'utf8')).mine, true)
  })

  test('--dry-run writes nothing and shows unified diffs, secrets redacted', async () => {
    const target = join(dir, 'out', 'dry')
    const r = await runCli(['scaffold', '-c', join(dir, 'saas-pfx.yaml'), '--target', target, '--dry-run'], {
      env: SECRETS,
    })
    assert.equal(r.code, 0)
    assert.equal(existsSync(target), false)
    assert.match(r.stdout, /would be created +Runtime\/appsettings\.json/)
    assert.match(r.stdout, /^\+\+\+ b\/Runtime\/appsettings\.agent\.json\t?$/m)
    assert.match(r.stdout, /"Job": "\*\*\*"/)
    for (const v of Object.values(SECRETS)) assert.ok(!r.stdout.includes(v))
  })

  test('a crash between write and rename leaves the old file intact', async () => {
    const target = join(dir, 'out', 'crash')
    const args = ['scaffold', '-c', join(dir, 'saas-pfx.yaml'), '--target', target]
    assert.equal((await runCli(args, {env: SECRETS})).code, 0)
    const file = join(target, 'Runtime', 'appsettings.json')
    await writeFile(file, '{"old": "content"}\n')
    const r = await runCli([...args, '--force'], {
      env: {...SECRETS, IDM_PREFLIGHT_TEST_CRASH_BEFORE_RENAME: 'appsettings.json'},
    })
    assert.equal(r.code, null, 'killed')
    assert.equal(await readFile(file, 'utf8'), '{"old": "content"}\n')
  })

  test('paths with spaces and non-ASCII letters, values with quotes, backslashes and &', async () => {
    const envDir = join(dir, 'Dossier été & co')
    await mkdir(envDir, {recursive: true})
    const env = ENVS['saas-pfx']!.replace('noProxy: .contoso.com', 'noProxy: ".contoso.com,a&b"').replace(
      'url: https://idm-agent.contoso.com',
      'url: https://idm-agent.contoso.com\n    sourcesRootPaths: [\'C:\\Données\\Sources "x"\']',
    )
    await writeFile(join(envDir, 'env.yaml'), env)
    const target = join(dir, 'Cible avec espaces ü')
    const secrets = {...SECRETS, IDM_JOB: `a"b\\c&d<e>'f`, IDM_PFX: 'p@ss'}
    const r = await runCli(['scaffold', '-c', join(envDir, 'env.yaml'), '--target', target], {env: secrets})
    assert.equal(r.code, 0, r.stdout + r.stderr)
    const agent = JSON.parse(await readFile(join(target, 'Runtime', 'appsettings.agent.json'), 'utf8'))
    assert.equal(agent.OpenId.OpenIdClients.Job, `a"b\\c&d<e>'f`)
    assert.deepEqual(agent.SourcesRootPaths, ['C:/Données/Sources "x"'])
    const main = JSON.parse(await readFile(join(target, 'Runtime', 'appsettings.json'), 'utf8'))
    assert.equal(main.EncryptionCertificate.File, `${envDir}/certs/agent-files.pfx`)
    assert.equal(main.EncryptionCertificate.Password, '@p@ss', 'a plain password with @ is escaped')
    const xml = await readFile(join(target, 'Runtime', 'web.config'), 'utf8')
    assert.equal(XMLValidator.validate(xml), true)
    const parsed = new XMLParser({ignoreAttributes: false}).parse(xml)
    const vars = [
      parsed.configuration.location['system.webServer'].aspNetCore.environmentVariables.environmentVariable,
    ].flat()
    assert.deepEqual(
      vars.map((v: Record<string, string>) => v['@_value']),
      ['http://proxy.contoso.com:8080', '.contoso.com,a&b'],
    )
    const sh = await readFile(join(target, 'set-permissions.sh'), 'utf8')
    assert.ok(sh.includes(`ROOT='${target}'`), sh)
    // Windows PowerShell 5.1 reads a .ps1 without a BOM in the ANSI code page: a script holding
    // "ü" starts with the UTF-8 BOM, so that it reads back the same path.
    for (const f of ['set-permissions.ps1', 'install-iis-site.ps1']) {
      const bytes = await readFile(join(target, f))
      assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], f)
      assert.ok(bytes.toString('utf8').includes(`$Root = '${target}'`), f)
    }
  })

  test('an ASCII PowerShell script has no BOM', async () => {
    const target = join(dir, 'ascii-ps1')
    const r = await runCli(['scaffold', '-c', join(dir, 'saas-pfx.yaml'), '--target', target], {env: SECRETS})
    assert.equal(r.code, 0, r.stdout + r.stderr)
    for (const f of ['set-permissions.ps1', 'install-iis-site.ps1'])
      assert.equal((await readFile(join(target, f)))[0], '<'.charCodeAt(0), f)
  })

  test('an extracted runtime is the base: shipped agent settings, web.config updated in place, file names detected', async () => {
    const target = join(dir, 'out', 'shipped')
    await mkdir(join(target, 'Runtime', 'Agent'), {recursive: true})
    await writeFile(join(target, 'Runtime', 'Identitymanager-Agent.dll'), '')
    await writeFile(
      join(target, 'Runtime', 'Agent', 'appsettings.json'),
      '{\n  // shipped by the product\n  "ApplicationUri": "https://old.example.com",\n  "Jobs": { "MaxTaskBatchSize": 5, },\n}\n',
    )
    await writeFile(
      join(target, 'Runtime', 'web.config'),
      '<?xml version="1.0" encoding="utf-8"?>\n<configuration>\n  <!-- shipped -->\n  <system.webServer>\n    <security><requestFiltering removeServerHeader="true" /></security>\n    <aspNetCore processPath="dotnet" arguments="./Identitymanager-Server.dll" stdoutLogEnabled="true" stdoutLogFile="../Temp/stdout-server.log" hostingModel="inprocess" />\n  </system.webServer>\n</configuration>\n',
    )
    const r = await runCli(['scaffold', '-c', join(dir, 'saas-pfx.yaml'), '--target', target, '--force'], {
      env: SECRETS,
    })
    assert.equal(r.code, 0, r.stdout + r.stderr)
    assert.match(r.stdout, /Identitymanager-Agent\.dll: found in /)
    const s = JSON.parse(await readFile(join(target, 'Runtime', 'appsettings.json'), 'utf8'))
    assert.equal(s.ApplicationUri, 'https://contoso.usercube.com')
    assert.deepEqual(s.Jobs, {MaxTaskBatchSize: 5}, 'the shipped keys are kept')
    const xml = await readFile(join(target, 'Runtime', 'web.config'), 'utf8')
    assert.match(xml, /<!-- shipped -->/)
    assert.match(xml, /<requestFiltering removeServerHeader="true"\/>/)
    assert.deepEqual(readWebConfig(xml).arguments, './Identitymanager-Agent.dll')
    assert.match(xml, /stdoutLogEnabled="true"/, 'the shipped choice is kept')
  })

  test('--generate-certificates writes an RSA-2048 PFX and references it', async () => {
    const target = join(dir, 'out', 'gen')
    const env = ENVS['saas-pfx']!.replace(
      / {4}encryptionCertificate: .*\n/,
      '    encryptionCertificate: { file: ./unused.pfx, password: "${env:IDM_PFX}" }\n',
    )
    await writeFile(join(dir, 'gen.yaml'), env)
    const r = await runCli(['scaffold', '-c', join(dir, 'gen.yaml'), '--target', target, '--generate-certificates'], {
      env: SECRETS,
    })
    assert.equal(r.code, 0, r.stdout + r.stderr)
    const pfx = join(target, 'Certificates', 'ContosoAD-Files.pfx')
    assert.equal((await stat(pfx)).mode & 0o777, 0o600)
    const s = JSON.parse(await readFile(join(target, 'Runtime', 'appsettings.json'), 'utf8'))
    assert.equal(s.EncryptionCertificate.File, pfx)
    const inspect = await runCli(['cert', 'inspect', pfx, '--password-env', 'IDM_PFX'], {env: SECRETS})
    assert.equal(inspect.code, 0, inspect.stdout)
    assert.match(inspect.stdout, /RSA 2048, sha256WithRSAEncryption/)
    const again = await runCli(
      ['scaffold', '-c', join(dir, 'gen.yaml'), '--target', target, '--generate-certificates'],
      {env: SECRETS},
    )
    assert.match(again.stdout, /unchanged +Certificates\/ContosoAD-Files\.pfx {2}\(exists: kept/)
  })

  test('unresolved secrets become placeholders that validate --workdir reports (exit 2)', async () => {
    const target = join(dir, 'out', 'placeholders')
    const r = await runCli(['scaffold', '-c', join(dir, 'saas-pfx.yaml'), '--target', target], {
      env: {IDM_SMTP: undefined, IDM_JOB: undefined},
    })
    // Values left to provide: exit 3, so that CI notices.
    assert.equal(r.code, 3)
    // IDM_PFX is not set either: its two references are placeholders too.
    assert.match(r.stdout, /5 values to provide/)
    assert.match(
      r.stdout,
      /Runtime\/appsettings\.agent\.json: agents\[0\]\.openIdClient\.secret, from \$\{env:IDM_JOB\}/,
    )
    const v = await runCli(['validate', '--workdir', target])
    assert.equal(v.code, 2)
    assert.match(v.stdout, /appsettings\.agent\.json:\d+:\d+ {2}OpenId\.OpenIdClients\.Job {2}placeholder left/)
  })

  test('usage errors: several agents without --agent, an unknown --agent', async () => {
    const two =
      ENVS['separate-store']! + '  - identifier: Second\n    url: https://b.contoso.com\n    workingDirectory: /srv/b\n'
    await writeFile(join(dir, 'two.yaml'), two)
    const r = await runCli(['scaffold', '-c', join(dir, 'two.yaml'), '--target', join(dir, 'x')], {env: SECRETS})
    assert.equal(r.code, 2)
    assert.match(r.stderr, /has 2 agents: say which[\s\S]*--agent ContosoAD \| --agent Second/)
    const u = await runCli(['scaffold', '-c', join(dir, 'two.yaml'), '--target', join(dir, 'x'), '--agent', 'Nope'], {
      env: SECRETS,
    })
    assert.equal(u.code, 2)
    for (const x of [r, u]) assert.ok(!hasStackTrace(x.stderr))
  })

  test('without --target, the working directory the file names, said; a Windows path on another system is exit 2', async () => {
    const env = ENVS['saas-pfx']!.replace('workingDirectory: /srv/idm-agent', 'workingDirectory: ./from-file')
    await writeFile(join(dir, 'from-file.yaml'), env)
    const r = await runCli(['scaffold', '-c', join(dir, 'from-file.yaml')], {env: SECRETS})
    assert.equal(r.code, 0, r.stdout + r.stderr)
    assert.match(
      r.stdout,
      new RegExp(
        `Scaffolded agent ContosoAD in ${join(dir, 'from-file')} \\(from agents\\[0\\]\\.workingDirectory of .*from-file\\.yaml\\)`,
      ),
    )
    assert.ok(existsSync(join(dir, 'from-file', 'Runtime', 'appsettings.json')))
    const json = JSON.parse(
      (await runCli(['scaffold', '-c', join(dir, 'from-file.yaml'), '--json'], {env: SECRETS})).stdout,
    )
    assert.equal(json.targetFrom, 'agents[0].workingDirectory')
    assert.equal(json.target, join(dir, 'from-file'))
    // A Windows path cannot be written here: said, with what to do, and nothing named ./C:.
    const win = ENVS['saas-pfx']!.replace(
      'workingDirectory: /srv/idm-agent',
      'workingDirectory: C:/identitymanagerContosoAgent',
    )
    await writeFile(join(dir, 'win.yaml'), win)
    for (const args of [[], ['--target', 'C:/identitymanagerContosoAgent']]) {
      const w = await runCli(['scaffold', '-c', join(dir, 'win.yaml'), ...args], {env: SECRETS, cwd: dir})
      assert.equal(w.code, 2, w.stdout + w.stderr)
      assert.match(
        w.stderr,
        /C:\/identitymanagerContosoAgent, a Windows path: it cannot be written on linux|--target C:\/identitymanagerContosoAgent is a Windows path: it cannot be written on linux/,
      )
      assert.match(
        w.stderr,
        /hint: run scaffold on the Windows host, or (pass --target DIR|give --target a folder of this system)/,
      )
      assert.equal(existsSync(join(dir, 'C:')), false)
      assert.ok(!hasStackTrace(w.stderr))
    }
    // --server: refused in SaaS (Netwrix's), and not with --agent.
    const saasServer = await runCli(['scaffold', '-c', join(dir, 'from-file.yaml'), '--server'], {env: SECRETS})
    assert.equal(saasServer.code, 2)
    assert.match(saasServer.stderr, /--server: in SaaS Netwrix hosts the server/)
  })

  test('--generate-certificates: a TLS certificate for the site host, the public part of the server IdentityServer', async () => {
    const base = join(dir, 'gen-all')
    const env = `version: 1
name: gen
product: "6.2"
topology: on-prem-separate
organization: Contoso
server:
  url: https://idm.contoso.com
  workingDirectory: ./gen-all/server
  serviceAccount: svc-idm
  database: { connectionString: "Data Source=.;Database=U;Integrated Security=SSPI;Encrypt=true" }
  license: "\${env:IDM_LICENSE}"
  encryptionCertificate: { file: ./gen-all/server/Certificates/Server-Files.pfx, password: "\${env:IDM_PFX}" }
  identityServerCertificate: { file: ./gen-all/server/Certificates/IdentityServer.pfx, password: "\${env:IDS}" }
agents:
  - identifier: ContosoAD
    url: https://idm-agent.contoso.com
    workingDirectory: ./gen-all/agent
    serviceAccount: svc-idm
    encryptionCertificate: { file: ./gen-all/agent/Certificates/ContosoAD-Files.pfx, password: "\${env:IDM_PFX}" }
    identityServerCertificate: { file: ./gen-all/agent/Certificates/IdentityServer-Public.pfx, password: "\${env:IDS}" }
    tlsCertificate: { file: ./gen-all/agent/Certificates/ContosoAD-Tls.pfx, password: "\${env:TLS}" }
    openIdClient: { id: Job, secret: "\${env:IDM_JOB}" }
`
    await writeFile(join(dir, 'gen-all.yaml'), env)
    const secrets = {...SECRETS, IDS: 'Ids-Pa55', TLS: 'Tls-Pa55'}
    // The agent first: its IdentityServer comes from the server's, not there yet. Nothing is written.
    const early = await runCli(['scaffold', '-c', join(dir, 'gen-all.yaml'), '--generate-certificates'], {env: secrets})
    assert.equal(early.code, 2, early.stdout + early.stderr)
    assert.match(
      early.stderr,
      /agents\[0\]\.identityServerCertificate: its public part comes from server\.identityServerCertificate/,
    )
    assert.match(
      early.stderr,
      /hint: scaffold the server first \(idm-preflight scaffold -c .* --server --generate-certificates\)/,
    )
    assert.equal(existsSync(join(base, 'agent', 'Certificates', 'ContosoAD-Files.pfx')), false, 'no half-made set')
    const server = await runCli(['scaffold', '-c', join(dir, 'gen-all.yaml'), '--server', '--generate-certificates'], {
      env: secrets,
    })
    assert.ok([0, 3].includes(server.code!), server.stdout + server.stderr)
    assert.match(server.stdout, /Scaffolded the server in /)
    const agent = await runCli(['scaffold', '-c', join(dir, 'gen-all.yaml'), '--generate-certificates'], {env: secrets})
    assert.equal(agent.code, 0, agent.stdout + agent.stderr)
    assert.match(
      agent.stdout,
      /created +Certificates\/IdentityServer-Public\.pfx {2}\(the public part of server\.identityServerCertificate, no private key\)/,
    )
    for (const s of Object.values(secrets))
      assert.ok(!(server.stdout + agent.stdout).includes(s), 'a secret was printed')
    const inspect = (file: string, variable: string) =>
      runCli(['cert', 'inspect', file, '--password-env', variable, '--json'], {env: secrets})
    const tls = JSON.parse((await inspect(join(base, 'agent', 'Certificates', 'ContosoAD-Tls.pfx'), 'TLS')).stdout)
    const leaf = JSON.stringify(tls)
    assert.match(leaf, /DNS:idm-agent\.contoso\.com/)
    assert.match(leaf, /1\.3\.6\.1\.5\.5\.7\.3\.1/)
    const pub = await inspect(join(base, 'agent', 'Certificates', 'IdentityServer-Public.pfx'), 'IDS')
    const ids = await inspect(join(base, 'server', 'Certificates', 'IdentityServer.pfx'), 'IDS')
    const thumb = (t: string) => /"thumbprint": "([0-9A-F]{40})"/.exec(t)?.[1]
    assert.ok(thumb(pub.stdout), pub.stdout + pub.stderr)
    assert.equal(thumb(pub.stdout), thumb(ids.stdout), 'the same certificate')
    assert.match(pub.stdout, /"hasPrivateKey": false/)
    // The https binding imports the TLS certificate scaffold made, by its thumbprint.
    assert.match(
      agent.stdout,
      new RegExp(`certificate ${thumb(JSON.stringify(tls, null, 2))} imported from .*ContosoAD-Tls\\.pfx`),
    )
  })

  test('--generate-certificates keeps an encryption certificate chosen in the store: no file replaces it', async () => {
    const target = join(dir, 'out', 'store-kept')
    const r = await runCli(
      ['scaffold', '-c', join(dir, 'separate-store.yaml'), '--target', target, '--generate-certificates'],
      {env: SECRETS},
    )
    assert.equal(r.code, 0, r.stdout + r.stderr)
    assert.match(
      r.stdout,
      /note: agents\[0\]\.encryptionCertificate is in the certificate store: kept, no file created for it/,
    )
    assert.doesNotMatch(r.stdout, /Change it to/)
    assert.equal(existsSync(join(target, 'Certificates')), false)
    const s = JSON.parse(await readFile(join(target, 'Runtime', 'appsettings.json'), 'utf8'))
    assert.equal(s.EncryptionCertificate.Thumbprint, '0123456789ABCDEF0123456789ABCDEF01234567')
  })
})
