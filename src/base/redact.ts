/**
 * Keeps secrets out of every output without rewriting what is not a secret.
 *
 * Secrets are redacted where they can be: in the free-text fields of a report (message,
 * remediation, data values, notes), of an error (message, hint, diagnostic messages) and of a
 * diff; never in ids, keys, statuses, targets, titles or headings, which are structure. Inside
 * free text a word-like secret counts only as a whole token (`pass` is hidden in `Password=pass;`,
 * not in `passed`; `server` not in `smtp.server`), a very short one (1 to 3 characters) only where
 * it stands as a value: after `=` or `:`, or in quotes; a secret that is not a word (8 characters
 * or more, or 5 or more with a digit or a sign) anywhere, glued to other text or not. The forms a
 * peer may echo are registered with the value: URL-encoded, percent-encoded byte by byte, hex, and
 * base64 at each of the three byte alignments (so that the value is found inside any base64 blob,
 * such as SMTP AUTH PLAIN's `\0user\0pass`), in the standard and the URL alphabet.
 *
 * Peer text is cut with `clip`, which marks the cut with `…`: where a text has that mark, the
 * characters just before it that begin a secret (4 or more), and just after it that end one, are
 * redacted too, so that a cut never leaves part of a secret at its edge.
 */
export class Redactor {
  /** Word-like values (and their URL-encoded forms), matched as whole tokens. */
  private readonly values = new Set<string>()
  /** Forms long and random enough to match anywhere (encodings, secrets that are not words). */
  private readonly opaque = new Set<string>()
  private sortedValues: string[] | undefined
  private sortedOpaque: string[] | undefined
  private edgeForms: string[] | undefined

  /** Registers a secret value with the forms a peer or a library may print it in. */
  add(value: string | undefined): void {
    if (value === undefined || value === '') return
    this.addValue(value)
    const trimmed = value.trim()
    if (trimmed && trimmed !== value) this.addValue(trimmed)
    // Escaped as a peer's JSON or HTML would quote it, and (for a secret that is not a word) in
    // either case: an echo upper-cased is the secret all the same.
    const html = value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
    for (const e of [JSON.stringify(value).slice(1, -1), html, html.replace(/'/g, '&#39;')])
      if (e !== value) this.addValue(e)
    if (notAWord(value)) for (const e of [value.toUpperCase(), value.toLowerCase()]) if (e !== value) this.addValue(e)
    const uri = encodeURIComponent(value)
    for (const e of [
      uri,
      uri.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()),
      encodeURI(value),
      value.replace(/ /g, '+'),
    ])
      if (e !== value) this.addValue(e)
    this.addOpaque(b64(value))
    // Shorter encodings (of a value of 1 to 5 bytes) would match unrelated text.
    for (const form of encodings(value)) if (form.length >= 8) this.addOpaque(form)
  }

  /**
   * Registers a user name and password pair: the password itself (with its encodings, base64 at
   * every alignment among them), and the base64 forms in which the pair travels (SMTP AUTH PLAIN
   * `\0user\0pass` and `user\0user\0pass`, HTTP Basic `user:pass`), so that a peer that echoes
   * them back is redacted too. The user name alone is not a secret.
   */
  addCredential(user: string | undefined, password: string | undefined): void {
    if (!password) return
    this.add(password)
    const u = user ?? ''
    for (const pair of [`\0${u}\0${password}`, `${u}\0${u}\0${password}`, `${u}:${password}`]) this.addOpaque(b64(pair))
  }

  get size(): number {
    return this.values.size + this.opaque.size
  }

  private addValue(v: string): void {
    if (notAWord(v)) return this.addOpaque(v)
    if (this.values.has(v)) return
    this.values.add(v)
    this.sortedValues = undefined
    this.edgeForms = undefined
  }

  private addOpaque(v: string): void {
    // Base64 of a very short value is itself short and common: match those as tokens instead.
    for (const form of [v, v.replace(/=+$/, '')]) {
      if (form === '') continue
      if (!notAWord(form)) {
        if (!this.values.has(form)) this.values.add(form)
      } else this.opaque.add(form)
    }
    this.sortedValues = undefined
    this.sortedOpaque = undefined
    this.edgeForms = undefined
  }

  /** Redacts the secrets in a piece of free text (a message, a diff, an error). */
  redact(text: string): string {
    if (this.size === 0 || text === '') return text
    let out = maskUrlPasswords(text)
    this.sortedOpaque ??= [...this.opaque].sort((a, b) => b.length - a.length)
    for (const s of this.sortedOpaque) if (out.includes(s)) out = out.split(s).join('***')
    this.sortedValues ??= [...this.values].sort((a, b) => b.length - a.length)
    for (const s of this.sortedValues) if (out.includes(s)) out = replaceTokens(out, s)
    return out.includes(CUT) ? this.redactEdges(out) : out
  }

  /**
   * Around each cut mark: the longest run of 4 or more characters just before it that begins a
   * secret (in any registered form), and just after it that ends one, become `***`.
   */
  private redactEdges(text: string): string {
    this.edgeForms ??= [...this.opaque, ...this.values].filter((f) => f.length > 4)
    const forms = this.edgeForms
    let out = ''
    let from = 0
    for (let i = text.indexOf(CUT); i >= 0; i = text.indexOf(CUT, i + CUT.length)) {
      let before = 0
      const last4 = text.slice(i - 4, i)
      for (const f of i - from >= 4 && forms.some((f) => f.includes(last4)) ? forms : [])
        for (let k = Math.min(f.length - 1, i - from); k >= 4 && k > before; k--)
          if (text.startsWith(f.slice(0, k), i - k)) {
            before = k
            break
          }
      out += `${text.slice(from, i - before)}${before ? '***' : ''}${CUT}`
      from = i + CUT.length
      const next = text.indexOf(CUT, from)
      const room = (next < 0 ? text.length : next) - from
      let after = 0
      const first4 = text.slice(from, from + 4)
      for (const f of room >= 4 && forms.some((f) => f.includes(first4)) ? forms : [])
        for (let k = Math.min(f.length - 1, room); k >= 4 && k > after; k--)
          if (text.startsWith(f.slice(f.length - k), from)) {
            after = k
            break
          }
      if (after) {
        out += '***'
        from += after
      }
    }
    return out + text.slice(from)
  }

  /**
   * A copy of a JSON-like value whose string values (never its keys) are redacted as free text.
   * For `data` objects and other bags of observed facts.
   */
  redactValues<T>(value: T): T {
    if (this.size === 0) return value
    return walkValues(value, (s) => this.redact(s), '') as T
  }

  /**
   * A copy of a report or result: free-text fields redacted; ids, targets, statuses, titles,
   * docs and keys kept as they are, except that a password in a URL's userinfo is masked.
   */
  redactResult<R extends {message: string; remediation: string; data: unknown; target: string; title: string}>(
    r: R,
  ): R {
    return {
      ...r,
      target: maskUrlPasswords(r.target),
      title: maskUrlPasswords(r.title),
      message: this.redact(r.message),
      remediation: this.redact(r.remediation),
      data: this.redactValues(r.data),
    }
  }
}

/** The mark `clip` puts where it cut a text: the redactor looks for partial secrets on each side of it. */
export const CUT = '…'

/**
 * At most `max` characters of a peer's text, with `…` where it was cut. Redaction happens later,
 * on the whole result: the mark tells it where a secret may have been cut in two.
 */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text
  // Not inside a surrogate pair.
  const end = /[\uD800-\uDBFF]/.test(text[max - 1] ?? '') ? max - 1 : max
  return `${text.slice(0, end)}${CUT}`
}

/** A secret that is not a word: found anywhere, even glued to other text. */
function notAWord(v: string): boolean {
  return v.length >= 8 || (v.length >= 5 && /[^\p{L}]/u.test(v))
}

/**
 * The encoded forms of a value that a peer may echo: hex (both cases), every byte percent-encoded
 * (both cases), and base64 (standard and URL alphabets) at each of the three byte alignments. At
 * an alignment, only the characters that the value's bytes alone decide are kept: those are the
 * same in any base64 text that holds the value at that offset (an AUTH PLAIN blob, a token).
 */
function encodings(value: string): string[] {
  const bytes = Buffer.from(value, 'utf8')
  const hex = bytes.toString('hex')
  const out = [hex, hex.toUpperCase(), hex.replace(/../g, '%$&'), hex.toUpperCase().replace(/../g, '%$&')]
  for (let k = 0; k < 3; k++) {
    const full = Buffer.concat([Buffer.alloc(k), bytes]).toString('base64')
    const core = full.slice(Math.ceil((8 * k) / 6), Math.floor((8 * (k + bytes.length)) / 6))
    if (k === 0) out.push(full)
    if (core.length >= 4) out.push(core)
  }
  return [...out, ...out.filter((f) => /[+/]/.test(f)).map((f) => f.replace(/\+/g, '-').replace(/\//g, '_'))]
}

const ALNUM = /[\p{L}\p{N}]/u
/** Joiners inside a token: `smtp.server`, `svc_idm`, `on-prem`, `/srv/server` are one word or path, not `server`. */
const JOINER = /[._\-/\\]/

/** Whether the character before `i` glues a match to a longer word. */
function gluedBefore(text: string, i: number): boolean {
  const c = text[i - 1]
  if (c === undefined) return false
  if (ALNUM.test(c)) return true
  return JOINER.test(c) && i >= 2 && ALNUM.test(text[i - 2]!)
}

/** Whether the character at `j` (just after a match) glues it to a longer word. */
function gluedAfter(text: string, j: number): boolean {
  const c = text[j]
  if (c === undefined) return false
  if (ALNUM.test(c)) return true
  return JOINER.test(c) && j + 1 < text.length && ALNUM.test(text[j + 1]!)
}

function b64(s: string): string {
  return Buffer.from(s, 'utf8').toString('base64')
}

/**
 * Replaces the occurrences of `secret` in `text` that stand as a token: not glued to a letter or
 * digit where the secret itself starts or ends with one; for a secret of 1 to 3 characters, only
 * where it stands as a value (after `=`, `:`, a quote or at the start of the text, and before
 * `;`, `@`, `,`, a quote, white space or the end).
 */
function replaceTokens(text: string, secret: string): string {
  const short = secret.length < 4
  const startsAlnum = ALNUM.test(secret[0]!)
  const endsAlnum = ALNUM.test(secret.at(-1)!)
  let out = ''
  let from = 0
  for (let i = text.indexOf(secret); i >= 0; i = text.indexOf(secret, i + 1)) {
    if (i < from) continue
    const before = i > 0 ? text[i - 1]! : ''
    const after = text[i + secret.length] ?? ''
    if (startsAlnum && gluedBefore(text, i)) continue
    if (endsAlnum && gluedAfter(text, i + secret.length)) continue
    if (short && text !== secret) {
      const valueBefore = before === '' || /[=:"'`]/.test(before)
      const valueAfter = after === '' || /[;@,"'`\s]/.test(after)
      if (!valueBefore || !valueAfter) continue
    }
    out += `${text.slice(from, i)}***`
    from = i + secret.length
  }
  return from === 0 ? text : out + text.slice(from)
}

/**
 * Masks the password of every `scheme://user:password@host` in a text. The userinfo ends at the
 * last `@` before the host, so a password holding `/`, `@` or `:` is masked whole.
 */
export function maskUrlPasswords(text: string): string {
  if (!text.includes('://') || !text.includes('@')) return text
  // A scan, not one regex: `/([a-z][a-z0-9+.-]*:\/\/)([^\s"'<>]*)@/gi` backtracked over every run
  // of letters (a 100 KB message took 9 s, 400 KB over a minute). Same matches: for each `://`,
  // the scheme is the run of [a-z0-9+.-] before it from its first letter, the user information
  // runs to the last `@` before a space, quote or angle bracket.
  let out = ''
  let copied = 0
  let i = text.indexOf('://')
  while (i !== -1) {
    let start = i
    while (start > copied && SCHEME_CHAR.test(text[start - 1]!)) start--
    while (start < i && !LETTER.test(text[start]!)) start++
    if (start === i) {
      // No scheme before this `://`: the next one may have one.
      i = text.indexOf('://', i + 3)
      continue
    }
    let end = i + 3
    while (end < text.length && !URL_STOP.test(text[end]!)) end++
    const at = text.lastIndexOf('@', end - 1)
    if (at < i + 3) {
      // No user information here; a later `://` in the same run would find none either.
      i = text.indexOf('://', end)
      continue
    }
    const info = text.slice(i + 3, at)
    const colon = info.indexOf(':')
    const user = colon < 0 ? '' : info.slice(0, colon)
    const password = colon < 0 ? '' : info.slice(colon + 1)
    // `host:443/path?mail=a@b` is a port and a path, not a password.
    if (colon >= 0 && !/[/?#]/.test(user) && !/^\d{1,5}(?:[/?#]|$)/.test(password)) {
      out += `${text.slice(copied, i + 3)}${user}:***@`
      copied = at + 1
    }
    i = text.indexOf('://', at + 1)
  }
  return copied === 0 ? text : out + text.slice(copied)
}

const SCHEME_CHAR = /[a-z0-9+.-]/i
const LETTER = /[a-z]/i
const URL_STOP = /[\s"'<>]/

/**
 * The user name and password of a URL's userinfo, read leniently: up to the last `@`, so that a
 * password with `/` or `@` (which `new URL` would misread as a path or host) is found whole.
 */
export function urlCredentials(url: string): {user: string; password: string} | undefined {
  const m = /^[a-z][a-z0-9+.-]*:\/\/(.*)@[^@]*$/is.exec(url.trim())
  if (!m) return undefined
  const info = m[1]!
  const colon = info.indexOf(':')
  if (colon < 0) return undefined
  return {user: decodeSafe(info.slice(0, colon)), password: decodeSafe(info.slice(colon + 1))}
}

function decodeSafe(s: string): string {
  try {
    return decodeURIComponent(s)
  } catch {
    return s
  }
}

/** Keys whose values are our own vocabulary (a status, a phase, an id), never a peer's text. */
const STRUCTURAL_KEYS = new Set([
  'status',
  'severity',
  'phase',
  'failedPhase',
  'id',
  'target',
  'flow',
  'kind',
  'failure',
])

function walkValues(value: unknown, f: (s: string) => string, key: string): unknown {
  if (typeof value === 'string') return STRUCTURAL_KEYS.has(key) ? value : f(value)
  if (Array.isArray(value)) return value.map((v) => walkValues(v, f, key))
  if (value && typeof value === 'object') {
    if (value instanceof Date) return value
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) out[k] = walkValues(v, f, k)
    return out
  }
  return value
}

/** A process-wide redactor: commands register secrets here; the error handler uses it too. */
export const redactor = new Redactor()
