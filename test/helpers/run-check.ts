import type {CheckDefinition} from '../../src/model/check.js'
import type {CheckResult} from '../../src/report/report.js'
import {runChecks} from '../../src/run/runner.js'

/**
 * Runs one check on `params` through the real runner (timeout, error wrapping) and returns its
 * result. The default timeout is generous: a first check in a test file also pays for loading its
 * libraries, on a machine that may be building the conformance judges at the same time; the tests
 * about timeouts give their own.
 */
export async function runCheck(
  check: CheckDefinition,
  params: unknown,
  opts: {timeoutMs?: number; expiryWarningDays?: number} = {},
): Promise<CheckResult> {
  const [r] = await runChecks(
    [{id: check.id, target: 't', title: 't', flow: check.flow, docs: check.docs, stage: 'before', params, check}],
    {concurrency: 1, timeoutMs: opts.timeoutMs ?? 10_000, expiryWarningDays: opts.expiryWarningDays ?? 30},
  )
  return r!
}
