import {readdir, stat} from 'node:fs/promises'
import {join, resolve} from 'node:path'

const ENV_EXT = /\.(ya?ml|json)$/i

/**
 * Turns command-line file arguments into files: a folder stands for the environment files in
 * it (.yaml, .yml, .json, sorted); a missing path is kept so that it is reported as missing.
 * Paths keep the form the user wrote, so that diagnostics name files the way they were given.
 */
export async function expandFileArgs(args: readonly string[], cwd = process.cwd()): Promise<string[]> {
  const out: string[] = []
  for (const a of args) {
    const p = resolve(cwd, a)
    const st = await stat(p).catch(() => undefined)
    if (st?.isDirectory()) {
      const names = (await readdir(p)).filter((n) => ENV_EXT.test(n)).sort()
      out.push(...names.map((n) => join(a, n)))
    } else out.push(a)
  }
  return out
}
