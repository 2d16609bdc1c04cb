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
  return walk(report, '', 0) as T
}

/**
 * Deeper than any report of ours nests (a result's data is a few levels): what lies below is
 * left out, said in its place, so that no renderer recurses through a hand-made tower of arrays.
 */
const MAX_DEPTH = 64

function walk(value: unknown, key: string, depth: number): unknown {
  if (depth > MAX_DEPTH && value && typeof value === 'object')
    return `(nested deeper than ${MAX_DEPTH} levels: left out)`
  if (typeof value === 'string') {
    const s = stripControl(value)
    return ONE_LINE.has(key) ? s.replace(/[\n\t\u2028\u2029]+/g, ' ') : s
  }
  if (Array.isArray(value)) return value.map((v) => walk(v, key, depth + 1))
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) {
      const clean = stripControl(k)
      out[clean] = walk(v, clean, depth + 1)
    }
    return out
  }
  return value
}
