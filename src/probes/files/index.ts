/**
 * Files and folders as the service account sees them: POSIX rights (mode bits, ACLs through
 * getfacl, a real check as the account) and connector.files' file drops.
 */
export {insideRoot} from './files-probe.js'
export type {Facts, FileSpec, Params} from './files-probe.js'
export {
  computedReadableAll,
  effectiveRights,
  othersRights,
  readFolders,
  resolvePosixAccount,
  rwxString,
  verifyAsAccount,
} from './posix-acl.js'
export type {Rwx} from './posix-acl.js'
export {probeFiles} from './files-probe.js'
