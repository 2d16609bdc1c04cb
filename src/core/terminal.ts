/**
 * Text from peers (an HTTP body, an SMTP greeting, a driver's error) can hold terminal control
 * sequences: printed raw, they could recolour, move the cursor, retitle the window or hide lines.
 * ANSI/VT escape sequences (CSI, OSC, and two-character ones) are removed, and every other C0/C1
 * control character but tab and newline.
 */
// eslint-disable-next-line no-control-regex
const ESCAPES =
  /\u001b(?:\[[0-?]*[ -/]*[@-~]|\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|[PX^_][^\u001b]*(?:\u001b\\)?|[ -/]*[0-~])|\u009b[0-?]*[ -/]*[@-~]/g
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g

export function stripControl(text: string): string {
  if (!/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/.test(text)) return text
  return text.replace(ESCAPES, '').replace(CONTROLS, '')
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
