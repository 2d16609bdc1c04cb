import {spawnSync} from 'node:child_process'
import {performance} from 'node:perf_hooks'

/** Median wall time (ms) of a command over `runs` runs after `warmup` runs. */
export function medianMs(
  cmd: string,
  args: readonly string[],
  opts: {runs?: number; warmup?: number; env?: NodeJS.ProcessEnv; cwd?: string} = {},
): number {
  const times: number[] = []
  const runs = opts.runs ?? 15
  for (let i = 0; i < (opts.warmup ?? 3) + runs; i++) {
    const t0 = performance.now()
    const r = spawnSync(cmd, args, {env: opts.env ?? process.env, cwd: opts.cwd, stdio: ['ignore', 'ignore', 'pipe']})
    const ms = performance.now() - t0
    if (r.status !== 0 && r.status !== 3) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`)
    if (i >= (opts.warmup ?? 3)) times.push(ms)
  }
  times.sort((a, b) => a - b)
  return times[Math.floor(times.length / 2)]!
}

/**
 * Median wall times (ms) of several commands measured round-robin (one run of each per round), so
 * that a machine getting slower or faster during the measurement moves all of them alike and the
 * ratios between them hold.
 */
export function interleavedMediansMs(
  commands: ReadonlyArray<readonly [cmd: string, args: readonly string[]]>,
  opts: {runs?: number; warmup?: number; env?: NodeJS.ProcessEnv; cwd?: string} = {},
): number[] {
  const times: number[][] = commands.map(() => [])
  const warmup = opts.warmup ?? 3
  for (let round = 0; round < warmup + (opts.runs ?? 15); round++) {
    commands.forEach(([cmd, args], i) => {
      const t0 = performance.now()
      const r = spawnSync(cmd, args, {env: opts.env ?? process.env, cwd: opts.cwd, stdio: ['ignore', 'ignore', 'pipe']})
      const ms = performance.now() - t0
      if (r.status !== 0 && r.status !== 3) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`)
      if (round >= warmup) times[i]!.push(ms)
    })
  }
  return times.map((t) => t.sort((a, b) => a - b)[Math.floor(t.length / 2)]!)
}

export function row(name: string, ms: number, base: number, target?: number): string {
  const ratio = ms / base
  const verdict =
    target === undefined ? '' : ratio <= target ? `  ok (target ≤ ${target}x)` : `  OVER (target ≤ ${target}x)`
  return `${name.padEnd(44)} ${ms.toFixed(0).padStart(6)} ms  ${ratio.toFixed(2).padStart(6)}x${verdict}`
}
