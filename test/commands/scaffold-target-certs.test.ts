import assert from 'node:assert/strict'
import {existsSync} from 'node:fs'
import {readFile} from 'node:fs/promises'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'
import {loadCertificateFile} from '../../src/probes/pki/certificates.js'
import {runCli, tempDir} from '../helpers/cli.js'

// A new user on Linux: init with the Windows host's working directories, then scaffold each
// installation into a local folder (--target, as init's "Next:" lines say) to copy there.
const SECRETS = {
  IDM_SERVER_PFX: 'srv-enc-pw-1',
  IDM_IDENTITYSERVER_PFX: 'ids-pw-2',
  IDM_SERVER_TLS_PFX: 'srv-tls-pw-3',
  IDM_AGENT_PFX: 'ag-enc-pw-4',
  IDM_AGENT_TLS_PFX: 'ag-tls-pw-5',
}

describe('scaffold --generate-certificates --target with Windows working directories', () => {
  let dir: string
  let initOut = ''
  let cleanup: () => Promise<void>
  before(async () => {
    ;({dir, cleanup} = await tempDir())
    const r = await runCli(
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
        'C:/IdentityManager/Server',
        '--agent-working-directory',
        'C:/IdentityManager/ContosoAD',
        '--server-tls',
        'create',
        '--agent-tls',
        'create',
        '-o',
        'contoso-prod.yaml',
      ],
      {cwd: dir},
    )
    assert.equal(r.code, 0, r.stdout + r.stderr)
    initOut = r.stdout
  })
  after(() => cleanup())

  test("init's Next: lines say --target, and for the agent --server-target", () => {
    assert.match(initOut, /--server --generate-certificates .*\(here, add --target DIR\)\n/)
    assert.match(
      initOut,
      /scaffold -c contoso-prod\.yaml --generate-certificates .*add --target DIR, and --server-target SRV/,
    )
  })

  const valid = async (path: string, password: string, privateKey: boolean) => {
    assert.ok(existsSync(path), `${path} was not created`)
    const l = await loadCertificateFile(path, password)
    assert.ok(l.ok, `${path}: ${l.ok ? '' : l.detail}`)
    assert.ok(l.file.ders.length >= 1, `${path} holds no certificate`)
    assert.equal(l.file.hasPrivateKey, privateKey, `${path}: private key ${l.file.hasPrivateKey}`)
    return l.file.ders[0]
  }

  test('the server: its three certificates under --target, the settings and the site naming the Windows paths', async () => {
    const r = await runCli(
      ['scaffold', '-c', 'contoso-prod.yaml', '--server', '--generate-certificates', '--target', './srv'],
      {cwd: dir, env: SECRETS},
    )
    assert.ok(r.code === 0 || r.code === 3, r.stdout + r.stderr)
    const certs = join(dir, 'srv', 'Certificates')
    await valid(join(certs, 'Server-Files.pfx'), SECRETS.IDM_SERVER_PFX, true)
    await valid(join(certs, 'IdentityServer.pfx'), SECRETS.IDM_IDENTITYSERVER_PFX, true)
    await valid(join(certs, 'Server-Tls.pfx'), SECRETS.IDM_SERVER_TLS_PFX, true)
    // The settings name the file where it will be on the Windows host, as the environment file does.
    const settings = await readFile(join(dir, 'srv', 'Runtime', 'appsettings.json'), 'utf8')
    assert.match(settings, /C:\/IdentityManager\/Server\/Certificates\/Server-Files\.pfx/)
    assert.ok(!settings.includes(dir), 'the settings name a path of this machine')
    assert.doesNotMatch(r.stdout, /check would judge another file/)
    // The site script imports a file that was made (copied from srv to C:\IdentityManager\Server).
    const site = await readFile(join(dir, 'srv', 'install-iis-site.ps1'), 'utf8')
    const m = /\$PfxFile = '([^']+)'/.exec(site)
    assert.ok(m, 'install-iis-site.ps1 imports no PFX')
    const rel = m[1]!.replace(/\\/g, '/').replace(/^C:\/IdentityManager\/Server\//, '')
    assert.equal(rel, 'Certificates/Server-Tls.pfx')
    assert.ok(existsSync(join(dir, 'srv', rel)))
    assert.match(r.stdout, /written under \.\/srv, as the settings name them under C:\/IdentityManager\/Server: copy/)
    // A placeholder is shown as a person reads it, not JSON-escaped.
    assert.match(r.stdout, /the AgentIdentifier of your XML configuration \(not "Local"\)/)
    assert.ok(!r.stdout.includes('\\"'), r.stdout)
  })

  test("the agent: its encryption and TLS certificates, and the server's public part from --server-target", async () => {
    const r = await runCli(
      [
        'scaffold',
        '-c',
        'contoso-prod.yaml',
        '--agent',
        'ContosoAD',
        '--generate-certificates',
        '--target',
        './ag',
        '--server-target',
        './srv',
      ],
      {cwd: dir, env: SECRETS},
    )
    assert.ok(r.code === 0 || r.code === 3, r.stdout + r.stderr)
    const certs = join(dir, 'ag', 'Certificates')
    await valid(join(certs, 'ContosoAD-Files.pfx'), SECRETS.IDM_AGENT_PFX, true)
    await valid(join(certs, 'ContosoAD-Tls.pfx'), SECRETS.IDM_AGENT_TLS_PFX, true)
    const pub = await valid(join(certs, 'IdentityServer-Public.pfx'), SECRETS.IDM_IDENTITYSERVER_PFX, false)
    const server = await valid(
      join(dir, 'srv', 'Certificates', 'IdentityServer.pfx'),
      SECRETS.IDM_IDENTITYSERVER_PFX,
      true,
    )
    assert.equal(pub, server, "the agent's IdentityServer is not the server's public part")
    const site = await readFile(join(dir, 'ag', 'install-iis-site.ps1'), 'utf8')
    const m = /\$PfxFile = '([^']+)'/.exec(site)
    assert.ok(m, 'install-iis-site.ps1 imports no PFX')
    const rel = m[1]!.replace(/\\/g, '/').replace(/^C:\/IdentityManager\/ContosoAD\//, '')
    assert.equal(rel, 'Certificates/ContosoAD-Tls.pfx')
    assert.ok(existsSync(join(dir, 'ag', rel)))
  })

  test("the agent without --server-target: the server's file is not on this system, said with what to do", async () => {
    const r = await runCli(
      ['scaffold', '-c', 'contoso-prod.yaml', '--agent', 'ContosoAD', '--generate-certificates', '--target', './ag2'],
      {cwd: dir, env: SECRETS},
    )
    assert.ok(r.code === 0 || r.code === 3, r.stdout + r.stderr)
    await valid(join(dir, 'ag2', 'Certificates', 'ContosoAD-Files.pfx'), SECRETS.IDM_AGENT_PFX, true)
    await valid(join(dir, 'ag2', 'Certificates', 'ContosoAD-Tls.pfx'), SECRETS.IDM_AGENT_TLS_PFX, true)
    assert.match(r.stdout, /not on this system: pass --server-target DIR/)
  })
})
