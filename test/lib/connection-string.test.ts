import assert from 'node:assert/strict'
import {describe, test} from 'node:test'
import {parseConnectionString, redactConnectionString, type ConnectionString} from '../../src/lib/connection-string.js'

type Expect = Partial<Omit<ConnectionString, 'dataSource'>> & {
  host?: string
  instance?: string
  port?: number
  protocol?: string
  local?: boolean
  localDb?: boolean
}

const ok: [string, string, Expect][] = [
  [
    "the docs' Windows example",
    'data source=.;Database=UsercubeContoso;Integrated Security=SSPI;Min Pool Size=10;encrypt=false;',
    {host: '.', local: true, database: 'UsercubeContoso', integratedSecurity: true, encrypt: 'optional'},
  ],
  [
    "the docs' SQL example",
    'data source=.;Database=Usercube;User Id=idm;Password=Pa55;Min Pool Size=10;encrypt=false;',
    {userId: 'idm', password: 'Pa55', integratedSecurity: false},
  ],
  [
    'the Azure example',
    'Server=tcp:contoso.database.windows.net,1433;Initial Catalog=idm;Persist Security Info=False;MultipleActiveResultSets=False;Encrypt=True;TrustServerCertificate=False;',
    {
      protocol: 'tcp',
      host: 'contoso.database.windows.net',
      port: 1433,
      database: 'idm',
      encrypt: 'mandatory',
      trustServerCertificate: false,
    },
  ],
  ['Server synonym', 'Server=sql01;Database=x;Trusted_Connection=yes', {host: 'sql01', integratedSecurity: true}],
  ['Address synonym', 'Address=sql01;uid=u;pwd=p', {host: 'sql01', userId: 'u', password: 'p'}],
  ['Addr synonym', 'Addr=sql01;User=u', {host: 'sql01', userId: 'u'}],
  [
    'Network Address synonym',
    'Network Address=sql01;Integrated Security=true',
    {host: 'sql01', integratedSecurity: true},
  ],
  [
    'keywords are case-insensitive',
    'DATA SOURCE=sql01;INITIAL CATALOG=db;USER ID=u;PASSWORD=p',
    {host: 'sql01', database: 'db', userId: 'u', password: 'p'},
  ],
  [
    'spaces around keys and values',
    '  Server = sql01 ;  Database =  idm  ; Integrated Security = SSPI ',
    {host: 'sql01', database: 'idm', integratedSecurity: true},
  ],
  ['named instance', 'Server=sql01\\PROD;Integrated Security=SSPI', {host: 'sql01', instance: 'PROD'}],
  [
    'instance and port',
    'Server=sql01\\PROD,14330;Integrated Security=SSPI',
    {host: 'sql01', instance: 'PROD', port: 14330},
  ],
  ['host and port', 'Server=sql01,1433;Integrated Security=SSPI', {host: 'sql01', port: 1433}],
  ['(local)', 'Server=(local);Integrated Security=SSPI', {host: '(local)', local: true}],
  ['localhost with port', 'Server=localhost,1433;uid=sa;pwd=x', {local: true, port: 1433}],
  ['LocalDB', 'Server=(localdb)\\MSSQLLocalDB;Integrated Security=true', {localDb: true, instance: 'MSSQLLocalDB'}],
  ['np: protocol', 'Server=np:sql01;Integrated Security=SSPI', {protocol: 'np', host: 'sql01'}],
  ['IP address', 'Server=10.0.0.5,1433;uid=u;pwd=p', {host: '10.0.0.5', port: 1433}],
  ['double-quoted password with ;', 'Server=s;uid=u;Password="a;b=c"', {password: 'a;b=c'}],
  ['single-quoted password with ;', "Server=s;uid=u;Password='a;b'", {password: 'a;b'}],
  ['doubled quote inside double quotes', 'Server=s;uid=u;Password="say ""hi"""', {password: 'say "hi"'}],
  ['doubled quote inside single quotes', "Server=s;uid=u;Password='it''s'", {password: "it's"}],
  ['other quote inside quotes', `Server=s;uid=u;Password="it's"`, {password: "it's"}],
  ['an apostrophe in a quoted database name', `Server=s;uid=u;Database="O'Brien"`, {database: "O'Brien"}],
  ['== in a key is a literal =', 'Server=s;uid=u;Application Name=x', {applicationName: 'x'}],
  ['empty pairs and trailing ;', ';;Server=s;;uid=u;;', {host: 's', userId: 'u'}],
  ['Encrypt=Optional', 'Server=s;uid=u;Encrypt=Optional', {encrypt: 'optional'}],
  ['Encrypt=Mandatory', 'Server=s;uid=u;Encrypt=Mandatory', {encrypt: 'mandatory'}],
  ['Encrypt=Strict', 'Server=s;uid=u;Encrypt=strict', {encrypt: 'strict'}],
  ['Encrypt=yes', 'Server=s;uid=u;Encrypt=yes', {encrypt: 'mandatory'}],
  ['Encrypt absent: mandatory (Microsoft.Data.SqlClient 4+)', 'Server=s;uid=u', {encrypt: 'mandatory'}],
  ['TrustServerCertificate=true', 'Server=s;uid=u;TrustServerCertificate=true', {trustServerCertificate: true}],
  ['Connect Timeout and synonyms', 'Server=s;uid=u;Connection Timeout=30', {connectTimeoutSeconds: 30}],
  ['Timeout synonym', 'Server=s;uid=u;Timeout=7', {connectTimeoutSeconds: 7}],
  ['App synonym', 'Server=s;uid=u;App=IdentityManager', {applicationName: 'IdentityManager'}],
  [
    'pool keywords',
    'Server=s;uid=u;Pooling=true;Min Pool Size=10;Max Pool Size=100;Connection Lifetime=0',
    {host: 's'},
  ],
  [
    'Authentication keyword',
    'Server=s;Authentication=Active Directory Default;Database=d',
    {authentication: 'Active Directory Default'},
  ],
  [
    'duplicate keyword: the last wins, with a warning',
    'Server=a;Server=b;uid=u',
    {host: 'b', warnings: ['Data Source is given twice: the last one wins']},
  ],
  [
    'password with Integrated Security: a warning',
    'Server=s;Integrated Security=SSPI;uid=u;pwd=p',
    {warnings: ['Integrated Security is set: User ID and Password are ignored']},
  ],
  ['a value with = inside', 'Server=s;uid=u;Password=a=b=c', {password: 'a=b=c'}],
  ['unicode values', 'Server=s;Database=Usercubé;uid=ü', {database: 'Usercubé', userId: 'ü'}],
]

const bad: [string, string, RegExp, number][] = [
  ['no Data Source', 'Database=x;uid=u', /no Data Source \(or Server\)/, 1],
  ['unknown keyword', 'Server=s;Pasword=secret', /keyword not supported: "Pasword"/, 10],
  ['a part without =', 'Server=s;Sup3rSecret;uid=u', /a part without "="/, 10],
  ['a part without = at the end', 'Server=s;dangling', /a part without "="/, 10],
  ['value without keyword', 'Server=s;=x', /a value without a keyword/, 10],
  ['unterminated double quote', 'Server=s;uid=u;Password="abc', /unterminated double-quoted value for Password/, 25],
  ['unterminated single quote', "Server=s;uid=u;Password='abc", /unterminated single-quoted value for Password/, 25],
  ['text after the closing quote', 'Server=s;uid=u;Password="abc"def', /text after the closing quote of Password/, 30],
  [
    'a quote inside an unquoted value',
    'Server=s;uid=u;Database=a"b',
    /a quote inside the unquoted value of Initial Catalog/,
    26,
  ],
  [
    'bad boolean',
    'Server=s;Integrated Security=maybe',
    /Integrated Security must be true or false \(or sspi\), not "maybe"/,
    30,
  ],
  ['bad Encrypt', 'Server=s;uid=u;Encrypt=sometimes', /Encrypt must be true, false, optional, mandatory or strict/, 24],
  ['bad port', 'Server=sql01,99999;uid=u', /port "99999" is not a port number/, 14],
  ['non-numeric port', 'Server=sql01,abc;uid=u', /port "abc" is not a port number/, 14],
  ['empty instance', 'Server=sql01\\;uid=u', /has "\\" but no instance name/, 13],
  ['empty server', 'Server=;uid=u', /Data Source has no server name/, 8],
  ['bad Connect Timeout', 'Server=s;uid=u;Connect Timeout=soon', /Connect Timeout must be a number of seconds/, 32],
  ['bad pool size', 'Server=s;uid=u;Max Pool Size=lots', /Max Pool Size must be a whole number/, 30],
  [
    'min pool larger than max',
    'Server=s;uid=u;Min Pool Size=50;Max Pool Size=10',
    /Min Pool Size is larger than Max Pool Size/,
    1,
  ],
  ['bad Pooling', 'Server=s;uid=u;Pooling=perhaps', /Pooling must be true or false/, 24],
]

describe('SqlClient connection strings', () => {
  test('at least 40 cases', () => assert.ok(ok.length + bad.length >= 40, `${ok.length + bad.length}`))
  for (const [name, s, want] of ok) {
    test(name, () => {
      const cs = parseConnectionString(s)
      const {host, instance, port, protocol, local, localDb, ...rest} = want
      const ds = {host, instance, port, protocol, local, localDb}
      for (const [k, v] of Object.entries(ds))
        if (v !== undefined) assert.equal((cs.dataSource as unknown as Record<string, unknown>)[k], v, k)
      for (const [k, v] of Object.entries(rest)) assert.deepEqual((cs as unknown as Record<string, unknown>)[k], v, k)
    })
  }
  for (const [name, s, re, pos] of bad) {
    test(`malformed: ${name}`, () => {
      assert.throws(
        () => parseConnectionString(s),
        (e: Error & {position?: number}) => {
          assert.match(e.message, re)
          assert.equal(e.position, pos, `position in ${e.message}`)
          for (const secret of ['secret', 'Sup3rSecret', 'abc'])
            if (s.includes(`=${secret}`) || s.includes(`;${secret}`))
              assert.ok(!e.message.includes(secret) || /"Pasword"/.test(e.message))
          return true
        },
      )
    })
  }
  test('the password is never in an error about it', () => {
    for (const s of [
      'Server=s;uid=u;Password="Hunter2-Secret',
      'Server=s;uid=u;Password="Hunter2-Secret"tail',
      'Server=s;Hunter2-Secret;uid=u',
    ]) {
      assert.throws(
        () => parseConnectionString(s),
        (e: Error) => !e.message.includes('Hunter2-Secret'),
      )
    }
  })
  test('redaction for display', () => {
    assert.equal(
      redactConnectionString('Server=s;uid=u;Password="a;b";Database=d'),
      'Server=s;uid=u;Password=***;Database=d',
    )
    assert.equal(redactConnectionString('server=s;PWD=x'), 'server=s;PWD=***')
  })
})
