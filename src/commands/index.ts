import {commands as helpCommands} from '@oclif/plugin-help'
import type {Command} from '@oclif/core'
import CertCreate from './cert/create.js'
import CertInspect from './cert/inspect.js'
import Check from './check.js'
import ChecksList from './checks/list.js'
import ChecksShow from './checks/show.js'
import Demo from './demo.js'
import Init from './init.js'
import ReportMerge from './report/merge.js'
import ReportShow from './report/show.js'
import Scaffold from './scaffold.js'
import Validate from './validate.js'

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
