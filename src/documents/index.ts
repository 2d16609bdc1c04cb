/**
 * The documents the tool parses, with the line and column of every value: YAML and JSON (the
 * environment file, saved reports) through the yaml library, and JSONC (the product's appsettings
 * files). A room of its own because it brings that library: only the runs that parse load it.
 */
export {jsonErrorWords, readSource} from './source.js'
export type {SourceDocument} from './source.js'
export {parseJsonc} from './jsonc.js'
