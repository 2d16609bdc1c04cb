import assert from 'node:assert/strict'
import {test} from 'node:test'
import {byCodeUnit} from '../../src/base/index.js'
import {loadChecks} from '../../src/run/registry.js'

// Check ids are sorted by code unit (byCodeUnit), not by the user's locale: the same order on
// every machine. For the ids as they are (lowercase ASCII, dots and hyphens) it is the order
// localeCompare gave in any locale, so switching changed no output.
test('check ids: the registry sorts them by code unit, which is every locale’s order for these ids', async () => {
  const ids = (await loadChecks()).map((c) => c.id)
  assert.ok(ids.length >= 20, `only ${ids.length} checks found`)
  assert.deepEqual(ids, [...ids].sort(byCodeUnit))
  for (const locale of ['en', 'cs', 'sv', 'tr', 'de', 'ja'])
    assert.deepEqual(
      [...ids].sort((a, b) => a.localeCompare(b, locale)),
      ids,
      `in ${locale}, localeCompare would order the ids otherwise`,
    )
  assert.ok(
    ids.every((id) => /^[a-z][a-z0-9-]*(\.[a-z0-9-]+)+$/.test(id)),
    'an id outside lowercase ASCII: check that the order is still what users expect',
  )
})

test('byCodeUnit orders by UTF-16 code unit, whatever the locale would say', () => {
  assert.deepEqual(['b', 'a', 'B', 'ä', 'a-b', 'a.b'].sort(byCodeUnit), ['B', 'a', 'a-b', 'a.b', 'b', 'ä'])
  assert.equal(byCodeUnit('x', 'x'), 0)
})
