/**
 * What the commands share: the base command (errors become exit codes with a hint), oclif's parse
 * errors in the tool's voice, help text that flows, password prompts, and `checks show`.
 */
export {BaseCommand} from './base-command.js'
export {flow} from './help.js'
export {MIN_NEW_PASSWORD} from './secret-input.js'
export {refuseArgvPassword, readPassword} from './secret-input.js'
