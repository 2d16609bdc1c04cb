import {Flags} from '@oclif/core'
import {UsageError} from '../../base/index.js'
import type {Report} from '../index.js'
import type {InputNames} from '../../io/index.js'

export type ReportFormat = 'text' | 'json' | 'junit' | 'tap' | 'html'

/** The flags of the commands that render a saved report (report show, report merge). */
export const REPORT_FLAGS = {
  format: Flags.string({char: 'f', description: 'output format', options: ['text', 'json', 'junit', 'tap', 'html']}),
  output: Flags.string({
    char: 'o',
    description: 'write to this file, format from its extension; repeat for several (stdout gets a summary line)',
    multiple: true,
  }),
  'no-color': Flags.boolean({description: 'plain text, no colours (also NO_COLOR=1)'}),
  quiet: Flags.boolean({char: 'q', description: 'text report: only what is not a pass, and the summary'}),
}

/** The format a report file name asks for (.html, .json, .xml, .tap, .txt), else undefined. */
export function formatFromOutput(output: string | undefined): ReportFormat | undefined {
  if (!output) return undefined
  if (/\.html?$/i.test(output)) return 'html'
  if (/\.json$/i.test(output)) return 'json'
  if (/\.xml$/i.test(output)) return 'junit'
  if (/\.tap$/i.test(output)) return 'tap'
  if (/\.txt$/i.test(output)) return 'text'
  return undefined
}

/** One `--output` and the format written there. */
export interface Output {
  file: string
  format: ReportFormat
}

/**
 * The format of each `--output`: one output takes `--format`, else its extension; of several,
 * each takes its extension, and `--format` (else text) is for those without a known one.
 */
export function outputsOf(outputs: readonly string[] | undefined, format: string | undefined): Output[] {
  const list = outputs ?? []
  // This tool's own policy: a file's name never says one format while it holds another (text in
  // report.pdf, JUnit in r.html). A name without an extension (/dev/stdout, a pipe) takes --format.
  for (const file of list) {
    const known = formatFromOutput(file)
    if (known && format && format !== known && list.length === 1)
      throw new UsageError(
        `--format ${format} and --output ${file} conflict: ${extensionOf(file)} is a ${known} report`,
        [],
        `drop --format (the extension decides), or name the file ${replaceExtension(file, EXTENSION[format as ReportFormat])}`,
      )
    const ext = extensionOf(file)
    if (!known && ext && !format)
      throw new UsageError(
        `--output ${file}: ${ext} is not a report format this tool writes`,
        [],
        `end the name in .txt, .json, .html, .xml (JUnit) or .tap, or give --format for it`,
      )
  }
  return list.map((file) => ({
    file,
    format: (list.length === 1
      ? (format ?? formatFromOutput(file) ?? 'text')
      : (formatFromOutput(file) ?? format ?? 'text')) as ReportFormat,
  }))
}

/** The extension each format's file takes. */
const EXTENSION: Record<ReportFormat, string> = {text: '.txt', json: '.json', junit: '.xml', tap: '.tap', html: '.html'}

/** A file name's extension (".pdf"), or undefined (none, or a dot file's name). */
function extensionOf(file: string): string | undefined {
  const base = file.split(/[\\/]/).pop() ?? ''
  const dot = base.lastIndexOf('.')
  return dot > 0 && dot < base.length - 1 ? base.slice(dot) : undefined
}

function replaceExtension(file: string, ext: string): string {
  const old = extensionOf(file)
  return old ? file.slice(0, -old.length) + ext : file + ext
}

/** How a run's report is shown besides its files. */
export interface Display {
  /** `--format` (for stdout when no --output, and for an --output without a known extension). */
  format?: string
  color: boolean
  quiet?: boolean
  /** --json: the command returns the report as JSON itself; nothing else goes to stdout. */
  json?: boolean
}

/**
 * Whether the text report goes to the terminal although the report is written to files: stdout
 * is a terminal and none of the outputs is stdout.
 */
export async function textOnTerminal(outputs: readonly Output[], json = false): Promise<boolean> {
  if (json || outputs.length === 0 || process.stdout.isTTY !== true) return false
  const {isStdout} = await import('../../io/write.js')
  return !outputs.some((o) => isStdout(o.file))
}

/** `report show` and `report merge`: their flags as the display, colour only on a terminal. */
export function reportDisplay(flags: {format?: string; quiet?: boolean; 'no-color'?: boolean}, json: boolean): Display {
  return {
    format: flags.format,
    color: process.stdout.isTTY === true && !process.env.NO_COLOR && !flags['no-color'],
    quiet: flags.quiet,
    json,
  }
}

/**
 * Writes a report to every `--output` (each in its format; never one of the inputs) and shows it:
 * without outputs, the report on stdout in `--format`; with them, the text report too when stdout
 * is a terminal, else the summary line; then one "written to" line per file (on stderr when one of
 * the outputs is stdout, so that a pipe gets only the report).
 */
export async function emitReport(
  report: Report,
  outputs: readonly Output[],
  display: Display,
  inputs: readonly string[] | InputNames,
  out: (text: string) => Promise<void>,
): Promise<void> {
  const {render} = await import('./render.js')
  if (outputs.length === 0) {
    if (display.json) return
    const format = (display.format ?? 'text') as ReportFormat
    return out(await render(report, format, display.color && format === 'text', {quiet: display.quiet}))
  }
  const [{writeOutput, isStdout}, {summaryLine}] = await Promise.all([import('../../io/write.js'), import('./text.js')])
  // Each format rendered once, whatever the number of files that want it.
  const rendered = new Map<ReportFormat, Promise<string>>()
  const renderOnce = (f: ReportFormat) => {
    if (!rendered.has(f)) rendered.set(f, render(report, f, false))
    return rendered.get(f)!
  }
  for (const o of outputs) await writeOutput(o.file, await renderOnce(o.format), inputs)
  const written = outputs.map((o) => `report (${o.format}) written to ${o.file}`).join('\n')
  if (display.json) return
  if (outputs.some((o) => isStdout(o.file))) {
    process.stderr.write(`${summaryLine(report)}\n${written}\n`)
    return
  }
  if (await textOnTerminal(outputs, display.json))
    return out(`${await render(report, 'text', display.color, {quiet: display.quiet})}${written}\n`)
  await out(`${summaryLine(report)}\n${written}\n`)
}
