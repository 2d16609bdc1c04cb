import assert from 'node:assert/strict'
import {readFile, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {describe, test} from 'node:test'
import {startSandbox} from '../../src/sandbox/index.js'
import {hasStackTrace, runCli, tempDir} from '../helpers/cli.js'

const noProxyEnv = {HTTPS_PROXY: undefined, https_proxy: undefined, NO_PROXY: undefined, no_proxy: undefined}
type Result = {
  id: string
  target: string
  status: string
  message: string
  place?: string
  data: {facts?: {failedPhase?: string}}
}

describe('connectors: the sandbox directory, file drop, API and database, through the built CLI', () => {
  test(
    'every connector check passes on the sandbox, placed on its managed system in the picture',
    {timeout: 60_000},
    async () => {
      const sb = await startSandbox({topology: 'on-prem-separate'})
      try {
        const r = await runCli(['check', '-c', sb.envFile, '--format', 'json'], {env: noProxyEnv})
        assert.equal(r.code, 0, r.stdout + r.stderr)
        const report = JSON.parse(r.stdout)
        const connectors = (report.results as Result[]).filter((x) => x.id.startsWith('connector.'))
        assert.deepEqual(
          connectors.map((x) => [x.id, x.target, x.status, x.place]),
          [
            ['connector.files', 'SandboxAgent:HRExport', 'pass', 'agent:SandboxAgent>system:HR/HRExport'],
            ['connector.http', 'SandboxAgent:SCIMExport', 'pass', 'agent:SandboxAgent>system:SCIMApp/SCIMExport'],
            [
              'connector.ldap',
              `SandboxAgent:ADExport@${sb.names.directory}:${sb.ports.directoryTls}`,
              'pass',
              'agent:SandboxAgent>system:AD/ADExport',
            ],
            [
              'connector.sql',
              'SandboxAgent:HRDatabaseExport',
              'pass',
              'agent:SandboxAgent>system:HRDatabase/HRDatabaseExport',
            ],
          ],
        )
        const systems = (report.picture.nodes as {id: string; kind: string; label: string[]}[]).filter(
          (n) => n.kind === 'system',
        )
        assert.deepEqual(
          systems.map((n) => n.label),
          [
            ['AD · ADExport', sb.names.directory],
            ['HR · HRExport', '…/hr/hr_export_(.*?).csv'],
            ['SCIMApp · SCIMExport', sb.names.api],
            ['HRDatabase · HRDatabaseExport', sb.names.sql],
          ],
        )
        // The report's environment says where each connection goes, never a secret.
        assert.deepEqual(report.environmentSummary.connections, [
          `AD/ADExport (activeDirectory, agent SandboxAgent): ${sb.names.directory}:${sb.ports.directoryTls}`,
          `HR/HRExport (files, agent SandboxAgent): ${join(sb.dir, 'agent', 'Sources', 'hr', 'hr_export_(.*?).csv')}`,
          `SCIMApp/SCIMExport (http, agent SandboxAgent): https://${sb.names.api}:${sb.ports.api}/scim`,
          `HRDatabase/HRDatabaseExport (sql, agent SandboxAgent): ${sb.names.sql}`,
        ])
        for (const f of ['ad-password', 'api-password', 'hr-sql-connection'])
          assert.ok(!r.stdout.includes((await readFile(join(sb.dir, 'secrets', f), 'utf8')).trim()), f)
        assert.match(connectors[1]!.message, /through the proxy/)
        // An Active Directory connection links the Active Directory page, a generic one the LDAP page.
        assert.equal(
          (connectors[2] as unknown as {docs: string}).docs,
          'https://docs.netwrix.com/docs/identitymanager/6_2/integration-guide/connectors/references-connectors/activedirectory',
        )
        assert.ok(
          sb.proxyTunnels.some((t) => t.startsWith(sb.names.api)),
          'the API was reached through the proxy',
        )
      } finally {
        await sb.stop()
      }
    },
  )

  test(
    'a wrong directory password, a short-word secret: fail in the bind phase, exit 3, nothing rewritten or leaked',
    {timeout: 60_000},
    async () => {
      const sb = await startSandbox()
      try {
        // "test" is in every host name of the sandbox (*.sandbox.test): it must stay there.
        await writeFile(join(sb.dir, 'secrets', 'ad-password'), 'test')
        const apiPassword = (await readFile(join(sb.dir, 'secrets', 'api-password'), 'utf8')).trim()
        const out = join(sb.dir, 'r.json')
        const html = join(sb.dir, 'r.html')
        const runs = await Promise.all([
          runCli(['check', '-c', sb.envFile, '--only', 'connector.*', '--output', out], {env: noProxyEnv}),
          runCli(['check', '-c', sb.envFile, '--only', 'connector.*', '--output', html], {env: noProxyEnv}),
          runCli(['check', '-c', sb.envFile, '--only', 'connector.*'], {env: noProxyEnv}),
        ])
        for (const r of runs) {
          assert.equal(r.code, 3, r.stdout + r.stderr)
          assert.ok(!hasStackTrace(r.stdout + r.stderr))
          assert.ok(!(r.stdout + r.stderr).includes(apiPassword))
        }
        const report = JSON.parse(await readFile(out, 'utf8'))
        const ldap = (report.results as Result[]).find((x) => x.id === 'connector.ldap')!
        assert.equal(ldap.status, 'fail')
        assert.equal(ldap.data.facts?.failedPhase, 'bind')
        assert.match(ldap.message, /invalid credentials \(49\): the password is wrong \(AD 52e\)/)
        for (const text of [runs[2]!.stdout, await readFile(out, 'utf8'), await readFile(html, 'utf8')]) {
          assert.ok(text.includes(`dc01.sandbox.test`), 'host names are intact')
          assert.ok(!text.includes(apiPassword))
        }
        assert.match(runs[2]!.stdout, /FAIL {2}connector\.ldap/)
      } finally {
        await sb.stop()
      }
    },
  )

  test("--agent narrows the run to that agent's connectors", {timeout: 60_000}, async () => {
    const sb = await startSandbox({agents: 2})
    try {
      const [own, other] = await Promise.all([
        runCli(['check', '-c', sb.envFile, '--only', 'connector.*', '--agent', 'SandboxAgent', '--format', 'json'], {
          env: noProxyEnv,
        }),
        runCli(['check', '-c', sb.envFile, '--only', 'connector.*', '--agent', 'Agent02', '--format', 'json'], {
          env: noProxyEnv,
        }),
      ])
      const ids = (r: {stdout: string}) =>
        (JSON.parse(r.stdout).results as Result[]).filter((x) => x.status !== 'skip').map((x) => x.id)
      assert.deepEqual(ids(own), ['connector.files', 'connector.http', 'connector.ldap'])
      // Agent02 runs no connector: the selection plans nothing there, and says where they run.
      assert.equal(other.code, 2, other.stdout + other.stderr)
      assert.match(
        other.stderr,
        /^idm-preflight: --only connector\.\*: nothing to run at stage before on Agent02's host$/m,
      )
      assert.match(other.stderr, /connector\.ldap runs on SandboxAgent's host: check --agent SandboxAgent/)
    } finally {
      await sb.stop()
    }
  })

  test('validate: connector mistakes with their line, did-you-mean, and no secret echoed', async () => {
    const t = await tempDir()
    try {
      const file = join(t.dir, 'env.yaml')
      await writeFile(
        file,
        [
          'version: 1',
          'name: t',
          'product: saas',
          'topology: saas',
          'organization: Contoso',
          'server: {url: https://contoso.usercube.com}',
          'agents:',
          '  - identifier: Agent1',
          '    workingDirectory: /srv/idm',
          '    serviceAccount: svc',
          '    identityServerCertificate: {file: ./x.pfx}',
          'connectors:',
          '  - identifier: AD',
          '    agent: Agnet1',
          '    connections:',
          '      - identifier: AD_Export',
          '        type: activeDirectory',
          '        servers: [{host: dc01.contoso.com, baseDN: "DC=contoso,DC=com"}]',
          '        login: svc',
          '        pasword: "Hunter2-Secret"',
          '        filter: "(&(objectClass=user)(mail=*)"',
          '      - identifier: HR',
          '        type: files',
          '        url: https://x',
          '',
        ].join('\n'),
      )
      const r = await runCli(['validate', '-c', file])
      assert.equal(r.code, 2)
      assert.match(
        r.stdout,
        /env\.yaml:16:21 +connectors\[0\]\.connections\[0\]\.identifier +is not a valid connection identifier/,
      )
      assert.match(
        r.stdout,
        /env\.yaml:20:9 +connectors\[0\]\.connections\[0\]\.pasword +unknown key "pasword": did you mean "password"\?/,
      )
      assert.ok(!r.stdout.includes('Hunter2-Secret'))
      // Fixed, the rules the schema cannot say come next.
      const text = (await readFile(file, 'utf8'))
        .replace('AD_Export', 'ADExport')
        .replace('pasword: "Hunter2-Secret"', 'password: "${env:AD_PW}"')
      await writeFile(file, text)
      const s = await runCli(['validate', '-c', file], {env: {AD_PW: 'x'}})
      assert.equal(s.code, 2)
      assert.match(
        s.stdout,
        /env\.yaml:14:12 +connectors\[0\]\.agent +"Agnet1" is not an agent of this file \(did you mean "Agent1"\?\)/,
      )
      assert.match(
        s.stdout,
        /connectors\[0\]\.connections\[1\] +set "path" \(complete synchronization\) or "pathIncremental"/,
      )
      assert.match(
        s.stdout,
        /connectors\[0\]\.connections\[1\]\.url +is not used by a files connection \(http only\); remove it/,
      )
      assert.match(
        s.stdout,
        /env\.yaml:21:17 +connectors\[0\]\.connections\[0\]\.filter +is not a search filter: it must be in parentheses, balanced/,
      )
    } finally {
      await t.cleanup()
    }
  })

  test(
    'scaffold writes Connections (passwords as they are, masked in the diff); validate --workdir judges it',
    {timeout: 60_000},
    async () => {
      const sb = await startSandbox()
      const t = await tempDir()
      try {
        await writeFile(join(sb.dir, 'secrets', 'api-password'), 'p@ss-W0rd-api')
        const adPassword = (await readFile(join(sb.dir, 'secrets', 'ad-password'), 'utf8')).trim()
        const target = join(t.dir, 'agent')
        const dry = await runCli(['scaffold', '-c', sb.envFile, '-t', target, '--dry-run'])
        assert.equal(dry.code, 0, dry.stdout + dry.stderr)
        assert.ok(!dry.stdout.includes('p@ss-W0rd-api') && !dry.stdout.includes(adPassword))
        assert.match(dry.stdout, /\+ {6}"Password": "\*\*\*"/)
        const done = await runCli(['scaffold', '-c', sb.envFile, '-t', target])
        assert.equal(done.code, 0, done.stdout + done.stderr)
        const written = JSON.parse(await readFile(join(target, 'Runtime', 'appsettings.agent.json'), 'utf8'))
        assert.deepEqual(written.Connections.ADExport, {
          Servers: [{Server: `${sb.names.directory}:${sb.ports.directoryTls}`, BaseDN: 'DC=sandbox,DC=test'}],
          AuthType: 'Basic',
          Login: 'CN=svc-idm,OU=Service,DC=sandbox,DC=test',
          Password: adPassword,
          EnableSSL: true,
          Filter: '(objectClass=*)',
        })
        // The settings-files page's "@" escape is for the certificates' passwords: a connection's
        // password is written as it is, and validate does not ask for one more "@".
        assert.equal(written.Connections.SCIMExport.Password, 'p@ss-W0rd-api')
        assert.equal(written.Connections.HRExport.IsFileNameRegex, true)
        assert.equal(written.Connections.HRExport.Separator, ';')
        const ok = await runCli(['validate', '--workdir', target])
        assert.equal(ok.code, 0, ok.stdout + ok.stderr)
        assert.doesNotMatch(ok.stdout, /must start with one more "@"/)
        // A connection the product would refuse: a bad identifier, a file outside SourcesRootPaths, Basic without Login.
        written.Connections['1HR_Export'] = {Path: '/etc/passwd'}
        delete written.Connections.ADExport.Login
        await writeFile(join(target, 'Runtime', 'appsettings.agent.json'), JSON.stringify(written, null, 2))
        const bad = await runCli(['validate', '--workdir', target])
        assert.equal(bad.code, 2, bad.stdout)
        assert.match(bad.stdout, /"1HR_Export" is not a valid connection identifier/)
        assert.match(bad.stdout, /\/etc\/passwd lies outside SourcesRootPaths/)
        assert.match(bad.stdout, /AuthType Basic needs "Login"/)
        assert.ok(!bad.stdout.includes(adPassword))
      } finally {
        await sb.stop()
        await t.cleanup()
      }
    },
  )
})
