import assert from 'node:assert/strict'
import {randomBytes} from 'node:crypto'
import {writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'
import {hasStackTrace, runCli, tempDir} from '../helpers/cli.js'
import {onPremEnv, saasEnv} from '../helpers/envs.js'

interface Case {
  name: string
  file?: string
  content: string | Buffer
  /** Expected `line:column` of the first diagnostic, when known exactly. */
  at?: string
  expect: RegExp
  /** Text that must never be printed (a literal secret). */
  never?: string
  env?: Record<string, string>
  /** The run's selection and flags (default: --only host.resources). */
  args?: string[]
}

const smtp = (password: string) =>
  `smtp:\n  host: smtp.contoso.com\n  port: 587\n  username: idm\n  password: ${password}\n  fromAddress: a@contoso.com\n`

const cases: Case[] = [
  {
    name: 'broken YAML: unclosed quote',
    content: saasEnv().replace('name: contoso-saas', 'name: "contoso'),
    expect: /YAML syntax error/,
  },
  {
    name: 'tab indentation',
    content: saasEnv().replace('  url: https://contoso', '\turl: https://contoso'),
    at: '7',
    expect: /tabs are not allowed/,
  },
  {
    name: 'wrong type: port is text',
    content: saasEnv('', smtp('"${env:X}"').replace('port: 587', 'port: abc')),
    at: '15:9',
    expect: /smtp\.port {2}must be a whole number, found the string "abc"/,
  },
  {
    name: 'wrong type: agents is a mapping',
    content: saasEnv().replace(/agents:[\s\S]*$/, 'agents:\n  identifier: ContosoAD\n'),
    at: '8:1',
    expect: /agents {2}must be a list, found a mapping/,
  },
  {
    name: 'wrong type: version is text',
    content: saasEnv().replace('version: 1', 'version: one'),
    at: '1:10',
    expect: /version {2}must be 1/,
  },
  {
    name: 'unknown top-level key (misspelt)',
    content: saasEnv().replace('server:', 'servr:'),
    at: '6:1',
    expect: /unknown key "servr": did you mean "server"\?/,
  },
  {
    name: 'misspelt nested key',
    content: saasEnv().replace('workingDirectory:', 'workingDirectry:'),
    at: '11:5',
    expect: /agents\[0\]\.workingDirectry {2}unknown key "workingDirectry": did you mean "workingDirectory"\?/,
  },
  {
    name: 'key in the wrong case',
    content: saasEnv().replace('serviceAccount:', 'ServiceAccount:'),
    at: '12:5',
    expect: /did you mean "serviceAccount"\?/,
  },
  {
    name: 'literal password in a secret field',
    content: saasEnv('/tmp/wd', smtp('hunter2-literal')),
    at: '17:13',
    expect: /smtp\.password {2}is a secret: write a reference/,
    never: 'hunter2-literal',
  },
  {
    name: 'unset environment variable',
    content: saasEnv('/tmp/wd', smtp('"${env:IDM_TEST_SURELY_UNSET}"')),
    at: '17:13',
    expect: /environment variable IDM_TEST_SURELY_UNSET is not set/,
    // Secrets follow the plan: only a run that needs it, with --require-secrets, stops at load.
    args: ['--only', 'smtp.server', '--require-secrets'],
  },
  {
    name: 'missing ${file:} secret',
    content: saasEnv('/tmp/wd', smtp('"${file:./no-such-secret.txt}"')),
    at: '17:13',
    expect: /secret file .*no-such-secret\.txt does not exist/,
    args: ['--only', 'smtp.server', '--require-secrets'],
  },
  {
    name: 'unknown topology',
    content: saasEnv().replace('topology: saas', 'topology: on-premise'),
    at: '4:11',
    expect: /topology {2}must be one of "saas", "on-prem-integrated", "on-prem-separate"/,
  },
  {
    name: 'misspelt topology',
    content: saasEnv().replace('topology: saas', 'topology: sass'),
    at: '4:11',
    expect: /did you mean "saas"\?/,
  },
  {
    name: 'on-prem without database',
    content: onPremEnv().replace(/ {2}database:\n {4}connectionString: .*\n/, ''),
    at: '6:1',
    expect: /server {2}missing required key "database"/,
  },
  {
    name: 'agent named Local',
    content: saasEnv().replace('identifier: ContosoAD', 'identifier: Local'),
    at: '9:17',
    expect: /"Local" is reserved/,
  },
  {
    name: 'duplicate agent identifiers',
    content: saasEnv(
      '/tmp/wd',
      '  - identifier: contosoad\n    url: https://b.contoso.com\n    workingDirectory: /tmp/b\n',
    ),
    at: '13:17',
    expect: /duplicate agent identifier "contosoad" \(also agents\[0\]\)/,
  },
  {name: 'empty file', content: '', at: '1:1', expect: /is empty/},
  {name: 'only comments', content: '# nothing here\n# at all\n', at: '1:1', expect: /is empty/},
  {
    name: 'a 5 MB file',
    content: `${saasEnv()}# ${'x'.repeat(5 * 1024 * 1024)}\n`,
    at: '1:1',
    expect: /is 5\.0 MB; an environment file is at most 1 MB/,
  },
  {
    name: 'binary garbage',
    content: Buffer.concat([Buffer.from('version: 1\n'), randomBytes(512), Buffer.from([0, 1, 2, 0])]),
    expect: /is not a text file/,
  },
  {
    name: 'invalid UTF-8',
    content: Buffer.from([0x76, 0x65, 0x72, 0xc3, 0x28, 0x0a]),
    at: '1:1',
    expect: /is not valid UTF-8/,
  },
  {
    name: 'unquoted reference in a flow mapping',
    content: onPremEnv().replace('password: "${env:IDM_SERVER_PFX}"', 'password: ${env:IDM_SERVER_PFX}'),
    expect: /must be quoted/,
  },
  {
    name: 'version 2',
    content: saasEnv().replace('version: 1', 'version: 2'),
    at: '1:10',
    expect: /must be 1, found 2 \(this idm-preflight reads environment files of version 1\)/,
  },
  {
    name: 'server.url over ftp',
    content: saasEnv().replace('url: https://contoso', 'url: ftp://contoso'),
    at: '7:8',
    expect: /server\.url {2}must use https:\/\//,
  },
  {
    name: 'server.url with trailing slash',
    content: saasEnv().replace('url: https://contoso.usercube.com', 'url: https://contoso.usercube.com/'),
    at: '7:8',
    expect: /must not end with "\/"/,
  },
  {
    name: 'JSON syntax error',
    file: 'env.json',
    content: '{\n  "version": 1,\n  "name": "x",\n}\n',
    at: '4:1',
    expect: /JSON syntax error/,
  },
  {name: 'JSON list instead of mapping', file: 'env.json', content: '[1, 2, 3]\n', at: '1:1', expect: /holds a list/},
  {
    name: 'SMTP host and pickup both set',
    content: saasEnv(
      '/tmp/wd',
      'smtp:\n  host: smtp.contoso.com\n  port: 25\n  pickupDirectory: C:/Pickup\n  fromAddress: a@contoso.com\n',
    ),
    at: '13:1',
    expect: /either "host".*or "pickupDirectory"/,
  },
  {
    name: 'invalid email',
    content: saasEnv('/tmp/wd', 'smtp:\n  host: smtp.contoso.com\n  port: 25\n  fromAddress: not-an-email\n'),
    at: '16:16',
    expect: /smtp\.fromAddress {2}must be an email address/,
  },
  {
    name: 'duplicate YAML key',
    content: saasEnv().replace('organization: Contoso', 'organization: Contoso\norganization: Fabrikam'),
    at: '6:1',
    expect: /already defined|unique/,
  },
  {
    name: 'waiver for an unknown check',
    content: saasEnv('/tmp/wd', 'checks:\n  waivers:\n    - { id: tls.endpnt, reason: "CHG-1", until: 2099-01-01 }\n'),
    at: '15:13',
    expect: /checks\.waivers\[0\]\.id {2}must be one of/,
  },
  {
    name: 'unknown product version',
    content: saasEnv().replace('product: saas', 'product: "7.0"'),
    at: '3:10',
    expect: /product {2}must be one of "6\.1", "6\.2", "6\.3", "saas"/,
  },
  {name: 'a bare scalar document', content: 'hello\n', at: '1:1', expect: /holds a single string/},
  {
    name: 'a reference with text around it',
    content: saasEnv().replace('workingDirectory: /tmp/idm-wd', 'workingDirectory: "C:/${env:ORG}/wd"'),
    at: '11:23',
    expect: /a reference must be the whole value/,
  },
  {
    name: 'a bad timeout',
    content: saasEnv('/tmp/wd', 'checks:\n  timeout: soon\n'),
    at: '14:12',
    expect: /must be a duration such as 5s/,
  },
]

describe('bad environment files: exit 2 with a position, never a stack trace', () => {
  let dir: string
  let cleanup: () => Promise<void>
  before(async () => ({dir, cleanup} = await tempDir()))
  after(async () => cleanup())

  test('there are at least 20 cases', () => assert.ok(cases.length >= 20, `${cases.length} cases`))

  for (const [i, c] of cases.entries()) {
    test(c.name, {timeout: 30_000}, async () => {
      const file = join(dir, `${i}-${c.file ?? 'env.yaml'}`)
      await writeFile(file, c.content)
      // A run (not --plan, which needs no secret): every case fails at load, before any check.
      const r = await runCli(['check', ...(c.args ?? ['--only', 'host.resources']), '--config', file], {env: c.env})
      assert.equal(r.code, 2, `exit code\nstdout: ${r.stdout}\nstderr: ${r.stderr}`)
      const pos = c.at ? `${file}:${c.at}${c.at.includes(':') ? '' : ':'}` : `${file}:`
      assert.ok(r.stderr.includes(pos), `position ${pos} in:\n${r.stderr}`)
      assert.match(r.stderr, c.expect)
      assert.ok(!hasStackTrace(r.stderr + r.stdout), `stack trace in:\n${r.stderr}`)
      if (c.never) assert.ok(!(r.stderr + r.stdout).includes(c.never), 'the literal secret was printed')
    })
  }

  test('usage errors: unknown --agent, unknown --only id, no environment file', {timeout: 30_000}, async () => {
    const file = join(dir, 'ok.yaml')
    await writeFile(file, saasEnv())
    const agent = await runCli(['check', '--plan', '-c', file, '--agent', 'Nope'])
    assert.equal(agent.code, 2)
    assert.match(agent.stderr, /--agent Nope: no such agent.*\n.*agents in this file: ContosoAD/)
    const only = await runCli(['check', '--plan', '-c', file, '--only', 'proxy.setings'])
    assert.equal(only.code, 2)
    assert.match(only.stderr, /no such check; did you mean proxy\.settings\?/)
    const none = await runCli(['check', '--plan'], {cwd: dir, env: {IDM_PREFLIGHT_CONFIG: undefined}})
    assert.equal(none.code, 2)
    assert.match(none.stderr, /no environment file found[\s\S]*--config FILE, set IDM_PREFLIGHT_CONFIG/)
    const flag = await runCli(['check', '--plan', '-c', file, '--timeout', 'soon'])
    assert.equal(flag.code, 2)
    assert.match(flag.stderr, /--timeout soon is not a duration/)
    const bad = await runCli(['check', '--bogus-flag'])
    assert.equal(bad.code, 2)
    assert.ok(!hasStackTrace(bad.stderr))
    for (const r of [agent, only, none, flag]) assert.ok(!hasStackTrace(r.stderr))
  })
})
