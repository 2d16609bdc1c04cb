/**
 * Windows facts through PowerShell, always answered as JSON: certificate store entries, ACLs,
 * accounts, and the IIS sites.
 */
export {effectiveWindowsRights, powershellJson, readAcls, windowsAccount} from './windows.js'
