/**
 * A certificate's password as the product's settings hold it (EncryptionCertificate.Password,
 * IdentityServer.X509KeyFilePassword): the product's protected three-part form, and the "@" escape
 * of the settings-files page. One home for the format that scaffold writes, validate judges, adopt
 * reads back and the certificate checks open a PFX with.
 */
/** The product's protected password format: three base64 blobs joined by "@" (Usercube-Protect-CertificatePassword). */
export function isProtectedPassword(pw: string): boolean {
  return /^[A-Za-z0-9+/]+={0,2}@[A-Za-z0-9+/]+={0,2}@[A-Za-z0-9+/]+={0,2}$/.test(pw) && pw.length >= 24
}

/**
 * The password that opens the PFX, from the environment file. The environment file holds the
 * real password, "@" and all: the escaping the product's settings need (DOMAIN.md §3.5) is
 * scaffold's job when it writes them (see `settingsPassword`). Only the product's three-part
 * protected form cannot be used here.
 */
export function effectivePassword(pw: string | undefined): {password: string | undefined; protectedFormat: boolean} {
  if (pw === undefined) return {password: undefined, protectedFormat: false}
  if (isProtectedPassword(pw)) return {password: undefined, protectedFormat: true}
  return {password: pw, protectedFormat: false}
}

/**
 * A PFX password as the product's settings must hold it (settings-files page: "If the
 * certificates' passwords contain @, then they must be escaped via the @ as first character of
 * the strings"): the protected three-part form as it is; a plain password that contains "@" with
 * one "@" in front, whatever it starts with (DOMAIN.md §3.5). For certificate passwords only.
 */
export function escapeSettingsPassword(pw: string): string {
  if (isProtectedPassword(pw) || !pw.includes('@')) return pw
  return `@${pw}`
}
