import assert from 'node:assert/strict'
import {describe, test} from 'node:test'
import {clip, maskUrlPasswords, Redactor, urlCredentials} from '../../src/base/redact.js'
import type {CheckResult} from '../../src/report/report.js'

const result = (over: Partial<CheckResult> = {}): CheckResult => ({
  id: 'server.reachability',
  target: 'https://idm.contoso.com',
  status: 'pass',
  title: 'Agent → https://idm.contoso.com',
  message: 'the server answered 200 in 12 ms; 2 checks passed',
  remediation: 'pass the proxy with a server name',
  docs: 'https://docs/server',
  durationMs: 12,
  flow: 'agent-server',
  data: {status: 'pass', phase: 'http', body: 'Healthy'},
  ...over,
})

describe('redaction never rewrites what is not a secret', () => {
  for (const secret of ['a', 'pass', 'server', 'p@ss99', 'pa/ss99', 'http', 'Healthy']) {
    test(`secret ${JSON.stringify(secret)}: id, target, status, title, docs, data keys and statuses kept`, () => {
      const r = new Redactor()
      r.add(secret)
      const before = result()
      const after = r.redactResult(before)
      for (const k of ['id', 'target', 'status', 'title', 'docs', 'flow', 'durationMs'] as const)
        assert.equal(after[k], before[k], k)
      assert.deepEqual(Object.keys(after), Object.keys(before))
      const data = after.data as Record<string, string>
      assert.deepEqual(Object.keys(data), ['status', 'phase', 'body'])
      assert.equal(data.status, 'pass')
      assert.equal(data.phase, 'http')
    })
  }

  test('a word secret is hidden where it stands as a token, not inside longer words or ids', () => {
    const r = new Redactor()
    r.add('pass')
    r.add('server')
    assert.equal(r.redact('2 checks passed; password is pass'), '2 checks passed; password is ***')
    assert.equal(r.redact('see smtp.server and server.reachability'), 'see smtp.server and server.reachability')
    assert.equal(r.redact('Password=server;User=x'), 'Password=***;User=x')
    assert.equal(r.redact('/srv/server/Runtime'), '/srv/server/Runtime')
  })

  test('a one-letter secret is hidden only where it stands as a value', () => {
    const r = new Redactor()
    r.add('a')
    assert.equal(r.redact('use a domain account'), 'use a domain account')
    assert.equal(r.redact('Password=a;Server=x'), 'Password=***;Server=x')
    assert.equal(r.redact('http://bob:a@proxy:8080'), 'http://bob:***@proxy:8080')
    assert.equal(r.redact('the password "a" is too short'), 'the password "***" is too short')
    assert.equal(r.redact('a'), '***')
  })

  test('long secrets are hidden anywhere, and in URL-encoded form', () => {
    const r = new Redactor()
    r.add('pa/ss 99')
    assert.equal(r.redact('x=pa%2Fss%2099&y'), 'x=***&y')
    assert.equal(r.redact('pa/ss 99'), '***')
  })
})

describe('echoes of credentials', () => {
  test('base64 of AUTH PLAIN, AUTH LOGIN and HTTP Basic are hidden', () => {
    const r = new Redactor()
    r.addCredential('idm@contoso.com', 'p@ss99')
    const plain = Buffer.from('\0idm@contoso.com\0p@ss99').toString('base64')
    const login = Buffer.from('p@ss99').toString('base64')
    const basic = Buffer.from('idm@contoso.com:p@ss99').toString('base64')
    const text = `535 5.7.8 AUTH PLAIN ${plain} rejected; LOGIN ${login}; 407 Basic ${basic}`
    const out = r.redact(text)
    for (const v of [plain, login, basic, 'p@ss99']) assert.ok(!out.includes(v), `${v} in ${out}`)
    assert.match(out, /^535 5\.7\.8 AUTH PLAIN \*\*\* rejected; LOGIN \*\*\*; 407 Basic \*\*\*$/)
    // The user name alone is not a secret.
    assert.match(r.redact('user idm@contoso.com'), /idm@contoso\.com/)
  })

  test('URL passwords holding "/", "@" or ":" are masked whole; ports and paths are not passwords', () => {
    assert.equal(maskUrlPasswords('via http://bob:pa/ss99@proxy:3128 ok'), 'via http://bob:***@proxy:3128 ok')
    assert.equal(maskUrlPasswords('via http://bob:p@ss99@proxy:3128'), 'via http://bob:***@proxy:3128')
    assert.equal(maskUrlPasswords('https://host:443/x?mail=a@b.com'), 'https://host:443/x?mail=a@b.com')
    assert.equal(maskUrlPasswords('mailto a@b.com'), 'mailto a@b.com')
    assert.deepEqual(urlCredentials('http://bob:pa/ss99@proxy:3128'), {user: 'bob', password: 'pa/ss99'})
    assert.deepEqual(urlCredentials('http://bob:p%40ss@proxy:3128'), {user: 'bob', password: 'p@ss'})
    assert.equal(urlCredentials('http://proxy:3128'), undefined)
  })
})

describe('cuts and encodings never leave part of a secret', () => {
  const pw = 'S3cr3tPa55w0rd!'
  const r = new Redactor()
  r.addCredential('idm@contoso.com', pw)

  test('a cut through the secret: the part before the mark is hidden, whatever glues it', () => {
    for (let at = 0; at < 30; at++) {
      const text = clip(`${'x'.repeat(at)}${pw} tail`, 20)
      const out = r.redact(text)
      for (let i = 0; i + 4 <= pw.length; i++) assert.ok(!out.includes(pw.slice(i, i + 4)), `${at}: ${out}`)
    }
    assert.equal(r.redact(clip(`${'e'.repeat(195)}${pw}`, 200)), `${'e'.repeat(195)}***…`)
  })

  test('the part after a mark that ends a secret is hidden too', () => {
    assert.equal(r.redact(`…${pw.slice(6)} rest`), '…*** rest')
  })

  test('a 4-character run before a mark that begins no secret is kept', () => {
    assert.equal(r.redact(clip('the server answered Healthy and more', 27)), 'the server answered Healthy…')
  })

  test('base64 at every byte offset (an AUTH PLAIN blob behind 0, 1, 2 or 3 bytes), hex and percent-encoding', () => {
    for (const prefix of ['', 'a', 'ab', 'abc', 'abcd']) {
      const blob = Buffer.from(`${prefix}\0idm@contoso.com\0${pw}`).toString('base64')
      const out = r.redact(`535 ${blob} ${blob.replace(/\+/g, '-').replace(/\//g, '_')}`)
      const core = Buffer.from(pw).toString('base64').slice(0, 8)
      assert.ok(!out.includes(blob.slice(-12)), `${prefix}: ${out}`)
      assert.ok(!out.includes(core), `${prefix}: ${out}`)
    }
    const hex = Buffer.from(pw).toString('hex')
    assert.equal(r.redact(`${hex} ${hex.toUpperCase()}`), '*** ***')
    const percent = [...Buffer.from(pw)].map((c) => `%${c.toString(16)}`).join('')
    assert.equal(r.redact(`a=${percent}&b=${encodeURIComponent(pw)}`), 'a=***&b=***')
  })

  test('echoed inside JSON or HTML (escaped), or in another case', () => {
    const q = new Redactor()
    q.add('Wq8"3<Zr>\\9&x')
    const json = JSON.stringify({echo: 'Wq8"3<Zr>\\9&x'})
    assert.equal(q.redact(json), '{"echo":"***"}')
    assert.equal(q.redact('<p>Wq8&quot;3&lt;Zr&gt;\\9&amp;x</p>'), '<p>***</p>')
    assert.equal(r.redact(`AUTH ${pw.toUpperCase()} / ${pw.toLowerCase()}`), 'AUTH *** / ***')
  })

  test('short secrets get no short encodings (hex of "a" is 61, which is not hidden)', () => {
    const short = new Redactor()
    short.add('a')
    assert.equal(short.redact('timeout: 61 s, port 6161'), 'timeout: 61 s, port 6161')
  })
})

describe("maskUrlPasswords is a linear scan with the old regex's matches", () => {
  /** The regex it replaced (it backtracked over runs of letters: 400 KB took over a minute). */
  const reference = (text: string) =>
    !text.includes('://') || !text.includes('@')
      ? text
      : text.replace(/([a-z][a-z0-9+.-]*:\/\/)([^\s"'<>]*)@/gi, (all, scheme: string, info: string) => {
          const colon = info.indexOf(':')
          if (colon < 0) return all
          const user = info.slice(0, colon)
          const password = info.slice(colon + 1)
          if (/[/?#]/.test(user) || /^\d{1,5}(?:[/?#]|$)/.test(password)) return all
          return `${scheme}${user}:***@`
        })

  test('the same output as the regex on 50,000 strings built from URL pieces', () => {
    const pieces = [
      'a',
      '1',
      '://',
      ':',
      '@',
      '/',
      ' ',
      '"',
      'x',
      'http://',
      'u:p@',
      '?',
      '#',
      '443',
      '.',
      '-',
      '+',
      '<',
    ]
    let seed = 42
    const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648
    for (let k = 0; k < 50_000; k++) {
      let s = ''
      const len = Math.floor(next() * 14)
      for (let j = 0; j < len; j++) s += pieces[Math.floor(next() * pieces.length)]
      assert.equal(maskUrlPasswords(s), reference(s), JSON.stringify(s))
    }
  })

  test('a 2 MB message of letters with a URL password in it is masked (the regex never finished)', () => {
    const text = `${'A'.repeat(2_000_000)} proxy http://svc:Sup3rS3cret@proxy.example.com:8080 ://@`
    const out = maskUrlPasswords(text)
    assert.ok(!out.includes('Sup3rS3cret'))
    assert.ok(out.includes('http://svc:***@proxy.example.com:8080'))
  })
})
