import assert from 'node:assert/strict'
import {join} from 'node:path'
import {describe, test} from 'node:test'
import {ROOT, runCli} from '../helpers/cli.js'

interface Described {
  id: string
  topologies: Record<
    string,
    {applies: boolean; stage?: string; instances?: {target: string; stage: string; skip?: string}[]}
  >
  platforms: string[]
  optIn?: string
  docs: Record<string, string>
  how?: string
  verdicts: {status: string; when: string; fix?: string}[]
  sources: {page: string; quote: string}[]
  settings: {key: string; default?: unknown; description?: string}[]
  validate: boolean
}

describe('checks show', () => {
  test('every check says how it measures, its verdicts with their fixes, and the docs sentences it rests on', async () => {
    const list = JSON.parse((await runCli(['checks', 'list', '--json'])).stdout) as {id: string}[]
    assert.ok(list.length >= 20)
    for (const {id} of list) {
      const r = await runCli(['checks', 'show', id, '--json'])
      assert.equal(r.code, 0, `${id}: ${r.stderr}`)
      const d = JSON.parse(r.stdout) as Described
      assert.equal(d.id, id)
      assert.ok(d.how && d.how.length > 40, `${id}: how`)
      assert.ok(
        d.verdicts.some((v) => v.status === 'pass'),
        `${id}: a pass verdict`,
      )
      assert.ok(
        d.verdicts.some((v) => v.status === 'fail' && v.fix),
        `${id}: a fail verdict with its fix`,
      )
      assert.ok(d.sources.length > 0, `${id}: the docs it rests on`)
      for (const s of d.sources) {
        assert.match(s.page, /^https:\/\/docs\.netwrix\.com\/docs\/identitymanager\//, `${id}: ${s.page}`)
        assert.ok(s.quote.length > 20, `${id}: a sentence, not a word`)
      }
      for (const p of ['6.1', '6.2', 'saas']) assert.match(d.docs[p]!, /^https:\/\//)
    }
  })

  test('what the definition states is read from it: topologies, opt-in, settings, validate', async () => {
    const show = async (id: string) => JSON.parse((await runCli(['checks', 'show', id, '--json'])).stdout) as Described
    const ldap = await show('connector.ldap')
    assert.deepEqual(
      ldap.settings.map((s) => [s.key, s.default]),
      [['countCap', 10000]],
    )
    const sql = await show('sql.requirements')
    assert.equal(sql.topologies.saas!.applies, false)
    assert.equal(sql.topologies['on-prem-separate']!.applies, true)
    assert.equal((await show('smtp.test-mail')).optIn, '--send-test-mail')
    assert.equal((await show('host.iis')).validate, false)
    assert.equal((await show('proxy.settings')).validate, true)
    assert.equal((await show('dns.alias')).validate, true)
    const reach = await show('server.reachability')
    assert.match(reach.topologies.saas!.stage!, /before in SaaS/)
    // Per topology, the check's own plan on a sample installation says each instance's stage.
    assert.deepEqual(reach.topologies.saas!.instances, [{target: 'https://contoso.usercube.com', stage: 'before'}])
    assert.match(
      reach.topologies['on-prem-integrated']!.instances![0]!.skip!,
      /integrated agent runs inside the server/,
    )
    assert.equal(reach.topologies['on-prem-separate']!.instances![0]!.stage, 'after')
    const tls = await show('tls.endpoint')
    assert.deepEqual(
      tls.topologies.saas!.instances!.map((i) => i.stage),
      ['before', 'after'],
    )
  })

  test('the text names every part; explain is the same command', async () => {
    const r = await runCli(['explain', 'host.resources'])
    assert.equal(r.code, 0, r.stderr)
    for (const part of [
      /^host\.resources {2}This host has the memory/m,
      /^How it measures$/m,
      /^Where it applies$/m,
      /^ {2}stage: before · platforms: all$/m,
      /^ {2}saas {17}runs$/m,
      /^ {4}· local: stage before$/m,
      /^Verdicts$/m,
      /^ {2}FAIL {2}less memory than minMemoryGB/m,
      /^ {8}fix: give the host more$/m,
      /^Rests on$/m,
      /“No matter whether the machine is virtual or physical/,
      /^Settings \(checks\.settings\.host\.resources\)$/m,
      /^ {2}minMemoryGB \(number, 1–, default 8\): Minimum memory in GB/m,
    ])
      assert.match(r.stdout, part)
  })

  test('an unknown id is exit 2 with the nearest id', async () => {
    const r = await runCli(['checks', 'show', 'tls.endpont'])
    assert.equal(r.code, 2)
    assert.match(r.stderr, /no check has the id "tls\.endpont"/)
    assert.match(r.stderr, /did you mean tls\.endpoint\?/)
  })

  test('every example of its --help runs', async () => {
    const {default: cmd} = (await import(join(ROOT, 'dist', 'src', 'commands', 'checks', 'show.js'))) as {
      default: {examples: string[]}
    }
    assert.ok(cmd.examples.length >= 3)
    for (const example of cmd.examples) {
      const args = example.replace('<%= config.bin %> ', '').split(' ')
      const r = await runCli(args)
      assert.equal(r.code, 0, `${example}: ${r.stderr}`)
      if (args.includes('--json')) assert.equal(JSON.parse(r.stdout).id, args[2])
      else assert.match(r.stdout, /^Verdicts$/m, example)
    }
  })
})
