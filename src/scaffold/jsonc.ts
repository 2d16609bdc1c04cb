import {parseSource, type SourceResult} from '../core/source.js'

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

/** Parses a settings file (JSON with comments) with source positions. */
export function parseJsonc(file: string, bytes: Buffer): SourceResult {
  const text = bytes.toString('utf8').replace(/^\uFEFF/, '')
  // parseSource reads a .json file as JSON first (strict syntax errors), then for positions.
  return parseSource(file, Buffer.from(blankJsonc(text), 'utf8'), {what: 'settings file'})
}
