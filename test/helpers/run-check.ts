import type {CheckDefinition} from '../../src/core/check.js'
import type {CheckResult} from '../../src/core/report.js'
import {runChecks} from '../../src/core/runner.js'

/** Runs one check on `params` through the real runner (timeout, error wrapping) and returns its result. */
export async function runCheck(
  check: CheckDefinition,
  params: unknown,
  opts: {timeoutMs?: number; expiryWarningDays?: number} = {},
): Promise<CheckResult> {
  const [r] = await runChecks(
    [{id: check.id, target: 't', title: 't', flow: check.flow, docs: check.docs, stage: 'before', params, check}],
    {concurrency: 1, timeoutMs: opts.timeoutMs ?? 3000, expiryWarningDays: opts.expiryWarningDays ?? 30},
  )
  return r!
}
