/**
 * Regenerates docs/report.png, the picture of the HTML report README.md shows: runs `demo` into a
 * temporary folder and photographs the top of its report.html in Debian's Chromium (playwright-core),
 * offline. node dist/scripts/screenshot.js [out.png]  (scripts/screenshot builds first)
 */
import {spawnSync} from 'node:child_process'
import {existsSync} from 'node:fs'
import {chmod, mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'

const root = fileURLToPath(new URL('../../', import.meta.url))
const out = process.argv[2] ?? join(root, 'docs', 'report.png')
const chromiumPath =
  process.env.CHROMIUM ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p))
if (!chromiumPath) {
  process.stderr.write('scripts/screenshot needs Chromium: apt-get install chromium (or set CHROMIUM)\n')
  process.exit(2)
}
const dir = await mkdtemp(join(tmpdir(), 'idm-preflight-screenshot-'))
try {
  // The sandbox's service account must reach the folder.
  await chmod(dir, 0o755)
  const demo = spawnSync(process.execPath, [join(root, 'bin', 'run.js'), 'demo', '--dir', join(dir, 'demo')], {
    encoding: 'utf8',
    env: {...process.env, NO_COLOR: '1', HTTPS_PROXY: '', https_proxy: '', NO_PROXY: '', no_proxy: ''},
  })
  if (demo.status !== 0) throw new Error(`demo failed (exit ${demo.status}):\n${demo.stdout}\n${demo.stderr}`)
  const {chromium} = await import('playwright-core')
  const browser = await chromium.launch({executablePath: chromiumPath, args: ['--no-sandbox']})
  try {
    const context = await browser.newContext({
      offline: true,
      viewport: {width: 1280, height: 1000},
      deviceScaleFactor: 1,
    })
    const page = await context.newPage()
    await page.goto(pathToFileURL(join(dir, 'demo', 'report.html')).href)
    await page.screenshot({path: out})
  } finally {
    await browser.close()
  }
  process.stdout.write(`${out}\n`)
} finally {
  await rm(dir, {recursive: true, force: true})
}
