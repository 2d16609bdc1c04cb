import assert from 'node:assert/strict'
import {spawn, spawnSync} from 'node:child_process'
import {createHash} from 'node:crypto'
import {existsSync, readFileSync} from 'node:fs'
import {mkdir, rename, rm, writeFile} from 'node:fs/promises'
import {homedir} from 'node:os'
import {delimiter, join} from 'node:path'
import {fileURLToPath} from 'node:url'

/**
 * The conformance suite's judges: the product's own .NET libraries (test/conformance/dotnet) and
 * PowerShell. Tests that need them skip, saying why, where they are missing; `.ci/run` installs
 * them, so CI runs every one.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const PROJECT = join(ROOT, 'test', 'conformance', 'dotnet')

function onPath(tool: string, extra: string[] = []): string | undefined {
  return [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...extra]
    .map((d) => join(d, tool))
    .find((p) => existsSync(p))
}

export const dotnet = onPath('dotnet', ['/usr/share/dotnet', join(homedir(), '.dotnet')])
/** PowerShell: on PATH, or where `dotnet tool install --global PowerShell` puts it. */
export const pwsh = process.env.PWSH ?? onPath('pwsh', [join(homedir(), '.dotnet', 'tools')])

export const NO_DOTNET = dotnet ? false : 'needs the .NET SDK (dotnet on PATH): .ci/run has it'
export const NO_PWSH = pwsh
  ? false
  : 'needs PowerShell (dotnet tool install --global PowerShell --version 7.6.9): .ci/run installs it'

let built: Promise<string> | undefined

/**
 * Builds the judges once per source version into a cache outside the repository (nothing lands
 * in the work tree), and returns the path of the built program.
 */
export function conformanceTool(): Promise<string> {
  built ??= (async () => {
    if (!dotnet) throw new Error('dotnet is not on PATH')
    const hash = createHash('sha256')
    for (const f of ['Conformance.csproj', 'Program.cs']) hash.update(readFileSync(join(PROJECT, f)))
    const cache = join(homedir(), '.cache', 'idm-preflight', 'conformance')
    const done = join(cache, hash.digest('hex').slice(0, 16))
    const dll = join(done, 'bin', 'Conformance', 'release', 'Conformance.dll')
    if (existsSync(dll)) return dll
    // Built aside, then moved into place: two test files building at once both end well.
    const aside = `${done}.${process.pid}`
    await mkdir(cache, {recursive: true})
    const r = spawnSync(
      dotnet,
      ['build', PROJECT, '-c', 'Release', '--nologo', '-v', 'quiet', '--artifacts-path', aside],
      {encoding: 'utf8', env: {...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1', DOTNET_NOLOGO: '1'}},
    )
    if (r.status !== 0) {
      await rm(aside, {recursive: true, force: true})
      throw new Error(`dotnet build of the conformance judges failed:\n${r.stdout}\n${r.stderr}`)
    }
    await rename(aside, done).catch(async () => rm(aside, {recursive: true, force: true}))
    return dll
  })()
  return built
}

/** Asks a judge: the request as JSON on stdin, its answer as JSON from stdout. */
export async function judge<T>(command: string, request: unknown): Promise<T> {
  const dll = await conformanceTool()
  return new Promise<T>((resolve, reject) => {
    const child = spawn(dotnet!, [dll, command], {
      env: {...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1', DOTNET_NOLOGO: '1'},
    })
    let out = ''
    let err = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (err += d))
    child.on('error', reject)
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`the ${command} judge failed (${code}): ${err}`))
      try {
        resolve(JSON.parse(out) as T)
      } catch (e) {
        reject(new Error(`the ${command} judge printed no JSON: ${String(e)}\n${out}\n${err}`))
      }
    })
    child.stdin.end(JSON.stringify(request))
  })
}

/** Runs a PowerShell command with pwsh (no profile, non-interactive). */
export function runPwsh(script: string, args: string[] = [], env: NodeJS.ProcessEnv = process.env) {
  return spawnSync(pwsh!, ['-NoLogo', '-NoProfile', '-NonInteractive', ...args, '-Command', script], {
    encoding: 'utf8',
    env,
  })
}

/** Parses each text with PowerShell's parser: the errors it reports, per name. */
export function parseErrors(dir: string, scripts: Record<string, string>): Promise<Record<string, string[]>> {
  const input = join(dir, `scripts-${Object.keys(scripts).length}-${Date.now()}.json`)
  return writeFile(input, JSON.stringify(scripts)).then(() => {
    const r = runPwsh(`
      $scripts = Get-Content -Raw -LiteralPath ${`'${input.replace(/'/g, "''")}'`} | ConvertFrom-Json
      $out = [ordered]@{}
      foreach ($p in $scripts.PSObject.Properties) {
        $tokens = $null; $errors = $null
        [void][System.Management.Automation.Language.Parser]::ParseInput($p.Value, [ref]$tokens, [ref]$errors)
        $out[$p.Name] = @($errors | ForEach-Object { "$($_.Extent.StartLineNumber):$($_.Extent.StartColumnNumber) $($_.Message)" })
      }
      ConvertTo-Json -Depth 3 -InputObject $out`)
    assert.equal(r.status, 0, r.stderr)
    return JSON.parse(r.stdout) as Record<string, string[]>
  })
}
