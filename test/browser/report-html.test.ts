import assert from 'node:assert/strict'
import {existsSync} from 'node:fs'
import {chmod, mkdir, readFile, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {pathToFileURL} from 'node:url'
import {after, before, describe, test} from 'node:test'
import type {Browser, BrowserContext, Page} from 'playwright-core'
import type {Status} from '../../src/model/check.js'
import type {CheckResult, Report} from '../../src/report/report.js'
import {summarize, worst} from '../../src/report/report.js'
import {renderHtml} from '../../src/report/formats/html.js'
import {startSandbox, type Sandbox, type SandboxOptions} from '../../src/sandbox/index.js'
import {runCli, tempDir} from '../helpers/cli.js'

/**
 * The HTML report in a real browser: Debian's Chromium, driven by playwright-core, opens reports
 * of sandbox installations from disk with the network blocked, and the page is judged as a reader
 * would use it. The merged report of a two-agent installation with a failing connector, a failing
 * server endpoint and an agent that cannot write its Temp: every result there, the failures and
 * their fixes first, every box in the colour of the worst result about its component (read from
 * the page, compared with the JSON), the filters and folded skips, a click on a box, no request
 * leaving the page. Then the picture measured at 1, 5 and 50 agents: no text over a box, an
 * arrow or another text, no arrow along a box it does not join. Then a crafted report: its
 * `javascript:` link is text, and the page's CSP runs no script but its own. Screenshots are left
 * as artifacts ($IDM_TEST_ARTIFACTS, else idm-preflight-artifacts in the system's temp folder).
 */

const CHROMIUM = process.env.CHROMIUM ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p))
const NO_CHROMIUM = CHROMIUM ? false : "needs Debian's Chromium (apt-get install chromium): .ci/run installs it"
const noProxyEnv = {HTTPS_PROXY: undefined, https_proxy: undefined, NO_PROXY: undefined, no_proxy: undefined}
const ARTIFACTS = process.env.IDM_TEST_ARTIFACTS ?? join(tmpdir(), 'idm-preflight-artifacts')

/** What the JSON says of a component: the worst result placed on it or on an arrow into it. */
function worstAbout(results: readonly CheckResult[], component: string): Status | 'none' {
  const here = results.filter((r) => r.place === component || r.place?.endsWith(`>${component}`))
  return here.length ? worst(here.map((r) => r.status)) : 'none'
}
function worstOn(results: readonly CheckResult[], places: readonly string[]): Status | 'none' {
  const here = results.filter((r) => places.includes(r.place ?? ''))
  return here.length ? worst(here.map((r) => r.status)) : 'none'
}

/** A check of a sandbox from its server's host, as JSON. */
async function checkSandbox(o: SandboxOptions): Promise<{sb: Sandbox; report: Report; json: string}> {
  const sb = await startSandbox(o)
  const r = await runCli(['check', '-c', sb.envFile, '--stage', 'after', '--format', 'json'], {
    env: noProxyEnv,
    timeoutMs: 90_000,
  })
  assert.ok(r.code === 0 || r.code === 3, r.stderr)
  return {sb, report: JSON.parse(r.stdout) as Report, json: r.stdout}
}

/** The little of the DOM that the functions run in the page use (the tests compile without its types). */
interface El {
  getAttribute(k: string): string | null
  querySelector(s: string): El | null
  querySelectorAll(s: string): Iterable<El>
  closest(s: string): El | null
  textContent: string | null
  getBBox(): {x: number; y: number; width: number; height: number}
  getBoundingClientRect(): {top: number; bottom: number}
  click(): void
  insertAdjacentHTML(where: string, html: string): void
}
interface Doc {
  getElementById(id: string): El | null
  querySelector(s: string): El | null
  title: string
  body: El
}

interface Rect {
  x: number
  y: number
  w: number
  h: number
}
interface Geometry {
  boxes: {id: string; frame: Rect; all: Rect}[]
  texts: {owner: string; text: string; r: Rect}[]
  labels: {arrow: string; r: Rect}[]
  arrows: {id: string; from: string; to: string; points: {x: number; y: number}[]}[]
}

/** Every box, text, arrow label and arrow of the picture, in the SVG's own units. */
async function geometry(page: Page): Promise<Geometry> {
  // No named function inside: the page would not know tsx's __name helper.
  const raw = await page.evaluate(() => {
    const svg = (globalThis as unknown as {document: Doc}).document.getElementById('picture')!
    return {
      boxes: [...svg.querySelectorAll('a.box')].map((a) => ({
        id: a.getAttribute('data-place') ?? '',
        frame: [a.querySelector('rect.frame')!.getBBox()].map((b) => [b.x, b.y, b.width, b.height])[0]!,
        all: [a.getBBox()].map((b) => [b.x, b.y, b.width, b.height])[0]!,
      })),
      texts: [...svg.querySelectorAll('text')].map((t) => ({
        owner: t.closest('a.box')
          ? (t.closest('a.box')!.getAttribute('data-place') ?? '')
          : `label ${t.closest('g.edge-label')!.getAttribute('data-for')}`,
        text: t.textContent ?? '',
        r: [t.getBBox()].map((b) => [b.x, b.y, b.width, b.height])[0]!,
      })),
      labels: [...svg.querySelectorAll('g.edge-label')].map((g) => ({
        arrow: g.getAttribute('data-for') ?? '',
        r: [g.querySelector('rect')!.getBBox()].map((b) => [b.x, b.y, b.width, b.height])[0]!,
      })),
      arrows: [...svg.querySelectorAll('a.arrow')].map((a) => ({
        id: a.getAttribute('data-place') ?? '',
        from: a.getAttribute('data-from') ?? '',
        to: a.getAttribute('data-to') ?? '',
        points: a.querySelector('polyline.line')!.getAttribute('points') ?? '',
      })),
    }
  })
  const rect = ([x, y, w, h]: number[]): Rect => ({x: x!, y: y!, w: w!, h: h!})
  return {
    boxes: raw.boxes.map((b) => ({id: b.id, frame: rect(b.frame), all: rect(b.all)})),
    texts: raw.texts.map((t) => ({...t, r: rect(t.r)})),
    labels: raw.labels.map((l) => ({arrow: l.arrow, r: rect(l.r)})),
    arrows: raw.arrows.map((a) => ({
      ...a,
      points: a.points
        .trim()
        .split(/\s+/)
        .map((p) => {
          const [x, y] = p.split(',').map(Number)
          return {x: x!, y: y!}
        }),
    })),
  }
}

const overlap = (a: Rect, b: Rect, by = 0.5) =>
  a.x + by < b.x + b.w && b.x + by < a.x + a.w && a.y + by < b.y + b.h && b.y + by < a.y + a.h
const inside = (a: Rect, b: Rect, by = 0.5) =>
  a.x >= b.x - by && a.y >= b.y - by && a.x + a.w <= b.x + b.w + by && a.y + a.h <= b.y + b.h + by
const grow = (r: Rect, by: number): Rect => ({x: r.x - by, y: r.y - by, w: r.w + 2 * by, h: r.h + 2 * by})
/** Whether a segment passes through a rectangle (Liang–Barsky). */
function crosses(p: {x: number; y: number}, q: {x: number; y: number}, r: Rect): boolean {
  let t0 = 0
  let t1 = 1
  const dx = q.x - p.x
  const dy = q.y - p.y
  for (const [pk, qk] of [
    [-dx, p.x - r.x],
    [dx, r.x + r.w - p.x],
    [-dy, p.y - r.y],
    [dy, r.y + r.h - p.y],
  ] as const) {
    if (pk === 0) {
      if (qk < 0) return false
    } else {
      const t = qk / pk
      if (pk < 0) t0 = Math.max(t0, t)
      else t1 = Math.min(t1, t)
      if (t0 > t1) return false
    }
  }
  return true
}

/** What is wrong with the picture's geometry: every overlap, as sentences (none when readable). */
function problemsOf(g: Geometry): string[] {
  const out: string[] = []
  const box = new Map(g.boxes.map((b) => [b.id, b]))
  const label = new Map(g.labels.map((l) => [`label ${l.arrow}`, l]))
  for (const t of g.texts) {
    const own = box.get(t.owner)?.frame ?? label.get(t.owner)?.r
    if (!own || !inside(t.r, own)) out.push(`"${t.text}" is out of its box or label (${t.owner})`)
    for (const b of g.boxes) if (b.id !== t.owner && overlap(t.r, b.all)) out.push(`"${t.text}" is over box ${b.id}`)
  }
  for (let i = 0; i < g.texts.length; i++)
    for (let j = i + 1; j < g.texts.length; j++)
      if (overlap(g.texts[i]!.r, g.texts[j]!.r)) out.push(`"${g.texts[i]!.text}" is over "${g.texts[j]!.text}"`)
  for (const [i, l] of g.labels.entries()) {
    for (const b of g.boxes) if (overlap(l.r, b.all)) out.push(`the label of ${l.arrow} is over box ${b.id}`)
    for (const m of g.labels.slice(i + 1))
      if (overlap(l.r, m.r)) out.push(`labels of ${l.arrow} and ${m.arrow} overlap`)
  }
  for (const a of g.arrows) {
    const segments = a.points.slice(1).map((q, i) => [a.points[i]!, q] as const)
    segments.forEach(([p, q], i) => {
      // Another arrow's label: never crossed (an arrow's own label sits on it, in a gap).
      for (const l of g.labels)
        if (l.arrow !== a.id && crosses(p, q, grow(l.r, -0.5))) out.push(`${a.id} crosses the label of ${l.arrow}`)
      // A box: an arrow keeps 4 px away from one it does not join, and leaves and enters its own
      // once (no running along their borders).
      for (const b of g.boxes) {
        const joins = (b.id === a.from && i === 0) || (b.id === a.to && i === segments.length - 1)
        if (!joins && crosses(p, q, grow(b.all, 4))) out.push(`${a.id} runs over or along box ${b.id}`)
      }
    })
  }
  return out
}

describe('the HTML report in Chromium', {skip: NO_CHROMIUM}, () => {
  let sb: Sandbox
  let dir: string
  let cleanup: () => Promise<void>
  let merged: Report
  let page: string
  let browser: Browser
  /** A tab with the network refused (each request counted) and the page's complaints collected. */
  const open = async (file: string, viewport = {width: 1280, height: 900}) => {
    const context: BrowserContext = await browser.newContext({offline: true, viewport})
    const requests: string[] = []
    context.on('request', (r) => requests.push(r.url()))
    await context.route('**/*', (route) =>
      route.request().url() === pathToFileURL(file).href ? route.continue() : route.abort(),
    )
    const tab = await context.newPage()
    const errors: string[] = []
    tab.on('pageerror', (e) => errors.push(e.message))
    tab.on('console', (msg) => msg.type() === 'error' && errors.push(msg.text()))
    tab.on('dialog', (d) => {
      errors.push(`dialog ${d.message()}`)
      void d.dismiss()
    })
    await tab.goto(pathToFileURL(file).href)
    return {tab, requests, errors, close: () => context.close()}
  }
  const shot = async (tab: Page, name: string) => {
    await mkdir(ARTIFACTS, {recursive: true})
    const file = join(ARTIFACTS, name)
    await tab.screenshot({path: file, fullPage: true})
    assert.ok((await readFile(file)).length > 10_000)
    process.stderr.write(`screenshot: ${file}\n`)
  }

  before(async () => {
    ;({dir, cleanup} = await tempDir())
    // Failing: the server's certificate (its HTTPS endpoint), the directory's password (the AD
    // connector), and Agent02's Temp (not writable).
    sb = await startSandbox({
      topology: 'on-prem-separate',
      agents: 2,
      server: {cert: 'wrong-host'},
      directory: {wrongPassword: true},
    })
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
    const {chromium} = await import('playwright-core')
    browser = await chromium.launch({executablePath: CHROMIUM as string, args: ['--no-sandbox']})
  })
  after(async () => {
    await browser?.close()
    await sb?.stop()
    await cleanup?.()
  })

  test('every box is coloured by the worst result about its component, every arrow by its path', async () => {
    const {tab, errors, close} = await open(page)
    try {
      const boxes = await tab
        .locator('#picture a.box')
        .evaluateAll((as) =>
          as.map((a) => ({place: a.getAttribute('data-place')!, status: a.getAttribute('data-status')!})),
        )
      // Two agents: one box per component, none grouped.
      assert.deepEqual(
        boxes.map((b) => b.place),
        merged.picture!.nodes.map((n) => n.id),
      )
      for (const b of boxes) assert.equal(b.status, worstAbout(merged.results, b.place), b.place)
      const status = Object.fromEntries(boxes.map((b) => [b.place, b.status]))
      // What the page used to get wrong: the managed system behind a failing connector, the
      // server behind a failing endpoint, both red; the Browsers, which nothing is about, white.
      assert.equal(status['system:AD/ADExport'], 'fail')
      assert.equal(status.server, 'fail')
      assert.equal(status['agent:Agent02'], 'fail')
      assert.equal(status.database, 'pass')
      assert.equal(status.browsers, 'none')
      // No green Server or Agent box whose own HTTPS endpoint fails.
      for (const r of merged.results.filter((x) => x.id === 'tls.endpoint' && x.status === 'fail'))
        assert.notEqual(status[r.place!.split('>')[1]!], 'pass', r.place)
      // The box's colour is drawn, not only said.
      const stroke = await tab
        .locator('#picture a.box[data-place="system:AD/ADExport"] rect.frame')
        .getAttribute('stroke')
      assert.equal(stroke, '#c62828')

      const arrows = await tab
        .locator('#picture a.arrow')
        .evaluateAll((as) =>
          as.map((a) => ({place: a.getAttribute('data-place')!, status: a.getAttribute('data-status')!})),
        )
      assert.deepEqual(arrows.map((a) => a.place).sort(), merged.picture!.links.map((l) => l.id).sort())
      for (const a of arrows) assert.equal(a.status, worstOn(merged.results, [a.place]), a.place)
      assert.deepEqual(errors, [])
    } finally {
      await close()
    }
  })

  test(
    'offline: failures and their fixes first, every result, filters and folded skips, click to results, no request',
    {timeout: 120_000},
    async () => {
      const {tab, requests, errors, close} = await open(page)
      try {
        // Every result is on the page, with its check id and target.
        const rows = tab.locator('tr.result')
        assert.equal(await rows.count(), merged.results.length)
        const shown = await rows.evaluateAll((trs) =>
          trs.map((tr) => `${tr.getAttribute('data-check')} ${tr.querySelector('.target')?.textContent}`),
        )
        assert.deepEqual(shown.sort(), merged.results.map((r) => `${r.id} ${r.target}`).sort())

        // "To fix" comes first, above the picture: each fix once, with the checks and hosts it serves.
        const order = await tab.evaluate(() => {
          const d = (globalThis as unknown as {document: Doc}).document
          return ['#to-fix', '#picture', '#results'].map((s) => d.querySelector(s)!.getBoundingClientRect().top)
        })
        assert.ok(order[0]! < order[1]! && order[1]! < order[2]!, `${order}`)
        const fixes = await tab.locator('#to-fix li').evaluateAll((lis) =>
          lis.map((li) => ({
            status: li.getAttribute('data-status'),
            text: li.firstElementChild!.nextSibling!.textContent!.trim(),
            serves: li.querySelector('.serves')!.textContent!,
            checks: [...li.querySelectorAll('.serves a[href^="#r-"]')].map((a) => a.textContent),
          })),
        )
        const failing = merged.results.filter((r) => r.status === 'fail' || r.status === 'error')
        assert.ok(failing.length > 0)
        assert.equal(new Set(fixes.map((f) => f.text)).size, fixes.length, 'each fix once')
        for (const r of failing) {
          const fix = fixes.find((f) => f.checks.includes(`${r.id} ${r.target}`))
          assert.ok(fix, `${r.id} ${r.target} has its fix at the top`)
          assert.ok(fix.serves.includes(r.host!), `${fix.serves} names the host ${r.host}`)
          // Each check once, however many hosts saw it.
          assert.equal(fix.checks.filter((c) => c === `${r.id} ${r.target}`).length, 1)
        }
        // Worst first.
        const rank: Record<string, number> = {error: 4, fail: 3, warn: 2}
        const ranks = fixes.map((f) => rank[f.status!]!)
        assert.deepEqual(
          ranks,
          [...ranks].sort((a, b) => b - a),
        )
        // The certificate's fix serves both tls.endpoint and cert.tls, from every host that saw them.
        const cert = fixes.find((f) => /subjectAltName/.test(f.text))!
        assert.match(cert.serves, /tls\.endpoint/)
        assert.match(cert.serves, /cert\.tls/)

        // Skips start folded: every other result is visible, the skips are not, and each flow
        // with skips says how many.
        const visible = () => tab.locator('tr.result:visible').count()
        const skips = merged.results.filter((r) => r.status === 'skip').length
        assert.ok(skips > 0)
        assert.equal(await visible(), merged.results.length - skips)
        const folds = tab.locator('tr.fold button')
        assert.ok((await folds.count()) > 0)
        assert.match((await folds.first().textContent())!, /^▸ \d+ skipped: show$/)
        // Unfolding one flow shows its skips; the filter shows all of them.
        const flow = tab.locator('section.flow', {has: tab.locator('tr.fold')}).first()
        const here = await flow.locator('tr.result[data-status="skip"]').count()
        await flow.locator('tr.fold button').click()
        assert.equal(await visible(), merged.results.length - skips + here)
        await tab.locator('.filters input[data-status="skip"]').check()
        assert.equal(await visible(), merged.results.length)

        // The filters: without pass, only the rest; with it again, everything.
        await tab.locator('.filters input[data-status="pass"]').uncheck()
        const notPass = merged.results.filter((r) => r.status !== 'pass').length
        assert.equal(await visible(), notPass)
        assert.equal(await tab.locator('tr.result[data-status="pass"]:visible').count(), 0)
        await tab.locator('.filters input[data-status="skip"]').uncheck()
        assert.equal(await visible(), failing.length + merged.results.filter((r) => r.status === 'warn').length)
        // Within each flow, the worst first.
        const sections = await tab
          .locator('section.flow')
          .evaluateAll((ss) =>
            ss.map((s) => [...s.querySelectorAll('tr.result')].map((tr) => tr.getAttribute('data-status'))),
          )
        const sev: Record<string, number> = {error: 4, fail: 3, warn: 2, pass: 1, skip: 0}
        for (const s of sections) {
          const ranks = s.map((x) => sev[x!]!)
          assert.deepEqual(
            ranks,
            [...ranks].sort((a, b) => b - a),
          )
        }
        await tab.locator('.filters input[data-status="pass"]').check()
        await tab.locator('.filters input[data-status="skip"]').check()
        assert.equal(await visible(), merged.results.length)

        // A click on the failing agent's box: the results about it are marked and scrolled to.
        await tab.locator('#picture a.place[data-place="agent:Agent02"]').click()
        const marked = tab.locator('tr.result.hl')
        const about = merged.results.filter((r) => r.place === 'agent:Agent02' || r.place?.endsWith('>agent:Agent02'))
        assert.equal(await marked.count(), about.length)
        assert.ok((await marked.count()) > 0)
        const inView = await tab
          .locator('tr.result.hl[data-status="fail"]')
          .first()
          .evaluate((tr) => {
            const r = tr.getBoundingClientRect()
            return r.top >= 0 && r.bottom <= (globalThis as unknown as {innerHeight: number}).innerHeight
          })
        assert.ok(inView, 'scrolled to its failure')

        // A fix's check leads to its row.
        await tab.locator('#to-fix .serves a[href^="#r-"]').first().click()
        assert.equal(await tab.locator('tr.result:target').count(), 1)

        // Printed: the filters are not on paper, every result is (skips too), and it makes a PDF.
        await tab.locator('.filters input[data-status="skip"]').uncheck()
        await tab.emulateMedia({media: 'print'})
        assert.equal(await tab.locator('.filters').isVisible(), false)
        assert.equal(await visible(), merged.results.length)
        const pdf = await tab.pdf({format: 'A4'})
        assert.equal(pdf.subarray(0, 5).toString('latin1'), '%PDF-')
        await tab.emulateMedia({media: 'screen'})

        // Nothing left the page, and the page had nothing to complain about.
        assert.deepEqual(requests, [pathToFileURL(page).href])
        assert.deepEqual(errors, [])
        await shot(tab, 'fleet-report.png')
        await writeFile(join(ARTIFACTS, 'fleet-report.pdf'), pdf)
      } finally {
        await close()
      }
    },
  )

  test('a check with several problems shows them as a list, each with its fix', async () => {
    const report = structuredClone(merged)
    const r = report.results.find((x) => x.status === 'fail')!
    r.message = 'first problem; second problem'
    r.remediation = 'first fix | second fix'
    r.data = {
      findings: [
        {status: 'warn', message: 'second problem', remediation: 'second fix'},
        {status: 'fail', message: 'first problem', remediation: 'first fix'},
        {status: 'pass', message: 'what holds'},
      ],
    }
    const file = join(dir, 'problems.html')
    await writeFile(file, await renderHtml(report))
    const {tab, errors, close} = await open(file)
    try {
      const row = tab.locator(`tr#r-${report.results.indexOf(r)}`)
      const items = await row.locator('ul.problems > li').evaluateAll((lis) => lis.map((li) => li.textContent))
      assert.deepEqual(items, ['first problemfirst fix', 'second problemsecond fix'])
      assert.doesNotMatch((await row.textContent())!, / \| /)
      // At the top, each fix on its own line.
      const top = await tab.locator('#to-fix li').allTextContents()
      assert.ok(top.some((t) => /^FAIL first fix/.test(t)))
      assert.ok(top.some((t) => /^WARN second fix/.test(t)))
      assert.deepEqual(errors, [])
    } finally {
      await close()
    }
  })

  test('past ten fixes, the rest is a click away (and on paper)', async () => {
    const report = structuredClone(merged)
    const passing = report.results.filter((r) => r.status === 'pass').slice(0, 12)
    passing.forEach((r, i) => Object.assign(r, {status: 'fail', remediation: `fix number ${i}`, data: null}))
    report.summary = summarize(report.results)
    const file = join(dir, 'many-fixes.html')
    await writeFile(file, await renderHtml(report))
    const {tab, errors, close} = await open(file)
    try {
      const total = await tab.locator('#to-fix li').count()
      assert.ok(total > 12)
      assert.equal(await tab.locator('#to-fix li:visible').count(), 10)
      const more = tab.locator('#to-fix button.more-fixes')
      assert.equal(await more.textContent(), `▸ ${total - 10} more`)
      await more.click()
      assert.equal(await tab.locator('#to-fix li:visible').count(), total)
      await more.click()
      await tab.emulateMedia({media: 'print'})
      assert.equal(await tab.locator('#to-fix li:visible').count(), total)
      assert.deepEqual(errors, [])
    } finally {
      await close()
    }
  })

  for (const [agents, vary] of [
    [1, false],
    [5, false],
    [50, false],
    [50, true],
  ] as const)
    test(
      `readable at ${agents} agent${agents > 1 ? 's' : ''}${vary ? ', each with its own managed system and results' : ''}: no text over a box, an arrow or another text`,
      {timeout: 180_000},
      async () => {
        const {sb: one, report} = await checkSandbox({topology: 'on-prem-separate', agents})
        try {
          if (vary) fleetOfDifferentAgents(report)
          const file = join(dir, `agents-${agents}${vary ? '-varied' : ''}.html`)
          const json = join(dir, `agents-${agents}${vary ? '-varied' : ''}.json`)
          await writeFile(json, JSON.stringify(report))
          const shown = await runCli(['report', 'show', json, '--output', file])
          assert.ok(shown.code === 0 || shown.code === 3, shown.stderr)
          const {tab, errors, close} = await open(file)
          try {
            const g = await geometry(tab)
            assert.ok(
              g.boxes.length >= 9 && g.arrows.length >= 7 && g.labels.length >= 6,
              JSON.stringify(g.boxes.length),
            )
            assert.deepEqual(problemsOf(g), [])
            // The boxes say what the results say, grouped or not.
            const boxes = await tab.locator('#picture a.box').evaluateAll((as) =>
              as.map((a) => ({
                place: a.getAttribute('data-place')!,
                kind: a.getAttribute('data-kind')!,
                status: a.getAttribute('data-status')!,
                members: JSON.parse(a.getAttribute('data-members') ?? 'null') as string[] | null,
              })),
            )
            for (const b of boxes)
              for (const m of b.members ?? [b.place]) assert.equal(b.status, worstAbout(report.results, m), m)
            const agentBoxes = boxes.filter((b) => b.kind === 'agent')
            const members = agentBoxes.flatMap((b) => b.members ?? [b.place])
            assert.equal(new Set(members).size, agents, 'every agent once')
            assert.equal(members.length, agents, 'every agent once')
            if (agents <= 5) assert.equal(agentBoxes.length, agents, 'one box each')
            else {
              assert.ok(agentBoxes.length <= 9, `${agentBoxes.length} agent boxes`)
              if (!vary) {
                // The sandbox's agents but the first are alike: one box, that lists them on click.
                const group = tab.locator('#picture a.box[data-members]').first()
                assert.match((await group.textContent())!, /^49 agents: all pass/)
                await group.click()
                const panel = tab.locator('.group-panel:visible')
                assert.equal(await panel.locator('li').count(), 49)
                await panel.locator('li a[data-place="agent:Agent17"]').click()
                assert.deepEqual(
                  (
                    await tab
                      .locator('tr.result.hl')
                      .evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-place')))
                  ).sort(),
                  report.results
                    .filter((r) => r.place === 'agent:Agent17' || r.place?.endsWith('>agent:Agent17'))
                    .map((r) => r.place)
                    .sort(),
                )
              }
            }
            // A legend says what the colours and lines mean.
            const legend = (await tab.locator('.legend').textContent())!
            for (const word of ['fail', 'warn', 'pass', 'nothing checked', 'a path nothing checked'])
              assert.ok(legend.includes(word), word)
            assert.deepEqual(errors, [])
            await shot(tab, `report-${agents}-agents${vary ? '-varied' : ''}.png`)
          } finally {
            await close()
          }
        } finally {
          await one.stop()
        }
      },
    )

  test("a crafted report's javascript: link is text, and the page's CSP runs no script but its own", async () => {
    const report = structuredClone(merged)
    const hostile = [
      'javascript:document.title="pwned"',
      'JaVaScRiPt:alert(1)',
      ' javascript:alert(2)',
      'data:text/html,<script>alert(3)</script>',
      'http://docs.example/plain',
      'https://user:pw@docs.example/',
    ]
    hostile.forEach((docs, i) => (report.results[i]!.docs = docs))
    report.summary = summarize(report.results)
    const file = join(dir, 'crafted.html')
    const html = await renderHtml(report)
    await writeFile(file, html)
    // The page's CSP: scripts by hash only, no 'unsafe-inline' for them.
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)![1]!
    const scriptSrc = csp.split(';').find((d) => d.trim().startsWith('script-src'))!
    assert.doesNotMatch(scriptSrc, /unsafe-inline|unsafe-eval|\*|https?:|data:/)
    assert.match(scriptSrc, /^ ?script-src 'sha256-[A-Za-z0-9+/]+=*'$/)
    assert.doesNotMatch(html, /<[^>]*\son[a-z]+\s*=/i, 'no inline handler')

    const {tab, errors, close} = await open(file)
    try {
      const links = await tab.locator('a[href]').evaluateAll((as) => as.map((a) => a.getAttribute('href')!))
      for (const href of links) assert.match(href, /^(#|https:\/\/[^@]+$)/)
      for (const [i, docs] of hostile.entries()) {
        const cell = tab.locator(`tr#r-${i} td:last-child`)
        assert.equal(await cell.locator('a').count(), 0, docs)
        assert.equal((await cell.textContent())!, docs)
      }
      // The page's own script runs (its hash matches): the skips are folded.
      assert.equal(await tab.locator('tr.result[data-status="skip"]:visible').count(), 0)
      // Whatever might get through is refused: an inline handler, a javascript: link.
      const violations = await tab.evaluate(async () => {
        const w = globalThis as unknown as {
          document: Doc
          pwned?: number
          addEventListener: (t: string, f: (e: {violatedDirective: string}) => void) => void
        }
        const seen: string[] = []
        w.addEventListener('securitypolicyviolation', (e) => seen.push(e.violatedDirective))
        w.document.body.insertAdjacentHTML(
          'beforeend',
          '<button id="x1" onclick="window.pwned=1">x</button><a id="x2" href="javascript:window.pwned=2">y</a>',
        )
        w.document.getElementById('x1')!.click()
        w.document.getElementById('x2')!.click()
        await new Promise((r) => setTimeout(r, 300))
        return {seen, pwned: w.pwned ?? null, title: w.document.title}
      })
      assert.equal(violations.pwned, null)
      assert.doesNotMatch(violations.title, /pwned/)
      assert.ok(violations.seen.length >= 2, JSON.stringify(violations.seen))
      assert.ok(
        violations.seen.every((d) => d.startsWith('script-src')),
        JSON.stringify(violations.seen),
      )
      assert.deepEqual(
        errors.filter((e) => !/Content Security Policy/.test(e)),
        [],
      )
    } finally {
      await close()
    }
  })
})

/**
 * A fleet as it is in the field: every agent reaches a managed system of its own, and no two
 * agents have the same results (statuses flipped by the bits of the agent's number).
 */
function fleetOfDifferentAgents(report: Report): void {
  const p = report.picture!
  const template = report.results.find((r) => r.id === 'connector.files')!
  const agents = p.nodes.filter((n) => n.kind === 'agent')
  agents.forEach((a, k) => {
    const name = a.id.slice('agent:'.length)
    if (k > 0) {
      const system = `system:HR${name}/Export`
      p.nodes.push({id: system, kind: 'system', label: [`HR${name} · Export`, `…/hr/${name}.csv`]})
      p.links.push({id: `${a.id}>${system}`, from: a.id, to: system})
      report.results.push({...template, target: `${name}:Export`, place: `${a.id}>${system}`})
    }
    const flips: [string, string, Status][] = [
      ['folders.permissions', a.id, 'fail'],
      ['cert.tls', a.id, 'warn'],
      ['tls.endpoint', `browsers>${a.id}`, 'fail'],
      ['cert.encryption', a.id, 'error'],
      ['folders.layout', a.id, 'warn'],
      ['connector.files', `${a.id}>system:HR${name}/Export`, 'fail'],
    ]
    flips.forEach(([id, place, status], bit) => {
      if (!((k + 1) & (1 << bit))) return
      for (const r of report.results)
        if (r.id === id && r.place === place) {
          r.status = status
          r.remediation = `fix ${id} on ${name}`
        }
    })
  })
  report.summary = summarize(report.results)
}
