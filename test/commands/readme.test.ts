import assert from 'node:assert/strict'
import {spawn, spawnSync} from 'node:child_process'
import {readdirSync, readFileSync, rmSync} from 'node:fs'
import {chmod, mkdir, readdir, readFile, writeFile} from 'node:fs/promises'
import {join, relative} from 'node:path'
import {after, before, describe, test} from 'node:test'
import {COMMANDS} from '../../src/commands-index.js'
import {PRODUCTS} from '../../src/model/environment.js'
import {startSandbox, type Sandbox} from '../../src/sandbox/index.js'
import {BIN, ROOT, tempDir} from '../helpers/cli.js'

/**
 * README.md is what a new user follows: every command line it shows runs in a test, and the demo
 * sample it prints is today's.
 *
 * - A command line of README's ```sh blocks is run by another test when that test's source holds
 *   the whole line as one string literal ('…', "…" or `…`): for example test/commands/first-run.test.ts
 *   runs `bin/idm-preflight demo` and `scripts/test` exactly so. A test that runs a README line
 *   elsewhere keeps it whole in a string, so that this test finds it.
 * - Every other line must be an `idm-preflight …` line (environment variables before it allowed):
 *   this test runs each of them, in README's order, with bash, in a folder holding
 *   `contoso-prod.yaml`: a running on-premises sandbox whose agent is `ContosoAD`, the shape
 *   README's examples describe. Each must exit 0 (or the code listed in EXIT below).
 */
const README = readFileSync(join(ROOT, 'README.md'), 'utf8')

/**
 * A ```sh block right under a marker `<!-- … run by test/….test.ts -->` is run whole by that test
 * (README's workflow: test/commands/readme-workflow.test.ts, which reads the block after its marker).
 */
const MARKED = /<!-- [^>]*\brun by (test\/[\w/.-]+\.test\.ts) -->\s*\n```sh\n([\s\S]*?)^```$/gm

/** README's shell command lines: ```sh blocks, continuations joined, comments and blank lines left out. */
function commandLines(md: string): string[] {
  const out: string[] = []
  for (const block of md.replace(MARKED, '').matchAll(/^```sh\n([\s\S]*?)^```$/gm)) {
    let pending = ''
    for (const raw of block[1]!.split('\n')) {
      const line = pending + raw.trim()
      if (line.endsWith('\\')) {
        pending = `${line.slice(0, -1).trimEnd()} `
        continue
      }
      pending = ''
      if (line && !line.startsWith('#')) out.push(line)
    }
  }
  return out
}

/** The command without a trailing `# comment` (bash drops it too). */
function withoutComment(line: string): string {
  return line.replace(/\s+#\s.*$/, '')
}

/** Every test file's source but this one. */
async function otherTestSources(): Promise<{file: string; text: string}[]> {
  const files = (await readdir(join(ROOT, 'test'), {recursive: true}))
    .filter((f) => f.endsWith('.ts') && !f.endsWith('readme.test.ts'))
    .map((f) => join(ROOT, 'test', f))
  return Promise.all(files.map(async (file) => ({file, text: await readFile(file, 'utf8')})))
}

function runElsewhere(line: string, sources: {file: string; text: string}[]): string | undefined {
  const cmd = withoutComment(line)
  for (const q of ["'", '"', '`'])
    for (const s of sources) if (s.text.includes(`${q}${cmd}${q}`)) return relative(ROOT, s.file)
  return undefined
}

/** Runs one line with bash (pipefail: a pipe fails when idm-preflight does). */
function runBash(
  line: string,
  cwd: string,
  env: Record<string, string>,
): Promise<{status: number | null; stdout: string; stderr: string}> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-o', 'pipefail', '-c', line], {cwd, env})
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    const timer = setTimeout(() => child.kill('SIGKILL'), 110_000)
    child.on('error', reject)
    child.on('close', (status) => {
      clearTimeout(timer)
      resolve({status, stdout, stderr})
    })
  })
}

/** Exit codes other than 0 that a README line may end with, and why. */
const EXIT: Record<string, number> = {}

const LINES = commandLines(README)

describe('README.md: every command line it shows runs', () => {
  let sources: {file: string; text: string}[]
  let ws: string
  let cleanup: () => Promise<void>
  let sb: Sandbox
  let bin: string
  before(async () => {
    sources = await otherTestSources()
    ;({dir: ws, cleanup} = await tempDir())
    // The sandbox's service account (nobody, as root) must reach its working directories.
    await chmod(ws, 0o755)
    sb = await startSandbox({topology: 'on-prem-separate', dir: ws})
    // README's installation: contoso-prod.yaml, whose agent is ContosoAD.
    const text = (await readFile(sb.envFile, 'utf8'))
      .replaceAll('SandboxAgent', 'ContosoAD')
      .replace(/^name: sandbox$/m, 'name: contoso-prod')
    await writeFile(join(ws, 'contoso-prod.yaml'), text)
    // `idm-preflight` on PATH: the built CLI with this Node.js.
    bin = join(ws, '.bin')
    await mkdir(bin)
    await writeFile(join(bin, 'idm-preflight'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`)
    await chmod(join(bin, 'idm-preflight'), 0o755)
  })
  after(async () => {
    await sb?.stop()
    await cleanup()
  })

  test('a block under a marker is run by the test it names', async () => {
    for (const m of README.matchAll(MARKED)) {
      const source = await readFile(join(ROOT, m[1]!), 'utf8')
      assert.match(source, /README\.md/, `${m[1]} reads README.md`)
    }
  })

  test('README shows command lines, and each is run here or by a named test', () => {
    assert.ok(LINES.length >= 15, `${LINES.length} lines:\n${LINES.join('\n')}`)
    const orphans = LINES.filter(
      (l) => !runElsewhere(l, sources) && !/^(?:[A-Z_][A-Z0-9_]*=\S*\s+)*idm-preflight\s/.test(withoutComment(l)),
    )
    assert.deepEqual(orphans, [], 'README lines no test runs')
    // The quick start's two commands are run exactly by the fresh-clone test.
    for (const l of ['bin/idm-preflight demo', 'scripts/test'])
      assert.equal(runElsewhere(l, sources), join('test', 'commands', 'first-run.test.ts'), l)
  })

  for (const [i, line] of LINES.entries()) {
    test(`README line ${i + 1}: ${line}`, {timeout: 120_000}, async (t) => {
      const elsewhere = runElsewhere(line, sources)
      if (elsewhere) {
        t.diagnostic(`run by ${elsewhere}`)
        return
      }
      const env: Record<string, string> = {}
      for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v
      delete env.NODE_TEST_CONTEXT
      Object.assign(env, {PATH: `${bin}:${process.env.PATH}`, NO_COLOR: '1', IDM_AGENT_PFX: 'Readme-Agent-Pa55'})
      // Not spawnSync: the sandbox answers from this very process.
      const r = await runBash(line, ws, env)
      assert.equal(
        r.status,
        EXIT[line] ?? 0,
        `${line}\nstdout: ${r.stdout.slice(-3000)}\nstderr: ${r.stderr.slice(-3000)}`,
      )
    })
  }
})

test("README's commands table lists every command", () => {
  const table = new Set([...README.matchAll(/^\| `([a-z ]+)`/gm)].map((m) => m[1]))
  const ids = Object.keys(COMMANDS)
    .filter((id) => id !== 'help')
    .map((id) => id.replaceAll(':', ' '))
  assert.deepEqual(
    ids.filter((id) => !table.has(id)),
    [],
    'commands missing from the table',
  )
})

describe("README.md's environment file", () => {
  test('is valid: validate says nothing but the variables it cannot read here', async () => {
    const yaml = /^```yaml\n([\s\S]*?)^```$/m.exec(README)?.[1]
    assert.ok(yaml, 'README shows an environment file')
    const {dir, cleanup} = await tempDir()
    try {
      await writeFile(join(dir, 'contoso-prod.yaml'), yaml)
      const env: Record<string, string> = {}
      for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('IDM_')) env[k] = v
      delete env.NODE_TEST_CONTEXT
      const v = spawnSync(process.execPath, [BIN, 'validate', join(dir, 'contoso-prod.yaml'), '--json'], {
        encoding: 'utf8',
        env,
      })
      assert.equal(v.status, 0, v.stdout + v.stderr)
      const file = (JSON.parse(v.stdout) as {files: {diagnostics: {message: string}[]}[]}).files[0]!
      for (const d of file.diagnostics) assert.match(d.message, /^environment variable IDM_\w+ is not set/)
    } finally {
      await cleanup()
    }
  })
})

describe("README.md and docs/*.md say the secrets' behaviour as check has it", () => {
  const docs = () => [
    'README.md',
    ...readdirSync(join(ROOT, 'docs'))
      .filter((f) => f.endsWith('.md'))
      .map((f) => `docs/${f}`),
  ]
  /** A file's sentences: each paragraph's lines joined, split after a full stop. */
  const sentences = (text: string) =>
    text
      .split(/\n\s*\n/)
      .map((p) => p.replace(/\s*\n\s*/g, ' '))
      .flatMap((p) => p.split(/(?<=\.)\s+(?=[A-Z`*])/))

  test('an unset secret is exit 2 only with --require-secrets (else the checks that need it are errors)', () => {
    const wrong = docs().flatMap((f) =>
      sentences(readFileSync(join(ROOT, f), 'utf8'))
        .filter((s) => /\b(unset|not set)\b/.test(s) && /exit 2/.test(s) && !s.includes('--require-secrets'))
        .map((s) => `${f}: ${s}`),
    )
    assert.deepEqual(wrong, [])
  })

  test("the sample files' product comment lists every version, and the sample is the newest on premises", () => {
    for (const f of ['README.md', 'docs/environment-file.md']) {
      const m = /^product: '([^']+)' # ([^:\n]+)/m.exec(readFileSync(join(ROOT, f), 'utf8'))
      assert.ok(m, `${f} shows a product line`)
      assert.deepEqual(m[2]!.trim().split(' | '), [...PRODUCTS], f)
      assert.equal(m[1], PRODUCTS.filter((p) => p !== 'saas').at(-1), f)
    }
  })
})

/** What a demo prints that changes from run to run, made the same in README's sample and a real run. */
function normalise(text: string): string[] {
  const dir = /^Sandbox on 127\.0\.0\.1 .*, in (\S+)$/m.exec(text)?.[1]
  let t = dir ? text.replaceAll(dir, 'DIR') : text
  t = t
    .replace(/(127\.0\.0\.1|\.test|^\s+LDAP .*?):\d{2,5}\b/gm, '$1:PORT')
    .replace(/ in \d+(?:\.\d+)?(?:ms|s|m \d+s|m)( \(exit \d+\))/g, ' in TIME$1')
    .replace(/greeted "\S+ ESMTP/g, 'greeted "HOST ESMTP')
    .replace(/\d{4}-\d\d-\d\d \(\d+ days\)/g, 'DATE (N days)')
    .replace(/\b[0-9A-F]{40}\b/g, 'THUMBPRINT')
  return t
    .split('\n')
    .map((l) => l.replace(/\s+/g, ' ').trimEnd())
    .filter((l) => l !== '')
}

describe("README.md's demo sample is today's", () => {
  test('every line of the sample is a line of a real demo run, in the same order', {timeout: 180_000}, () => {
    const sample = /^```\n(Sandbox on 127\.0\.0\.1[\s\S]*?)^```$/m.exec(README)?.[1]
    assert.ok(sample, 'README shows the demo sample')
    const env: Record<string, string> = {}
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v
    delete env.NODE_TEST_CONTEXT
    env.NO_COLOR = '1'
    // As a user sees it on a terminal: stderr and stdout in one stream.
    const r = spawnSync('bash', ['-c', `"${process.execPath}" "${BIN}" demo 2>&1`], {
      cwd: ROOT,
      encoding: 'utf8',
      env,
      timeout: 170_000,
    })
    const dir = /^Sandbox on 127\.0\.0\.1 .*, in (\S+)$/m.exec(r.stdout)?.[1]
    if (dir) rmSync(dir, {recursive: true, force: true})
    assert.equal(r.status, 0, r.stdout.slice(-3000))
    const real = normalise(r.stdout)
    let at = 0
    for (const line of normalise(sample)) {
      if (line.trim() === '…') continue
      const found = real.indexOf(line, at)
      assert.ok(
        found >= 0,
        `README's sample line is not in today's demo output (after line ${at}):\n${line}\n\nreal:\n${real.join('\n')}`,
      )
      at = found + 1
    }
  })
})
