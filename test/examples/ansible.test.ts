import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {existsSync, readFileSync} from 'node:fs'
import {access, chmod, mkdir, readFile, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'
import {parse} from 'yaml'
import type {Report} from '../../src/report/report.js'
import {startSandbox, type Sandbox} from '../../src/sandbox/index.js'
import {BIN, ROOT, tempDir} from '../helpers/cli.js'

/**
 * The fleet example (examples/ansible) run by Debian's Ansible against an inventory of three
 * hosts of one sandbox installation on this machine: the server's host and two agents' hosts,
 * each a local connection with its own variables (--server or its --agent, its install folder,
 * only its own secrets). The role copies the tool to each, runs check there, fetches the
 * reports; the controller merges them.
 */

const PLAYBOOK = ['/usr/bin/ansible-playbook', '/usr/local/bin/ansible-playbook'].find((p) => existsSync(p))
const NO_ANSIBLE = PLAYBOOK ? false : "needs Debian's Ansible (apt-get install ansible): .ci/run installs it"

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<{code: number | null; out: string}> {
  return new Promise((done) => {
    const child = spawn(cmd, args, {env, stdio: ['ignore', 'pipe', 'pipe']})
    let out = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')))
    child.stderr.on('data', (d: Buffer) => (out += d.toString('utf8')))
    child.on('close', (code) => done({code, out}))
  })
}

describe('examples/ansible: three hosts, one merged report', {skip: NO_ANSIBLE}, () => {
  let sb: Sandbox
  let dir: string
  let cleanup: () => Promise<void>
  before(async () => {
    ;({dir, cleanup} = await tempDir())
    sb = await startSandbox({topology: 'on-prem-separate', agents: 2, secretsFrom: 'env', connectorPerAgent: true})
  })
  after(async () => {
    await sb?.stop()
    await cleanup?.()
  })

  test(
    'the playbook copies the tool, checks each host with its --agent, fetches and merges',
    {timeout: 240_000},
    async () => {
      // The "executable" the role copies: a launcher of this checkout's CLI with this Node.js.
      const tool = join(dir, 'idm-preflight')
      await writeFile(tool, `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} "$@"\n`)
      await chmod(tool, 0o755)
      const reports = join(dir, 'reports')
      await mkdir(reports)
      const hosts = {
        'idm-server': {agent: '', secrets: sb.hostSecrets.server!},
        'idm-agent-a': {agent: 'SandboxAgent', secrets: sb.hostSecrets.SandboxAgent!},
        'idm-agent-b': {agent: 'Agent02', secrets: sb.hostSecrets.Agent02!},
      }
      const inventory = {
        idm: {
          vars: {
            ansible_connection: 'local',
            ansible_python_interpreter: '/usr/bin/python3',
            idm_preflight_executable: tool,
            idm_preflight_config: sb.envFile,
            idm_preflight_stage: 'after',
            idm_preflight_reports_dir: reports,
          },
          hosts: Object.fromEntries(
            Object.entries(hosts).map(([name, h]) => [
              name,
              {
                idm_preflight_agent: h.agent,
                idm_preflight_server: h.agent === '',
                idm_preflight_install_dir: join(dir, 'hosts', name),
                // Each host its own secrets, as the example's inventory gives them.
                idm_preflight_environment: Object.fromEntries(h.secrets.map((n) => [n, sb.secrets[n]!])),
              },
            ]),
          ),
        },
      }
      const inv = join(dir, 'inventory.yml')
      await writeFile(inv, JSON.stringify(inventory))
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        HOME: dir,
        ANSIBLE_LOCAL_TEMP: join(dir, 'ansible-tmp'),
        ANSIBLE_REMOTE_TEMP: join(dir, 'ansible-tmp'),
        ANSIBLE_NOCOLOR: '1',
        ANSIBLE_RETRY_FILES_ENABLED: '0',
        ANSIBLE_LOCALHOST_WARNING: 'false',
        ANSIBLE_INVENTORY_UNPARSED_WARNING: 'false',
        HTTPS_PROXY: '',
        https_proxy: '',
        NO_PROXY: '',
        no_proxy: '',
      }
      const r = await run(
        PLAYBOOK as string,
        [
          '-i',
          inv,
          join(ROOT, 'examples', 'ansible', 'playbook.yml'),
          '-e',
          JSON.stringify({idm_preflight_controller_command: tool, idm_preflight_reports_dir: reports}),
        ],
        env,
      )
      assert.equal(r.code, 0, r.out)
      // The tool was copied to each host's install folder, and each host's report fetched.
      for (const name of Object.keys(hosts)) {
        await access(join(dir, 'hosts', name, 'idm-preflight'))
        await access(join(reports, `${name}.json`))
      }
      const merged = JSON.parse(await readFile(join(reports, 'fleet.json'), 'utf8')) as Report
      assert.deepEqual(
        merged.runs!.map((x) => [x.host.role, x.host.agent ?? '']),
        [
          ['server', ''],
          ['agent', 'SandboxAgent'],
          ['agent', 'Agent02'],
        ],
      )
      const keys = new Set<string>()
      for (const name of Object.keys(hosts)) {
        const one = JSON.parse(await readFile(join(reports, `${name}.json`), 'utf8')) as Report
        assert.equal(one.stage, 'after')
        // With only its own secrets, every one of the host's checks could run.
        assert.equal(
          one.summary.error + one.summary.fail,
          0,
          `${name}: ${JSON.stringify(one.results.filter((x) => x.status === 'error' || x.status === 'fail'))}`,
        )
        for (const x of one.results) keys.add(`${x.id} ${x.target}`)
      }
      // The merged report holds what the three hosts checked (how it folds a check of the same
      // target from several hosts into one row is report merge's own business).
      assert.deepEqual(new Set(merged.results.map((x) => `${x.id} ${x.target}`)), keys)
      // One row per thing checked (check, target, place), whatever the number of hosts that checked it.
      const rows = new Set(merged.results.map((x) => JSON.stringify([x.id, x.target, x.place])))
      assert.equal(rows.size, merged.results.length)
      assert.equal(merged.summary.fail + merged.summary.error, 0, JSON.stringify(merged.summary))
      await access(join(reports, 'fleet.html'))
      // Secrets stay out of Ansible's output: the role's run is no_log.
      for (const [name, value] of Object.entries(sb.secrets)) assert.ok(!r.out.includes(value), name)
      assert.match(r.out, /Summary of the installation/)
    },
  )

  test('a host whose environment file is broken fails the play, and says why', {timeout: 120_000}, async () => {
    const broken = join(dir, 'broken.yaml')
    await writeFile(broken, 'version: 1\nname: [unclosed\n')
    const inv = join(dir, 'broken-inventory.yml')
    await writeFile(
      inv,
      JSON.stringify({
        idm: {
          hosts: {
            'idm-broken': {
              ansible_connection: 'local',
              ansible_python_interpreter: '/usr/bin/python3',
              idm_preflight_command: `${process.execPath} ${BIN}`,
              idm_preflight_config: broken,
              idm_preflight_install_dir: join(dir, 'hosts', 'broken'),
              idm_preflight_reports_dir: join(dir, 'broken-reports'),
            },
          },
        },
      }),
    )
    await mkdir(join(dir, 'hosts', 'broken'), {recursive: true})
    const r = await run(PLAYBOOK as string, ['-i', inv, join(ROOT, 'examples', 'ansible', 'playbook.yml')], {
      ...process.env,
      HOME: dir,
      ANSIBLE_LOCAL_TEMP: join(dir, 'ansible-tmp'),
      ANSIBLE_NOCOLOR: '1',
    })
    assert.notEqual(r.code, 0, r.out)
    assert.match(r.out, /broken\.yaml/, 'the summary names the file')
    assert.match(r.out, /idm-preflight exited 2: see the summary above/)
  })

  test('the examples are YAML; the CI templates use commands and flags this tool has', async () => {
    const {COMMANDS} = await import('../../src/commands-index.js')
    // Every YAML file of the examples parses (Ansible reads a broken task file only when it gets there).
    const {readdir} = await import('node:fs/promises')
    const examples = join(ROOT, 'examples')
    const yamls = (await readdir(examples, {recursive: true})).filter((f) => /\.ya?ml$/.test(f))
    assert.ok(yamls.length >= 8, yamls.join(', '))
    for (const f of yamls) assert.doesNotThrow(() => parse(readFileSync(join(examples, f), 'utf8')), f)
    let seen = 0
    for (const f of ['github-actions.yml', 'azure-pipelines.yml']) {
      const text = await readFile(join(ROOT, 'examples', 'ci', f), 'utf8')
      assert.ok(parse(text) && typeof parse(text) === 'object', f)
      for (const m of text.matchAll(/idm-preflight (validate|check|report show|report merge)\b([^\n|]*)/g)) {
        const command = (COMMANDS as Record<string, {flags?: Record<string, {char?: string}>}>)[m[1]!.replace(' ', ':')]
        assert.ok(command, m[0])
        const known = new Set(
          Object.entries(command.flags ?? {}).flatMap(([name, fl]) => [
            `--${name}`,
            ...(fl.char ? [`-${fl.char}`] : []),
          ]),
        )
        for (const flag of m[2]!.split(/\s+/).filter((a) => /^--?[a-z]/.test(a))) {
          assert.ok(known.has(flag), `${f}: ${m[0]}: ${flag} is not a flag of ${m[1]}`)
          seen++
        }
      }
    }
    assert.ok(seen >= 8, `${seen} flags checked`)
  })
})
