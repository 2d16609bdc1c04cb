/** Quoting for the scripts we write (scaffold) and run (the Windows checks): one rule per shell. */

/** A value for a single-quoted PowerShell string. */
export function psString(s: string): string {
  // PowerShell ends a single-quoted string at any of ' ‘ ’ ‚ ‛ (not only ASCII '), and reads a
  // doubled one as that character: double every one of them.
  return `'${s.replace(/['\u2018\u2019\u201a\u201b]/g, (q) => q + q)}'`
}

/** A value for a single-quoted POSIX shell word. */
export function shString(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`
}
