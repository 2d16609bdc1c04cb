/**
 * How the tool reads and writes files: a regular file read with limits (no FIFO, no device), a
 * user's file written atomically and never destroyed, and the templates shipped beside the code.
 * Parsing them is src/documents' (it brings the YAML library: a room of its own, so that this
 * door stays light).
 */
export {certificateWorker, provideAssets, readTemplate} from './assets.js'
export {FileReadError, readRegularFile, sizeText} from './read.js'
export {FileExistsError, createExclusive, replaceFile, writeError} from './write.js'
export type {InputNames} from './write.js'
export {refuseOverwrite, writeFileAtomic, writeUserFile} from './write.js'
