import type {Report} from '../index.js'
import {renderJunit} from './junit.js'
import {loadStyle} from './style.js'
import {renderTap} from './tap.js'
import {renderText} from './text.js'

export const FORMATS = ['text', 'json', 'junit', 'tap', 'html'] as const
export type Format = (typeof FORMATS)[number]

/** Renders a report in one format; `color` only matters for text. */
export async function render(
  report: Report,
  format: Format,
  color = false,
  opts: {quiet?: boolean} = {},
): Promise<string> {
  switch (format) {
    case 'json':
      return `${JSON.stringify(report, null, 2)}\n`
    case 'junit':
      return renderJunit(report)
    case 'tap':
      return renderTap(report)
    case 'html':
      return (await import('./html.js')).renderHtml(report)
    default:
      return renderText(report, await loadStyle(color), opts)
  }
}
