import {defineCheck, type Finding, netwrixDocs} from '../src/model/index.js'
import {clip} from '../src/base/index.js'
import {type SmtpFacts, smtpParams, smtpParamsSchema, type SmtpSettings} from '../src/probes/smtp/index.js'
import {certSummary} from '../src/probes/pki/index.js'

type Params = SmtpSettings & {useDefaultCredentials?: boolean}

const PHASE_FIX: Record<string, string> = {
  dns: 'see dns.alias for the SMTP host',
  connect: 'check smtp.host and smtp.port, and that the firewall lets this host reach the SMTP server',
  greeting:
    'the server did not greet with 220: check that this port speaks SMTP (465 speaks TLS at once: use SslOnConnect) and that this host is allowed to relay',
  ehlo: 'the server dropped or refused EHLO: check its relay restrictions for this host',
  starttls:
    'the server does not accept STARTTLS: enable it on the server, or set secureSocketOption to match what it offers',
  tls: 'check the TLS configuration and certificate of the SMTP server',
  auth: 'check smtp.username and the password, and that the account may send mail (SMTP AUTH enabled)',
}

export default defineCheck<Params, SmtpFacts>({
  id: 'smtp.server',
  summary: 'SMTP: connect, 220 greeting, EHLO, STARTTLS or TLS per secureSocketOption, trusted certificate, AUTH',
  docs: netwrixDocs('installation-guide/production-ready/email-server'),
  flow: 'smtp',
  topologies: ['saas', 'on-prem-integrated', 'on-prem-separate'],
  params: smtpParamsSchema,
  plan(env, ctx) {
    const p = smtpParams(env, ctx.baseDir)
    if (!p) {
      const why = env.smtp?.pickupDirectory
        ? 'pickup mode: mails are written to a folder (smtp.pickup)'
        : 'no smtp section in the environment file'
      return [
        {
          target: env.smtp?.pickupDirectory ? 'pickup' : 'smtp',
          params: {host: '-', port: 25, secureSocketOption: 'Auto'},
          skip: why,
        },
      ]
    }
    return [{target: `${p.host}:${p.port}`, params: p}]
  },
  title: (p) => `SMTP ${p.host}:${p.port}`,
  probe: async (p, ctx) =>
    (await import('../src/probes/smtp/smtp-probe.js')).probeSmtp(
      p.useDefaultCredentials ? {...p, username: undefined} : p,
      ctx.signal,
      ctx.timeoutMs,
    ),
  evaluate(p, f): Finding[] {
    const where = `${p.host}:${p.port}`
    const out: Finding[] = []
    if (f.failedPhase && f.failedPhase !== 'auth') {
      let detail = f.error ?? 'failed'
      if (f.failedPhase === 'starttls' && f.starttlsOffered === false)
        detail = 'the server does not offer STARTTLS (its EHLO answer lacks it) and refused the command'
      if (f.failedPhase === 'greeting' && f.response) detail = `greeted with "${clip(f.response, 80)}" instead of 220`
      const hint =
        f.failedPhase === 'greeting' &&
        p.port === 465 &&
        p.secureSocketOption !== 'SslOnConnect' &&
        p.secureSocketOption !== 'Auto'
          ? ' (port 465 expects SslOnConnect)'
          : f.failedPhase === 'tls' && p.secureSocketOption === 'SslOnConnect' && (p.port === 587 || p.port === 25)
            ? ` (port ${p.port} speaks plain SMTP first: use StartTls)`
            : ''
      return [
        {
          status: 'fail',
          message: `${where}: ${f.failedPhase} failed: ${detail}${hint}`,
          remediation: PHASE_FIX[f.failedPhase] ?? '',
        },
      ]
    }
    if (f.tlsTrusted === false && f.certificate) {
      return [
        {
          status: 'fail',
          message: `${where}: the TLS certificate is not trusted or does not cover ${p.host} (${f.tlsError}); no credentials were sent (${certSummary(f.certificate)})`,
          remediation:
            "use a certificate from a trusted CA naming the SMTP host, or add the CA to network.caFile and to this host's trust store",
        },
      ]
    }
    const sec =
      f.security === 'none'
        ? 'no encryption'
        : `${f.security === 'implicit-tls' ? 'TLS from connect' : 'STARTTLS'} (${f.tlsProtocol}, certificate trusted)`
    if (f.security === 'none') {
      if (p.secureSocketOption === 'StartTlsWhenAvailable' || p.secureSocketOption === 'Auto')
        out.push({
          status: 'warn',
          message: `${where} offers no STARTTLS: ${p.secureSocketOption} falls back to plain text${p.username ? ', credentials included' : ''}`,
          remediation: 'enable STARTTLS on the server, or use port 465 with SslOnConnect',
        })
      else if (p.secureSocketOption === 'None' && p.username)
        out.push({
          status: 'warn',
          message: `secureSocketOption None: credentials and mails travel in clear to ${where}${f.starttlsOffered ? ', though the server offers STARTTLS' : ''}`,
          remediation: 'use StartTls (587) or SslOnConnect (465)',
        })
    }
    if (f.failedPhase === 'auth') {
      const reply = f.response ? `: ${clip(f.response, 100)}` : f.error ? `: ${f.error}` : ''
      out.push({
        status: 'fail',
        message: `${where}: AUTH as ${p.username} refused${reply}`,
        remediation: PHASE_FIX.auth!,
      })
      return out
    }
    const auth = p.useDefaultCredentials
      ? 'useDefaultCredentials: Windows (NTLM) login is not tested from here'
      : f.authenticated
        ? `AUTH as ${p.username} accepted (${f.authMechanisms?.join(', ')})`
        : `no credentials set (server offers ${f.authMechanisms?.length ? f.authMechanisms.join(', ') : 'no AUTH'})`
    out.push({
      status: 'pass',
      message: `${where}: ${f.banner ? `greeted "${f.banner.slice(4, 60)}", ` : ''}${sec}, ${auth}`,
    })
    return out
  },
  data: (f) => ({...f, certificate: f.certificate && certSummary(f.certificate)}),
  // What `checks show` says beyond the definition (verdicts, and the docs sentences it rests on).
  explain: {
    how: "Speaks SMTP to smtp.host:port as MailKit would (the docs name MailKit's SecureSocketOptions values, not the library: this tool's assumption): greeting, EHLO, STARTTLS or TLS at connect per secureSocketOption, the certificate verified, then AUTH when a username is set. No mail is sent.",
    verdicts: [
      {status: 'pass', when: 'greeted, encrypted as configured, AUTH accepted (or no credentials set)'},
      {
        status: 'fail',
        when: 'the DNS, connect, greeting, EHLO, STARTTLS, TLS or AUTH phase failed (named)',
        fix: 'host and port, the relay rules, STARTTLS on the server, or the credentials, per phase',
      },
      {
        status: 'fail',
        when: 'the TLS certificate is not trusted or does not cover the host (no credentials are sent then)',
        fix: 'a certificate from a trusted CA, or its CA in network.caFile',
      },
      {
        status: 'warn',
        when: 'Auto or StartTlsWhenAvailable falls back to plain text, or None sends credentials in clear',
        fix: 'StartTls on 587 or SslOnConnect on 465',
      },
      {status: 'skip', when: 'pickup mode, or no smtp section'},
    ],
    sources: [
      {
        page: netwrixDocs('installation-guide/production-ready/email-server'),
        quote: 'Both the Agent and the Server can get their emails delivered through an **external** SMTP server.',
      },
      {
        page: netwrixDocs('installation-guide/production-ready/email-server'),
        quote:
          'You can also input a **UserName** and **Password** if the SMTP server requires Identity Manager to authenticate to send emails.',
      },
    ],
  },
})
