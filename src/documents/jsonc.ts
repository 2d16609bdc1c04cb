import {parseSource, type SourceResult} from './source.js'

/**
 * JSON as .NET's configuration reads it: `//` and `/* *\/` comments and trailing commas allowed.
 * They are blanked out with spaces (newlines kept), so that every position in the result is the
 * position in the file, and the strict JSON parser then reports real lines and columns.
 */
export function blankJsonc(text: string): string {
  const out = text.split('')
  let i = 0
  const n = text.length
  while (i < n) {
    const c = text[i]
    if (c === '"') {
      i++
      while (i < n && text[i] !== '"') i += text[i] === '\\' ? 2 : 1
      i++
      continue
    }
    if (c === '/' && text[i + 1] === '/') {
      while (i < n && text[i] !== '\n') out[i++] = ' '
      continue
    }
    if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2)
      const stop = end < 0 ? n : end + 2
      for (; i < stop; i++) if (text[i] !== '\n') out[i] = ' '
      continue
    }
    if (c === ',') {
      // A trailing comma: only blanks (or comments, already blanked later) before } or ].
      let j = i + 1
      while (j < n && /\s/.test(text[j]!)) j++
      if (text[j] === '/' && (text[j + 1] === '/' || text[j + 1] === '*')) {
        const rest = blankJsonc(text.slice(j))
        const k = rest.search(/\S/)
        if (k >= 0 && (rest[k] === '}' || rest[k] === ']')) out[i] = ' '
      } else if (text[j] === '}' || text[j] === ']') out[i] = ' '
    }
    i++
  }
  return out.join('')
}

/** The comments of a text, as [start, end) offsets; `end` is -1 for a block comment never closed. */
function comments(text: string): [number, number][] {
  const out: [number, number][] = []
  for (let i = 0; i < text.length;) {
    const c = text[i]
    if (c === '"') {
      i++
      while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1
      i++
    } else if (c === '/' && text[i + 1] === '/') {
      const end = text.indexOf('\n', i)
      out.push([i, end < 0 ? text.length : end])
      i = end < 0 ? text.length : end
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2)
      out.push([i, end < 0 ? -1 : end + 2])
      if (end < 0) break
      i = end + 2
    } else i++
  }
  return out
}

/** .NET's JSON reader refuses deeper nesting (JsonReaderOptions.MaxDepth). */
export const MAX_SETTINGS_DEPTH = 64

/**
 * Parses a settings file (JSON with comments) with source positions, and refuses what .NET's
 * configuration system refuses (test/conformance/settings.test.ts compares the two): a block
 * comment never closed, a comment between a key and its colon, nesting deeper than 64, and two
 * keys that are the same configuration key (keys are case-insensitive, and "A:B" is B inside A).
 */
export function parseJsonc(file: string, bytes: Buffer): SourceResult {
  const text = bytes.toString('utf8').replace(/^\uFEFF/, '')
  const blanked = blankJsonc(text)
  const lineCol = (offset: number) => {
    const before = text.slice(0, offset).split('\n')
    return {line: before.length, column: before.at(-1)!.length + 1}
  }
  const refuse = (offset: number, message: string): SourceResult => ({
    ok: false,
    diagnostics: [{file, ...lineCol(offset), path: '', message, severity: 'error'}],
  })
  for (const [start, end] of comments(text)) {
    if (end < 0) return refuse(start, 'a /* comment is never closed (*/): the product cannot read the file')
    const before = blanked.slice(0, start).trimEnd()
    const after = blanked.slice(end).trimStart()
    if (before.endsWith('"') && after.startsWith(':'))
      return refuse(start, 'a comment between a key and its ":": the product cannot read the file (move the comment)')
  }
  // parseSource reads a .json file as JSON first (strict syntax errors), then for positions.
  const r = parseSource(file, Buffer.from(blanked, 'utf8'), {what: 'settings file'})
  if (!r.ok) return r
  const seen = new Map<string, (string | number)[]>()
  let problem: {path: (string | number)[]; message: string} | undefined
  const walk = (v: unknown, path: (string | number)[], key: string, depth: number): void => {
    if (problem) return
    const container = v !== null && typeof v === 'object'
    if (container && depth > MAX_SETTINGS_DEPTH) {
      problem = {path, message: `nested deeper than ${MAX_SETTINGS_DEPTH} levels: the product cannot read the file`}
      return
    }
    const entries: [string | number, unknown][] = Array.isArray(v)
      ? v.map((x, i) => [i, x])
      : container
        ? Object.entries(v as object)
        : []
    if (entries.length === 0 && path.length > 0) {
      // A leaf: a value, or an empty object or list (a key with no value for the product).
      const lower = key.toLowerCase()
      const first = seen.get(lower)
      if (first) {
        problem = {
          path,
          message: `the configuration key "${key}" is already set above (as "${first.join(':')}"): keys are case-insensitive and "A:B" is B in A, so the product refuses the file`,
        }
        return
      }
      seen.set(lower, path)
      return
    }
    for (const [k, x] of entries) walk(x, [...path, k], path.length ? `${key}:${k}` : String(k), depth + 1)
  }
  walk(r.doc.value, [], '', 1)
  if (problem) {
    const pos = r.doc.position(problem.path, {key: true})
    return {ok: false, diagnostics: [{file, ...pos, path: '', message: problem.message, severity: 'error'}]}
  }
  return r
}
