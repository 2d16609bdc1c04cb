/**
 * Start-up cost: median wall time of each command that does no network work (`--version`,
 * `--help`, `check --help`, `check --plan`, `validate`, `checks list`) against `node -e 0`, printed
 * as ratios (target ≤ 3x). Three ways: as it runs every time after a command's first run (with the
 * code cache bin/run.js keeps, in a folder of the benchmark's own); without that cache
 * (IDM_PREFLIGHT_NO_CODE_CACHE=1: Node's compile cache only, as where the user has no cache
 * folder); and a command's first run, which compiles what it uses and then writes its cache.
 * Run after `npm run build`:
 *   node dist/bench/startup.js [runs]
 */
import {spawnSync} from 'node:child_process'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {interleavedMediansMs, row} from './lib.js'

const root = fileURLToPath(new URL('../../', import.meta.url))
const bin = join(root, 'bin', 'run.js')
const runs = Number(process.argv[2] ?? 15)
const dir = await mkdtemp(join(tmpdir(), 'idm-bench-'))
const env = join(dir, 'idm-preflight.yaml')
await writeFile(
  env,
  `version: 1
name: bench
product: saas
topology: saas
organization: Bench
server: {url: https://bench.usercube.com}
agents:
  - {identifier: BenchAgent, url: https://agent.bench.test, workingDirectory: ${dir}, serviceAccount: svc}
`,
)
try {
  const node = process.execPath
  const target = 3
  const commands: [string, string[]][] = [
    ['--version', ['--version']],
    ['--help', ['--help']],
    ['check --help', ['check', '--help']],
    ['check --plan', ['check', '--plan', '-c', env]],
    ['validate (1 file)', ['validate', env]],
    ['checks list', ['checks', 'list']],
  ]
  const runsOf = [[node, ['-e', '0']], ...commands.map(([, args]) => [node, [bin, ...args]] as const)] as const
  const cached = {...process.env, IDM_PREFLIGHT_CACHE_DIR: join(dir, 'cache'), IDM_PREFLIGHT_NO_CODE_CACHE: ''}
  const [base, ...times] = interleavedMediansMs(runsOf, {runs, env: cached})
  console.log(`node ${process.version}, ${runs} rounds (each command once per round, in turn), medians`)
  console.log("\nwith the code cache (every run after a command's first):")
  console.log(row('node -e 0', base!, base!))
  commands.forEach(([name], i) => console.log(row(`idm-preflight ${name}`, times[i]!, base!, target)))

  const [base2, ...plain] = interleavedMediansMs(runsOf, {
    runs,
    env: {...process.env, IDM_PREFLIGHT_NO_CODE_CACHE: '1'},
  })
  console.log("\nwithout it (IDM_PREFLIGHT_NO_CODE_CACHE=1: Node's compile cache only):")
  console.log(row('node -e 0', base2!, base2!))
  commands.forEach(([name], i) => console.log(row(`idm-preflight ${name}`, plain[i]!, base2!)))

  // A command's first run: a new cache folder every round (node -e 0 timed in the same rounds).
  const firstRuns = Math.max(3, Math.ceil(runs / 3))
  const first: number[][] = runsOf.map(() => [])
  for (let round = 0; round < firstRuns; round++) {
    const env = {...process.env, IDM_PREFLIGHT_CACHE_DIR: join(dir, `first-${round}`), IDM_PREFLIGHT_NO_CODE_CACHE: ''}
    runsOf.forEach(([cmd, args], i) => {
      const t0 = performance.now()
      spawnSync(cmd, args, {env, stdio: 'ignore'})
      first[i]!.push(performance.now() - t0)
    })
  }
  const [base3, ...firsts] = first.map((t) => t.sort((a, b) => a - b)[Math.floor(t.length / 2)]!)
  console.log(`\na command's first run (compiles, then writes its cache), medians of ${firstRuns}:`)
  console.log(row('node -e 0', base3!, base3!))
  commands.forEach(([name], i) => console.log(row(`idm-preflight ${name}`, firsts[i]!, base3!)))
} finally {
  await rm(dir, {recursive: true, force: true})
}
