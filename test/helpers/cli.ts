import {spawn} from 'node:child_process'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

export const ROOT = fileURLToPath(new URL('../../', import.meta.url))
export const BIN = join(ROOT, 'bin', 'run.js')

export interface CliResult {
  code: number | null
  stdout: string
  stderr: string
}

/**
 * Runs the built CLI (`bin/run.js`, which loads `dist/`) as a user would: a child process with
 * its own stdout, never swapping the test runner's (TOOLCHAIN.md §8). Killed after `timeoutMs`.
 */
export function runCli(
  args: readonly string[],
  opts: {cwd?: string; env?: Record<string, string | undefined>; timeoutMs?: number; input?: string} = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const env: Record<string, string> = {}
    // IDM_PREFLIGHT_CHECK_PARAMS: the planner asserts every check's params in the tests.
    for (const [k, v] of Object.entries({...process.env, NO_COLOR: '1', IDM_PREFLIGHT_CHECK_PARAMS: '1', ...opts.env}))
      if (v !== undefined) env[k] = v
    // The test runner's own variables would make the child think it is a test.
    delete env.NODE_TEST_CONTEXT
    const child = spawn(process.execPath, [BIN, ...args], {cwd: opts.cwd ?? ROOT, env, stdio: ['pipe', 'pipe', 'pipe']})
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d))
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d))
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(
        new Error(
          `idm-preflight ${args.join(' ')} did not finish within ${opts.timeoutMs ?? 30000} ms\n${stdout}\n${stderr}`,
        ),
      )
    }, opts.timeoutMs ?? 30000)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({code, stdout, stderr})
    })
    child.stdin.end(opts.input ?? '')
  })
}

/** A fresh temporary folder, removed by the returned cleanup. */
export async function tempDir(prefix = 'idm-preflight-test-'): Promise<{dir: string; cleanup: () => Promise<void>}> {
  const dir = await mkdtemp(join(tmpdir(), prefix))
  return {dir, cleanup: () => rm(dir, {recursive: true, force: true})}
}

/** True when the text looks like a JavaScript stack trace. */
export function hasStackTrace(text: string): boolean {
  return /^\s+at .+(\(|:\d+:\d+)/m.test(text)
}

/**
 * Runs the built CLI under a real pseudo-terminal (python3's pty), typing `answers` when the
 * output matches each prompt in turn. For prompts that must only appear on a terminal, and for
 * Ctrl-C as a terminal sends it (`{keys: '\u0003'}`) or a signal (`{signal: 'SIGTERM'}`).
 */
export function runCliInPty(
  args: readonly string[],
  answers: [expect: string, answer: string | {keys: string} | {signal: 'SIGINT' | 'SIGTERM'}][],
  opts: {cwd?: string; env?: Record<string, string | undefined>; timeoutMs?: number} = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const env: Record<string, string> = {}
    for (const [k, v] of Object.entries({...process.env, NO_COLOR: '1', ...opts.env})) if (v !== undefined) env[k] = v
    delete env.NODE_TEST_CONTEXT
    const helper = join(ROOT, 'test', 'helpers', 'pty-run.py')
    const seconds = String((opts.timeoutMs ?? 30000) / 1000)
    const child = spawn('python3', [helper, seconds, JSON.stringify(answers), '--', process.execPath, BIN, ...args], {
      cwd: opts.cwd ?? ROOT,
      env,
    })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d))
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d))
    child.on('error', reject)
    child.on('close', (code) => resolve({code, stdout, stderr}))
  })
}
