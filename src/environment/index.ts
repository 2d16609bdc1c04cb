/**
 * The environment file's rules, from schema to meaning: the validators (ajv, built at build time),
 * schema errors in the user's words, the rules a schema cannot say (semantics), and what the file's
 * values mean to every room: SQL connection strings, the host and port of a URL, a service
 * account's name per platform; the schema itself (environment-schema.ts) and the `$schema` line
 * init writes; which of the files given to validate are environment files (files.ts). Reading and
 * writing the file itself is ./file's (it parses YAML).
 */
export {ConnectionStringError, parseConnectionString} from './connection-string.js'
export type {EncryptMode} from './connection-string.js'
export {networkParams, networkParamsSchema, urlHostPort, writtenHost} from './network.js'
export type {NetworkParams} from './network.js'
export {describeSchemaErrors, dottedPath} from './schema-errors.js'
export {
  httpsUrlProblem,
  isReference,
  ldapAuthType,
  plainHttpWarning,
  semanticProblems,
  walkStrings,
} from './semantics.js'
export {provideGeneratedValidators} from './validators.js'
export type {Validators} from './validators.js'
export {validators, paramsCheckWanted} from './validators.js'
