/**
 * The environment file, from text to a checked Environment: read → schema (ajv, validators built
 * at build time) → the rules a schema cannot say (semantics) → the `${env:}`/`${file:}` references
 * resolved. Also what the file's values mean to every room: SQL connection strings, the host and
 * port of a URL, a service account's name per platform, and the YAML init writes.
 */
export {loadEnvironmentOrThrow, resolveSecrets} from './config.js'
export type {LoadedEnvironment} from './config.js'
export {ConnectionStringError, parseConnectionString} from './connection-string.js'
export type {EncryptMode} from './connection-string.js'
export {networkParams, networkParamsSchema, urlHostPort, writtenHost} from './network.js'
export type {NetworkParams} from './network.js'
export {dottedPath} from './schema-errors.js'
export {httpsUrlProblem, isReference, ldapAuthType, plainHttpWarning, walkStrings} from './semantics.js'
export {provideGeneratedValidators} from './validators.js'
export type {Validators} from './validators.js'
export {stringifyEnvironment} from './yaml-out.js'
export {validators, paramsCheckWanted} from './validators.js'
