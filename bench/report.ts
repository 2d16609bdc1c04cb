/**
 * The report at the size of a fleet (node dist/bench/report.js [runs]): the sandbox with 100
 * agents (the schema's cap) checked once; its JSON report rendered as HTML by `report show`; and
 * split into each host's own report (the server's, each agent's as check --agent gives it) of
 * which 50, then all 101, are merged by `report merge`. Median wall times of the CLI (start-up
 * included) against the target of 2 s, and `node -e 0` for scale.
 */
import {spawn} from 'node:child_process'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {startSandbox} from '../src/sandbox/index.js'
import {medianMs} from './lib.js'

const bin = join(fileURLToPath(new URL('../../', import.meta.url)), 'bin', 'run.js')
const runs = Number(process.argv[2] ?? 5)
const dir = await mkdtemp(join(tmpdir(), 'idm-preflight-bench-report-'))
const sb = await startSandbox({topology: 'on-prem-separate', agents: 100})
try {
  const env = {...process.env, HTTPS_PROXY: '', https_proxy: '', NO_PROXY: '', no_proxy: ''}
  // Asynchronously: the sandbox's servers answer from this process's event loop.
  const r = await new Promise<{status: number | null; stdout: string; stderr: string}>((done) => {
    const child = spawn(process.execPath, [bin, 'check', '-c', sb.envFile, '--stage', 'after', '--format', 'json'], {
      env,
    })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    child.on('close', (status) => done({status, stdout, stderr}))
  })
  if (r.status !== 0 && r.status !== 3) throw new Error(r.stderr)
  const one = join(dir, 'one.json')
  await writeFile(one, r.stdout)
  const report = JSON.parse(r.stdout) as {
    results: {place?: string}[]
    host: {name: string}
    picture: {nodes: {id: string}[]}
  }
  // Each host's own report, as check --agent gives it on that host: an agent's results are those
  // on its box and arrows (and what every host shares: DNS, proxy); the server's are the rest.
  const agents = report.picture.nodes.filter((n) => n.id.startsWith('agent:')).map((n) => n.id)
  const hostReport = (agent: string | undefined, i: number) => ({
    ...report,
    host: {name: `host-${i}`, ...(agent ? {agent: agent.slice(6), component: agent} : {component: 'server'})},
    results: report.results.filter((x) => {
      const place = x.place ?? ''
      if (place === 'dns' || place === 'proxy') return true
      return agent ? place.split('>').includes(agent) : !place.includes('agent:')
    }),
  })
  const write = async (name: string, hosts: number) => {
    const files: string[] = []
    for (let i = 0; i < hosts; i++) {
      const f = join(dir, `${name}-${String(i).padStart(3, '0')}.json`)
      await writeFile(f, JSON.stringify(hostReport(i === 0 ? undefined : agents[i - 1], i)))
      files.push(f)
    }
    return files
  }
  const fifty = await write('fifty', 50)
  const all = await write('all', agents.length + 1)
  const size = (files: string[]) => files.length
  const node = medianMs(process.execPath, ['-e', '0'], {runs})
  const show = medianMs(process.execPath, [bin, 'report', 'show', one, '--output', join(dir, 'one.html')], {runs})
  const merge = (files: string[], out: string) =>
    medianMs(process.execPath, [bin, 'report', 'merge', ...files, '--output', join(dir, out)], {runs})
  const rows: [string, number][] = [
    [`report show, ${agents.length} agents (${report.results.length} results) → HTML`, show],
    [
      `report merge, ${size(fifty)} host reports (server + ${size(fifty) - 1} agents) → HTML`,
      merge(fifty, 'fifty.html'),
    ],
    [`report merge, ${size(fifty)} host reports → JSON`, merge(fifty, 'fifty.json')],
    [`report merge, ${size(all)} host reports (server + ${agents.length} agents) → HTML`, merge(all, 'all.html')],
  ]
  const sum = (report as unknown as {summary: Record<string, number>}).summary
  console.log(
    `the 100-agent check: ${Object.entries(sum)
      .map(([k, v]) => `${v} ${k}`)
      .join(', ')}`,
  )
  console.log(`medians of ${runs} runs; node -e 0: ${node.toFixed(0)} ms; target ≤ 2000 ms`)
  for (const [what, ms] of rows)
    console.log(
      `${what.padEnd(64)} ${ms.toFixed(0).padStart(6)} ms  ${(ms / node).toFixed(1)}x node  ${ms <= 2000 ? 'ok' : 'OVER'}`,
    )
} finally {
  await sb.stop()
  await rm(dir, {recursive: true, force: true})
}
