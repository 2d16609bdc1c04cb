import assert from 'node:assert/strict'
import {existsSync} from 'node:fs'
import {mkdir, readFile, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'
import {Ajv} from 'ajv'
import addFormatsModule from 'ajv-formats'
import {XMLParser, XMLValidator} from 'fast-xml-parser'
import {hasStackTrace, ROOT, runCli, tempDir} from '../helpers/cli.js'
import {ONPREM_SECRETS, onPremEnv, saasEnv} from '../helpers/envs.js'
import type {Report} from '../../src/report/report.js'

/** Lenient host thresholds, so that the result does not depend on the machine running the tests. */
const lenient = `checks:
  settings:
    host.resources: { minMemoryGB: 1, minCores: 1, minFreeDiskGB: 0 }
`
/** These tests are about exit codes and formats: keep to the two checks that need no network. */
const ONLY = ['--only', 'host.resources,proxy.settings']
const noProxyEnv = {HTTPS_PROXY: undefined, https_proxy: undefined, NO_PROXY: undefined, no_proxy: undefined}

async function reportValidator() {
  const ajv = new Ajv({allErrors: true, strict: true})
  ;(
    (addFormatsModule as unknown as {default?: (a: Ajv) => void}).default ??
    (addFormatsModule as unknown as (a: Ajv) => void)
  )(ajv)
  return ajv.compile(JSON.parse(await readFile(join(ROOT, 'schema', 'report.schema.json'), 'utf8')))
}

describe('check', () => {
  let dir: string
  let cleanup: () => Promise<void>
  let ok: string
  let failing: string
  let warning: string
  let waived: string
  let secrets: string
  before(async () => {
    ;({dir, cleanup} = await tempDir())
    ok = join(dir, 'ok.yaml')
    await writeFile(ok, saasEnv(dir, lenient))
    failing = join(dir, 'fail.yaml')
    await writeFile(failing, saasEnv(dir, `network:\n  httpsProxy: https://proxy.contoso.com:8080\n${lenient}`))
    warning = join(dir, 'warn.yaml')
    await writeFile(warning, saasEnv(dir, `network:\n  noProxy: .contoso.com\n${lenient}`))
    waived = join(dir, 'waived.yaml')
    await writeFile(
      waived,
      saasEnv(
        dir,
        `network:\n  httpsProxy: https://proxy.contoso.com:8080\n${lenient}  waivers:\n    - { id: proxy.settings, reason: "CHG-1234 proxy change", until: 2099-12-31 }\n`,
      ),
    )
    secrets = join(dir, 'secrets.yaml')
    await writeFile(secrets, onPremEnv(`network:\n  httpsProxy: "\${env:IDM_PROXY}"\n${lenient}`))
  })
  after(async () => cleanup())

  test('exit 0 when every check passes, with a text report grouped by flow', async () => {
    const r = await runCli(['check', ...ONLY, '-c', ok], {env: noProxyEnv})
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /^idm-preflight: contoso-saas \(saas, stage before\)/)
    assert.match(r.stdout, /this host\n(?: {2}SKIP .*\n)* {2}PASS {2}host\.resources/)
    assert.match(r.stdout, /network settings\n(?: {2}SKIP .*\n)* {2}PASS {2}proxy\.settings/)
    // What --only leaves out is reported as skipped, as --skip does: nothing silently missing; the
    // text report says those rows in one line, JSON keeps each.
    assert.doesNotMatch(r.stdout, /not selected by --only/)
    const folded = /^(\d+) checks not selected \(--only host\.resources,proxy\.settings\)$/m.exec(r.stdout)
    assert.ok(folded, r.stdout)
    const json = await runCli(['check', ...ONLY, '-c', ok, '--format', 'json'], {env: noProxyEnv})
    const rows = (JSON.parse(json.stdout) as Report).results.filter((x) => x.message === 'not selected by --only')
    assert.ok(rows.some((x) => x.id === 'dns.alias'))
    assert.equal(Number(folded[1]), rows.length)
    assert.match(r.stdout, /(\d+) checks: 2 pass, 0 warn, 0 fail, 0 error, \d+ skip in .* \(exit 0\)/)
    assert.equal(r.stderr, '', 'no progress when stdout is not a terminal')
  })

  test('--skip is folded as --only is; a selected check skipped for another reason stays listed; -q shows neither', async () => {
    const sel = ['--only', 'host.resources,proxy.settings,smtp.server', '--skip', 'proxy.*']
    const r = await runCli(['check', ...sel, '-c', ok], {env: noProxyEnv})
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /^1 check skipped \(--skip proxy\.\*\)$/m)
    // Whatever else would skip them (a later stage, no targets), unselected checks are "not selected".
    assert.match(r.stdout, /^\d+ checks not selected \(--only host\.resources,proxy\.settings,smtp\.server\)$/m)
    assert.doesNotMatch(
      r.stdout,
      /SKIP +proxy\.settings|skipped by --skip|not selected by --only|runs after installation/,
    )
    assert.match(r.stdout, /^ {2}SKIP {2}smtp\.server +\S+ +no smtp section in the environment file$/m)
    const json = await runCli(['check', ...sel, '-c', ok, '--format', 'json'], {env: noProxyEnv})
    const rows = (JSON.parse(json.stdout) as Report).results
    assert.deepEqual(
      rows.filter((x) => x.id === 'proxy.settings').map((x) => [x.status, x.message]),
      [['skip', 'skipped by --skip']],
    )
    assert.ok(rows.filter((x) => x.id.startsWith('tls.')).every((x) => x.message === 'not selected by --only'))
    const q = await runCli(['check', ...sel, '-c', ok, '-q'], {env: noProxyEnv})
    assert.doesNotMatch(q.stdout, /not selected|skipped|SKIP/)
  })

  test('exit 3 on a failure, with the fix and the docs link', async () => {
    const r = await runCli(['check', ...ONLY, '-c', failing], {env: noProxyEnv})
    assert.equal(r.code, 3)
    assert.match(
      r.stdout,
      /FAIL {2}proxy\.settings +network +network\.httpsProxy "https:\/\/proxy\.contoso\.com:8080" uses the scheme https/,
    )
    assert.match(r.stdout, /fix: write http:\/\/proxy\.contoso\.com:8080/)
    assert.match(r.stdout, /docs: https:\/\/docs\.netwrix\.com\//)
  })

  test('warnings: exit 0, or 4 with --strict', async () => {
    assert.equal((await runCli(['check', ...ONLY, '-c', warning], {env: noProxyEnv})).code, 0)
    const strict = await runCli(['check', ...ONLY, '-c', warning, '--strict'], {env: noProxyEnv})
    assert.equal(strict.code, 4)
    assert.match(strict.stdout, /WARN {2}proxy\.settings/)
  })

  test('an active waiver turns the failure into a warning and shows its reason', async () => {
    const r = await runCli(['check', ...ONLY, '-c', waived, '--format', 'json'], {env: noProxyEnv})
    assert.equal(r.code, 0)
    const report = JSON.parse(r.stdout)
    const proxy = report.results.find((x: {id: string}) => x.id === 'proxy.settings')
    assert.equal(proxy.status, 'warn')
    assert.deepEqual(proxy.waiver, {reason: 'CHG-1234 proxy change', until: '2099-12-31', expired: false})
  })

  test('--format json validates against schema/report.schema.json, in plan order', async () => {
    const validate = await reportValidator()
    for (const file of [ok, failing, warning, waived]) {
      const r = await runCli(['check', ...ONLY, '-c', file, '--format', 'json'], {env: noProxyEnv})
      const report: {exitCode: number; results: {id: string; status: string}[]} = JSON.parse(r.stdout)
      assert.ok(validate(structuredClone(report)), JSON.stringify(validate.errors))
      assert.equal(report.exitCode, r.code)
      assert.deepEqual(
        report.results.filter((x: {status: string}) => x.status !== 'skip').map((x: {id: string}) => x.id),
        ['host.resources', 'proxy.settings'],
      )
    }
  })

  test('--json gives the same report as --format json', async () => {
    const r = await runCli(['check', ...ONLY, '-c', failing, '--json'], {env: noProxyEnv})
    assert.equal(r.code, 3)
    const report = JSON.parse(r.stdout)
    assert.equal(report.summary.fail, 1)
    assert.equal(report.tool.name, 'idm-preflight')
  })

  test('--format junit parses as XML: one suite per id, failures as <failure>', async () => {
    const r = await runCli(['check', ...ONLY, '-c', failing, '--format', 'junit'], {env: noProxyEnv})
    assert.equal(r.code, 3)
    assert.equal(XMLValidator.validate(r.stdout), true)
    const xml = new XMLParser({ignoreAttributes: false, attributeNamePrefix: ''}).parse(r.stdout)
    const suites = [xml.testsuites.testsuite].flat()
    assert.deepEqual(
      suites.filter((s: {skipped: string; tests: string}) => s.skipped !== s.tests).map((s: {name: string}) => s.name),
      ['host.resources', 'proxy.settings'],
    )
    const proxy = suites.find((s: {name: string}) => s.name === 'proxy.settings')
    assert.equal(proxy.failures, '1')
    assert.equal(proxy.testcase.name, 'network')
    assert.equal(proxy.testcase.failure.type, 'fail')
    assert.match(proxy.testcase.failure.message, /uses the scheme https/)
  })

  test('--format tap is TAP 14 with not ok for failures', async () => {
    const r = await runCli(['check', ...ONLY, '-c', failing, '--format', 'tap'], {env: noProxyEnv})
    assert.match(r.stdout, /^TAP version 14\n1\.\.\d+\n/)
    assert.match(r.stdout, /^ok \d+ - host\.resources local\n/m)
    assert.match(r.stdout, /^not ok \d+ - proxy\.settings network\n {2}---\n {2}severity: fail\n/m)
    assert.match(r.stdout, /^ok \d+ - dns\.alias .* # SKIP not selected by --only$/m)
  })

  test('--output writes the report (format from the extension) and prints a summary', async () => {
    // The folder must be there: --output never makes one (test/commands/output.test.ts).
    await mkdir(join(dir, 'reports'), {recursive: true})
    const out = join(dir, 'reports', 'report.xml')
    const r = await runCli(['check', ...ONLY, '-c', failing, '--output', out], {env: noProxyEnv})
    assert.equal(r.code, 3)
    assert.match(r.stdout, /\d+ checks: 1 pass, 0 warn, 1 fail.*\nreport \(junit\) written to /)
    assert.equal(XMLValidator.validate(await readFile(out, 'utf8')), true)
  })

  test('--plan lists the instances without running them; --only and --skip shape it', async () => {
    const r = await runCli(['check', ...ONLY, '-c', ok, '--plan', '--skip', 'host.*'])
    assert.equal(r.code, 0)
    // Each row: status, id, target, whose host runs it, title or reason.
    assert.match(r.stdout, /skip {2}host\.resources +local +any +skipped by --skip/)
    assert.match(r.stdout, /run {3}proxy\.settings +network +any +Outbound proxy settings/)
    assert.match(r.stdout, /skip {2}dns\.alias +\S+ +any +not selected by --only/)
    assert.match(r.stdout, /(\d+) planned, 1 to run, \d+ skipped \(saas, stage before\)/)
    // A plan is never written as text under another format's name.
    for (const extra of [
      ['--output', join(dir, 'plan.html')],
      ['--format', 'junit'],
    ]) {
      const bad = await runCli(['check', '-c', ok, '--plan', ...extra])
      assert.equal(bad.code, 2, bad.stdout + bad.stderr)
      assert.match(bad.stderr, /--plan prints the plan as text or JSON, not as (html \(from .*plan\.html\)|junit)/)
    }
    assert.equal(existsSync(join(dir, 'plan.html')), false)
    const only = JSON.parse((await runCli(['check', '-c', ok, '--plan', '--json', '--only', 'proxy.*'])).stdout)
    assert.deepEqual(
      only.instances.filter((i: {skip?: string}) => !i.skip).map((i: {id: string}) => i.id),
      ['proxy.settings'],
    )
  })

  test('no secret appears in any format, nor in --plan, nor in validate', async () => {
    const env = {...noProxyEnv, ...ONPREM_SECRETS, IDM_PROXY: 'https://bob:Proxy-Pa55-Secret@proxy.contoso.com:8080/'}
    const values = [...Object.values(ONPREM_SECRETS), 'Sql-Pa55-Secret!', 'Proxy-Pa55-Secret']
    const runs = await Promise.all([
      ...['text', 'json', 'junit', 'tap'].map((f) => runCli(['check', ...ONLY, '-c', secrets, '--format', f], {env})),
      runCli(['check', ...ONLY, '-c', secrets, '--json'], {env}),
      runCli(['check', ...ONLY, '-c', secrets, '--plan', '--json'], {env}),
      runCli(['validate', secrets, '--require-secrets', '--json'], {env}),
    ])
    for (const r of runs) {
      // validate says what proxy.settings says of the (bad) proxy, without a network: invalid, exit 2.
      assert.ok([0, 3].includes(r.code!) || (r === runs.at(-1) && r.code === 2), `${r.code} ${r.stderr}`)
      for (const v of values) assert.ok(!(r.stdout + r.stderr).includes(v), `secret ${v} printed:\n${r.stdout}`)
    }
    assert.match(
      runs.at(-1)!.stdout,
      /network\.httpsProxy \\"https:\/\/bob:\*\*\*@proxy\.contoso\.com:8080\/\\" uses the scheme https/,
    )
    // The proxy check did see the (bad) proxy URL: only its password is hidden.
    assert.match(runs[0]!.stdout, /https:\/\/bob:\*\*\*@proxy\.contoso\.com:8080\//)
  })

  test('checks list shows every check with topologies and docs; --json for scripts', async () => {
    const text = await runCli(['checks', 'list'])
    assert.equal(text.code, 0)
    assert.match(text.stdout, /host\.resources +This host has the memory/)
    const rows = JSON.parse((await runCli(['checks', 'list', '--json'])).stdout)
    const ids = rows.map((r: {id: string}) => r.id)
    assert.ok(ids.includes('proxy.settings') && ids.includes('host.resources'))
    for (const r of rows) assert.match(r.docs, /^https:\/\//)
  })

  test('checks list speaks the language of check: topology names --topology takes, stages as planned', async () => {
    const text = (await runCli(['checks', 'list'])).stdout
    const named = new Set(
      [...text.matchAll(/topologies: ([^·]+) ·/g)]
        .flatMap((m) => m[1]!.trim().split(/,\s*/))
        .filter((t) => t !== 'all'),
    )
    assert.ok(named.size > 0)
    for (const t of named) {
      const r = await runCli(['checks', 'list', '--topology', t])
      assert.equal(r.code, 0, `checks list prints topology "${t}", which --topology rejects: ${r.stderr}`)
    }
    // The stage of tls.endpoint and server.reachability depends on the topology, as --plan shows.
    assert.match(
      text,
      /server\.reachability[^\n]*\n[^\n]*stage: before in SaaS[^\n]*with server\.installed, else after/,
    )
    assert.match(
      text,
      /tls\.endpoint[^\n]*\n[^\n]*stage: the server's URL: before in SaaS or with server\.installed, else after/,
    )
    // Waivers name exact ids: no promise of globs there.
    const help = (await runCli(['checks', 'list', '--help'])).stdout
    assert.doesNotMatch(help, /globs[^.]*in waivers/)
  })

  test('--help documents the exit codes and has examples', async () => {
    const r = await runCli(['check', ...ONLY, '--help'])
    assert.equal(r.code, 0)
    assert.match(r.stdout, /EXIT CODES[\s\S]*3 {4}at least one check failed[\s\S]*130 {2}interrupted/)
    assert.match(r.stdout, /EXAMPLES/)
    assert.ok(!hasStackTrace(r.stdout))
  })
})

describe('check, as a new user tries it', () => {
  let dir: string
  let cleanup: () => Promise<void>
  let file: string
  before(async () => {
    ;({dir, cleanup} = await tempDir())
    file = join(dir, 'unset.yaml')
    await writeFile(
      file,
      saasEnv(
        dir,
        `    openIdClient: { id: Job, secret: "\${env:IDM_UNSET_SECRET}" }\nsmtp:\n  host: 127.0.0.1\n  port: 1\n  username: idm\n  password: "\${env:IDM_UNSET_SMTP}"\n  fromAddress: a@contoso.com\n${lenient}`,
      ),
    )
  })
  after(async () => cleanup())
  const env = {...noProxyEnv, IDM_UNSET_SECRET: undefined, IDM_UNSET_SMTP: undefined}

  test('--plan needs no secret (it runs nothing) and honours --output', async () => {
    const plan = await runCli(['check', '-c', file, '--plan'], {env})
    assert.equal(plan.code, 0, plan.stderr)
    assert.match(plan.stdout, /planned, \d+ to run/)
    const out = join(dir, 'plan.json')
    const written = await runCli(['check', '-c', file, '--plan', '--format', 'json', '-o', out], {env})
    assert.equal(written.code, 0, written.stderr)
    assert.equal(JSON.parse(await readFile(out, 'utf8')).environment, 'contoso-saas')
    // Running: only the checks that need an unset secret are errors (the Job secret is no check's).
    const run = await runCli(['check', '-c', file, '--format', 'json'], {env})
    assert.equal(run.code, 3, run.stderr)
    const errors = (JSON.parse(run.stdout) as Report).results.filter((r) => r.status === 'error')
    assert.deepEqual(
      errors.map((r) => r.message),
      ['IDM_UNSET_SMTP is not set: smtp.server 127.0.0.1:1 cannot run'],
    )
    // --require-secrets: exit 2 naming the variable, nothing run.
    const all = await runCli(['check', '-c', file, '--require-secrets'], {env})
    assert.equal(all.code, 2)
    assert.match(all.stderr, /IDM_UNSET_SMTP is not set/)
    assert.doesNotMatch(all.stderr, /IDM_UNSET_SECRET/)
  })

  test('a configuration error with --format junit --output still writes the file: one failing testcase', async () => {
    const out = join(dir, 'report.xml')
    const r = await runCli(['check', '-c', file, '--require-secrets', '--format', 'junit', '-o', out], {env})
    assert.equal(r.code, 2)
    const xml = await readFile(out, 'utf8')
    assert.ok(XMLValidator.validate(xml) === true, xml)
    assert.match(xml, /<testcase classname="idm-preflight" name="configuration"/)
    assert.match(xml, /<failure type="configuration"[^>]*>[^<]*IDM_UNSET_SMTP is not set/)
  })

  test('--quiet shows only what needs attention; --no-color is accepted; a long run ends with what to fix', async () => {
    const failing = join(dir, 'failing.yaml')
    await writeFile(failing, saasEnv(dir, `network:\n  httpsProxy: https://proxy.contoso.com:8080\n${lenient}`))
    const q = await runCli(['check', '-c', failing, ...ONLY, '-q', '--no-color'], {env})
    assert.equal(q.code, 3, q.stderr)
    assert.doesNotMatch(q.stdout, /PASS {2}host\.resources/)
    assert.match(q.stdout, /FAIL {2}proxy\.settings/)
    const full = await runCli(['check', '-c', failing, '--only', 'host.*,proxy.*,folders.*'], {env})
    assert.match(full.stdout, /To fix \(\d+\):\n {2}- fail proxy\.settings network: /)
  })
})
