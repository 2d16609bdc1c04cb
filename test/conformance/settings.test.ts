import assert from 'node:assert/strict'
import {readFile, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'
import {escapeSettingsPassword} from '../../src/product/certificate-password.js'
import {parseJsonc} from '../../src/documents/jsonc.js'
import {ENVS, SECRETS} from '../fixtures/scaffold-envs.js'
import {runCli, tempDir} from '../helpers/cli.js'
import {judge, NO_DOTNET} from '../helpers/dotnet.js'

/**
 * The settings files as the product reads them: Microsoft.Extensions.Configuration.Json
 * (AddJsonFile, in the product's order), flattened to configuration keys. Two questions: does the
 * product see in what scaffold writes exactly what the environment file meant, and does
 * settings.files' reading (comments, trailing commas, duplicate keys, case) agree with it.
 */

type Values = Record<string, string | null>
type Answer = {ok: true; values: Values} | {ok: false; error: string}

/**
 * Our parse, flattened as the configuration system flattens JSON: `Section:Key`, list items by
 * index, true/false as True/False, null and an empty object as null, an empty list as "".
 */
function ours(file: string, bytes: Buffer): {ok: true; values: Values} | {ok: false; error: string} {
  const r = parseJsonc(file, bytes)
  if (!r.ok) return {ok: false, error: r.diagnostics[0]!.message}
  const out: Values = {}
  const walk = (v: unknown, key: string) => {
    if (v === null) out[key] = null
    else if (Array.isArray(v)) {
      if (v.length === 0) out[key] = ''
      v.forEach((x, i) => walk(x, `${key}:${i}`))
    } else if (typeof v === 'object') {
      const entries = Object.entries(v)
      if (entries.length === 0 && key) out[key] = null
      for (const [k, x] of entries) walk(x, key ? `${key}:${k}` : k)
    } else out[key] = typeof v === 'boolean' ? (v ? 'True' : 'False') : String(v)
  }
  walk(r.doc.value, '')
  return {ok: true, values: out}
}

/** Keys compared case-insensitively (the product's are); numbers as numbers (see README). */
function normalize(values: Values): Record<string, string | null> {
  const out: Record<string, string | null> = {}
  for (const [k, v] of Object.entries(values)) {
    const n = v !== null && /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(v) && v.length < 16 ? String(Number(v)) : v
    out[k.toLowerCase()] = n
  }
  return out
}

/** JSON with comments as people write it, and as they break it. */
const CORPUS: Record<string, string> = {
  plain: '{"A": {"B": "x", "C": 1}}',
  'line comment': '{\n  // a comment\n  "A": 1 // trailing\n}',
  'block comment': '{ /* c */ "A": /* in */ 1 }',
  'comments in a string': '{"A": "http://x/* not */ // no"}',
  'comment after the colon': '{"A": // c\n 1}',
  'comments in a list': '{"A": [ /* c */ 1 /* d */ , 2]}',
  'comments around the object': '/* head */ {"A": 1} // tail',
  'comment before a comma': '{"A": 1 /* c */, "B": 2}',
  'comment between a key and its colon': '{"A" /* c */ : 1}',
  'line comment between a key and its colon': '{"A" // c\n : 1}',
  'block comment never closed': '{"A": 1} /* open',
  'trailing comma in an object': '{"A": 1,}',
  'trailing comma in a list': '{"A": [1, 2,]}',
  'trailing comma then a comment': '{"A": 1, // c\n}',
  'two trailing commas': '{"A": 1,,}',
  'leading comma': '{,"A": 1}',
  'duplicate key': '{"A": 1, "A": 2}',
  'duplicate key in another case': '{"A": 1, "a": 2}',
  'nested duplicate in another case': '{"A": {"b": 1, "B": 2}}',
  'the same section twice in two cases': '{"A": {"B": 1}, "a": {"C": 2}}',
  'a key with a colon against a section': '{"A:B": 1, "A": {"B": 2}}',
  'unterminated string': '{"A": "x}',
  'byte order mark': '\ufeff{"A": 1}',
  null: '{"A": null}',
  'empty object': '{"A": {}}',
  'empty list': '{"A": []}',
  'empty list inside': '{"A": {"B": []}}',
  'lists in lists': '{"A": [[1, 2], {"B": true}]}',
  booleans: '{"A": true, "B": false}',
  numbers: '{"A": 1.5, "B": 2, "C": -3}',
  escapes: '{"A": "C:\\\\IdM\\\\Agent", "B": "\\u00e9\\"q\\"", "C": "line\\nbreak"}',
  'a list at the top': '[1, 2]',
  'a string at the top': '"x"',
  'empty file': '',
  'only spaces': '   \n ',
  'only a comment': '// nothing',
  'single quotes': "{'A': 1}",
  'a key without quotes': '{A: 1}',
  'text after the object': '{"A": 1} x',
  'two objects': '{"A": 1}{"B": 2}',
  NaN: '{"A": NaN}',
  hexadecimal: '{"A": 0x10}',
  'hash comment': '{"A": 1 # no\n}',
  'nested 64 deep': `${'{"A":'.repeat(63)}{"A":1}${'}'.repeat(63)}`,
  'nested 65 deep': `${'{"A":'.repeat(64)}{"A":1}${'}'.repeat(64)}`,
  'lists 65 deep': `{"A":${'['.repeat(64)}1${']'.repeat(64)}}`,
  'an empty key': '{"": 1}',
  'a key with spaces': '{" A ": 1}',
  'a key outside ASCII': '{"Clé": "é"}',
  'an empty object at the top': '{}',
}

describe('settings files as Microsoft.Extensions.Configuration.Json reads them', {skip: NO_DOTNET}, () => {
  let dir: string
  let cleanup: () => Promise<void>
  before(async () => ({dir, cleanup} = await tempDir()))
  after(() => cleanup())

  test(`settings.files' reading agrees with the configuration system on ${Object.keys(CORPUS).length} files`, async () => {
    const files = await Promise.all(
      Object.entries(CORPUS).map(async ([name, text], i) => {
        const file = join(dir, `corpus-${i}.json`)
        await writeFile(file, text)
        return {name, file}
      }),
    )
    const answers = await judge<Answer[]>(
      'config',
      files.map((f) => [f.file]),
    )
    const disagree: string[] = []
    for (const [i, {name, file}] of files.entries()) {
      const a = answers[i]!
      const o = ours(file, await readFile(file))
      if (a.ok !== o.ok)
        disagree.push(
          `${name}: the product ${a.ok ? 'reads it' : `refuses it (${a.error})`}, we ${o.ok ? 'read it' : `refuse it (${o.error})`}`,
        )
      else if (a.ok && o.ok) {
        try {
          assert.deepEqual(normalize(o.values), normalize(a.values))
        } catch {
          disagree.push(`${name}: the product reads ${JSON.stringify(a.values)}, we ${JSON.stringify(o.values)}`)
        }
      }
    }
    assert.deepEqual(disagree, [])
    assert.ok(answers.filter((a) => !a.ok).length >= 15, 'the corpus has broken files')
  })

  const HOSTILE = {
    ...SECRETS,
    IDM_PFX: '@Pfx"quote\\back slash€𝄞',
    IDM_JOB: 'Job secret with "quotes" and \\ and é',
    IDM_SMTP: 'Smtp@Pa55;=',
  }
  // Every connection type, with secrets that need escaping in JSON, and an "@" the certificates'
  // passwords escape and the connections' do not.
  const CONNECTORS = `connectors:
  - identifier: AD
    agent: ContosoAD
    connections:
      - identifier: ADExport
        type: activeDirectory
        servers: [{host: dc01.contoso.com, baseDN: "DC=contoso,DC=com"}, {host: dc02.contoso.com, port: 6360, baseDN: "DC=eu,DC=contoso,DC=com"}]
        login: CONTOSO\\svc-ad
        password: "\${env:IDM_AD}"
        settings: {AsAdLds: false, RetryDelay: 10}
      - identifier: LDAPExport
        type: ldap
        security: starttls
        servers: [{host: ldap.contoso.com}]
        baseDN: "o=contoso"
        login: "cn=svc,o=contoso"
        password: "\${env:IDM_AD}"
  - identifier: HR
    agent: ContosoAD
    connections:
      - identifier: HRContoso
        type: files
        path: /srv/idm-agent/Sources/hr_conto(.*?).csv
        isFileNameRegex: true
        settings: {Separator: ";", NumberOfLinesToSkip: 1}
      - identifier: HRDatabase
        type: sql
        connectionString: "\${env:IDM_HR_SQL}"
  - identifier: ServiceNow
    agent: ContosoAD
    connections:
      - identifier: ServiceNowExport
        type: http
        api: servicenow
        url: https://contoso.service-now.com/api/now/table
        username: svc-idm
        password: "\${env:IDM_AD}"
        clientId: idm-client
        clientSecret: "\${env:IDM_API}"
        oauth2Url: https://contoso.service-now.com/oauth_token.do
  - identifier: SCIM
    agent: ContosoAD
    connections:
      - identifier: SCIMExport
        type: http
        url: https://scim.contoso.com/services/scim
        applicationId: idm-app
        applicationKey: "\${env:IDM_API}"
        username: svc-idm
        password: "\${env:IDM_AD}"
      - identifier: SCIMToken
        type: http
        url: https://scim2.contoso.com/scim
        token: "\${env:IDM_API}"
`
  const CONNECTOR_SECRETS = {
    ...HOSTILE,
    IDM_AD: 'Ad@Pa55"quote\\é',
    IDM_HR_SQL: 'Data Source=hrdb;Database=HR;User ID=hr;Password="p;w""d"',
    IDM_API: 'tok"en\\𝄞',
  }
  const variants = [
    ...Object.entries(ENVS).map(([name, env]) => ({name, env, secrets: SECRETS as Record<string, string>})),
    {
      name: 'saas-pfx with every connection type and hostile secrets',
      env: `${ENVS['saas-pfx']!.trimEnd()}\n${CONNECTORS}`,
      secrets: CONNECTOR_SECRETS as Record<string, string>,
    },
    {name: 'saas-pfx with hostile secrets', env: ENVS['saas-pfx']!, secrets: HOSTILE as Record<string, string>},
    {
      name: 'integrated-pfx with hostile secrets',
      env: ENVS['integrated-pfx']!,
      secrets: HOSTILE as Record<string, string>,
    },
  ]

  for (const [i, {name, env, secrets}] of variants.entries()) {
    test(`what scaffold writes (${name}) is what the product reads, key for key`, {timeout: 60_000}, async () => {
      const envFile = join(dir, `env-${i}.yaml`)
      await writeFile(envFile, env)
      const target = join(dir, `out-${i}`)
      const r = await runCli(['scaffold', '-c', envFile, '--target', target], {env: secrets})
      assert.equal(r.code, 0, r.stdout + r.stderr)
      const runtime = join(target, 'Runtime')
      const files = ['appsettings.json', 'appsettings.agent.json'].map((f) => join(runtime, f))
      // Each file alone, and both as the agent loads them (appsettings.json, then appsettings.agent.json).
      const [a1, a2, both] = await judge<Answer[]>('config', [[files[0]], [files[1]], files])
      for (const [k, a] of [
        ['appsettings.json', a1],
        ['appsettings.agent.json', a2],
        ['both', both],
      ] as const)
        assert.equal(a!.ok, true, `${k}: ${a!.ok ? '' : a!.error}`)
      for (const [f, a] of [
        [files[0]!, a1!],
        [files[1]!, a2!],
      ] as const) {
        const o = ours(f, await readFile(f))
        assert.ok(o.ok)
        assert.deepEqual(normalize(o.values), normalize((a as {values: Values}).values), `${f}: our reading`)
      }
      const seen = (both as {values: Values}).values
      const get = (key: string) => {
        const k = Object.keys(seen).find((x) => x.toLowerCase() === key.toLowerCase())
        return k === undefined ? undefined : seen[k]
      }
      const pfx = escapeSettingsPassword(secrets.IDM_PFX!)
      if (/encryptionCertificate: \{ file/.test(env)) {
        assert.equal(get('EncryptionCertificate:Password'), pfx, 'the PFX password, "@" escaped once')
        assert.match(get('EncryptionCertificate:File')!, /\/certs\/(agent|server)-files\.pfx$/)
        assert.equal(get('IdentityServer:X509KeyFilePassword'), pfx)
      } else {
        assert.equal(get('EncryptionCertificate:Thumbprint'), '0123456789ABCDEF0123456789ABCDEF01234567')
        assert.equal(get('EncryptionCertificate:StoreLocation'), 'LocalMachine')
        assert.equal(get('IdentityServer:X509SubjectDistinguishedName'), 'CN=Contoso IdentityServer')
      }
      const uri = /url: (https:\/\/[^\n]+)/.exec(env)![1]
      assert.equal(get('ApplicationUri'), uri)
      assert.equal(get('TempFolderPath'), '../Temp')
      if (/openIdClient/.test(env)) assert.equal(get('OpenId:OpenIdClients:Job'), secrets.IDM_JOB)
      // The server's settings (integrated: the server's working directory is the one scaffolded).
      if (/on-prem-integrated/.test(env)) {
        assert.equal(get('License'), secrets.IDM_LICENSE)
        assert.equal(get('ConnectionString'), secrets.IDM_SQL)
      }
      if (/connectors:/.test(env)) {
        // The agent's Connections as the connector reference pages name them, read back by .NET.
        // The settings-files page's "@" rule is for the certificates' passwords: a connection's is
        // written, and read by .NET, as it is.
        const ad = secrets.IDM_AD!
        assert.equal(get('Connections:ADExport:Servers:0:Server'), 'dc01.contoso.com')
        assert.equal(get('Connections:ADExport:Servers:1:Server'), 'dc02.contoso.com:6360')
        assert.equal(get('Connections:ADExport:Servers:1:BaseDN'), 'DC=eu,DC=contoso,DC=com')
        assert.equal(get('Connections:ADExport:AuthType'), 'Basic')
        assert.equal(get('Connections:ADExport:Login'), 'CONTOSO\\svc-ad')
        assert.equal(get('Connections:ADExport:Password'), ad, 'the password as it is')
        assert.equal(get('Connections:ADExport:EnableSSL'), 'True')
        assert.equal(get('Connections:ADExport:Filter'), '(objectclass=*)')
        assert.equal(get('Connections:ADExport:AsAdLds'), 'False')
        assert.equal(get('Connections:ADExport:RetryDelay'), '10')
        assert.equal(get('Connections:LDAPExport:Servers:0:EnableSSL'), 'False')
        assert.equal(get('Connections:LDAPExport:Servers:0:Password'), ad)
        assert.equal(get('Connections:LDAPExport:Servers:0:Controls:0'), 'PagedResult')
        assert.equal(get('Connections:LDAPExport:Tables:0:Table'), 'entries')
        assert.equal(get('Connections:LDAPExport:Tables:0:BaseDN'), 'o=contoso')
        assert.equal(get('Connections:HRContoso:Path'), '/srv/idm-agent/Sources/hr_conto(.*?).csv')
        assert.equal(get('Connections:HRContoso:IsFileNameRegex'), 'True')
        assert.equal(get('Connections:HRContoso:Separator'), ';')
        assert.equal(get('Connections:HRDatabase:ConnectionString'), secrets.IDM_HR_SQL)
        assert.equal(get('Connections:ServiceNowExport:Server'), 'https://contoso.service-now.com/api/now/table')
        assert.equal(get('Connections:ServiceNowExport:Login'), 'svc-idm')
        assert.equal(get('Connections:ServiceNowExport:Password'), ad)
        assert.equal(get('Connections:ServiceNowExport:ClientId'), 'idm-client')
        assert.equal(get('Connections:ServiceNowExport:ClientSecret'), secrets.IDM_API)
        assert.equal(get('Connections:ServiceNowExport:OAuth2Url'), 'https://contoso.service-now.com/oauth_token.do')
        // The SCIM page's credential attributes, which the product exchanges for a token.
        assert.equal(get('Connections:SCIMExport:ApplicationId'), 'idm-app')
        assert.equal(get('Connections:SCIMExport:ApplicationKey'), secrets.IDM_API)
        assert.equal(get('Connections:SCIMExport:Login'), 'svc-idm')
        assert.equal(get('Connections:SCIMExport:Password'), ad)
        assert.equal(get('Connections:SCIMToken:OAuthToken'), secrets.IDM_API)
        // PasswordResetSettings' certificate has the keys of its table, not EncryptFile.
        assert.equal(get('PasswordResetSettings:EncryptionCertificate:EncryptFile'), undefined)
        assert.equal(get('EncryptionCertificate:EncryptFile'), 'True')
      }
      const smtp = get('MailSettings:Password') ?? get('PasswordResetSettings:MailSettings:Password')
      assert.equal(smtp, secrets.IDM_SMTP, 'the SMTP password as it is')
      assert.equal(get('MailSettings:Port') ?? get('PasswordResetSettings:MailSettings:Port'), '587')
    })
  }
})
