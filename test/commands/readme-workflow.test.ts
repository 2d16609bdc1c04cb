import assert from 'node:assert/strict'
import {access, readFile} from 'node:fs/promises'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'
import type {Report} from '../../src/report/report.js'
import {startSandbox, type Sandbox} from '../../src/sandbox/index.js'
import {ROOT, runCli, tempDir} from '../helpers/cli.js'

/**
 * README's workflow section, run as written: every `idm-preflight` line of its block, in order,
 * against the sandbox shaped like its contoso-prod (a server and two agents, one connector each),
 * each check with only its host's secrets.
 */

/** README's names → the sandbox's. */
const NAMES: Record<string, string> = {ContosoAD: 'SandboxAgent', ContosoHR: 'Agent02'}

/** The command lines of the block under README's workflow marker. */
async function workflowLines(): Promise<string[]> {
  const readme = await readFile(join(ROOT, 'README.md'), 'utf8')
  const at = readme.indexOf('<!-- workflow:')
  assert.ok(at > 0, 'README has its workflow marker')
  const block = /```sh\n([\s\S]*?)```/.exec(readme.slice(at))
  assert.ok(block, 'a sh block follows the marker')
  return block[1]!
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('idm-preflight '))
}

describe("README's workflow: a server host and two agent hosts, end to end", () => {
  let sb: Sandbox
  before(async () => {
    sb = await startSandbox({topology: 'on-prem-separate', agents: 2, secretsFrom: 'env', connectorPerAgent: true})
  })
  after(async () => sb?.stop())

  test('every command of the section runs as README says', {timeout: 180_000}, async () => {
    const lines = await workflowLines()
    // validate, a plan, three hosts' checks, the merge: the section walks all of them.
    assert.deepEqual(
      lines.map((l) => l.split(/\s+/).slice(1, 2).join(' ')),
      ['validate', 'check', 'check', 'check', 'check', 'report'],
    )
    const {dir, cleanup} = await tempDir()
    try {
      for (const line of lines) {
        const argv = line
          .split(/\s+/)
          .slice(1)
          .map((a) => (a === 'contoso-prod.yaml' ? sb.envFile : (NAMES[a] ?? a)))
        // The host's own secrets: the server's with --server, the agent's with --agent.
        const host = argv.includes('--server')
          ? 'server'
          : argv.includes('--agent')
            ? argv[argv.indexOf('--agent') + 1]!
            : ''
        const env: Record<string, string | undefined> = {
          HTTPS_PROXY: undefined,
          https_proxy: undefined,
          NO_PROXY: undefined,
          no_proxy: undefined,
        }
        for (const k of Object.keys(sb.secrets)) env[k] = undefined
        if (!argv.includes('--plan')) for (const n of sb.hostSecrets[host] ?? []) env[n] = sb.secrets[n]
        const r = await runCli(argv, {cwd: dir, env, timeoutMs: 90_000})
        assert.equal(r.code, 0, `${line}\n${r.stdout}${r.stderr}`)
        for (const [name, value] of Object.entries(sb.secrets))
          assert.ok(!(r.stdout + r.stderr).includes(value), `${line} printed ${name}`)
        if (argv.includes('--plan')) {
          assert.match(r.stdout, /\(needs IDM_AD_PASSWORD\)/)
          assert.doesNotMatch(r.stdout, /IDM_HR_SQL|IDM_SQL_CONNECTION/)
        }
        if (argv[0] === 'check' && argv.includes('--output')) {
          const report = JSON.parse(await readFile(join(dir, argv[argv.indexOf('--output') + 1]!), 'utf8')) as Report
          assert.equal(report.host?.role, host === 'server' ? 'server' : 'agent')
          assert.equal(report.summary.error + report.summary.fail, 0, JSON.stringify(report.summary))
        }
      }
      await access(join(dir, 'fleet.html'))
      // Each run's note says what it left out and the runs that check it; merged together, none
      // is missing: no such note. Without ContosoHR's run, its part is said not checked.
      const server = JSON.parse(await readFile(join(dir, 'server.json'), 'utf8')) as Report
      assert.ok(server.leftOut && server.notes.some((n) => n.startsWith('left out ')), server.notes.join('\n'))
      const all = await runCli(['report', 'merge', 'server.json', 'agent-ad.json', 'agent-hr.json', '--json'], {
        cwd: dir,
      })
      assert.equal(all.code, 0, all.stderr)
      assert.deepEqual((JSON.parse(all.stdout) as Report).notes, [])
      const two = await runCli(['report', 'merge', 'server.json', 'agent-ad.json'], {cwd: dir})
      assert.equal(two.code, 0, two.stderr)
      assert.match(two.stdout, /Agent02's part was not checked: no --agent Agent02 report in this merge/)
      assert.doesNotMatch(two.stdout, /left out/)
    } finally {
      await cleanup()
    }
  })
})
