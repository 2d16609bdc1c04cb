import assert from 'node:assert/strict'
import {readdir} from 'node:fs/promises'
import {join, relative} from 'node:path'
import {test} from 'node:test'
import {COMMANDS} from '../src/commands-index.js'
import {ROOT} from './helpers/cli.js'

// The CLI finds its commands through this index (bundled, explicit discovery): a command file
// that is not listed there does not exist for users ("command report:merge not found").
test('every file of src/commands is a command of the index, under its path', async () => {
  const dir = join(ROOT, 'src', 'commands')
  const files = (await readdir(dir, {recursive: true}))
    .filter((f) => f.endsWith('.ts'))
    .map((f) => relative(dir, join(dir, f)).replace(/\.ts$/, '').split(/[\\/]/).join(':'))
  assert.deepEqual(
    Object.keys(COMMANDS)
      .filter((id) => id !== 'help')
      .sort(),
    files.sort(),
  )
})
