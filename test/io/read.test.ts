import assert from 'node:assert/strict'
import {existsSync} from 'node:fs'
import {describe, test} from 'node:test'
import {FileReadError, readRegularFile} from '../../src/io/read.js'

/** /proc files say size 0 and have content: the size they claim is not what is read. */
describe(
  'readRegularFile reads what is there, not what the size says',
  {skip: !existsSync('/proc/self/status') && 'needs /proc'},
  () => {
    test('a /proc file (size 0) is read whole, not "larger than 1 MB (1 bytes or more)"', async () => {
      const b = await readRegularFile('/proc/self/status', 1024 * 1024)
      assert.match(b.toString('utf8'), /^Name:/m)
      assert.ok(b.length > 100, String(b.length))
    })

    test('a /proc file larger than the cap is refused with what was read, at the cap', async () => {
      await assert.rejects(readRegularFile('/proc/self/status', 64), (e: unknown) => {
        assert.ok(e instanceof FileReadError)
        assert.equal(e.code, 'too-large')
        assert.match(e.message, /is larger than 64 bytes \(65 bytes or more\)/)
        return true
      })
    })
  },
)
