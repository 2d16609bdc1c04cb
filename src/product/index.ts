/**
 * The product's own rules and file formats, shared by checks, validate and scaffold: the
 * appsettings rules and files, a certificate's password as the settings hold it (the protected
 * form, the "@" escape), the working directory's folders per role and version, the IIS pool and
 * site, the connectors of the environment, and the proxy formats Identity Manager accepts.
 */
export {
  accountOf,
  connectionsOf,
  connectorParamsSchema,
  noConnectionReason,
  ownedBy,
  sourcesRootPathsOf,
} from './connectors.js'
export {SETTINGS_FILE_NAMES, certificateFilesOf, folderRules, planWorkdirs, workdirParamsSchema} from './folders.js'
export type {WorkdirParams} from './folders.js'
export {
  IIS_SITES_SCRIPT,
  appPoolOf,
  expectedSite,
  parseBindingInformation,
  parseIisSites,
  windowsPathKey,
} from './iis.js'
export type {ExpectedSite, IisFacts, IisSiteFacts} from './iis.js'
export {bypassesProxy, displayProxy, httpsProxyProblems, noProxyProblems, parseProxy} from './proxy.js'
export {MAX_SETTINGS_BYTES, roleOf, serverOnlyKeys, settingOf} from './settings-rules.js'
export {effectivePassword, escapeSettingsPassword, isProtectedPassword} from './certificate-password.js'
