/**
 * The words every room shares: the environment file's shape (src/model/environment.ts), the
 * check contract (a check's definition, its plan, probe and evaluate; one instance on one target),
 * the product versions side by side with the page and sentence of each rule, and the docs links.
 */
export {FLOWS, SEVERITY, STATUSES, defineCheck} from './check.js'
export type {
  CheckDefinition,
  CheckExplain,
  CheckInstance,
  Deselected,
  FileRuleFinding,
  Finding,
  Flow,
  Owner,
  PlanContext,
  PlannedTarget,
  Role,
  Stage,
  Status,
  VerdictExplain,
} from './check.js'
export {docsForProduct, netwrixDocs} from './docs.js'
export {
  CONNECTION_TYPES,
  HTTP_APIS,
  LDAP_AUTH_TYPES,
  LDAP_SECURITY,
  PRODUCTS,
  SECURE_SOCKET_OPTIONS,
  STORE_LOCATIONS,
  STORE_NAMES,
  TOPOLOGIES,
  isSecretPath,
  isSecretSettingKey,
  workingDirectories,
} from './environment.js'
export type {
  Agent,
  CertificateRef,
  Connection,
  ConnectionType,
  Connector,
  Environment,
  Product,
  SecureSocketOption,
  ServerSection,
  Topology,
  Waiver,
} from './environment.js'
export {VERSIONS, versionRules} from './versions.js'
