/**
 * The environment file as a file: read and judged in one round (config.ts: YAML → schema → rules →
 * references, secrets resolved as the run asks), and written back as YAML with every reference
 * quoted (yaml-out.ts, for init and the sandbox). Apart from the rules because it brings the YAML
 * parser, which the checks and `checks list` do not need.
 */
export {loadEnvironmentOrThrow, resolveSecrets} from './config.js'
export type {LoadedEnvironment} from './config.js'
export {stringifyEnvironment} from './yaml-out.js'
