/**
 * One run, from environment to report: the checks found (registry), planned for a topology, a
 * role and a stage (planner), the secrets the plan needs resolved (plan-secrets), run concurrently
 * with time-outs (runner), with progress on the terminal, held together by session.
 */
export {loadChecks, provideChecks} from './registry.js'
export type {BundledChecks} from './registry.js'
