import {spawn} from 'node:child_process'
import {fileURLToPath} from 'node:url'
import type {CheckResult} from '../../src/report/report.js'

const CHILD = fileURLToPath(new URL('./rss-child.ts', import.meta.url))

/**
 * Runs a check (its module file) on `params` in a child process and returns its result, the
 * child's resident memory before the probe and its peak (MB): the peak is what a peer made us hold.
 */
export function runCheckMeasured(
  checkModule: string,
  params: unknown,
  timeoutMs: number,
): Promise<{result: CheckResult; baseMB: number; peakMB: number}> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', CHILD, checkModule, JSON.stringify(params), String(timeoutMs)],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    let out = ''
    let err = ''
    child.stdout.setEncoding('utf8').on('data', (d) => (out += d))
    child.stderr.setEncoding('utf8').on('data', (d) => (err += d))
    const kill = setTimeout(() => child.kill('SIGKILL'), timeoutMs + 30_000)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(kill)
      try {
        resolve(JSON.parse(out))
      } catch {
        reject(new Error(`the measured check ended with ${code}: ${out}\n${err}`))
      }
    })
  })
}
