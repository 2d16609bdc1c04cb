/** Edit distance, for "did you mean". */
export function levenshtein(a: string, b: string): number {
  const prev = Array.from({length: b.length + 1}, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!
    prev[0] = i
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]!
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1))
      diag = tmp
    }
  }
  return prev[b.length]!
}

/** The closest candidate to `word`, when close enough to be a likely typo. */
export function didYouMean(word: string, candidates: readonly string[]): string | undefined {
  const w = word.toLowerCase()
  let best: string | undefined
  let bestD = Infinity
  for (const c of candidates) {
    const d = c.toLowerCase() === w ? 0 : levenshtein(w, c.toLowerCase())
    if (d < bestD) {
      best = c
      bestD = d
    }
  }
  const limit = Math.max(2, Math.floor(word.length / 3))
  return best !== undefined && bestD <= limit ? best : undefined
}

/**
 * The candidates `word` is part of: those that start with it first (`tls` → tls.endpoint), then
 * those with a dotted part that does (cert.tls), then those that contain it; at most `max`.
 */
export function containing(word: string, candidates: readonly string[], max = 6): string[] {
  const w = word.toLowerCase()
  if (w.length < 2) return []
  const rank = (c: string) => {
    const l = c.toLowerCase()
    if (l.startsWith(w)) return 0
    if (l.split(/[.:-]/).some((part) => part.startsWith(w))) return 1
    return l.includes(w) ? 2 : 3
  }
  return candidates
    .map((c, i) => ({c, i, r: rank(c)}))
    .filter((x) => x.r < 3)
    .sort((a, b) => a.r - b.r || a.i - b.i)
    .slice(0, max)
    .map((x) => x.c)
}

/**
 * Orders two strings by UTF-16 code unit, the same on every machine. Check ids are sorted with it:
 * `localeCompare` would make the order depend on the user's locale, and its first call builds
 * ICU's collator (6 ms of every start that sorts). For lowercase ASCII ids the order is the same
 * (test/run/order.test.ts).
 */
export function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
