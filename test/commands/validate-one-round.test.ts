import assert from 'node:assert/strict'
import {mkdir, readFile, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'
import {ROOT, runCli, tempDir} from '../helpers/cli.js'
import {saasEnv} from '../helpers/envs.js'

/** validate says everything it can without a network, in one round (issue 25, item 4). */
describe('validate in one round', () => {
  let dir: string
  let cleanup: () => Promise<void>
  before(async () => {
    ;({dir, cleanup} = await tempDir())
  })
  after(async () => cleanup())

  test("schema errors, the rules between keys and the checks' own verdicts on the file come together", async () => {
    const file = join(dir, 'all.yaml')
    await writeFile(
      file,
      `version: 1
name: t
product: saas
topology: saas
organization: Contoso
server:
  url: https://contoso.usercube.com/
  alias: Idm.contoso.com
agents:
  - identifier: A
    workingDirectry: /w
    url: https://idm-agent.contoso.com
network:
  httpsProxy: https://proxy.contoso.com:8080/
  noProxy: "*"
`,
    )
    const r = await runCli(['validate', file, '--json'])
    assert.equal(r.code, 2, r.stdout + r.stderr)
    const out = JSON.parse(r.stdout) as {files: {diagnostics: {line: number; path: string; message: string}[]}[]}
    const d = out.files[0]!.diagnostics
    const at = (path: string, re: RegExp) =>
      assert.ok(
        d.some((x) => x.path === path && re.test(x.message)),
        `${path} ${re}: ${JSON.stringify(d, null, 1)}`,
      )
    // The schema's error…
    at('agents[0].workingDirectry', /did you mean "workingDirectory"/)
    // …a semantic rule's (a trailing slash), in the same round…
    at('server.url', /must not end with "\/"/)
    // …and the checks' verdicts on the file alone: proxy.settings and dns.alias.
    at('network.httpsProxy', /uses the scheme https:\/\/; only http:\/\/ is accepted.*\(check proxy\.settings\)/)
    at('network.httpsProxy', /has a path or trailing "\/"/)
    at('network.noProxy', /contains "\*"/)
    at('server.alias', /has capitals.*\(check dns\.alias\)/)
    // The schema error's own consequence (no workingDirectory at agents[0]) is not said twice.
    assert.ok(!d.some((x) => x.path === 'agents[0]' && /workingDirectory/.test(x.message)), JSON.stringify(d))
    // Every diagnostic has its line.
    assert.equal(d.find((x) => x.path === 'network.noProxy')!.line, 15)
  })

  test('one rule, one place: validate and check proxy.settings say the same words about the file', async () => {
    const file = join(dir, 'proxy.yaml')
    await writeFile(file, `${saasEnv(dir)}network:\n  httpsProxy: https://proxy.contoso.com:8080\n`)
    const v = await runCli(['validate', file, '--json'])
    assert.equal(v.code, 2, v.stdout)
    const message = (
      JSON.parse(v.stdout) as {files: {diagnostics: {path: string; message: string}[]}[]}
    ).files[0]!.diagnostics.find((x) => x.path === 'network.httpsProxy')!.message
    // check runs with a file validate refuses? No: the file's errors stop it (exit 2). The check's
    // verdict is read on the same value given through this host's HTTPS_PROXY instead.
    const ok = join(dir, 'ok.yaml')
    await writeFile(ok, saasEnv(dir))
    const c = await runCli(['check', '-c', ok, '--only', 'proxy.settings', '--format', 'json'], {
      env: {HTTPS_PROXY: 'https://proxy.contoso.com:8080', https_proxy: undefined},
    })
    const result = (JSON.parse(c.stdout) as {results: {id: string; status: string; message: string}[]}).results.find(
      (x) => x.id === 'proxy.settings',
    )!
    assert.equal(result.status, 'fail', c.stdout)
    assert.ok(
      message.startsWith(result.message.replace(/^HTTPS_PROXY/, 'network.httpsProxy')),
      `${message}\n${result.message}`,
    )
  })

  test('a valid file with a proxy in the right form and lowercase names stays valid', async () => {
    const file = join(dir, 'fine.yaml')
    await writeFile(
      file,
      `${saasEnv(dir)}network:\n  httpsProxy: http://proxy.contoso.com:8080\n  noProxy: .contoso.com\n`,
    )
    const r = await runCli(['validate', file])
    assert.equal(r.code, 0, r.stdout)
  })

  test('a folder holds environment files only: reports and other JSON are skipped and counted', async () => {
    const envs = join(dir, 'envs')
    await mkdir(envs)
    await writeFile(join(envs, 'prod.yaml'), saasEnv(dir))
    await writeFile(join(envs, 'stage.json'), JSON.stringify({version: 1, name: 's', topology: 'saas'}))
    await writeFile(
      join(envs, 'report.json'),
      JSON.stringify({schemaVersion: 1, tool: {name: 'idm-preflight', version: '0.1.0'}, results: []}),
    )
    await writeFile(join(envs, 'package.json'), JSON.stringify({name: 'x', dependencies: {}}))
    const r = await runCli(['validate', 'envs'], {cwd: dir})
    assert.equal(r.code, 2, r.stdout) // stage.json is an environment file, and an invalid one
    assert.match(r.stdout, /^skipped 2 files: 1 report, 1 other JSON \(envs\/package\.json, envs\/report\.json\)$/m)
    assert.doesNotMatch(r.stdout, /INVALID {2}envs\/report\.json/)
    assert.match(r.stdout, /INVALID {2}envs\/stage\.json/)
    const j = JSON.parse((await runCli(['validate', 'envs', '--json'], {cwd: dir})).stdout)
    assert.deepEqual(j.skipped, [
      {file: 'envs/package.json', kind: 'other JSON'},
      {file: 'envs/report.json', kind: 'report'},
    ])
    assert.equal(j.summary.files, 2)
  })

  test('a folder of reports only is exit 2 saying so; a report named on the command line is one error', async () => {
    const reports = join(dir, 'reports')
    await mkdir(reports)
    const report = JSON.stringify({schemaVersion: 1, tool: {name: 'idm-preflight', version: '0.1.0'}})
    await writeFile(join(reports, 'a.json'), report)
    const r = await runCli(['validate', 'reports'], {cwd: dir})
    assert.equal(r.code, 2)
    assert.match(r.stderr, /reports: no environment file in this folder \(only 1 report, skipped\)/)
    const named = await runCli(['validate', 'reports/a.json', '--json'], {cwd: dir})
    assert.equal(named.code, 2)
    const f = JSON.parse(named.stdout).files[0]
    assert.equal(f.errors, 1)
    assert.match(f.diagnostics[0].message, /is an idm-preflight report, not an environment file/)
  })
})

test("README's validate example prints what README shows", async () => {
  const {dir, cleanup} = await tempDir()
  try {
    await writeFile(
      join(dir, 'prod.yaml'),
      `version: 1
name: t
product: saas
topology: saas
organization: Contoso
server:
  url: https://contoso.usercube.com/
agents:
  - identifier: ContosoAD
    identityServerCertificate: { file: ./certs/identityserver.pfx, password: "\${env:IDM_PFX}" }
    workingDirectry: /w
    serviceAccount: svc-idm
network:
  httpsProxy: http://proxy.contoso.com:8080
  noProxy: "*"
`,
    )
    const r = await runCli(['validate', 'prod.yaml'], {cwd: dir, env: {IDM_PFX: 'x'}})
    assert.equal(r.code, 2)
    const readme = await readFile(join(ROOT, 'README.md'), 'utf8')
    const shown = /```\n(INVALID {2}prod\.yaml[\s\S]*?)```/.exec(readme)?.[1]
    assert.equal(r.stdout, shown)
  } finally {
    await cleanup()
  }
})

test("connector.files' verdict on the file alone: an input outside the agent's SourcesRootPaths", async () => {
  const {dir, cleanup} = await tempDir()
  try {
    const file = join(dir, 'files.yaml')
    await writeFile(
      file,
      `${saasEnv('/srv/agent')}connectors:
  - identifier: HR
    agent: ContosoAD
    connections:
      - identifier: HRExport
        type: files
        path: /srv/agent/Sources/hr.csv
        pathIncremental: /srv/elsewhere/hr-delta.csv
`,
    )
    const r = await runCli(['validate', file, '--json'])
    assert.equal(r.code, 2, r.stdout)
    const d = (JSON.parse(r.stdout) as {files: {diagnostics: {path: string; message: string}[]}[]}).files[0]!
      .diagnostics
    assert.deepEqual(
      d.map((x) => x.path),
      ['agents[0]', 'connectors[0].connections[0].pathIncremental'],
    )
    assert.match(
      d[1]!.message,
      /^PathIncremental \/srv\/elsewhere\/hr-delta\.csv lies outside SourcesRootPaths \(\/srv\/agent\/Sources\): the agent will not read it; .* \(check connector\.files\)$/,
    )
  } finally {
    await cleanup()
  }
})
