import {readdir, stat} from 'node:fs/promises'
import {join, resolve} from 'node:path'
import {UsageError} from '../base/index.js'
import {readRegularFile} from '../io/index.js'

const ENV_EXT = /\.(ya?ml|json)$/i

/** A file of a folder that is not an environment file: a saved report, or other JSON. */
export interface SkippedFile {
  file: string
  kind: 'report' | 'other JSON'
}

/** Largest JSON file looked into to tell a report from an environment file (a report can be large). */
const MAX_PEEK_BYTES = 64 * 1024 * 1024

/**
 * What a JSON file of a folder is: an idm-preflight report (`schemaVersion` and `tool.name`
 * idm-preflight, as report.schema.json has them), other JSON (not an object, or one with neither
 * `version: 1` nor a key only an environment file has at its top), or an environment file. A file that does not
 * parse is taken for an environment file, so that validate says where it is broken.
 */
export async function jsonKind(path: string): Promise<'environment' | SkippedFile['kind']> {
  let value: unknown
  try {
    value = JSON.parse((await readRegularFile(path, MAX_PEEK_BYTES)).toString('utf8').replace(/^\uFEFF/, ''))
  } catch {
    return 'environment'
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return 'other JSON'
  const v = value as Record<string, unknown>
  const tool = v.tool as Record<string, unknown> | undefined
  if (v.schemaVersion !== undefined && tool && typeof tool === 'object' && tool.name === 'idm-preflight')
    return 'report'
  // `name` and `version` alone say nothing (package.json has both); `version: 1` does.
  const envKeys = ['product', 'topology', 'organization', 'server', 'agents']
  return v.version === 1 ||
    Object.keys(v).some((k) => envKeys.includes(k)) ||
    (typeof v.$schema === 'string' && /environment/i.test(v.$schema))
    ? 'environment'
    : 'other JSON'
}

/**
 * Turns command-line file arguments into files: a folder stands for the environment files in
 * it (.yaml, .yml, .json, sorted), and a folder with none is a usage error; a missing path is kept
 * so that it is reported as missing. A folder holds environment files only: its saved reports and
 * other JSON files are skipped, and listed as such.
 * Paths keep the form the user wrote, so that diagnostics name files the way they were given.
 */
export async function expandFileArgs(
  args: readonly string[],
  cwd = process.cwd(),
): Promise<{files: string[]; skipped: SkippedFile[]}> {
  const out: string[] = []
  const skipped: SkippedFile[] = []
  for (const a of args) {
    const p = resolve(cwd, a)
    const st = await stat(p).catch(() => undefined)
    if (st?.isDirectory()) {
      const names = (await readdir(p)).filter((n) => ENV_EXT.test(n)).sort()
      const kinds = await Promise.all(
        names.map((n) => (/\.json$/i.test(n) ? jsonKind(join(p, n)) : Promise.resolve('environment' as const))),
      )
      const here = names.filter((_, i) => kinds[i] === 'environment')
      const left = names.flatMap((n, i) =>
        kinds[i] === 'environment' ? [] : [{file: join(a, n), kind: kinds[i] as SkippedFile['kind']}],
      )
      if (here.length === 0)
        throw new UsageError(
          `${a}: no environment file in this folder (${left.length ? `only ${skippedText(left)}, skipped` : 'it holds no .yaml, .yml or .json file'})`,
          [],
          'name the files to validate, or the folder that holds them',
        )
      // Loops, not push(...spread): a folder of 200,000 files would overflow the call stack.
      for (const n of here) out.push(join(a, n))
      for (const x of left) skipped.push(x)
    } else out.push(a)
  }
  return {files: out, skipped}
}

/** "1 report, 1 other JSON" */
export function skippedText(skipped: readonly SkippedFile[]): string {
  const n = (kind: SkippedFile['kind']) => skipped.filter((s) => s.kind === kind).length
  const reports = n('report')
  const other = n('other JSON')
  return [reports && `${reports} report${reports === 1 ? '' : 's'}`, other && `${other} other JSON`]
    .filter(Boolean)
    .join(', ')
}
