import assert from 'node:assert/strict'
import {existsSync} from 'node:fs'
import {readFile, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'
import {parse} from 'yaml'
import {hasStackTrace, runCli, runCliInPty, tempDir} from '../helpers/cli.js'

describe('init', () => {
  let dir: string
  let cleanup: () => Promise<void>
  before(async () => ({dir, cleanup} = await tempDir()))
  after(() => cleanup())

  test('without a terminal, missing answers are exit 2 naming the flags', async () => {
    const r = await runCli(['init', '--out', 'x.yaml'], {cwd: dir})
    assert.equal(r.code, 2)
    assert.match(
      r.stderr,
      /give --organization and --server-url and --service-account \(they have no default\), and either --yes for the defaults or --topology, --product/,
    )
    const yes = await runCli(['init', '--out', 'x.yaml', '--yes'], {cwd: dir})
    assert.equal(yes.code, 2)
    assert.match(yes.stderr, /give --organization and --server-url and --service-account \(they have no default\)$/m)
    assert.ok(!hasStackTrace(r.stderr + yes.stderr))
  })

  const account = ['--service-account', 'CONTOSO\\svc-idm']
  const topologies: [string, string[]][] = [
    ['on-prem-integrated', account],
    [
      'on-prem-separate',
      [...account, '--database-auth', 'sql', '--mail', 'smtp', '--smtp-username', 'idm@contoso.com'],
    ],
    [
      'saas',
      [
        '--agent-url',
        'https://idm-agent.contoso.com',
        '--mail',
        'pickup',
        '--from-address',
        'no-reply@contoso.com',
        '--agent-encryption-thumbprint',
        'ab'.repeat(20),
      ],
    ],
  ]
  for (const [topology, extra] of topologies) {
    test(`--yes writes a valid ${topology} environment whose secrets are references`, async () => {
      const out = `${topology}.yaml`
      const url = topology === 'saas' ? 'https://contoso.usercube.com' : 'https://idm.contoso.com'
      const r = await runCli(
        [
          'init',
          '--out',
          out,
          '--topology',
          topology,
          '--organization',
          'Contoso',
          '--server-url',
          url,
          '--yes',
          ...extra,
        ],
        {cwd: dir},
      )
      assert.equal(r.code, 0, r.stderr)
      assert.match(r.stdout, /Set these variables/)
      const text = await readFile(join(dir, out), 'utf8')
      const env = parse(text)
      assert.equal(env.topology, topology)
      assert.equal(env.product, topology === 'saas' ? 'saas' : '6.3')
      const v = await runCli(['validate', out], {cwd: dir})
      assert.equal(v.code, 0, v.stdout)
      // Every password or secret field is a ${env:} reference, and the output lists each variable.
      for (const m of text.matchAll(/^\s*(password|secret|license): (.*)$/gm)) {
        // Quoted, as README asks users to write references.
        assert.match(m[2]!, /^"\$\{env:IDM_[A-Z_]+\}"$/, m[0])
        assert.ok(r.stdout.includes(m[2]!.slice(7, -2)), `the output names ${m[2]}`)
      }
      if (topology === 'on-prem-separate') {
        assert.equal(env.server.database.connectionString, '${env:IDM_SQL_CONNECTION}')
        assert.equal(env.agents[0].url, 'https://idm-agent.contoso.com')
        assert.equal(env.smtp.password, '${env:IDM_SMTP_PASSWORD}')
      }
      if (topology === 'saas')
        assert.deepEqual(env.agents[0].encryptionCertificate, {
          store: {thumbprint: 'AB'.repeat(20), storeLocation: 'LocalMachine', storeName: 'My'},
        })
    })
  }

  test("SaaS: nothing is derived from the tenant's domain; the server account has no default", async () => {
    const saas = ['init', '--out', 'saas-defaults.yaml', '--topology', 'saas', '--organization', 'Contoso']
    const url = ['--server-url', 'https://contoso.usercube.com']
    const noAgent = await runCli([...saas, ...url, '--yes'], {cwd: dir})
    assert.equal(noAgent.code, 2)
    assert.match(noAgent.stderr, /give --agent-url \(it has no default\)/)
    const noSmtp = await runCli(
      [...saas, ...url, '--yes', '--agent-url', 'https://idm-agent.contoso.com', '--mail', 'smtp'],
      {
        cwd: dir,
      },
    )
    assert.equal(noSmtp.code, 2)
    assert.match(noSmtp.stderr, /give --smtp-host and --from-address \(they have no default\)/)
    const ok = await runCli(
      [
        ...saas,
        ...url,
        '--yes',
        '--agent-url',
        'https://idm-agent.contoso.com',
        '--mail',
        'smtp',
        '--smtp-host',
        'smtp.contoso.com',
        '--from-address',
        'no-reply@contoso.com',
      ],
      {cwd: dir},
    )
    assert.equal(ok.code, 0, ok.stderr)
    const text = await readFile(join(dir, 'saas-defaults.yaml'), 'utf8')
    // The tenant's domain appears once: in server.url.
    assert.equal(text.match(/usercube\.com/g)?.length, 1, text)
    // On premises the customer's domain (from the server URL) is a fair default for the agent.
    const onPrem = await runCli(
      [
        'init',
        '--out',
        'onprem.yaml',
        '--topology',
        'on-prem-separate',
        '--organization',
        'C',
        '--server-url',
        'https://idm.fabrikam.com',
        '--yes',
      ],
      {cwd: dir},
    )
    assert.equal(onPrem.code, 2)
    assert.match(onPrem.stderr, /give --service-account \(it has no default\)/)
    assert.doesNotMatch(onPrem.stderr, /--agent-url/)
  })

  test('a bad answer is exit 2 and writes nothing; an existing file is kept without --force', async () => {
    const bad = await runCli(
      ['init', '--out', 'bad.yaml', '--organization', 'Contoso', '--server-url', 'https://idm.contoso.com/', '--yes'],
      {cwd: dir},
    )
    assert.equal(bad.code, 2)
    assert.match(bad.stderr, /--server-url https:\/\/idm\.contoso\.com\/: the URL must not end with "\/"/)
    await writeFile(join(dir, 'mine.yaml'), 'my notes\n')
    const mine = ['init', '--out', 'mine.yaml', '--organization', 'C', '--server-url', 'https://x.contoso.com']
    const kept = await runCli([...mine, '--yes', ...account], {cwd: dir})
    assert.equal(kept.code, 2)
    assert.equal(await readFile(join(dir, 'mine.yaml'), 'utf8'), 'my notes\n')
    const forced = await runCli([...mine, '--yes', '--force', ...account], {cwd: dir})
    assert.equal(forced.code, 0)
    assert.equal(await readFile(join(dir, 'mine.yaml.bak'), 'utf8'), 'my notes\n')
  })

  test('on a terminal it asks, with defaults, and re-asks a bad answer', async () => {
    const down = '\u001b[B'
    const r = await runCliInPty(
      ['init', '--out', 'tty.yaml'],
      [
        ['Topology', down],
        ['Product version', ''],
        ['Organization', 'Fabrikam'],
        ['Name of this environment', ''],
        ['Server URL', 'http://idm.fabrikam.com'],
        ['must use https', '\u0015https://idm.fabrikam.com'],
        ['DNS alias', ''],
        ['Server working directory', ''],
        ['Server service account', 'FABRIKAM\\svc-idm'],
        ['SQL Server', 'sql01'],
        ['Database', ''],
        ['SQL authentication', ''],
        ['Agent identifier', 'FabrikamAD'],
        ["Agent's HTTPS URL", ''],
        ['Agent working directory', ''],
        ['Agent service account', ''],
        ["Server's encryption certificate", ''],
        ["Server's IdentityServer certificate", ''],
        ["Server site's TLS certificate", ''],
        ["Agent's encryption certificate", ''],
        ["Agent site's TLS certificate", ''],
        ['Mail', ''],
      ],
      {cwd: dir, timeoutMs: 45_000},
    )
    assert.equal(r.code, 0, r.stdout)
    const env = parse(await readFile(join(dir, 'tty.yaml'), 'utf8'))
    assert.equal(env.topology, 'on-prem-separate')
    assert.equal(env.organization, 'Fabrikam')
    assert.equal(env.server.url, 'https://idm.fabrikam.com')
    assert.equal(env.server.serviceAccount, 'FABRIKAM\\svc-idm')
    assert.equal(
      env.server.database.connectionString,
      'Data Source=sql01;Database=UsercubeFabrikam;Integrated Security=SSPI;Encrypt=true;Min Pool Size=10',
    )
    assert.equal(env.agents[0].identifier, 'FabrikamAD')
    assert.equal(env.agents[0].url, 'https://idm-agent.fabrikam.com')
  })

  test('first-hour rough edges: the name is an answer, implied flags are said, conflicts refused, a domain account, Encrypt=true', async () => {
    const base = ['--organization', 'Contoso', '--server-url', 'https://idm.contoso.com', '--yes']
    // The name is asked (a flag here), never written without being an answer.
    const named = await runCli(['init', '--out', 'named.yaml', ...base, ...account, '--name', 'contoso-test'], {
      cwd: dir,
    })
    assert.equal(named.code, 0, named.stderr)
    const env = parse(await readFile(join(dir, 'named.yaml'), 'utf8'))
    assert.equal(env.name, 'contoso-test')
    // The default TLS certificate is self-signed: said, with what a CA's certificate needs instead.
    assert.match(
      named.stdout,
      /Self-signed \(scaffold creates it\): server\.tlsCertificate; .*cert\.tls refuse it until/,
    )
    // Suggested encrypted, as Microsoft.Data.SqlClient defaults to.
    assert.match(env.server.database.connectionString, /;Encrypt=true;/)
    assert.doesNotMatch(env.server.database.connectionString, /Encrypt=false/)
    // --smtp-host without --mail: implies smtp, and says so.
    const implied = await runCli(
      ['init', '--out', 'implied.yaml', ...base, ...account, '--smtp-host', 'smtp.contoso.com'],
      {
        cwd: dir,
      },
    )
    assert.equal(implied.code, 0, implied.stderr)
    assert.match(implied.stderr, /--smtp-host implies --mail smtp/)
    assert.equal(parse(await readFile(join(dir, 'implied.yaml'), 'utf8')).smtp.host, 'smtp.contoso.com')
    // With another --mail, or a flag the topology does not ask: exit 2, never dropped.
    const refused: [string[], RegExp][] = [
      [['--mail', 'none', '--smtp-host', 'smtp.contoso.com'], /--smtp-host goes with --mail smtp, not --mail none/],
      [['--agent-url', 'https://a.contoso.com'], /--agent-url does not apply to topology on-prem-integrated/],
      [['--from-address', 'a@contoso.com'], /--from-address goes with --mail smtp or --mail pickup, not --mail none/],
      [
        ['--server-encryption', 'store', '--server-encryption-file', 'x.pfx'],
        /--server-encryption-file goes with --server-encryption file, not --server-encryption store/,
      ],
    ]
    for (const [extra, message] of refused) {
      const r = await runCli(['init', '--out', 'refused.yaml', ...base, ...account, ...extra], {cwd: dir})
      assert.equal(r.code, 2, extra.join(' '))
      assert.match(r.stderr, message)
      assert.equal(existsSync(join(dir, 'refused.yaml')), false)
    }
    // The prompt asks DOMAIN\user: an account without a domain, or a built-in one, is refused.
    for (const bad of ['svc-idm', 'IIS AppPool\\Usercube', '.\\svc-idm']) {
      const r = await runCli(['init', '--out', 'account.yaml', ...base, '--service-account', bad], {cwd: dir})
      assert.equal(r.code, 2, bad)
      assert.match(r.stderr, /a domain account written DOMAIN\\user/)
    }
    // A file path implies the choice: --agent-encryption-file means --agent-encryption file.
    const file = await runCli(
      ['init', '--out', 'file.yaml', ...base, ...account, '--server-encryption-file', 'D:/pki/server.pfx'],
      {cwd: dir},
    )
    assert.equal(file.code, 0, file.stderr)
    const f = parse(await readFile(join(dir, 'file.yaml'), 'utf8'))
    assert.deepEqual(f.server.encryptionCertificate, {file: 'D:/pki/server.pfx', password: '${env:IDM_SERVER_PFX}'})
  })

  test('each side has its own certificates and variables; the agent gets its TLS and the server public part', async () => {
    const r = await runCli(
      [
        'init',
        '--out',
        'sides.yaml',
        '--topology',
        'on-prem-separate',
        '--organization',
        'Contoso',
        '--server-url',
        'https://idm.contoso.com',
        '--agent-id',
        'ContosoAD',
        '--agent-encryption-file',
        'C:/pki/agent.pfx',
        '--server-encryption-file',
        'C:/pki/server.pfx',
        '--agent-tls-thumbprint',
        'cd'.repeat(20),
        '--yes',
        ...account,
      ],
      {cwd: dir},
    )
    assert.equal(r.code, 0, r.stderr)
    const env = parse(await readFile(join(dir, 'sides.yaml'), 'utf8'))
    const agent = env.agents[0]
    assert.deepEqual(env.server.encryptionCertificate, {file: 'C:/pki/server.pfx', password: '${env:IDM_SERVER_PFX}'})
    assert.deepEqual(agent.encryptionCertificate, {file: 'C:/pki/agent.pfx', password: '${env:IDM_AGENT_PFX}'})
    assert.deepEqual(agent.tlsCertificate, {
      store: {thumbprint: 'CD'.repeat(20), storeLocation: 'LocalMachine', storeName: 'My'},
    })
    // Made by scaffold from the server's, in the agent's Certificates folder (the one rule).
    assert.deepEqual(agent.identityServerCertificate, {
      file: 'C:/identitymanagerContosoAgent/Certificates/IdentityServer-Public.pfx',
      password: '${env:IDM_IDENTITYSERVER_PFX}',
    })
    assert.equal(env.server.identityServerCertificate.file, 'C:/identitymanagerContoso/Certificates/IdentityServer.pfx')
    assert.match(
      r.stdout,
      /IDM_IDENTITYSERVER_PFX +the password of C:\/identitymanagerContoso\/Certificates\/IdentityServer\.pfx \(the server's IdentityServer key pair, which signs the tokens agents verify; the agent's is its public part, which scaffold exports with the same password \(or cert create --public-from, on the server's host\): scaffold --server --generate-certificates creates it/,
    )
    // The server first, then the agent; both on the Windows host.
    assert.match(
      r.stdout,
      /idm-preflight scaffold -c sides\.yaml --server --generate-certificates {3}# the server's first: the agent's IdentityServer is its public part; on the Windows host \(here, add --target DIR\)\n {2}idm-preflight scaffold -c sides\.yaml --generate-certificates {3}# on the Windows host/,
    )
    assert.match(
      r.stdout,
      /Put these certificates where the file names them:\n {2}C:\/pki\/server\.pfx {2}\(server\.encryptionCertificate\)\n {2}C:\/pki\/agent\.pfx/,
    )
  })
})
