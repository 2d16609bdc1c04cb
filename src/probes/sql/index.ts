/**
 * SQL Server through tedious: the browser lookup, TLS, login, and the queries sql.requirements
 * asks; what login errors mean; the sql.* and connector.sql checks' settings and verdicts.
 */
export type {SqlConnectFacts} from './sql-probe.js'
export {
  SQL_PLACEHOLDER,
  planSql,
  sqlParamsOf,
  sqlParamsSchema,
  sqlSettingsSchema,
  withCheckLogin,
} from './sql-settings.js'
export type {SqlParams} from './sql-settings.js'
export {SERVER_SIDE, sqlConnectionFindings} from './sql-verdicts.js'
