/**
 * Remembers every resolved secret and replaces it with `***` wherever it would be printed.
 * One instance lives for the whole command: the config loader registers values, every reporter
 * and error path calls `redact` / `redactDeep` on what it writes.
 */
export class Redactor {
  private readonly secrets = new Set<string>()

  /** Registers a secret value; values shorter than 3 characters are too common to redact safely, but we still do. */
  add(value: string | undefined): void {
    if (value === undefined || value === '') return
    this.secrets.add(value)
    // A secret may also appear trimmed or URL-encoded in messages (proxy URLs, connection strings).
    const trimmed = value.trim()
    if (trimmed && trimmed !== value) this.secrets.add(trimmed)
    const encoded = encodeURIComponent(value)
    if (encoded !== value) this.secrets.add(encoded)
  }

  get size(): number {
    return this.secrets.size
  }

  /** Replaces every registered secret in `text`, longest first so that overlaps are fully hidden. */
  redact(text: string): string {
    if (this.secrets.size === 0) return text
    let out = text
    for (const s of [...this.secrets].sort((a, b) => b.length - a.length)) {
      if (out.includes(s)) out = out.split(s).join('***')
    }
    return out
  }

  /** Deep copy of a JSON-like value with every string redacted (keys included). */
  redactDeep<T>(value: T): T {
    if (this.secrets.size === 0) return value
    return walk(value, (s) => this.redact(s)) as T
  }
}

function walk(value: unknown, f: (s: string) => string): unknown {
  if (typeof value === 'string') return f(value)
  if (Array.isArray(value)) return value.map((v) => walk(v, f))
  if (value && typeof value === 'object') {
    if (value instanceof Date) return value
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) out[f(k)] = walk(v, f)
    return out
  }
  return value
}

/** A process-wide redactor: commands register secrets here; the error handler uses it too. */
export const redactor = new Redactor()
