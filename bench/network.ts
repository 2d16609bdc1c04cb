/**
 * Network concurrency, measured on the sandbox (node dist/bench/network.js [runs]):
 * 1. a full `check --stage after --send-test-mail` against the slowest single check in the same
 *    run: the run should be dominated by its slowest check (target: total ≤ 1.3x the slowest);
 * 2. the same with the agent's endpoint a black hole and --timeout 2s: the run must end within
 *    2.5 s and every other result must be what it was.
 */
import {spawn} from 'node:child_process'
import {join} from 'node:path'
import {performance} from 'node:perf_hooks'
import {fileURLToPath} from 'node:url'
import {startSandbox, type SandboxOptions} from '../src/sandbox/index.js'

const bin = join(fileURLToPath(new URL('../../', import.meta.url)), 'bin', 'run.js')
const runs = Number(process.argv[2] ?? 5)

interface Result {
  id: string
  target: string
  status: string
  durationMs: number
}
interface Report {
  durationMs: number
  results: Result[]
}

function cli(args: string[]): Promise<{report: Report; wallMs: number}> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now()
    const env = {...process.env, HTTPS_PROXY: '', NO_PROXY: ''}
    const child = spawn(process.execPath, [bin, ...args, '--format', 'json'], {
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    child.on('close', () => {
      try {
        resolve({report: JSON.parse(out), wallMs: performance.now() - t0})
      } catch (e) {
        reject(e)
      }
    })
  })
}

async function measure(o: SandboxOptions, extra: string[]) {
  const sb = await startSandbox(o)
  try {
    const out = []
    for (let i = 0; i < runs; i++)
      out.push(await cli(['check', '-c', sb.envFile, '--stage', 'after', '--send-test-mail', ...extra]))
    return out
  } finally {
    await sb.stop()
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
/** Two sandboxes differ in ports and folders: results are matched by id and their rank among that id's. */
function keyed(results: Result[]): Map<string, string> {
  const seen = new Map<string, number>()
  return new Map(
    results.map((r) => {
      const n = (seen.get(r.id) ?? 0) + 1
      seen.set(r.id, n)
      return [`${r.id} #${n} (${r.target.replace(/:\d+/, ':PORT').replace(/\/tmp\/[^/]+/, '…')})`, r.status]
    }),
  )
}

const base = await measure({topology: 'on-prem-separate'}, [])
const totals = base.map((b) => b.report.durationMs)
const slowest = base.map((b) => Math.max(...b.report.results.map((r) => r.durationMs)))
const ratios = base.map((b, i) => totals[i]! / Math.max(1, slowest[i]!))
console.log(`full sandbox check, ${runs} runs, ${base[0]!.report.results.length} instances`)
console.log(`  run (report durationMs)    median ${median(totals)} ms`)
console.log(`  slowest single check       median ${median(slowest)} ms`)
console.log(
  `  total / slowest            median ${median(ratios).toFixed(2)}x  (target ≤ 1.3x) ${median(ratios) <= 1.3 ? 'ok' : 'OVER'}`,
)
console.log(
  `  sum of all checks          median ${median(base.map((b) => b.report.results.reduce((t, r) => t + r.durationMs, 0)))} ms (what a sequential run would cost)`,
)
console.log(`  CLI wall time              median ${median(base.map((b) => b.wallMs)).toFixed(0)} ms`)

const hole = await measure({topology: 'on-prem-separate', agent: {hostile: 'silent'}}, ['--timeout', '2s'])
const holeTotals = hole.map((h) => h.report.durationMs)
console.log(`black-hole agent endpoint, --timeout 2s, ${runs} runs`)
console.log(
  `  run (report durationMs)    median ${median(holeTotals)} ms, max ${Math.max(...holeTotals)} ms  (target ≤ 2500) ${Math.max(...holeTotals) <= 2500 ? 'ok' : 'OVER'}`,
)
console.log(`  CLI wall time              median ${median(hole.map((h) => h.wallMs)).toFixed(0)} ms`)
const expected = keyed(base[0]!.report.results)
const changed = [...keyed(hole[0]!.report.results)]
  .filter(([k, status]) => expected.get(k) !== status)
  .map(([k, status]) => `${k}: ${expected.get(k)} → ${status}`)
console.log(`  results that changed       ${changed.length ? changed.join('; ') : 'none'}`)
