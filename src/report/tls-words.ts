import type {CheckResult} from './report.js'

/**
 * OpenSSL's error strings (`C07C…:error:0A00010B:SSL routines:tls_validate_record_header:wrong
 * version number:../deps/openssl/openssl/ssl/record/methods/tlsany_meth.c:77:`) said as a reader
 * of a report understands them: what the peer did, and OpenSSL's own words in brackets.
 */
const OPENSSL =
  /(?:\b(?:write|read) EPROTO )?(?:\b[0-9A-F]{4,}:)?error:[0-9A-F]{8}:[^:\n]*:[^:\n]*:([^:\n]+)(?::[^\s:]+:\d+:?)?(?:SSL alert number \d+)?\n?/g

const PLAIN: [RegExp, string][] = [
  [
    /wrong version number|packet length too long|record layer failure|http request/i,
    'the peer did not answer in TLS, perhaps plain HTTP or another protocol on this port',
  ],
  [/certificate verify failed/i, 'the certificate is not trusted'],
  [
    /unsupported protocol|alert protocol version|no protocols available|version too low/i,
    'no TLS version in common with the peer (it offers only an older one, or refuses ours)',
  ],
  [/no shared cipher|no cipher match|no suitable signature algorithm/i, 'no cipher in common with the peer'],
  [/alert handshake failure|handshake failure/i, 'the peer refused the handshake (no TLS version or cipher in common)'],
  [/unexpected eof/i, 'the peer closed the connection during the TLS handshake'],
  [/alert unknown ca/i, 'the peer does not trust the certificate authority of a certificate we sent'],
  [/alert certificate required/i, 'the peer requires a client certificate'],
  [/alert bad certificate|alert certificate unknown/i, 'the peer refused a certificate'],
  [/alert unrecognized name/i, 'the peer does not know this host name (SNI)'],
  [/alert internal error/i, 'the peer reported an internal TLS error'],
  [
    /(dh|ee) key too small|md too weak|key too small/i,
    "a key or signature of the peer is too weak for this system's TLS settings",
  ],
]

/** `text` with every OpenSSL error string said plainly. */
export function plainTls(text: string): string {
  if (!text.includes('error:')) return text
  return text.replace(OPENSSL, (_all, reason: string) => {
    const why = reason.trim()
    const plain = PLAIN.find(([re]) => re.test(why))?.[1]
    return plain ? `${plain} (${why})` : `TLS error (${why})`
  })
}

/** A result whose message, fix and findings say OpenSSL's errors plainly. */
export function plainTlsResult(r: CheckResult): CheckResult {
  const findings = (r.data as {findings?: {message: string}[]} | null)?.findings
  const changed =
    r.message.includes('error:') ||
    r.remediation.includes('error:') ||
    findings?.some((f) => f.message.includes('error:'))
  if (!changed) return r
  return {
    ...r,
    message: plainTls(r.message),
    remediation: plainTls(r.remediation),
    ...(findings
      ? {data: {...(r.data as object), findings: findings.map((f) => ({...f, message: plainTls(f.message)}))}}
      : {}),
  }
}
