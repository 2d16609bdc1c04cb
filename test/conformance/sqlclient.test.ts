import assert from 'node:assert/strict'
import {before, describe, test} from 'node:test'
import {
  KEYWORDS,
  parseConnectionString,
  RETIRED,
  type ConnectionString,
} from '../../src/environment/connection-string.js'
import {bad, ok} from '../fixtures/connection-strings.js'
import {judge, NO_DOTNET} from '../helpers/dotnet.js'
import {connectionStringCorpus} from './corpus.js'

/**
 * Our connection-string parser against Microsoft.Data.SqlClient's (SqlConnection and
 * SqlConnectionStringBuilder, what the product's server uses): the same accept/reject and the same
 * value for every key we read. Where they differ, SqlClient is right, except for the few cases
 * below where we are stricter on purpose (and SqlClient's own Open() then fails).
 */

interface Answer {
  ok: boolean
  error?: string
  dataSource?: string
  initialCatalog?: string
  userId?: string
  password?: string
  integratedSecurity?: boolean
  encrypt?: string
  trustServerCertificate?: boolean
  hostNameInCertificate?: string
  connectTimeout?: number
  applicationName?: string
  authentication?: string
  keys?: string[]
}

/**
 * Where we refuse what SqlClient's parser takes: a Data Source that cannot be connected to. SqlClient
 * finds out only when it opens the connection (the test below makes it try); we say so at once,
 * with the position.
 */
const STRICTER = [
  /^no Data Source/,
  /^Data Source has no server name/,
  /^Data Source port "[^"]*" is not a port number/,
  /^Data Source has "\\" but no instance name/,
]

const ENCRYPT: Record<string, ConnectionString['encrypt']> = {True: 'mandatory', False: 'optional', Strict: 'strict'}

function ours(s: string): ConnectionString | {error: string} {
  try {
    return parseConnectionString(s)
  } catch (e) {
    return {error: (e as Error).message}
  }
}

describe('connection strings: ours against Microsoft.Data.SqlClient 5.2', {skip: NO_DOTNET}, () => {
  const strings = [...new Set([...ok.map((c) => c[1]), ...bad.map((c) => c[1]), ...connectionStringCorpus()])]
  let answers: Answer[]
  before(async () => {
    answers = await judge<Answer[]>('connstr', strings)
  })

  test('the corpus: the hand-written cases and the generated ones', () => {
    assert.equal(answers.length, strings.length)
    assert.ok(strings.length >= 250, `${strings.length} strings`)
    assert.ok(answers.filter((a) => a.ok).length >= 150, 'most are valid')
    assert.ok(answers.filter((a) => !a.ok).length >= 30, 'many are not')
  })

  test('the same accept or reject, but where we are stricter on purpose', () => {
    const disagree: string[] = []
    const stricter: string[] = []
    for (const [i, s] of strings.entries()) {
      const a = answers[i]!
      const o = ours(s)
      const weReject = 'error' in o
      if (a.ok === !weReject) continue
      if (a.ok && weReject && STRICTER.some((re) => re.test((o as {error: string}).error))) {
        stricter.push(s)
        continue
      }
      disagree.push(
        `${JSON.stringify(s)}: SqlClient ${a.ok ? 'accepts' : `refuses (${a.error})`}, we ${weReject ? `refuse (${(o as {error: string}).error})` : 'accept'}`,
      )
    }
    assert.deepEqual(disagree, [])
    assert.ok(stricter.length >= 5, 'the stricter cases are in the corpus')
  })

  test('where we are stricter, SqlClient fails when it opens the connection', async () => {
    const stricter = strings.filter((s, i) => {
      const o = ours(s)
      return answers[i]!.ok && 'error' in o && STRICTER.some((re) => re.test(o.error))
    })
    const opened = await judge<{ok: boolean; error?: string}[]>('open', stricter)
    for (const [i, s] of stricter.entries())
      assert.equal(opened[i]!.ok, false, `${s}: SqlClient opened a connection we refuse`)
  })

  test('the same value for every key we read, in every string both accept', () => {
    let compared = 0
    for (const [i, s] of strings.entries()) {
      const a = answers[i]!
      const o = ours(s)
      if (!a.ok || 'error' in o) continue
      const label = JSON.stringify(s)
      assert.equal(o.dataSource?.raw.trim(), a.dataSource, `${label}: Data Source`)
      assert.equal(o.database ?? '', a.initialCatalog, `${label}: Initial Catalog`)
      assert.equal(o.userId ?? '', a.userId, `${label}: User ID`)
      assert.equal(o.password ?? '', a.password, `${label}: Password`)
      assert.equal(o.integratedSecurity, a.integratedSecurity, `${label}: Integrated Security`)
      assert.equal(o.encrypt, ENCRYPT[a.encrypt!], `${label}: Encrypt`)
      assert.equal(o.trustServerCertificate, a.trustServerCertificate, `${label}: TrustServerCertificate`)
      assert.equal(o.hostNameInCertificate ?? '', a.hostNameInCertificate, `${label}: HostNameInCertificate`)
      assert.equal(o.connectTimeoutSeconds ?? 15, a.connectTimeout, `${label}: Connect Timeout`)
      if (o.applicationName !== undefined)
        assert.equal(o.applicationName, a.applicationName, `${label}: Application Name`)
      assert.equal((o.authentication ?? 'NotSpecified').replace(/ /g, ''), a.authentication, `${label}: Authentication`)
      compared++
    }
    assert.ok(compared >= 150, `${compared} compared`)
  })

  test('every keyword we know is one SqlClient knows, and every one it knows we know', async () => {
    const theirs = await judge<string[]>('keywords', null)
    const norm = (k: string) => k.toLowerCase().replace(/\s+/g, '')
    const mine = new Set(Object.keys(KEYWORDS).map(norm))
    const known = new Set(theirs.map(norm))
    assert.deepEqual(
      theirs.filter((k) => !mine.has(norm(k))),
      [],
      'keywords SqlClient knows and we refuse',
    )
    // Network Library is SqlClient's on Windows only; the product runs there.
    assert.deepEqual(
      Object.keys(KEYWORDS).filter((k) => !known.has(norm(k)) && k !== 'Network Library'),
      [],
      'keywords we accept and SqlClient does not know',
    )
  })

  test('each synonym we accept names the same keyword for SqlClient; the retired ones it refuses too', async () => {
    const sample = (k: string) =>
      ({
        'Integrated Security': 'true',
        Encrypt: 'true',
        TrustServerCertificate: 'true',
        'Connect Timeout': '5',
        'Command Timeout': '5',
        'Persist Security Info': 'true',
        Pooling: 'true',
        'Min Pool Size': '1',
        'Max Pool Size': '5',
        'Load Balance Timeout': '5',
        'Pool Blocking Period': 'Auto',
        MultipleActiveResultSets: 'true',
        MultiSubnetFailover: 'true',
        ApplicationIntent: 'ReadOnly',
        'Packet Size': '4096',
        Authentication: 'Sql Password',
        'Column Encryption Setting': 'Enabled',
        'Connect Retry Count': '1',
        'Connect Retry Interval': '5',
        Enlist: 'true',
        'Type System Version': 'Latest',
        'Transaction Binding': 'Implicit Unbind',
        'User Instance': 'true',
        Replication: 'true',
        'IP Address Preference': 'IPv4First',
        'Attestation Protocol': 'HGS',
      })[k] ?? 'x'
    const pairs = Object.entries(KEYWORDS)
      .filter(([k]) => k !== 'Network Library' && k !== 'Data Source')
      .flatMap(([k, syns]) => syns.map((syn) => ({k, syn})))
    // Failover Partner needs Initial Catalog beside it.
    const asked = pairs.map(
      ({k, syn}) => `Data Source=s;${k === 'Failover Partner' ? 'Initial Catalog=d;' : ''}${syn}=${sample(k)}`,
    )
    const said = await judge<Answer[]>('connstr', asked)
    const norm = (k: string) => k.toLowerCase().replace(/\s+/g, '')
    for (const [i, {k, syn}] of pairs.entries()) {
      const a = said[i]!
      assert.equal(a.ok, true, `${syn}: ${a.error}`)
      const named = a.keys!.filter((x) => x !== 'Data Source' && (x !== 'Initial Catalog' || k === 'Initial Catalog'))
      assert.deepEqual(named.map(norm), [norm(k)], `${syn} is ${named.join(', ')} for SqlClient, ${k} for us`)
    }
    const retired = await judge<Answer[]>(
      'connstr',
      Object.keys(RETIRED).map((r) => `Data Source=s;${r}=true`),
    )
    for (const [i, r] of Object.keys(RETIRED).entries()) assert.equal(retired[i]!.ok, false, r)
  })
})
