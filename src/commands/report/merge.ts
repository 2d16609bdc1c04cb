import {Args, Flags} from '@oclif/core'
import {flow, BaseCommand} from '../../cli/index.js'
import {exitCodesHelp} from '../../base/index.js'
import {REPORT_FLAGS, emitReport, outputsOf, reportDisplay} from '../../report/formats/index.js'

export default class ReportMerge extends BaseCommand {
  static override summary = "Merge several hosts' JSON reports of one installation into one report"
  static override description =
    flow(`Puts together the reports of check --format json from several hosts of one installation (the
server, each agent): one data-flow picture for the whole, one summary and exit code. A check of
the same thing from several hosts (the server alias's DNS from each agent, the proxy) is one row
listing what each host saw ("pass on SRV01, fail on AGT02"), its status the worst of theirs; each
fix is said once, with its hosts. The summary and exit code are computed from the results, never
taken from the saved numbers.

Refused, naming the files (exit 2): reports of another environment (name or topology) or schema
version, the same run twice (one file given twice, or a copy), runs of both stages unless
--allow-mixed-stages (each row then says its stage), and two runs of one part at one stage (two
--agent ContosoAD runs, two --server runs, or one host's two runs without a role: an old and a
fresh run) unless --allow-repeated-runs (two hosts that really run the same agent, a web farm's
servers).

The format comes from --format, else from the --output extension (.html, .json, .xml, .tap), else text.
--output may be repeated, one format per file.

${exitCodesHelp({0: 'every run passed', 2: 'a file is missing, not a report, given twice, of another schema version, environment or stage, or a second run of one part', 3: 'a run has a fail or an error', 4: 'warnings, with --strict in a run', 130: 'a run was interrupted', 143: 'a run was stopped by SIGTERM'})}`)
  static override examples = [
    {
      description: 'The fleet page from the reports of three hosts',
      command: '<%= config.bin %> report merge server.json agent-ad.json agent-hr.json --output fleet.html',
    },
    {
      description: 'One JUnit file for CI and the page, in one go',
      command: '<%= config.bin %> report merge reports/*.json -o fleet.xml -o fleet.html',
    },
    {
      description: 'The merged summary as JSON',
      command: "<%= config.bin %> report merge reports/*.json --json | jq '.summary'",
    },
  ]
  static override strict = false
  static override enableJsonFlag = true
  static override args = {file: Args.string({description: 'JSON reports, one per host', required: true})}
  static override flags = {
    ...REPORT_FLAGS,
    'allow-mixed-stages': Flags.boolean({
      description: 'merge reports of --stage before and --stage after (each row says its stage)',
    }),
    'allow-repeated-runs': Flags.boolean({
      description:
        'merge two runs of one part (same --server or --agent ID, same stage): two hosts that run the same agent',
    }),
  }

  /** --json: the report as plain JSON (oclif's colouring takes minutes on a report of many hosts). */
  protected override logJson(json: unknown): void {
    process.stdout.write(`${JSON.stringify(json, null, 2)}\n`)
  }

  async run() {
    const {argv, flags} = await this.parse(ReportMerge)
    const files = argv as string[]
    const [{readReports, mergeReports, refuseSameFile}, {checkOutputs}] = await Promise.all([
      import('../../report/report-merge.js'),
      import('../../io/write.js'),
    ])
    await refuseSameFile(files)
    const outputs = outputsOf(flags.output, flags.format)
    const inputs = {files, describe: (input: string) => `one of the reports being merged (${input})`}
    await checkOutputs(
      outputs.map((o) => o.file),
      inputs,
    )
    const reports = await readReports(files)
    const merged = mergeReports(reports, {
      allowMixedStages: flags['allow-mixed-stages'],
      allowRepeatedRuns: flags['allow-repeated-runs'],
    })
    await emitReport(merged, outputs, reportDisplay(flags, this.jsonEnabled()), inputs, (t) => this.out(t))
    process.exitCode = merged.exitCode
    return merged
  }
}
