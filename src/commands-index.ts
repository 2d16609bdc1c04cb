import {commands as helpCommands} from '@oclif/plugin-help'
import type {Command} from '@oclif/core'
import CertCreate from './commands/cert/create.js'
import CertInspect from './commands/cert/inspect.js'
import Check from './commands/check.js'
import ChecksList from './commands/checks/list.js'
import ChecksShow from './commands/checks/show.js'
import Demo from './commands/demo.js'
import Init from './commands/init.js'
import ReportMerge from './commands/report/merge.js'
import ReportShow from './commands/report/show.js'
import Scaffold from './commands/scaffold.js'
import Validate from './commands/validate.js'

/**
 * Every command, by oclif id (package.json's `oclif.commands` names this export: the "explicit"
 * discovery strategy, which lets the CLI be bundled into one file). Command modules import their
 * heavy libraries inside `run`, so loading them all is cheap.
 */
export const COMMANDS = {
  'cert:create': CertCreate,
  'cert:inspect': CertInspect,
  check: Check,
  'checks:list': ChecksList,
  'checks:show': ChecksShow,
  demo: Demo,
  help: helpCommands.help,
  init: Init,
  'report:merge': ReportMerge,
  'report:show': ReportShow,
  scaffold: Scaffold,
  validate: Validate,
} satisfies Record<string, Command.Class>
