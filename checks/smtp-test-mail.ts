import {hostname} from 'node:os'
import {defineCheck, type Finding, netwrixDocs} from '../src/model/index.js'
import {clip} from '../src/base/index.js'
import {resolveName, ResolutionError} from '../src/probes/dns/index.js'
import {smtpParams, smtpParamsSchema, transportMode} from '../src/probes/smtp/index.js'
import {isIpLiteral} from '../src/probes/tls/index.js'
import {trustedCAs} from '../src/probes/pki/index.js'

interface Params {
  host: string
  port: number
  secureSocketOption: 'None' | 'Auto' | 'SslOnConnect' | 'StartTls' | 'StartTlsWhenAvailable'
  username?: string
  password?: string
  fromAddress?: string
  testRecipient?: string
  dnsServers?: string[]
  caFile?: string
}

interface Facts {
  sent: boolean
  queueId?: string
  response?: string
  messageId?: string
  error?: string
  phase?: string
}

export default defineCheck<Params, Facts>({
  id: 'smtp.test-mail',
  summary: 'Sends a real test mail to smtp.testRecipient and reports the queue id (opt-in)',
  docs: netwrixDocs('installation-guide/production-ready/email-server'),
  flow: 'smtp',
  topologies: ['saas', 'on-prem-integrated', 'on-prem-separate'],
  optIn: {flag: 'send-test-mail'},
  params: smtpParamsSchema,
  plan(env, ctx) {
    const p = smtpParams(env, ctx.baseDir)
    if (!p)
      return [
        {
          target: env.smtp?.pickupDirectory ? 'pickup' : 'smtp',
          params: {host: '-', port: 25, secureSocketOption: 'Auto'},
          skip: 'no SMTP server in the environment file (pickup mode or no smtp)',
        },
      ]
    const params: Params = {
      ...p,
      ...(env.smtp?.fromAddress ? {fromAddress: env.smtp.fromAddress} : {}),
      ...(env.smtp?.testRecipient ? {testRecipient: env.smtp.testRecipient} : {}),
    }
    if (!env.smtp?.testRecipient)
      return [{target: `${p.host}:${p.port}`, params, skip: 'set smtp.testRecipient to send a test mail'}]
    return [{target: `${p.host}:${p.port}`, params}]
  },
  title: (p) => `Test mail via ${p.host}:${p.port} to ${p.testRecipient}`,
  async probe(p, ctx) {
    let address: string
    try {
      address = (await resolveName(p.host, p.dnsServers, {timeoutMs: ctx.timeoutMs, signal: ctx.signal})).addresses[0]!
        .address
    } catch (e) {
      if (e instanceof ResolutionError) return {sent: false, phase: 'dns', error: e.message}
      throw e
    }
    const {default: nodemailer} = await import('nodemailer')
    const transport = nodemailer.createTransport({
      host: address,
      port: p.port,
      ...transportMode(p.secureSocketOption, p.port),
      // No SNI for an IP address (RFC 6066; Node warns with DEP0123).
      tls: {...(isIpLiteral(p.host) ? {} : {servername: p.host}), ca: await trustedCAs(p.caFile)},
      ...(p.username ? {auth: {user: p.username, pass: p.password ?? ''}} : {}),
      connectionTimeout: Math.round(ctx.timeoutMs * 0.5),
      greetingTimeout: Math.round(ctx.timeoutMs * 0.6),
      socketTimeout: Math.round(ctx.timeoutMs * 0.8),
      name: hostname(),
    })
    const onAbort = () => transport.close()
    ctx.signal.addEventListener('abort', onAbort, {once: true})
    try {
      const info = await transport.sendMail({
        from: p.fromAddress,
        to: p.testRecipient,
        subject: `idm-preflight test mail from ${hostname()}`,
        text: `This test mail was sent by idm-preflight from ${hostname()} at ${new Date().toISOString()} through ${p.host}:${p.port} (${p.secureSocketOption}).\nIf you read this, Identity Manager can send mail with the same settings.`,
      })
      const response = String(info.response ?? '')
      return {
        sent: true,
        response,
        messageId: info.messageId,
        queueId: /queued as\s+(\S+)/i.exec(response)?.[1] ?? /\bid[=:\s]+(\S+)/i.exec(response)?.[1],
      }
    } catch (e) {
      const err = e as Error & {command?: string; response?: string}
      return {
        sent: false,
        error: err.message.replace(/\s*response=.*/s, ''),
        phase: err.command,
        response: err.response,
      }
    } finally {
      ctx.signal.removeEventListener('abort', onAbort)
      transport.close()
    }
  },
  evaluate(p, f): Finding[] {
    if (!f.sent)
      return [
        {
          status: 'fail',
          message: `the test mail to ${p.testRecipient} was not accepted${f.phase ? ` (${f.phase})` : ''}: ${f.response ?? f.error}`,
          remediation:
            'see smtp.server for the failing phase; check that fromAddress may send and the recipient is allowed',
        },
      ]
    return [
      {
        status: 'pass',
        message: `test mail to ${p.testRecipient} accepted${f.queueId ? `, queue id ${f.queueId}` : ''} (${clip(f.response ?? '', 80)})`,
      },
    ]
  },
  // What `checks show` says beyond the definition (verdicts, and the docs sentences it rests on).
  explain: {
    how: 'Sends one real message to smtp.testRecipient through the SMTP server, with the settings smtp.server checks, and reports the queue id the server gives. Runs only with --send-test-mail.',
    verdicts: [
      {status: 'pass', when: 'the server accepted the mail (its queue id is shown)'},
      {
        status: 'fail',
        when: 'the mail was refused, or a phase failed',
        fix: 'see smtp.server; check that fromAddress may send and the recipient is allowed',
      },
      {status: 'skip', when: 'no SMTP server, or no smtp.testRecipient'},
    ],
    sources: [
      {
        page: netwrixDocs('user-guide/deploy/production-agent-installation'),
        quote:
          'perform from a local device agent-side actions such as sending test emails, reading and/or writing inside working folders, or launching/scheduling agent-side tasks.',
      },
    ],
  },
})
