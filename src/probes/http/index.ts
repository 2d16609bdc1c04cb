/**
 * HTTPS requests as the agent makes them: through the proxy when one is set (CONNECT), with the
 * run's trust, answering status, headers and a capped body.
 */
export type {HttpFacts} from './http-probe.js'
