/**
 * How the tool reads and writes files: a regular file read with limits (no FIFO, no device), a
 * user's file written atomically and never destroyed, YAML and JSON parsed with line and column
 * (the environment file, saved reports), JSONC (the product's appsettings files), and the
 * templates shipped beside the code.
 */
export {provideAssets, readTemplate} from './assets.js'
export {parseJsonc} from './jsonc.js'
export {FileReadError, readRegularFile, sizeText} from './read.js'
export {jsonErrorWords, readSource} from './source.js'
export type {SourceDocument} from './source.js'
export {FileExistsError, createExclusive, replaceFile, writeError} from './write.js'
export type {InputNames} from './write.js'
export {refuseOverwrite, writeFileAtomic, writeUserFile} from './write.js'
