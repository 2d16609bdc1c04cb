import {Flags} from '@oclif/core'
import type {Report} from './report.js'

/** The flags of the commands that render a saved report (report show, report merge). */
export const REPORT_FLAGS = {
  format: Flags.string({char: 'f', description: 'output format', options: ['text', 'json', 'junit', 'tap', 'html']}),
  output: Flags.string({char: 'o', description: 'write to this file (stdout gets a summary line)'}),
  'no-color': Flags.boolean({description: 'plain text, no colours (also NO_COLOR=1)'}),
}

/** The format a report file name asks for (.html, .json, .xml, .tap), else undefined. */
export function formatFromOutput(output: string | undefined): 'html' | 'json' | 'junit' | 'tap' | undefined {
  if (!output) return undefined
  if (/\.html?$/i.test(output)) return 'html'
  if (/\.json$/i.test(output)) return 'json'
  if (/\.xml$/i.test(output)) return 'junit'
  if (/\.tap$/i.test(output)) return 'tap'
  return undefined
}

/**
 * Renders a saved (or merged) report to stdout or --output, as check does: the file is written
 * atomically and never replaces one of the inputs; stdout then gets the summary line.
 */
export async function emitReport(
  report: Report,
  flags: {format?: string; output?: string; 'no-color'?: boolean},
  inputs: readonly string[],
  out: (text: string) => Promise<void>,
): Promise<void> {
  const o = {
    format: flags.format ?? formatFromOutput(flags.output) ?? 'text',
    output: flags.output,
    inputs,
    color: process.stdout.isTTY === true && !process.env.NO_COLOR && !flags['no-color'],
  }
  const {render} = await import('../reporters/index.js')
  const format = o.format as Parameters<typeof render>[1]
  if (!o.output) return out(await render(report, format, o.color && format === 'text'))
  const [{writeOutput, isStdout}, {summaryLine}] = await Promise.all([
    import('./write.js'),
    import('../reporters/text.js'),
  ])
  await writeOutput(o.output, await render(report, format, false), o.inputs)
  const line = `${summaryLine(report)}\nreport (${format}) written to ${o.output}\n`
  if (isStdout(o.output)) process.stderr.write(line)
  else await out(line)
}
