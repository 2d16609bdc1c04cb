/**
 * Text from peers (an HTTP body, an SMTP greeting, a driver's error) can hold terminal control
 * sequences: printed raw, they could recolour, move the cursor, retitle the window or hide lines.
 * ANSI/VT escape sequences (CSI, OSC, and two-character ones) are removed, and every other C0/C1
 * control character but tab and newline.
 */
/* eslint-disable no-control-regex -- matching control characters is the point of this module */
const ESCAPES =
  /\u001b(?:\[[0-?]*[ -/]*[@-~]|\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|[PX^_][^\u001b]*(?:\u001b\\)?|[ -/]*[0-~])|\u009b[0-?]*[ -/]*[@-~]/g
// With the bidirectional overrides and isolates (U+202A-202E, U+2066-2069): invisible, they can
// show a target or a message reversed ("Trojan Source").
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g
const ANY_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/
/* eslint-enable no-control-regex */

/** `text` without terminal escape sequences and control characters (tab and newline kept). */
export function stripControl(text: string): string {
  if (!ANY_CONTROL.test(text)) return text
  return text.replace(ESCAPES, '').replace(CONTROLS, '')
}

/** Whether `text` holds a control character (newline and tab included): for names and paths. */
export function controlCharacter(text: string): string | undefined {
  // eslint-disable-next-line no-control-regex
  const m = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.exec(text)
  return m ? `U+${m[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}` : undefined
}

/** A copy of a JSON-like value with every string (keys included) stripped of control sequences. */
export function stripControlDeep<T>(value: T): T {
  if (typeof value === 'string') return stripControl(value) as T
  if (Array.isArray(value)) return value.map((v) => stripControlDeep(v)) as T
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) out[stripControl(k)] = stripControlDeep(v)
    return out as T
  }
  return value
}
