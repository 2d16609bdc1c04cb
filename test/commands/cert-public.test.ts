import assert from 'node:assert/strict'
import {stat} from 'node:fs/promises'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'
import {hasStackTrace, runCli, tempDir} from '../helpers/cli.js'

describe('cert create --public-from', () => {
  let dir: string
  let cleanup: () => Promise<void>
  before(async () => ({dir, cleanup} = await tempDir()))
  after(() => cleanup())

  test("writes the server's certificate without its key, which cert.identity-server takes as the agent's", async () => {
    const env = {SRV: 'Server-Ids-1', AGENT: 'Agent-Copy-2'}
    const made = await runCli(
      ['cert', 'create', '--out', 'ids.pfx', '--password-env', 'SRV', '--subject', 'CN=Contoso IdentityServer'],
      {cwd: dir, env},
    )
    assert.equal(made.code, 0, made.stderr)
    const r = await runCli(
      [
        'cert',
        'create',
        '--public-from',
        'ids.pfx',
        '--public-from-password-env',
        'SRV',
        '--out',
        'pub.pfx',
        '--password-env',
        'AGENT',
      ],
      {cwd: dir, env},
    )
    assert.equal(r.code, 0, r.stdout + r.stderr)
    assert.match(r.stdout, /Created pub\.pfx: the certificate of ids\.pfx, without its private key/)
    assert.match(r.stdout, /identityServerCertificate: \{ file: pub\.pfx, password: "\$\{env:AGENT\}" \}/)
    for (const s of Object.values(env)) assert.ok(!(r.stdout + r.stderr).includes(s))
    assert.equal((await stat(join(dir, 'pub.pfx'))).mode & 0o777, 0o600)
    const thumb = (t: string) => /"thumbprint": "([0-9A-F]{40})"/.exec(t)?.[1]
    const pub = await runCli(['cert', 'inspect', 'pub.pfx', '--password-env', 'AGENT', '--json'], {cwd: dir, env})
    const ids = await runCli(['cert', 'inspect', 'ids.pfx', '--password-env', 'SRV', '--json'], {cwd: dir, env})
    assert.ok(thumb(pub.stdout))
    assert.equal(thumb(pub.stdout), thumb(ids.stdout))
    assert.match(pub.stdout, /"hasPrivateKey": false/)
    // A wrong source password: exit 2, said, nothing written.
    const wrong = await runCli(
      [
        'cert',
        'create',
        '--public-from',
        'ids.pfx',
        '--public-from-password-env',
        'AGENT',
        '--out',
        'x.pfx',
        '--password-env',
        'AGENT',
      ],
      {cwd: dir, env},
    )
    assert.equal(wrong.code, 2, wrong.stderr)
    assert.match(wrong.stderr, /--public-from ids\.pfx: /)
    assert.ok(!hasStackTrace(wrong.stderr))
  })
})
