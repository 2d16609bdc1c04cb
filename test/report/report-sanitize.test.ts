import assert from 'node:assert/strict'
import {test} from 'node:test'
import {sanitizeReport} from '../../src/report/report-sanitize.js'

test('a key that cleans to __proto__ stays a key: the object keeps its prototype', () => {
  const data = JSON.parse('{"__proto__\\u0007": {"polluted": true}, "ok": "a\\u001b[31mb"}') as Record<string, unknown>
  const out = sanitizeReport({data}).data as Record<string, unknown>
  assert.equal(Object.getPrototypeOf(out), Object.prototype)
  assert.equal((out as {polluted?: unknown}).polluted, undefined)
  assert.deepEqual(Object.getOwnPropertyDescriptor(out, '__proto__')?.value, {polluted: true})
  assert.equal(out.ok, 'ab')
})
