/**
 * A full `check` at the size of a real installation (node dist/bench/fleet.js [runs] [agents…]):
 * the sandbox with 14 and with 100 agents (the schema's cap), every check planned, real peers.
 * For each size: the run's wall time, its ratio to the slowest single network wait of the run
 * (target ≤ 1.3x), the CLI's peak RSS, and per check id the total and the largest per-instance
 * `durationMs` (target: none above 100 ms per instance but the network waits).
 */
import {spawn} from 'node:child_process'
import {join} from 'node:path'
import {performance} from 'node:perf_hooks'
import {fileURLToPath} from 'node:url'
import {startSandbox} from '../src/sandbox/index.js'

const bin = join(fileURLToPath(new URL('../../', import.meta.url)), 'bin', 'run.js')
// node dist/bench/fleet.js [runs] [agents…] [--latency=MS] [--concurrency=N]
const flag = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1]
const positional = process.argv.slice(2).filter((a) => !a.startsWith('--'))
const runs = Number(positional[0] ?? 3)
const sizes = positional.slice(1).map(Number)
/** A network between the tool and its peers: each round trip this many ms (the sandbox's latencyMs). */
const latencyMs = Number(flag('latency') ?? 0)
const concurrency = flag('concurrency')
/** Checks whose time is a wait on a peer (DNS, TLS, HTTP, SMTP, SQL), not our own work. */
const NETWORK = new Set([
  'dns.alias',
  'tls.endpoint',
  'server.reachability',
  'smtp.server',
  'smtp.test-mail',
  'sql.connection',
  'sql.requirements',
  'connector.ldap',
  'connector.http',
  'connector.sql',
])

interface Result {
  id: string
  status: string
  durationMs: number
  message: string
}

/** Peak RSS of the child, printed by a preloaded one-liner when it exits (no change to the tool). */
const RSS_HOOK =
  'data:text/javascript,process.on("exit",()=>process.stderr.write(`\\nbench-maxrss-kb ${process.resourceUsage().maxRSS}\\n`))'

function cli(args: string[]): Promise<{results: Result[]; wallMs: number; rssMb: number}> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now()
    const child = spawn(process.execPath, ['--import', RSS_HOOK, bin, ...args, '--format', 'json'], {
      env: {...process.env, HTTPS_PROXY: '', NO_PROXY: ''},
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    let err = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (err += d))
    child.on('close', () => {
      const wallMs = performance.now() - t0
      try {
        const rss = /bench-maxrss-kb (\d+)/.exec(err)
        resolve({results: JSON.parse(out).results, wallMs, rssMb: Number(rss?.[1] ?? 0) / 1024})
      } catch (e) {
        reject(new Error(`${String(e)}\n${err}`))
      }
    })
  })
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

for (const agents of sizes.length ? sizes : [14, 100]) {
  const sb = await startSandbox({topology: 'on-prem-separate', agents, latencyMs})
  try {
    const measured = []
    const args = ['check', '-c', sb.envFile, '--stage', 'after', ...(concurrency ? ['--concurrency', concurrency] : [])]
    await cli(args) // warm-up (disk cache)
    for (let i = 0; i < runs; i++) measured.push(await cli(args))
    const slowestWait = measured.map((m) =>
      Math.max(...m.results.filter((r) => NETWORK.has(r.id)).map((r) => r.durationMs)),
    )
    const ratios = measured.map((m, i) => m.wallMs / Math.max(1, slowestWait[i]!))
    const first = measured[0]!
    const bad = first.results.filter((r) => r.status !== 'pass' && r.status !== 'skip')
    console.log(
      `${agents} agents: ${first.results.length} results, ${runs} runs (medians)${latencyMs ? `, ${latencyMs} ms per round trip` : ', loopback'}${concurrency ? `, --concurrency ${concurrency}` : ''}`,
    )
    if (bad.length)
      console.log(`  not passing: ${bad.map((r) => `${r.id} ${r.status} (${r.message.slice(0, 160)})`).join('; ')}`)
    console.log(`  check wall time            ${median(measured.map((m) => m.wallMs)).toFixed(0)} ms`)
    console.log(`  slowest network wait       ${median(slowestWait)} ms`)
    console.log(
      `  wall / slowest wait        ${median(ratios).toFixed(2)}x  (target ≤ 1.3x) ${median(ratios) <= 1.3 ? 'ok' : 'OVER'}`,
    )
    console.log(`  peak RSS                   ${median(measured.map((m) => m.rssMb)).toFixed(0)} MB`)
    console.log('  per check id: instances, total durationMs, largest instance (target ≤ 100 ms but network waits)')
    const ids = [...new Set(first.results.map((r) => r.id))].sort()
    for (const id of ids) {
      const per = measured.map((m) => m.results.filter((r) => r.id === id).map((r) => r.durationMs))
      const total = median(per.map((d) => d.reduce((a, b) => a + b, 0)))
      const max = median(per.map((d) => Math.max(...d)))
      const verdict = NETWORK.has(id) ? '(network)' : max <= 100 ? 'ok' : 'OVER'
      console.log(
        `    ${id.padEnd(22)} ${String(per[0]!.length).padStart(4)} ${String(total).padStart(7)} ms ${String(max).padStart(6)} ms  ${verdict}`,
      )
    }
  } finally {
    await sb.stop()
  }
}
