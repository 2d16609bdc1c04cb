/**
 * Start-up cost: median wall time of each command that does no network work (`--version`,
 * `--help`, `check --help`, `check --plan`, `validate`, `checks list`) against `node -e 0`, printed
 * as ratios (target ≤ 3x). Run after `npm run build`:
 *   node dist/bench/startup.js [runs]
 */
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
  const [base, ...times] = interleavedMediansMs(
    [[node, ['-e', '0']], ...commands.map(([, args]) => [node, [bin, ...args]] as const)],
    {
      runs,
    },
  )
  console.log(`node ${process.version}, ${runs} rounds (each command once per round, in turn), medians`)
  console.log(row('node -e 0', base!, base!))
  commands.forEach(([name], i) => console.log(row(`idm-preflight ${name}`, times[i]!, base!, target)))
} finally {
  await rm(dir, {recursive: true, force: true})
}
