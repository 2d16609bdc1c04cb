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
})
