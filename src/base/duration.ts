const UNITS: Record<string, number> = {ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000}

/**
 * Parses a duration such as `5s`, `1500ms`, `2m` or a bare number of seconds (`5`).
 * Returns milliseconds, or undefined when the text is not a duration.
 */
export function parseDuration(text: string | number): number | undefined {
  if (typeof text === 'number') return Number.isFinite(text) && text > 0 ? text * 1000 : undefined
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|min|h)?\s*$/i.exec(text)
  if (!m) return undefined
  const n = Number(m[1]) * UNITS[(m[2] ?? 's').toLowerCase()]!
  return n > 0 ? Math.round(n) : undefined
}

/** The range a per-check timeout may take: long enough for any handshake, short of timer overflow. */
export const TIMEOUT_RANGE = {minMs: 100, maxMs: 3_600_000} as const

/**
 * A per-check timeout in milliseconds, or the reason it is not one: the same rule for
 * `checks.timeout` (validate and check) and `--timeout`.
 */
export function parseTimeout(text: string | number): {ms: number} | {problem: string} {
  const ms = parseDuration(text)
  if (ms === undefined) return {problem: 'is not a duration greater than zero (write 5s, 1500ms or 1m)'}
  if (ms < TIMEOUT_RANGE.minMs || ms > TIMEOUT_RANGE.maxMs)
    return {problem: `must be from 100ms to 1h (${formatDuration(ms)} given)`}
  return {ms}
}

/** Formats milliseconds the way users write them: `800ms`, `5s`, `1.5s`, `2m`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`
  if (ms < 60_000) return `${+(ms / 1000).toFixed(1)}s`
  if (ms < 3_600_000) return `${+(ms / 60_000).toFixed(1)}m`
  return `${+(ms / 3_600_000).toFixed(1)}h`
}
