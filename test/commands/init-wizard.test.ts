import assert from 'node:assert/strict'
import {existsSync} from 'node:fs'
import {readdir, readFile} from 'node:fs/promises'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'
import {parse} from 'yaml'
import {hasStackTrace, runCliInPty, tempDir} from '../helpers/cli.js'

/** What a terminal shows, without the escape sequences that redraw it. */
const plain = (s: string) =>
  // eslint-disable-next-line no-control-regex
  s.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, '')

const down = '\u001b[B'
const ctrlC = '\u0003'
const clear = '\u0015'

/** Flags for every answer before the certificates (on premises, integrated), so that tests ask only what they test. */
const onPremFlags = (wd: string) => [
  '--topology',
  'on-prem-integrated',
  '--product',
  '6.2',
  '--organization',
  'Fabrikam',
  '--name',
  'fabrikam-prod',
  '--server-url',
  'https://idm.fabrikam.com',
  '--server-alias',
  'idm.fabrikam.com',
  '--working-directory',
  wd,
  '--service-account',
  'FABRIKAM\\svc-idm',
  '--database-server',
  'sql01',
  '--database-name',
  'UsercubeFabrikam',
  '--database-auth',
  'windows',
  '--agent-id',
  'FabrikamAgent',
]

describe('init wizard, under a pseudo-terminal', () => {
  let dir: string
  let cleanup: () => Promise<void>
  before(async () => ({dir, cleanup} = await tempDir()))
  after(() => cleanup())

  test('an impossible product/topology pair is not offered; Ctrl-C cancels quietly, exit 130, nothing written', async () => {
    // On premises: the product choices are the on-premises versions only.
    const onPrem = await runCliInPty(
      ['init', '--out', 'onprem.yaml'],
      [
        ['Topology', down],
        ['Product version[\\s\\S]*select', ctrlC],
      ],
      {cwd: dir},
    )
    const text = plain(onPrem.stdout)
    const products = text.slice(text.indexOf('Product version'))
    assert.match(products, /Identity Manager 6\.3/)
    assert.match(products, /Identity Manager 6\.2/)
    assert.match(products, /Usercube 6\.1/)
    assert.doesNotMatch(products, /SaaS/, 'SaaS is not offered with an on-premises topology')
    assert.equal(onPrem.code, 130, text)
    assert.match(text, /init: cancelled; nothing was written/)
    assert.doesNotMatch(text, /internal error|This is a bug/)
    assert.ok(!hasStackTrace(text))
    assert.equal(existsSync(join(dir, 'onprem.yaml')), false)
    // SaaS: the product is SaaS, the only one that goes with it: not asked.
    const saas = await runCliInPty(
      ['init', '--out', 'saas.yaml'],
      [
        ['Topology', `${down}${down}`],
        ['Organization', 'Contoso'],
        ['Name of this environment', ctrlC],
      ],
      {cwd: dir},
    )
    assert.equal(saas.code, 130, plain(saas.stdout))
    assert.match(plain(saas.stdout), /Topology SaaS/)
    assert.doesNotMatch(plain(saas.stdout), /Product version/)
    assert.equal(existsSync(join(dir, 'saas.yaml')), false)
    // No temporary file is left either.
    assert.deepEqual(
      (await readdir(dir)).filter((x) => x.startsWith('.idm-preflight')),
      [],
    )
  })

  test('"Scaffold now?" shows the plan, then writes the working directory with its certificates', async () => {
    const wd = join(dir, 'now')
    const r = await runCliInPty(
      ['init', '--out', 'now.yaml', ...onPremFlags(wd), '--server-tls', 'none'],
      [
        ["Server's encryption certificate", ''],
        ["Server's IdentityServer certificate", ''],
        ['Mail', ''],
        ['Scaffold .* now', 'y'],
        ['as planned above', 'y'],
      ],
      {cwd: dir, env: {IDM_SERVER_PFX: 'Server-Pfx-1', IDM_IDENTITYSERVER_PFX: 'Ids-Pfx-1'}, timeoutMs: 60_000},
    )
    const text = plain(r.stdout)
    assert.ok([0, 3].includes(r.code!), text)
    // The plan (a dry run) comes first, then the question, then the real run.
    const plan = text.indexOf('Plan for the server (with its integrated agent) in')
    const ask = text.indexOf('as planned above')
    const done = text.indexOf('Scaffolded the server (with its integrated agent) in')
    assert.ok(plan > 0 && ask > plan && done > ask, text)
    assert.match(text, /would be created +Certificates\/Server-Files\.pfx/)
    for (const f of ['Runtime/appsettings.json', 'Certificates/Server-Files.pfx', 'Certificates/IdentityServer.pfx'])
      assert.ok(existsSync(join(wd, f)), f)
    for (const s of ['Server-Pfx-1', 'Ids-Pfx-1']) assert.ok(!text.includes(s), 'a password was printed')
    const env = parse(await readFile(join(dir, 'now.yaml'), 'utf8'))
    assert.equal(env.server.encryptionCertificate.file, join(wd, 'Certificates', 'Server-Files.pfx'))
  })

  test('"Scaffold now?" declined prints the exact command; a Windows path is never made ./C:/', async () => {
    const wd = join(dir, 'later')
    const no = await runCliInPty(
      ['init', '--out', 'later.yaml', ...onPremFlags(wd), '--server-tls', 'none', '--mail', 'none'],
      [
        ["Server's encryption certificate", ''],
        ["Server's IdentityServer certificate", ''],
        ['Scaffold .* now', 'n'],
      ],
      {cwd: dir, env: {IDM_SERVER_PFX: 'a', IDM_IDENTITYSERVER_PFX: 'b'}},
    )
    assert.equal(no.code, 0, plain(no.stdout))
    assert.match(plain(no.stdout), /Later: idm-preflight scaffold -c later\.yaml --generate-certificates/)
    assert.equal(existsSync(wd), false)
    // Ctrl-C there: the file is written already, and said so; nothing is scaffolded.
    const cancel = await runCliInPty(
      ['init', '--out', 'cancel.yaml', ...onPremFlags(wd), '--server-tls', 'none', '--mail', 'none'],
      [
        ["Server's encryption certificate", ''],
        ["Server's IdentityServer certificate", ''],
        ['Scaffold .* now', ctrlC],
      ],
      {cwd: dir, env: {IDM_SERVER_PFX: 'a', IDM_IDENTITYSERVER_PFX: 'b'}},
    )
    assert.equal(cancel.code, 130, plain(cancel.stdout))
    assert.match(plain(cancel.stdout), /init: cancelled; cancel\.yaml is written, nothing was scaffolded/)
    assert.ok(existsSync(join(dir, 'cancel.yaml')))
    assert.equal(existsSync(wd), false)
    const win = await runCliInPty(
      [
        'init',
        '--out',
        'win.yaml',
        ...onPremFlags('C:/identitymanagerFabrikam'),
        '--server-tls',
        'none',
        '--mail',
        'none',
      ],
      [
        ["Server's encryption certificate", ''],
        ["Server's IdentityServer certificate", ''],
      ],
      {cwd: dir, env: {IDM_SERVER_PFX: 'a', IDM_IDENTITYSERVER_PFX: 'b'}},
    )
    const text = plain(win.stdout)
    assert.equal(win.code, 0, text)
    assert.match(
      text,
      /C:\/identitymanagerFabrikam is a Windows path: scaffold it on the Windows host with idm-preflight scaffold -c win\.yaml --generate-certificates \(here, add --target DIR/,
    )
    assert.doesNotMatch(text, /Scaffold .* now/)
    assert.doesNotMatch(text, /\.\/C:|\/C:\//)
    assert.equal(existsSync(join(dir, 'C:')), false)
  })

  test('an invalid whole is shown with every answer kept, and the wizard returns to the answer at fault', async () => {
    const r = await runCliInPty(
      ['init', '--out', 'whole.yaml', ...onPremFlags('C:/idm'), '--server-tls', 'none', '--mail', 'pickup'],
      [
        ["Server's encryption certificate", ''],
        ["Server's IdentityServer certificate", ''],
        ['Pickup directory', ''],
        // The answer's own rule takes it (an address shape); the environment file's (RFC 5321
        // host names: no "_") does not.
        ['Sender address', `${clear}no-reply@fabrikam_mail.com`],
        ['Change which answer', ''],
        ['Sender address', `${clear}no-reply@fabrikam.com`],
      ],
      {cwd: dir},
    )
    const text = plain(r.stdout)
    assert.equal(r.code, 0, text)
    assert.match(
      text,
      /These answers do not make a valid environment file:\n {2}Sender address \(--from-address no-reply@fabrikam_mail\.com\): /,
    )
    // Every answer kept, as the command line that gives them.
    assert.match(
      text,
      /Every answer is kept \(as a command: idm-preflight init --out whole\.yaml --topology on-prem-integrated .*--from-address no-reply@fabrikam_mail\.com\)/,
    )
    // The question at fault is asked again with the answer given; the others are not.
    assert.equal(text.match(/✔ Server's encryption certificate/g)?.length, 1, 'not asked again')
    assert.equal(text.match(/✔ Sender address/g)?.length, 2, 'asked again')
    const env = parse(await readFile(join(dir, 'whole.yaml'), 'utf8'))
    assert.equal(env.smtp.fromAddress, 'no-reply@fabrikam.com')
    assert.equal(env.smtp.pickupDirectory, 'C:/inetpub/mailroot/Pickup')
  })

  test('a bad port is said under the question, which stays; the next answer is taken', async () => {
    const r = await runCliInPty(
      [
        'init',
        '--out',
        'port.yaml',
        ...onPremFlags('C:/idm'),
        '--server-encryption',
        'create',
        '--identity-server',
        'create',
        '--server-tls',
        'none',
        '--smtp-host',
        'smtp.fabrikam.com',
      ],
      [
        ['SMTP port', '99999'],
        ['a port number', `${clear}2525`],
        ['SMTP user name', ''],
        ['Sender address', ''],
      ],
      {cwd: dir},
    )
    const text = plain(r.stdout)
    assert.equal(r.code, 0, text)
    assert.match(text, /\? SMTP port 99999\n> a port number, 1 to 65535/)
    assert.match(text, /✔ SMTP port 2525/)
    assert.match(text, /init: --smtp-host implies --mail smtp/)
    assert.equal(parse(await readFile(join(dir, 'port.yaml'), 'utf8')).smtp.port, 2525)
  })
})
