/**
 * One answer for many callers: what the checks of a run ask about the same account (its uid and
 * groups, its SID) is asked once. The answer is kept while it is being computed and for a few
 * seconds after (not for the life of the process: groups change); a failure is forgotten at once.
 * Each caller's own signal ends its own wait, never the others'.
 */
export function sharedAnswers<T>(
  ttlMs = 5000,
): (key: string, compute: () => Promise<T>, signal?: AbortSignal) => Promise<T> {
  const answers = new Map<string, Promise<T>>()
  return (key, compute, signal) => {
    let found = answers.get(key)
    if (!found) {
      const p = compute()
      answers.set(key, p)
      const forget = () => answers.get(key) === p && answers.delete(key)
      p.then(() => setTimeout(forget, ttlMs).unref(), forget)
      found = p
    }
    return abortable(found, signal)
  }
}

/** The promise's outcome, or the signal's reason as soon as it aborts. */
export function abortable<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return p
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'))
    if (signal.aborted) return abort()
    signal.addEventListener('abort', abort, {once: true})
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort))
  })
}
