/**
 * Name resolution as the product will see it: through `network.dnsServers` (dns2) when given,
 * else the system resolver; every network probe resolves through here.
 */
export {FAILURE_TEXT, ResolutionError, lookupVia, resolveName} from './resolver.js'
export type {Resolution, ResolutionFailure} from './resolver.js'
