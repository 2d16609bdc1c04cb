import assert from 'node:assert/strict'
import {randomBytes} from 'node:crypto'
import {mkdir, readFile, stat} from 'node:fs/promises'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'
import {startSandbox, type Sandbox} from '../../src/sandbox/index.js'
import {runCli, tempDir} from '../helpers/cli.js'

/**
 * The certificate story end to end, as a new user follows it: `init --yes` (answers as flags,
 * the sandbox's endpoints), then `scaffold --generate-certificates` into the working directories
 * the file names (no --target), then `check`, with no edit in between. The TLS certificates are
 * the sandbox CA's (as a customer's CA issues them); every other certificate is scaffold's.
 */
describe('init → scaffold --generate-certificates → check, no edit in between', () => {
  let saas: Sandbox
  let onPrem: Sandbox
  let dir: string
  let cleanup: () => Promise<void>
  before(async () => {
    ;({dir, cleanup} = await tempDir())
    ;[saas, onPrem] = await Promise.all([startSandbox(), startSandbox({topology: 'on-prem-separate'})])
  })
  after(async () => {
    await Promise.all([saas?.stop(), onPrem?.stop()])
    await cleanup()
  })

  for (const topology of ['saas', 'on-prem-integrated', 'on-prem-separate'] as const) {
    test(topology, {timeout: 90_000}, async () => {
      const sb = topology === 'saas' ? saas : onPrem
      const home = join(dir, topology)
      const env = join(home, 'idm-preflight.yaml')
      // init writes into a folder that is there (never a tree made from a typo).
      await mkdir(home)
      const serverDir = join(home, 'server')
      const agentDir = join(home, 'agent')
      const sandboxPfx = (await readFile(join(sb.dir, 'secrets', 'pfx-password'), 'utf8')).trim()
      const own = () => randomBytes(9).toString('base64url')
      const secrets = {
        IDM_SERVER_PFX: own(),
        IDM_AGENT_PFX: own(),
        // SaaS: the PFX Netwrix gives (here the sandbox's); on premises: scaffold's key pair.
        IDM_IDENTITYSERVER_PFX: topology === 'saas' ? sandboxPfx : own(),
        IDM_SERVER_TLS_PFX: sandboxPfx,
        IDM_AGENT_TLS_PFX: sandboxPfx,
        IDM_LICENSE: 'license',
        IDM_JOB_SECRET: own(),
      }
      const server = sb.environment.server as {url: string}
      const agent = (sb.environment.agents as {url: string}[])[0]!
      const args = [
        'init',
        '--out',
        env,
        '--yes',
        '--topology',
        topology,
        '--organization',
        'Sandbox',
        '--server-url',
        server.url,
        '--agent-id',
        'SandboxAgent',
        ...(topology === 'saas'
          ? ['--identity-server-file', join(sb.dir, 'certs', 'identityserver-public.pfx')]
          : [
              '--service-account',
              'SANDBOX\\svc-idm',
              '--working-directory',
              serverDir,
              '--server-tls-file',
              join(sb.dir, 'certs', 'idm-ssl.pfx'),
            ]),
        ...(topology === 'on-prem-integrated'
          ? []
          : [
              '--agent-url',
              agent.url,
              '--agent-working-directory',
              agentDir,
              '--agent-tls-file',
              join(sb.dir, 'certs', 'idm-agent-ssl.pfx'),
            ]),
      ]
      const init = await runCli(args, {env: secrets, cwd: dir})
      assert.equal(init.code, 0, init.stdout + init.stderr)
      const commands = [...init.stdout.matchAll(/^ {2}idm-preflight (scaffold .*?)(?: {3}#.*)?$/gm)].map((m) =>
        m[1]!.split(' '),
      )
      assert.equal(commands.length, topology === 'on-prem-separate' ? 2 : 1, init.stdout)
      // Exactly the commands init printed, in its order (the server first).
      const created = new Map<string, string>()
      for (const c of commands) {
        const sc = await runCli([...c, '--json'], {env: secrets, cwd: dir})
        // A separate server's own agent identifier is the user's to give (a placeholder): exit 3.
        assert.ok(sc.code === 0 || sc.code === 3, sc.stdout + sc.stderr)
        const out = JSON.parse(sc.stdout)
        assert.equal(
          out.targetFrom,
          c.includes('--server')
            ? 'server.workingDirectory'
            : out.role === 'agent'
              ? 'agents[0].workingDirectory'
              : 'server.workingDirectory',
        )
        for (const p of out.placeholders) assert.match(p, /AgentIdentifier/, 'only what no variable can give is left')
        for (const i of out.items as {relative: string; action: string; note?: string}[])
          if (i.relative.startsWith('Certificates/')) {
            assert.equal(i.action, 'created', JSON.stringify(i))
            created.set(join(out.target, i.relative), i.note ?? '')
          }
        assert.equal(out.environmentChange, undefined, 'init named the files scaffold made: nothing to change')
      }
      const expected =
        topology === 'saas'
          ? ['agent/Certificates/SandboxAgent-Files.pfx']
          : topology === 'on-prem-integrated'
            ? ['server/Certificates/Server-Files.pfx', 'server/Certificates/IdentityServer.pfx']
            : [
                'server/Certificates/Server-Files.pfx',
                'server/Certificates/IdentityServer.pfx',
                'agent/Certificates/SandboxAgent-Files.pfx',
                'agent/Certificates/IdentityServer-Public.pfx',
              ]
      assert.deepEqual([...created.keys()].sort(), expected.map((f) => join(home, f)).sort())
      for (const f of created.keys()) assert.equal((await stat(f)).mode & 0o777, 0o600, f)

      const check = await runCli(['check', '-c', env, '--only', 'cert.*', '--format', 'json'], {
        env: {...secrets, NODE_EXTRA_CA_CERTS: join(sb.dir, 'certs', 'sandbox-ca.pem')},
        cwd: dir,
      })
      const report = JSON.parse(check.stdout)
      const certs = (report.results as {id: string; status: string; title: string; message: string}[]).filter((r) =>
        r.id.startsWith('cert.'),
      )
      for (const r of certs) assert.equal(r.status, 'pass', `${r.title}: ${r.message}`)
      assert.equal(check.code, 0, check.stdout + check.stderr)
      const judged = (id: string) => certs.filter((r) => r.id === id).map((r) => r.title)
      const sides =
        topology === 'saas' ? ['agents[0]'] : topology === 'on-prem-integrated' ? ['server'] : ['server', 'agents[0]']
      for (const id of ['cert.encryption', 'cert.identity-server', 'cert.tls'])
        assert.deepEqual(
          judged(id).map((t) => t.split('.')[0]),
          sides,
          `${id} judged every side`,
        )
      // check judged exactly the PFX files scaffold created: the same thumbprints.
      for (const note of created.values()) {
        const thumbprint = /thumbprint ([0-9A-F]{40})/.exec(note)?.[1]
        if (thumbprint)
          assert.ok(
            certs.some((r) => r.message.includes(thumbprint)),
            `${thumbprint} was judged`,
          )
      }
      if (topology === 'on-prem-separate')
        assert.ok(
          certs.some(
            (r) =>
              r.id === 'cert.identity-server' &&
              /holds the public key of server\.identityServerCertificate/.test(r.message),
          ),
          "the agent's IdentityServer is the server's public part",
        )
    })
  }
})
