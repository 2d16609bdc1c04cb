import assert from 'node:assert/strict'
import {describe, test} from 'node:test'
import {parseConnectionString, redactConnectionString} from '../../src/environment/connection-string.js'
import {bad, ok} from '../fixtures/connection-strings.js'

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
