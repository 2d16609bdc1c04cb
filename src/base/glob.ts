/**
 * Check-id selectors for --only, --skip and `checks.skip`: an exact id (`tls.endpoint`), a glob
 * (`tls.*`, `*.files`, `cert.?ls`) or a whole family without wildcard (`cert` matches `cert.*`).
 */
export function idMatcher(selectors: readonly string[]): (id: string) => boolean {
  const res = selectors.map(selectorToRegExp)
  return (id) => res.some((re) => re.test(id))
}

export function selectorToRegExp(selector: string): RegExp {
  const s = selector.trim().toLowerCase()
  if (!/[*?]/.test(s) && !s.includes('.')) return new RegExp(`^${escape(s)}(\\..*)?$`)
  const body = s
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : escape(c)))
    .join('')
  return new RegExp(`^${body}$`)
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

/** Splits repeated/comma-separated flag values: `--skip a,b --skip c` → [a, b, c]. */
export function splitList(values: readonly string[] | undefined): string[] {
  return (values ?? [])
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean)
}
