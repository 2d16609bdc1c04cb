import {Flags} from '@oclif/core'
import {flow, BaseCommand} from '../../cli/index.js'
import {exitCodesHelp, byCodeUnit} from '../../base/index.js'

export default class ChecksList extends BaseCommand {
  static override summary = 'List every check: id, summary, topologies, stage, role and docs link'
  static override description =
    flow(`Every check idm-preflight knows, in the order reports show them. Use the ids (or globs such
as tls.*) with check --only / --skip and in checks.skip; a waiver names an exact id. The role
says which host runs it where server and agents are apart: check --server, check --agent ID,
or both (each its own instances).

${exitCodesHelp({0: 'the list was printed', 2: 'bad flags'})}`)
  static override examples = ['<%= config.bin %> checks list', '<%= config.bin %> checks list --json | jq -r ".[].id"']
  static override enableJsonFlag = true
  static override flags = {
    topology: Flags.string({
      description: 'only the checks that apply to this topology',
      options: ['saas', 'on-prem-integrated', 'on-prem-separate'],
    }),
    quiet: Flags.boolean({char: 'q', description: 'the ids only, one a line'}),
  }

  async run() {
    const {flags} = await this.parse(ChecksList)
    const {loadChecks} = await import('../../run/registry.js')
    const {FLOWS} = await import('../../model/check.js')
    const flowOrder = Object.keys(FLOWS)
    const checks = (await loadChecks())
      .filter((c) => !flags.topology || c.topologies.includes(flags.topology as never))
      .sort((a, b) => flowOrder.indexOf(a.flow) - flowOrder.indexOf(b.flow) || byCodeUnit(a.id, b.id))
    const rows = checks.map((c) => ({
      id: c.id,
      summary: c.summary,
      flow: c.flow,
      topologies: [...c.topologies],
      platforms: c.platforms ? [...c.platforms] : ['all'],
      stage: c.stages ?? c.stage ?? 'before',
      roles: [...(c.roles ?? ['server', 'agent'])],
      optIn: c.optIn ? `--${c.optIn.flag}` : undefined,
      docs: c.docs,
    }))
    if (!this.jsonEnabled() && flags.quiet) await this.out(`${rows.map((r) => r.id).join('\n')}\n`)
    else if (!this.jsonEnabled()) {
      const w = Math.max(...rows.map((r) => r.id.length))
      const lines = rows.map((r) => {
        // The names --topology and the environment file take, never abbreviated.
        const topo = r.topologies.length === 3 ? ['all'] : r.topologies
        return `${r.id.padEnd(w)}  ${r.summary}\n${' '.repeat(w)}  topologies: ${topo.join(', ')} · stage: ${r.stage} · role: ${r.roles.join(', ')}${r.platforms[0] === 'all' ? '' : ` · ${r.platforms.join('/')} only`}${r.optIn ? ` · opt-in ${r.optIn}` : ''}\n${' '.repeat(w)}  ${r.docs}`
      })
      await this.out(`${lines.join('\n')}\n`)
    }
    return rows
  }
}
