/**
 * The SMTP conversation (nodemailer's SMTPConnection): greeting, EHLO, STARTTLS, AUTH, each phase
 * named in the verdicts; and the smtp.* checks' settings.
 */
export type {SmtpFacts} from './smtp-probe.js'
export {smtpParams, smtpParamsSchema, transportMode} from './smtp-settings.js'
export type {SmtpSettings} from './smtp-settings.js'
