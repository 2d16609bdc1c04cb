import assert from 'node:assert/strict'
import {chmod, mkdir, readFile, rm, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'
import {parseJsonc} from '../../src/documents/jsonc.js'
import {configurationKeys} from '../../src/scaffold/adopt.js'
import {readWebConfig} from '../../src/scaffold/render.js'
import {ENVS, SECRETS} from '../fixtures/scaffold-envs.js'
import {runCli, tempDir} from '../helpers/cli.js'

interface Adopted {
  file: string
  variables: {name: string; file: string; key: string; field: string}[]
  unexpressed: {file: string; key: string; why: string}[]
  environment: Record<string, unknown>
}

const SETTINGS = ['Runtime/appsettings.json', 'Runtime/appsettings.agent.json']

async function settings(dir: string, file: string): Promise<unknown> {
  const r = parseJsonc(file, await readFile(join(dir, file)))
  assert.ok(r.ok, file)
  return r.doc.value
}

/**
 * The value a variable must hold: the one at its file and key in the original installation (the
 * PFX passwords as the environment file holds them: one escaping "@" less).
 */
async function valuesOf(dir: string, a: Adopted): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  for (const v of a.variables) {
    // A TLS certificate's password is in no file (install-iis-site.ps1 names the PFX only).
    if (v.file === 'install-iis-site.ps1') {
      out[v.name] = 'a TLS password not in the files'
      continue
    }
    if (v.file === 'Runtime/web.config') {
      const env = readWebConfig(await readFile(join(dir, v.file), 'utf8')).environment
      out[v.name] = env[v.key.split('/').at(-1)!]!
      continue
    }
    const value = configurationKeys(await settings(dir, v.file)).get(v.key.toLowerCase())?.value
    assert.ok(value !== undefined, `${v.name}: ${v.file} ${v.key}`)
    out[v.name] = /password$/i.test(v.key) && value.startsWith('@') ? value.slice(1) : value
  }
  return out
}

/**
 * The round trip of issue 25 item 5: adopt the installation in `orig`, then scaffold the adopted
 * file into an empty folder with the variables set to the original values; the settings files
 * written are equal key for key to the originals, and the proxy variables of web.config too.
 */
async function roundTrip(dir: string, orig: string, extra: string[] = []): Promise<Adopted> {
  const file = join(dir, 'adopted.yaml')
  const r = await runCli(['init', '--from-workdir', orig, '--out', file, '--force', '--json', ...extra])
  assert.equal(r.code, 0, r.stdout + r.stderr)
  const adopted = JSON.parse(r.stdout) as Adopted
  const values = await valuesOf(orig, adopted)
  // No value is printed: not in the JSON, not in the file.
  const text = await readFile(file, 'utf8')
  for (const v of Object.values(values)) {
    assert.ok(!r.stdout.includes(v), `a secret in the output (${adopted.variables.map((x) => x.name).join(', ')})`)
    assert.ok(!text.includes(v), 'a secret in the adopted file')
  }
  const v = await runCli(['validate', file, '--require-secrets'], {env: values})
  assert.equal(v.code, 0, v.stdout + v.stderr)
  const target = join(dir, 'new')
  const s = await runCli(['scaffold', '-c', file, '--target', target], {env: values})
  assert.equal(s.code, 0, s.stdout + s.stderr)
  for (const f of SETTINGS) assert.deepEqual(await settings(target, f), await settings(orig, f), f)
  const web = async (d: string) => readWebConfig(await readFile(join(d, 'Runtime', 'web.config'), 'utf8')).environment
  assert.deepEqual(await web(target), await web(orig))
  return adopted
}

describe('init --from-workdir', () => {
  let dir: string
  let cleanup: () => Promise<void>
  before(async () => {
    ;({dir, cleanup} = await tempDir())
  })
  after(() => cleanup())

  for (const name of Object.keys(ENVS)) {
    test(`round trip: the golden ${name} installation`, {timeout: 90_000}, async () => {
      const d = join(dir, name)
      await mkdir(d)
      await writeFile(join(d, 'env.yaml'), ENVS[name]!)
      const orig = join(d, 'orig')
      const s = await runCli(['scaffold', '-c', join(d, 'env.yaml'), '--target', orig], {env: SECRETS})
      assert.equal(s.code, 0, s.stdout + s.stderr)
      // A separate agent's files do not say where the server is: the init flags that do.
      const server =
        name === 'separate-store'
          ? ['--working-directory', '/srv/idm', '--database-server', 'sql01', '--database-name', 'UsercubeContoso']
          : []
      const a = await roundTrip(d, orig, server)
      assert.deepEqual(a.unexpressed, [])
      // Every secret is a reference, with the file and key it came from.
      assert.ok(a.variables.length > 0)
      for (const x of a.variables) assert.match(x.key, /Password|Secret|ConnectionString|License|OpenIdClients/, x.key)
    })
  }
})

describe('init --from-workdir on the demo and on installations edited by hand', () => {
  let dir: string
  let cleanup: () => Promise<void>
  before(async () => {
    ;({dir, cleanup} = await tempDir())
  })
  after(() => cleanup())

  test("round trip: the demo's scaffolded agent, its connections included", {timeout: 120_000}, async () => {
    const demo = join(dir, 'demo')
    // The sandbox's service account (nobody) must traverse to its working directories.
    await chmod(dir, 0o755)
    const r = await runCli(['demo', '--dir', demo], {timeoutMs: 100_000})
    assert.equal(r.code, 0, r.stdout + r.stderr)
    const orig = join(demo, 'scaffold', 'SandboxAgent')
    const a = await roundTrip(dir, orig, [
      '--working-directory',
      '/srv/idm',
      '--database-server',
      'sql01',
      '--database-name',
      'Usercube',
    ])
    assert.deepEqual(a.unexpressed, [])
    const types = (a.environment.connectors as {connections: {type: string}[]}[]).map((c) => c.connections[0]!.type)
    assert.deepEqual(types.sort(), ['activeDirectory', 'files', 'http', 'sql'])
    assert.ok(a.variables.some((v) => v.key === 'Connections:ADExport:Password'))
  })

  test('what the environment file cannot say is listed, never dropped; hosting model and other variables too', async () => {
    const d = join(dir, 'edited')
    await mkdir(d)
    await writeFile(join(d, 'env.yaml'), ENVS['saas-pfx']!)
    const orig = join(d, 'orig')
    assert.equal((await runCli(['scaffold', '-c', join(d, 'env.yaml'), '--target', orig], {env: SECRETS})).code, 0)
    const main = join(orig, 'Runtime', 'appsettings.json')
    const agent = join(orig, 'Runtime', 'appsettings.agent.json')
    const m = JSON.parse(await readFile(main, 'utf8'))
    m.Serilog.MinimumLevel.Default = 'Debug'
    m.EncryptionCertificate.EncryptFile = false
    await writeFile(main, `// edited by hand\n${JSON.stringify(m, null, 2)}`)
    const g = JSON.parse(await readFile(agent, 'utf8'))
    g.OpenId.OpenIdClients.Other = 'Other-Secret-Value'
    g.Connections = {Mainframe: {Host: 'mf01', Port: 23}}
    await writeFile(agent, JSON.stringify(g, null, 2))
    const webFile = join(orig, 'Runtime', 'web.config')
    await writeFile(
      webFile,
      (await readFile(webFile, 'utf8'))
        .replace('hostingModel="inprocess"', 'hostingModel="outofprocess"')
        .replace(
          '<environmentVariables>',
          '<environmentVariables>\n<environmentVariable name="ASPNETCORE_ENVIRONMENT" value="Staging"/>',
        ),
    )
    const out = join(d, 'adopted.yaml')
    const r = await runCli(['init', '--from-workdir', orig, '--out', out])
    assert.equal(r.code, 0, r.stdout + r.stderr)
    for (const line of [
      /Runtime\/appsettings\.json {2}Serilog:MinimumLevel:Default: scaffold would write another value/,
      /Runtime\/appsettings\.json {2}EncryptionCertificate:EncryptFile: scaffold would write another value/,
      /Runtime\/appsettings\.agent\.json {2}OpenId:OpenIdClients:Other: the environment file has no field for it/,
      /Runtime\/appsettings\.agent\.json {2}Connections:Mainframe: a connection of a kind the environment file does not describe/,
      /Runtime\/web\.config {2}aspNetCore\/@hostingModel: outofprocess/,
      /Runtime\/web\.config {2}aspNetCore\/environmentVariables\/ASPNETCORE_ENVIRONMENT/,
    ])
      assert.match(r.stdout, line)
    // Listed in the file too, and never a value.
    const text = await readFile(out, 'utf8')
    assert.match(text, /^# {3}Runtime\/appsettings\.agent\.json OpenId:OpenIdClients:Other: /m)
    for (const secret of ['Other-Secret-Value', ...Object.values(SECRETS)]) {
      assert.ok(!r.stdout.includes(secret))
      assert.ok(!text.includes(secret))
    }
    assert.equal((await runCli(['validate', out])).code, 0)
  })

  test("the Runtime folder may be given; 6.2's Identitymanager-* names say the product; no Runtime is exit 2", async () => {
    const d = join(dir, 'names')
    await mkdir(d)
    await writeFile(join(d, 'env.yaml'), ENVS['integrated-pfx']!)
    const orig = join(d, 'orig')
    await mkdir(join(orig, 'Runtime'), {recursive: true})
    await writeFile(join(orig, 'Runtime', 'Identitymanager-Server.dll'), '')
    const s = await runCli(['scaffold', '-c', join(d, 'env.yaml'), '--target', orig], {env: SECRETS})
    assert.equal(s.code, 0, s.stdout + s.stderr)
    const r = await runCli(['init', '--from-workdir', join(orig, 'Runtime'), '--out', join(d, 'a.yaml'), '--json'])
    assert.equal(r.code, 0, r.stderr)
    const j = JSON.parse(r.stdout)
    assert.equal(j.environment.product, '6.2')
    assert.equal(j.environment.topology, 'on-prem-integrated')
    assert.equal(j.adoptedFrom, orig)
    const separate = await runCli([
      'init',
      '--from-workdir',
      orig,
      '--topology',
      'on-prem-separate',
      '--out',
      join(d, 'c.yaml'),
    ])
    assert.equal(separate.code, 2)
    assert.match(separate.stderr, /it is a server's working directory/)
    const none = await runCli(['init', '--from-workdir', d, '--out', join(d, 'b.yaml')])
    assert.equal(none.code, 2)
    assert.match(none.stderr, /no Runtime folder there/)
  })
})

describe('init --from-workdir, what could go wrong', () => {
  test('a PFX password holding "@" (escaped with one more "@" in the settings) comes back as it was', async () => {
    const {dir, cleanup} = await tempDir()
    try {
      await writeFile(join(dir, 'env.yaml'), ENVS['saas-pfx']!)
      const orig = join(dir, 'orig')
      const secrets = {...SECRETS, IDM_PFX: 'Pfx@Golden@Pa55'}
      assert.equal((await runCli(['scaffold', '-c', join(dir, 'env.yaml'), '--target', orig], {env: secrets})).code, 0)
      assert.match(await readFile(join(orig, 'Runtime', 'appsettings.json'), 'utf8'), /"@Pfx@Golden@Pa55"/)
      const a = await roundTrip(dir, orig)
      assert.deepEqual(a.unexpressed, [])
    } finally {
      await cleanup()
    }
  })

  test('a settings file the product cannot read is exit 2 with its line; an existing --out is kept', async () => {
    const {dir, cleanup} = await tempDir()
    try {
      await mkdir(join(dir, 'wd', 'Runtime'), {recursive: true})
      await writeFile(
        join(dir, 'wd', 'Runtime', 'appsettings.json'),
        '{\n  "ApplicationUri": "https://idm.contoso.com",\n  /* never closed\n}\n',
      )
      const r = await runCli(['init', '--from-workdir', join(dir, 'wd'), '--out', join(dir, 'a.yaml')])
      assert.equal(r.code, 2)
      assert.match(r.stderr, /Runtime\/appsettings\.json cannot be read as the product reads it/)
      assert.match(r.stderr, /appsettings\.json:3:3 .*never closed/)
      await writeFile(join(dir, 'a.yaml'), 'mine\n')
      const kept = await runCli(['init', '--from-workdir', join(dir, 'wd'), '--out', join(dir, 'a.yaml')])
      assert.equal(kept.code, 2)
      assert.equal(await readFile(join(dir, 'a.yaml'), 'utf8'), 'mine\n')
    } finally {
      await cleanup()
    }
  })
})

describe('init --from-workdir on folders scaffold just wrote (a new user trial)', () => {
  let dir: string
  let cleanup: () => Promise<void>
  before(async () => ({dir, cleanup} = await tempDir()))
  after(() => cleanup())
  const PASSWORDS = {
    IDM_SERVER_PFX: 'srv-enc-pw-1',
    IDM_IDENTITYSERVER_PFX: 'ids-pw-2',
    IDM_SERVER_TLS_PFX: 'srv-tls-pw-3',
    IDM_AGENT_PFX: 'ag-enc-pw-4',
    IDM_AGENT_TLS_PFX: 'ag-tls-pw-5',
    IDM_JOB_SECRET: 'job-secret-6',
    IDM_LICENSE: 'license-7',
  }
  const init = (cwd: string, wd: string, agentWd: string) =>
    runCli(
      [
        'init',
        '--yes',
        '--topology',
        'on-prem-separate',
        '--product',
        '6.3',
        '--organization',
        'Contoso',
        '--server-url',
        'https://idm.contoso.com',
        '--service-account',
        'CONTOSO\\svc-idm',
        '--agent-url',
        'https://agent.contoso.com',
        '--agent-id',
        'ContosoAD',
        '--working-directory',
        wd,
        '--agent-working-directory',
        agentWd,
        '--server-tls',
        'create',
        '--agent-tls',
        'create',
        '-o',
        'contoso-prod.yaml',
      ],
      {cwd},
    )

  test('a 6.3 agent with a TLS certificate and an alias: adopted, scaffold --dry-run of it changes nothing', async () => {
    const d = join(dir, 'agent')
    await mkdir(d)
    assert.equal((await init(d, join(d, 'Server'), join(d, 'ContosoAD'))).code, 0)
    for (const role of [['--server'], ['--agent', 'ContosoAD']]) {
      const s = await runCli(['scaffold', '-c', 'contoso-prod.yaml', ...role, '--generate-certificates'], {
        cwd: d,
        env: PASSWORDS,
      })
      assert.ok(s.code === 0 || s.code === 3, s.stdout + s.stderr)
    }
    const flags = [
      '--working-directory',
      join(d, 'Server'),
      '--database-server',
      '.',
      '--database-name',
      'UsercubeContoso',
    ]
    const r = await runCli(['init', '--from-workdir', './ContosoAD', '-o', 'adopted.yaml', ...flags], {cwd: d})
    assert.equal(r.code, 0, r.stdout + r.stderr)
    // 6.3 names its files Usercube-* too: not a reason to say 6.1.
    assert.match(r.stdout, /product 6\.3: not read from the files/)
    assert.doesNotMatch(r.stdout, /the runtime's files are named Usercube/)
    const text = await readFile(join(d, 'adopted.yaml'), 'utf8')
    assert.match(text, /^product: "6\.3"$/m)
    assert.match(text, /^ {4}alias: agent\.contoso\.com$/m)
    assert.match(
      text,
      /tlsCertificate:\n\s+file: .*ContosoAD\/Certificates\/ContosoAD-Tls\.pfx\n\s+password: "\$\{env:IDM_AGENT_TLS_PFX\}"/,
    )
    // The connection string rebuilt from the flags is the one init writes (Encrypt=true).
    const original = await readFile(join(d, 'contoso-prod.yaml'), 'utf8')
    const cs = (t: string) => /connectionString: (.*)/.exec(t)?.[1]
    assert.equal(cs(text), cs(original))
    const again = await runCli(['scaffold', '-c', 'adopted.yaml', '--agent', 'ContosoAD', '--dry-run'], {
      cwd: d,
      env: PASSWORDS,
    })
    assert.equal(again.code, 0, again.stdout + again.stderr)
    const items = again.stdout.split('\n').filter((l) => /^ {2}\S/.test(l))
    assert.ok(items.length >= 12, again.stdout)
    for (const l of items) assert.match(l, /^ {2}unchanged /, again.stdout)
  })

  test("a server scaffolded with --target: scaffold's agent identifier placeholder asks for --agent-id, which is honoured", async () => {
    const d = join(dir, 'server')
    await mkdir(d)
    assert.equal((await init(d, 'C:/IdentityManager/Server', 'C:/IdentityManager/ContosoAD')).code, 0)
    const s = await runCli(['scaffold', '-c', 'contoso-prod.yaml', '--server', '--target', './srv'], {
      cwd: d,
      env: PASSWORDS,
    })
    assert.ok(s.code === 0 || s.code === 3, s.stdout + s.stderr)
    const r = await runCli(['init', '--from-workdir', './srv', '-o', 'a.yaml'], {cwd: d})
    assert.equal(r.code, 2, r.stdout + r.stderr)
    assert.match(
      r.stderr,
      /agent identifier not set yet in Runtime\/appsettings\.agent\.json \(scaffold's placeholder\)\n {2}hint: pass --agent-id ID/,
    )
    assert.doesNotMatch(r.stderr, /may contain only letters/)
    const ok = await runCli(['init', '--from-workdir', './srv', '-o', 'a.yaml', '--agent-id', 'ContosoAD', '--json'], {
      cwd: d,
    })
    assert.equal(ok.code, 0, ok.stdout + ok.stderr)
    const j = JSON.parse(ok.stdout) as Adopted
    assert.equal((j.environment.agents as {identifier: string}[])[0]!.identifier, 'ContosoAD')
  })

  test('without install-iis-site.ps1, the alias and the TLS certificate are listed as not in the settings files', async () => {
    const d = join(dir, 'noscript')
    await mkdir(d)
    assert.equal((await init(d, join(d, 'Server'), join(d, 'ContosoAD'))).code, 0)
    for (const role of [['--server'], ['--agent', 'ContosoAD']]) {
      const s = await runCli(['scaffold', '-c', 'contoso-prod.yaml', ...role, '--generate-certificates'], {
        cwd: d,
        env: PASSWORDS,
      })
      assert.ok(s.code === 0 || s.code === 3, s.stdout + s.stderr)
    }
    await rm(join(d, 'ContosoAD', 'install-iis-site.ps1'))
    const r = await runCli(
      [
        'init',
        '--from-workdir',
        './ContosoAD',
        '-o',
        'a.yaml',
        '--agent-url',
        'https://agent.contoso.com',
        '--working-directory',
        join(d, 'Server'),
        '--database-server',
        '.',
        '--database-name',
        'UsercubeContoso',
      ],
      {cwd: d},
    )
    assert.equal(r.code, 0, r.stdout + r.stderr)
    assert.match(r.stdout, /agents\[0\]\.alias, agents\[0\]\.tlsCertificate: not in the settings files/)
    assert.doesNotMatch(r.stdout, /Everything in the settings files is expressed/)
  })
})
