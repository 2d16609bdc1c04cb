/**
 * Runs one check through the runner in a process of its own and prints its result with the
 * process's peak resident memory, so that a test can bound what a hostile peer costs.
 * Arguments: the check module's path, its params as JSON, the timeout in ms.
 */
import {runChecks} from '../../src/run/runner.js'

const [modulePath, paramsJson, timeoutMs] = process.argv.slice(2)
const check = (await import(modulePath!)).default
// What the process holds before the probe: the runtime, tsx and the check's modules.
await import('ldapts').catch(() => undefined)
const baseMB = process.memoryUsage().rss / 1024 / 1024
const [result] = await runChecks(
  [
    {
      id: check.id,
      target: 't',
      title: 't',
      flow: check.flow,
      docs: check.docs,
      stage: 'before',
      params: JSON.parse(paramsJson!),
      check,
    },
  ],
  {concurrency: 1, timeoutMs: Number(timeoutMs), expiryWarningDays: 30},
)
process.stdout.write(JSON.stringify({result, baseMB, peakMB: process.resourceUsage().maxRSS / 1024}))
process.exit(0)
