import {Args} from '@oclif/core'
import {flow} from '../../core/help.js'
import {BaseCommand} from '../../core/base-command.js'
import {exitCodesHelp} from '../../core/exit-codes.js'
import {REPORT_FLAGS} from '../../core/report-output.js'

export default class ReportShow extends BaseCommand {
  static override summary = 'Render a saved JSON report as HTML, text, JUnit or TAP'
  static override description =
    flow(`Reads a report written by check --format json (validated against schema/report.schema.json)
and renders it again: the HTML page with the data-flow picture, the text report, JUnit or TAP.
The format comes from --format, else from the --output extension (.html, .xml, .tap, .json), else text.
The exit code is the report's own, so that CI reading a saved report fails as the run did.

${exitCodesHelp({0: "the report's run passed", 2: 'the file is missing, not a report, or of another schema version', 3: 'the report has a fail or an error', 4: 'warnings, in a report made with --strict', 130: 'the report is of an interrupted run'})}`)
  static override examples = [
    {
      description: 'The HTML page of a report saved in CI',
      command: '<%= config.bin %> report show report.json --output report.html',
    },
    {description: 'Read it in the terminal', command: '<%= config.bin %> report show report.json'},
  ]
  static override args = {file: Args.string({description: 'a JSON report (check --format json)', required: true})}
  static override flags = REPORT_FLAGS

  async run() {
    const {args, flags} = await this.parse(ReportShow)
    const [{readReports}, {emitReport}] = await Promise.all([
      import('../../core/report-merge.js'),
      import('../../core/report-output.js'),
    ])
    const report = (await readReports([args.file]))[0]!.report
    await emitReport(report, flags, [args.file], (t) => this.out(t))
    process.exitCode = report.exitCode
  }
}
