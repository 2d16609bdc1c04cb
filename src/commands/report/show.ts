import {Args} from '@oclif/core'
import {flow, BaseCommand} from '../../cli/index.js'
import {exitCodesHelp} from '../../base/index.js'
import {REPORT_FLAGS, emitReport, outputsOf, reportDisplay} from '../../report/formats/index.js'

export default class ReportShow extends BaseCommand {
  static override summary = 'Render a saved JSON report as HTML, text, JUnit or TAP'
  static override description =
    flow(`Reads a report written by check --format json (validated against schema/report.schema.json)
and renders it again: the HTML page with the data-flow picture, the text report, JUnit or TAP.
The format comes from --format, else from the --output extension (.html, .xml, .tap, .json), else text;
--output may be repeated, one format per file.
The summary and exit code are computed from the report's results (never taken from its saved
numbers), so that CI reading a saved report fails as the run did.

${exitCodesHelp({0: "the report's run passed", 2: 'the file is missing, not a report, or of another schema version', 3: 'the report has a fail or an error', 4: 'warnings, in a report made with --strict', 130: 'the report is of an interrupted run', 143: 'the report is of a run stopped by SIGTERM'})}`)
  static override examples = [
    {
      description: 'The HTML page of a report saved in CI',
      command: '<%= config.bin %> report show report.json --output report.html',
    },
    {
      description: 'Read it in the terminal, only what is not a pass',
      command: '<%= config.bin %> report show report.json -q',
    },
    {description: 'Its summary', command: "<%= config.bin %> report show report.json --json | jq '.summary'"},
  ]
  static override enableJsonFlag = true
  static override args = {file: Args.string({description: 'a JSON report (check --format json)', required: true})}
  static override flags = REPORT_FLAGS

  /** --json: the report as plain JSON (oclif's colouring takes minutes on a report of many hosts). */
  protected override logJson(json: unknown): void {
    process.stdout.write(`${JSON.stringify(json, null, 2)}\n`)
  }

  async run() {
    const {args, flags} = await this.parse(ReportShow)
    const [{readReports, recompute}, {checkOutputs}] = await Promise.all([
      import('../../report/report-merge.js'),
      import('../../io/write.js'),
    ])
    const outputs = outputsOf(flags.output, flags.format)
    const inputs = {files: [args.file], describe: () => 'the report being read'}
    await checkOutputs(
      outputs.map((o) => o.file),
      inputs,
    )
    const report = recompute((await readReports([args.file]))[0]!.report)
    await emitReport(report, outputs, reportDisplay(flags, this.jsonEnabled()), inputs, (t) => this.out(t))
    process.exitCode = report.exitCode
    return report
  }
}
