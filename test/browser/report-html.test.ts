import assert from 'node:assert/strict'
import {existsSync} from 'node:fs'
import {chmod, mkdir, readFile, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {pathToFileURL} from 'node:url'
import {after, before, describe, test} from 'node:test'
import type {Report} from '../../src/core/report.js'
import {worst} from '../../src/core/report.js'
import {startSandbox, type Sandbox} from '../../src/sandbox/index.js'
import {runCli, tempDir} from '../helpers/cli.js'

/**
 * The HTML report in a real browser: Debian's Chromium, driven by playwright-core, opens the
 * merged report of a sandbox installation from disk with the network blocked, and the page is
 * judged as a reader would use it: every result there, one box per component in the colour of
 * its worst result, the status filters, a click on a box, and no request leaving the page. A
 * screenshot is left as an artifact ($IDM_TEST_ARTIFACTS, else the system's temp folder).
 */

const CHROMIUM = process.env.CHROMIUM ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p))
const NO_CHROMIUM = CHROMIUM ? false : "needs Debian's Chromium (apt-get install chromium): .ci/run installs it"
const noProxyEnv = {HTTPS_PROXY: undefined, https_proxy: undefined, NO_PROXY: undefined, no_proxy: undefined}
/** The outline colour of each status, as src/reporters/html.ts draws it. */
const STROKE: Record<string, string> = {
  pass: '#2e7d32',
  warn: '#b7791f',
  fail: '#c62828',
  error: '#6a1b9a',
  skip: '#8a8a8a',
  none: '#b0b0b0',
}

describe('the HTML report in Chromium', {skip: NO_CHROMIUM}, () => {
  let sb: Sandbox
  let dir: string
  let cleanup: () => Promise<void>
  let merged: Report
  let page: string
  before(async () => {
    ;({dir, cleanup} = await tempDir())
    sb = await startSandbox({topology: 'on-prem-separate', agents: 2})
    // Agent02 cannot write its Temp: a failure on its box.
    await chmod(join(sb.dir, 'agent-02', 'Temp'), 0o555)
    const files: string[] = []
    for (const [i, extra] of [[], ['--agent', 'SandboxAgent'], ['--agent', 'Agent02']].entries()) {
      const r = await runCli(['check', '-c', sb.envFile, '--stage', 'after', '--format', 'json', ...extra], {
        env: noProxyEnv,
      })
      assert.ok(r.code === 0 || r.code === 3, r.stderr)
      files.push(join(dir, `r${i}.json`))
      await writeFile(files.at(-1)!, r.stdout)
    }
    const m = await runCli(['report', 'merge', ...files, '--format', 'json'])
    merged = JSON.parse(m.stdout) as Report
    page = join(dir, 'fleet.html')
    assert.equal((await runCli(['report', 'merge', ...files, '--output', page])).code, 3)
  })
  after(async () => {
    await sb?.stop()
    await cleanup?.()
  })

  test(
    'offline: every result, one box per component in its colour, filters, click to results, no request',
    {timeout: 120_000},
    async () => {
      const {chromium} = await import('playwright-core')
      const browser = await chromium.launch({executablePath: CHROMIUM as string, args: ['--no-sandbox']})
      try {
        const context = await browser.newContext({offline: true, viewport: {width: 1280, height: 900}})
        const requests: string[] = []
        context.on('request', (r) => requests.push(r.url()))
        // Anything but the page itself is refused (and counted above).
        await context.route('**/*', (route) =>
          route.request().url() === pathToFileURL(page).href ? route.continue() : route.abort(),
        )
        const tab = await context.newPage()
        const errors: string[] = []
        tab.on('pageerror', (e) => errors.push(e.message))
        tab.on('console', (msg) => msg.type() === 'error' && errors.push(msg.text()))
        tab.on('dialog', (d) => errors.push(`dialog ${d.message()}`))
        await tab.goto(pathToFileURL(page).href)

        // Every result is on the page, with its check id and target.
        const rows = tab.locator('tr.result')
        assert.equal(await rows.count(), merged.results.length)
        const shown = await rows.evaluateAll((trs) =>
          trs.map((tr) => `${tr.getAttribute('data-check')} ${tr.querySelector('.target')?.textContent}`),
        )
        assert.deepEqual(shown.sort(), merged.results.map((r) => `${r.id} ${r.target}`).sort())

        // One box per component, coloured by the worst result on it; each arrow too.
        const boxes = await tab.locator('#picture a.place[data-kind]').evaluateAll((as) =>
          as.map((a) => ({
            place: a.getAttribute('data-place'),
            stroke: a.querySelector('rect')?.getAttribute('stroke'),
          })),
        )
        assert.deepEqual(
          boxes.map((b) => b.place),
          merged.picture!.nodes.map((n) => n.id),
        )
        const expected = (place: string) => {
          const here = merged.results.filter((r) => r.place === place)
          return STROKE[here.length ? worst(here.map((r) => r.status)) : 'none']
        }
        for (const b of boxes) assert.equal(b.stroke, expected(b.place!), b.place!)
        assert.equal(boxes.find((b) => b.place === 'agent:Agent02')!.stroke, STROKE.fail)
        const arrows = await tab.locator('#picture a.place:not([data-kind])').evaluateAll((as) =>
          as.map((a) => ({
            place: a.getAttribute('data-place'),
            stroke: a.querySelector('polyline')?.getAttribute('stroke'),
          })),
        )
        assert.equal(arrows.length, merged.picture!.links.length)
        for (const a of arrows) assert.equal(a.stroke, expected(a.place!), a.place!)

        // The filters: without pass, only the rest; with it again, everything.
        await tab.locator('.filters input[data-status="pass"]').uncheck()
        const visible = () => tab.locator('tr.result:visible').count()
        const notPass = merged.results.filter((r) => r.status !== 'pass').length
        assert.equal(await visible(), notPass)
        assert.equal(await tab.locator('tr.result[data-status="pass"]:visible').count(), 0)
        await tab.locator('.filters input[data-status="skip"]').uncheck()
        assert.equal(
          await visible(),
          merged.results.filter((r) => r.status === 'fail' || r.status === 'warn' || r.status === 'error').length,
        )
        await tab.locator('.filters input[data-status="pass"]').check()
        await tab.locator('.filters input[data-status="skip"]').check()
        assert.equal(await visible(), merged.results.length)

        // A click on the failing agent's box: its results are marked and scrolled to.
        await tab.locator('#picture a.place[data-place="agent:Agent02"]').click()
        const marked = tab.locator('tr.result.hl')
        assert.equal(await marked.count(), merged.results.filter((r) => r.place === 'agent:Agent02').length)
        assert.ok((await marked.count()) > 0)
        assert.ok(await marked.first().isVisible())
        const inView = await marked.first().evaluate((tr) => {
          const r = tr.getBoundingClientRect()
          return r.top >= 0 && r.bottom <= (globalThis as unknown as {innerHeight: number}).innerHeight
        })
        assert.ok(inView, 'scrolled to its results')

        // Printed: the filters are not on paper, every result is, and it makes a PDF.
        await tab.emulateMedia({media: 'print'})
        assert.equal(await tab.locator('.filters').isVisible(), false)
        assert.equal(await visible(), merged.results.length)
        const pdf = await tab.pdf({format: 'A4'})
        assert.equal(pdf.subarray(0, 5).toString('latin1'), '%PDF-')
        await tab.emulateMedia({media: 'screen'})

        // Nothing left the page, and the page had nothing to complain about.
        assert.deepEqual(requests, [pathToFileURL(page).href])
        assert.deepEqual(errors, [])

        const artifacts = process.env.IDM_TEST_ARTIFACTS ?? join(tmpdir(), 'idm-preflight-artifacts')
        await mkdir(artifacts, {recursive: true})
        const shot = join(artifacts, 'fleet-report.png')
        await tab.screenshot({path: shot, fullPage: true})
        await writeFile(join(artifacts, 'fleet-report.pdf'), pdf)
        assert.ok((await readFile(shot)).length > 10_000)
        process.stderr.write(`screenshot: ${shot}\n`)
      } finally {
        await browser.close()
      }
    },
  )
})
