import {stripControl} from '../base/index.js'

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
  if (typeof value === 'string') return clean(value, key)
  if (!value || typeof value !== 'object') return value
  if (depth > MAX_DEPTH) return `(nested deeper than ${MAX_DEPTH} levels: left out)`
  // In place (the parsed JSON is ours alone): a report of 200,000 results is walked once, no copy.
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = walk(value[i], key, depth + 1)
    return value
  }
  const o = value as Record<string, unknown>
  for (const k of Object.keys(o)) {
    const v = walk(o[k], k, depth + 1)
    const ck = stripControl(k)
    if (ck !== k) {
      delete o[k]
      // Defined, not assigned: a key that cleans to __proto__ must not become the prototype.
      Object.defineProperty(o, ck, {
        value: typeof v === 'string' ? clean(v, ck) : v,
        enumerable: true,
        writable: true,
        configurable: true,
      })
    } else if (v !== o[k]) o[k] = v
  }
  return o
}

const LINE_BREAK = /[\n\t\u2028\u2029]/

function clean(s: string, key: string): string {
  const t = stripControl(s)
  return ONE_LINE.has(key) && LINE_BREAK.test(t) ? t.replace(/[\n\t\u2028\u2029]+/g, ' ') : t
}
