import {stripControl} from './terminal.js'

/**
 * Fields of a saved report that are one line wherever they are printed: a newline in one would
 * start a line of its own in the text report or a forged `ok` line in TAP.
 */
const ONE_LINE = new Set([
  'id',
  'target',
  'title',
  'docs',
  'host',
  'place',
  'environment',
  'name',
  'agent',
  'component',
  'file',
  'label',
])

/**
 * A saved report as `report show` and `report merge` may print it: every string (keys included)
 * without terminal escape sequences (CSI, OSC 8 links, titles) and control characters but tab
 * and newline, as the live `check` output is; and no line break in the fields that are one line.
 * A report file is anyone's text: it is cleaned where it is loaded, before any renderer sees it.
 */
export function sanitizeReport<T>(report: T): T {
  return walk(report, '') as T
}

function walk(value: unknown, key: string): unknown {
  if (typeof value === 'string') {
    const s = stripControl(value)
    return ONE_LINE.has(key) ? s.replace(/[\n\t\u2028\u2029]+/g, ' ') : s
  }
  if (Array.isArray(value)) return value.map((v) => walk(v, key))
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) {
      const clean = stripControl(k)
      out[clean] = walk(v, clean)
    }
    return out
  }
  return value
}
