import {Args} from '@oclif/core'
import {flow, BaseCommand} from '../../cli/index.js'
import {exitCodesHelp, UsageError, containing} from '../../base/index.js'

export default class ChecksShow extends BaseCommand {
  static override summary = 'One check in full: what it measures and how, its verdicts and fixes, its docs and settings'
  static override description =
    flow(`Everything about one check, from its definition: what it measures and how, where it applies
(topology, stage, platform), each verdict it can give with its fix, the docs pages and the exact
sentences it rests on (or that it is this tool's own policy), the settings it reads under
checks.settings.<id>, and whether validate applies its verdicts on the file alone. checks list
gives the ids.

${exitCodesHelp({0: 'the check was shown', 2: 'no check has this id'})}`)
  static override aliases = ['explain']
  static override examples = [
    '<%= config.bin %> checks show proxy.settings',
    '<%= config.bin %> explain connector.ldap',
    '<%= config.bin %> checks show sql.requirements --json',
  ]
  static override enableJsonFlag = true
  static override args = {
    id: Args.string({description: 'the check id (checks list gives them)', required: true}),
  }

  async run() {
    const {args} = await this.parse(ChecksShow)
    const [{loadChecks}, {describeCheck, renderCheckText}, {didYouMean}] = await Promise.all([
      import('../../run/registry.js'),
      import('../../cli/check-explain.js'),
      import('../../environment/schema-errors.js'),
    ])
    const checks = await loadChecks()
    const check = checks.find((c) => c.id === args.id.toLowerCase())
    if (!check) {
      const ids = checks.map((c) => c.id)
      // A part of an id (`tls`): the ids it is part of; else a typo's closest id.
      const parts = containing(args.id, ids)
      const hint = parts.length === 1 ? parts[0] : parts.length ? undefined : didYouMean(args.id, ids)
      throw new UsageError(
        `no check has the id "${args.id}"${parts.length > 1 ? `; the ids with "${args.id}": ${parts.join(', ')}` : ''}`,
        [],
        hint ? `did you mean ${hint}? (checks list gives every id)` : 'checks list gives every id',
      )
    }
    const described = describeCheck(check)
    if (!this.jsonEnabled()) await this.out(renderCheckText(described))
    return described
  }
}
