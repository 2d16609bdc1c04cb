/**
 * Start-up cost: median wall time of `idm-preflight --version` and `check --plan` against
 * `node -e 0`, printed as ratios (target ≤ 5x). Run after `npm run build`:
 *   node dist/bench/startup.js [runs]
 */
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {medianMs, row} from './lib.js'

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
  const base = medianMs(node, ['-e', '0'], {runs})
  console.log(`node ${process.version}, ${runs} runs each, medians`)
  console.log(row('node -e 0', base, base))
  console.log(row('idm-preflight --version', medianMs(node, [bin, '--version'], {runs}), base, 5))
  console.log(row('idm-preflight check --plan', medianMs(node, [bin, 'check', '--plan', '-c', env], {runs}), base, 5))
  console.log(row('idm-preflight check --help', medianMs(node, [bin, 'check', '--help'], {runs}), base))
  console.log(row('idm-preflight validate (1 file)', medianMs(node, [bin, 'validate', env], {runs}), base))
} finally {
  await rm(dir, {recursive: true, force: true})
}
