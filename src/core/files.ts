import {readdir, stat} from 'node:fs/promises'
import {join, resolve} from 'node:path'
import {UsageError} from './errors.js'

const ENV_EXT = /\.(ya?ml|json)$/i

/**
 * Turns command-line file arguments into files: a folder stands for the environment files in
 * it (.yaml, .yml, .json, sorted), and a folder with none is a usage error; a missing path is kept
 * so that it is reported as missing.
 * Paths keep the form the user wrote, so that diagnostics name files the way they were given.
 */
export async function expandFileArgs(args: readonly string[], cwd = process.cwd()): Promise<string[]> {
  const out: string[] = []
  for (const a of args) {
    const p = resolve(cwd, a)
    const st = await stat(p).catch(() => undefined)
    if (st?.isDirectory()) {
      const names = (await readdir(p)).filter((n) => ENV_EXT.test(n)).sort()
      if (names.length === 0)
        throw new UsageError(
          `${a}: no environment file in this folder (it holds no .yaml, .yml or .json file)`,
          [],
          'name the files to validate, or the folder that holds them',
        )
      out.push(...names.map((n) => join(a, n)))
    } else out.push(a)
  }
  return out
}
