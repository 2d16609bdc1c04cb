import assert from 'node:assert/strict'
import {access, readFile} from 'node:fs/promises'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'
import {parse} from 'yaml'
import type {Report} from '../../src/report/report.js'
import {startSandbox, type Sandbox} from '../../src/sandbox/index.js'
import {ROOT, runCli, tempDir} from '../helpers/cli.js'

/**
 * examples/ci run for real: every `idm-preflight` command line of each CI file, job by job, against
 * the sandbox shaped like the examples' contoso-prod (a server and two agents, one connector
 * each), each job with only the secrets its `env` block passes. A host's check is never exit 2
 * (a secret it lacks), and each job passes exactly the secrets its host's checks need.
 */

/** The example's names → the sandbox's: its agents are SandboxAgent and Agent02. */
const NAMES: Record<string, string> = {ContosoAD: 'SandboxAgent', ContosoHR: 'Agent02'}
const VARIABLES: Record<string, string> = {
  IDM_HR_AGENT_PFX: 'IDM_AGENT02_PFX',
  IDM_HR_AGENT_SSL_PFX: 'IDM_AGENT02_SSL_PFX',
}

interface Job {
  name: string
  /** The variables its steps that run idm-preflight set (not the install's). */
  secrets: string[]
  commands: string[]
}

/** The jobs of a CI file in order, each with its idm-preflight lines and the secrets they get. */
function jobsOf(file: string, text: string): Job[] {
  const doc = parse(text) as Record<string, unknown>
  const raw = file.startsWith('github')
    ? Object.entries(doc.jobs as Record<string, {steps: Record<string, unknown>[]}>).map(([name, j]) => ({
        name,
        steps: j.steps.map((s) => ({script: s.run as string | undefined, env: s.env as Record<string, string>})),
      }))
    : (doc.jobs as {job: string; steps: Record<string, unknown>[]}[]).map((j) => ({
        name: j.job,
        steps: j.steps.map((s) => ({script: s.script as string | undefined, env: s.env as Record<string, string>})),
      }))
  return raw.map(({name, steps}) => {
    const secrets = new Set<string>()
    const commands: string[] = []
    for (const s of steps) {
      const lines = (s.script ?? '')
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l.startsWith('idm-preflight '))
      if (lines.length === 0) continue
      for (const k of Object.keys(s.env ?? {})) secrets.add(k)
      commands.push(...lines)
    }
    return {name, secrets: [...secrets], commands}
  })
}

/** A command line as the shell would run it, in the sandbox's names; `|| …` is the shell's. */
function argvOf(line: string, envFile: string): string[] {
  return line
    .replace(/\s*\|\|.*$/, '')
    .split(/\s+/)
    .slice(1)
    .map((a) => (a === 'environments/contoso-prod.yaml' ? envFile : (NAMES[a] ?? a)))
}

describe("examples/ci: the command lines, job by job, with only each job's secrets", () => {
  let sb: Sandbox
  before(async () => {
    sb = await startSandbox({topology: 'on-prem-separate', agents: 2, secretsFrom: 'env', connectorPerAgent: true})
  })
  after(async () => sb?.stop())

  for (const file of ['github-actions.yml', 'azure-pipelines.yml']) {
    test(`${file}: validate, each host's check, the merge; exit 0 or 3, never 2`, {timeout: 180_000}, async () => {
      const jobs = jobsOf(file, await readFile(join(ROOT, 'examples', 'ci', file), 'utf8'))
      const {dir, cleanup} = await tempDir()
      try {
        const checked: string[] = []
        for (const job of jobs) {
          // The job's variables, with the sandbox's values; nothing else of the sandbox's.
          const env: Record<string, string | undefined> = {
            HTTPS_PROXY: undefined,
            https_proxy: undefined,
            NO_PROXY: undefined,
            no_proxy: undefined,
          }
          for (const k of Object.keys(sb.secrets)) env[k] = undefined
          for (const name of job.secrets) {
            const value = sb.secrets[VARIABLES[name] ?? name]
            assert.ok(value !== undefined, `${file} ${job.name}: ${name} is no secret of the environment`)
            env[name] = value
            env[VARIABLES[name] ?? name] = value
          }
          for (const line of job.commands) {
            const argv = argvOf(line, sb.envFile)
            const r = await runCli(argv, {cwd: dir, env, timeoutMs: 90_000})
            const expected = argv[0] === 'validate' ? [0] : [0, 3]
            assert.ok(
              expected.includes(r.code!),
              `${file} ${job.name}: ${line} → exit ${r.code}\n${r.stdout}${r.stderr}`,
            )
            for (const [name, value] of Object.entries(sb.secrets))
              assert.ok(!(r.stdout + r.stderr).includes(value), `${line} printed ${name}`)
            if (argv[0] !== 'check') continue
            const role = argv.includes('--server') ? 'server' : argv[argv.indexOf('--agent') + 1]!
            checked.push(role)
            // Exactly the secrets this host's checks need: no more, and none missing.
            const planArgv: string[] = []
            for (let i = 0; i < argv.length; i++)
              if (argv[i] === '--format' || argv[i] === '--output') i++
              else planArgv.push(argv[i]!)
            const plan = await runCli([...planArgv, '--plan', '--json'], {cwd: dir, env})
            const needed = new Set(
              (JSON.parse(plan.stdout) as {instances: {skip?: string; secrets?: string[]}[]}).instances
                .filter((i) => !i.skip)
                .flatMap((i) => i.secrets ?? []),
            )
            assert.deepEqual(
              job.secrets.map((n) => VARIABLES[n] ?? n).sort(),
              [...needed].sort(),
              `${file} ${job.name}: the secrets it passes`,
            )
            const out = argv[argv.indexOf('--output') + 1]!
            const report = JSON.parse(await readFile(join(dir, out), 'utf8')) as Report
            assert.equal(
              report.summary.error,
              0,
              `${line}: ${JSON.stringify(report.results.filter((x) => x.status === 'error'))}`,
            )
            assert.equal(report.host?.role, role === 'server' ? 'server' : 'agent')
          }
        }
        assert.deepEqual(checked, ['server', 'SandboxAgent', 'Agent02'])
        await access(join(dir, 'fleet.html'))
        await access(join(dir, 'fleet.xml'))
      } finally {
        await cleanup()
      }
    })
  }
})
