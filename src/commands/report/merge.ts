import {Args} from '@oclif/core'
import {flow} from '../../core/help.js'
import {BaseCommand} from '../../core/base-command.js'
import {exitCodesHelp} from '../../core/exit-codes.js'
import {REPORT_FLAGS} from '../../core/report-output.js'

export default class ReportMerge extends BaseCommand {
  static override summary = "Merge several hosts' JSON reports of one installation into one report"
  static override description =
    flow(`Puts together the reports of check --format json from several hosts of one installation (the
server, the database host, each agent): every result labelled with its host, one data-flow
picture for the whole, one summary and exit code. Reports of another environment (name or
topology) or another schema version are refused, naming the files.

The format comes from --format, else from the --output extension (.html, .json, .xml, .tap), else text.

${exitCodesHelp({0: 'every run passed', 2: 'a file is missing, not a report, of another schema version or of another environment', 3: 'a run has a fail or an error', 4: 'warnings, with --strict in a run', 130: 'a run was interrupted'})}`)
  static override examples = [
    {
      description: 'The fleet page from the reports of three hosts',
      command: '<%= config.bin %> report merge server.json agent-ad.json agent-hr.json --output fleet.html',
    },
    {description: 'One JUnit file for CI', command: '<%= config.bin %> report merge reports/*.json --output fleet.xml'},
  ]
  static override strict = false
  static override args = {file: Args.string({description: 'JSON reports, one per host', required: true})}
  static override flags = REPORT_FLAGS

  async run() {
    const {argv, flags} = await this.parse(ReportMerge)
    const files = argv as string[]
    const [{readReports, mergeReports}, {emitReport}] = await Promise.all([
      import('../../core/report-merge.js'),
      import('../../core/report-output.js'),
    ])
    const reports = await readReports(files)
    const merged = mergeReports(reports)
    await emitReport(merged, flags, files, (t) => this.out(t))
    process.exitCode = merged.exitCode
  }
}
