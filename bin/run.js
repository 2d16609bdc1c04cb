#!/usr/bin/env node
// Written so that any Node.js since 14 parses it: on one older than 22, one line says what is
// needed and how to get it (no stack trace), before anything that needs a recent Node is loaded.
var found = process.versions.node
if (Number(found.split('.')[0]) < 22) {
  process.stderr.write(
    'idm-preflight needs Node.js 22 or later; found ' +
      found +
      ' (' +
      process.execPath +
      '). From a clone, run bin/idm-preflight instead (it brings Node 22 from the npm registry on first use), or install Node 22 from https://nodejs.org\n',
  )
  process.exit(1)
}
import('node:module')
  .then(function (m) {
    if (m.enableCompileCache) m.enableCompileCache()
    // One bundled file (npm run build writes it) holds the CLI; the libraries a run does not use
    // stay in chunks beside it, never loaded.
    return import('../dist/bundle/idm-preflight.js')
  })
  .then(function (cli) {
    return cli.start(new URL('..', import.meta.url).pathname)
  })
  .catch(function (e) {
    process.stderr.write('idm-preflight: ' + (e && e.message ? e.message : String(e)) + '\n')
    process.exit(1)
  })
