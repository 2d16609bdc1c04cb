/** `C:/x`, `C:\x` and `\\server\share` are Windows paths: they cannot be examined from POSIX. */
export function isWindowsPath(p: string): boolean {
  return /^[A-Za-z]:[\\/]/.test(p) || /^\\\\/.test(p)
}
