import {SECURE_SOCKET_OPTIONS, type Environment, type SecureSocketOption} from '../../model/index.js'
import {networkParams, networkParamsSchema} from '../../environment/index.js'

export interface SmtpSettings {
  host: string
  port: number
  secureSocketOption: SecureSocketOption
  username?: string
  password?: string
  dnsServers?: string[]
  caFile?: string
}

/**
 * How SecureSocketOption is read. The docs list its values (None, Auto, SslOnConnect, StartTls,
 * StartTlsWhenAvailable) without naming the library behind them; they are the names of MailKit's
 * SecureSocketOptions, and this tool reads them as MailKit does (its own assumption, checked
 * against MailKit by test/conformance): Auto is implicit TLS on 465 and STARTTLS-when-offered
 * elsewhere.
 */
export function transportMode(
  opt: SecureSocketOption,
  port: number,
): {secure: boolean; requireTLS: boolean; ignoreTLS: boolean} {
  switch (opt) {
    case 'None':
      return {secure: false, requireTLS: false, ignoreTLS: true}
    case 'SslOnConnect':
      return {secure: true, requireTLS: false, ignoreTLS: false}
    case 'StartTls':
      return {secure: false, requireTLS: true, ignoreTLS: false}
    case 'StartTlsWhenAvailable':
      return {secure: false, requireTLS: false, ignoreTLS: false}
    default:
      return port === 465
        ? {secure: true, requireTLS: false, ignoreTLS: false}
        : {secure: false, requireTLS: false, ignoreTLS: false}
  }
}

export const smtpParamsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['host', 'port', 'secureSocketOption'],
  properties: {
    host: {type: 'string'},
    port: {type: 'integer'},
    secureSocketOption: {enum: [...SECURE_SOCKET_OPTIONS]},
    username: {type: 'string'},
    password: {type: 'string'},
    useDefaultCredentials: {type: 'boolean'},
    fromAddress: {type: 'string'},
    testRecipient: {type: 'string'},
    ...networkParamsSchema,
  },
}

/** The SMTP settings of the environment as probe params (the password resolved, never printed). */
export function smtpParams(
  env: Environment,
  baseDir: string,
): (SmtpSettings & {useDefaultCredentials?: boolean}) | undefined {
  const s = env.smtp
  if (!s?.host) return undefined
  return {
    host: s.host,
    port: s.port ?? 25,
    secureSocketOption: (s.secureSocketOption ?? 'Auto') as SecureSocketOption,
    ...(s.username ? {username: s.username} : {}),
    ...(s.password !== undefined ? {password: s.password} : {}),
    ...(s.useDefaultCredentials ? {useDefaultCredentials: true} : {}),
    ...networkParams(env, baseDir),
  }
}
