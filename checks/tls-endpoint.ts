import {defineCheck, type Finding, type PlannedTarget, netwrixDocs} from '../src/model/index.js'
import {networkParams, networkParamsSchema, urlHostPort, type NetworkParams} from '../src/environment/index.js'
import {
  DEFAULT_MIN_PROTOCOL,
  protocolName,
  protocolRank,
  TLS_PROTOCOLS,
  tlsKeyFindings,
  type TlsProtocol,
  certSummary,
  daysUntil,
  isWeakSignature,
  type CertificateInfo,
} from '../src/probes/pki/index.js'
import type {TlsFacts} from '../src/probes/tls/index.js'

interface Params extends NetworkParams {
  url: string
  host: string
  port: number
  role: string
  /** This tool's baseline (no page of the docs names a TLS version): checks.settings, default TLS 1.2. */
  minProtocol?: TlsProtocol
}

const TRUST: Record<string, [string, string]> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: [
    'the certificate is self-signed',
    'use a certificate from your PKI or a public CA, or add this certificate to network.caFile if it is meant to be trusted privately',
  ],
  SELF_SIGNED_CERT_IN_CHAIN: [
    'the chain ends in a root this host does not trust',
    'add the root CA to network.caFile (private PKI) and to the trust store of every client',
  ],
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: [
    'the issuer is not trusted here',
    'add the issuing CA to network.caFile (private PKI), or serve the intermediate certificates with the site',
  ],
  UNABLE_TO_GET_ISSUER_CERT: ['the issuer is not trusted here', 'serve the intermediate certificates with the site'],
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: [
    'the chain cannot be verified (missing intermediate?)',
    'serve the intermediate certificates with the site',
  ],
  CERT_HAS_EXPIRED: ['a certificate of the chain has expired', 'renew the certificate and rebind it in IIS'],
  CERT_NOT_YET_VALID: [
    'a certificate of the chain is not valid yet',
    "check this host's clock, or wait until the certificate's start date",
  ],
  CERT_REVOKED: ['the certificate is revoked', 'issue a new certificate'],
}

export default defineCheck<Params, TlsFacts>({
  id: 'tls.endpoint',
  summary:
    "HTTPS endpoint: trusted chain, host name, validity (the docs: a certificate the browsers trust); this tool's baseline: TLS 1.2+ (settable), RSA ≥ 2048 / EC ≥ 256, no SHA-1/MD5",
  docs: netwrixDocs('installation-guide/requirements/server-requirements'),
  flow: 'browsers-server',
  topologies: ['saas', 'on-prem-integrated', 'on-prem-separate'],
  params: {
    type: 'object',
    additionalProperties: false,
    required: ['url', 'host', 'port', 'role'],
    properties: {
      url: {type: 'string'},
      host: {type: 'string'},
      port: {type: 'integer'},
      role: {type: 'string'},
      minProtocol: {enum: [...TLS_PROTOCOLS]},
      ...networkParamsSchema,
    },
  },
  settings: {
    type: 'object',
    additionalProperties: false,
    properties: {
      minProtocol: {
        enum: [...TLS_PROTOCOLS],
        default: DEFAULT_MIN_PROTOCOL,
        description:
          "The lowest TLS version a site may negotiate: this tool's security baseline, not a rule of the product docs (default TLSv1.2)",
      },
    },
  },
  stages: "the server's URL: before in SaaS or with server.installed, else after; agents' URLs: after",
  plan(env, ctx) {
    const net = {
      ...networkParams(env, ctx.baseDir),
      ...(ctx.settings?.minProtocol ? {minProtocol: ctx.settings.minProtocol as TlsProtocol} : {}),
    }
    const out: PlannedTarget<Params>[] = [
      // In SaaS the server exists already; on premises its site exists only once installed.
      {
        target: env.server.url,
        // On premises the server's own site is the server host's to check (agents reach it through
        // server.reachability); in SaaS it is what every agent connects to.
        ...(env.topology === 'saas' ? {} : {owner: 'server' as const}),
        // On premises the server is installed before its agents (the docs' order): once it is
        // (server.installed), its site is checked before an agent is installed too.
        stage: env.topology === 'saas' || env.server.installed ? ('before' as const) : ('after' as const),
        params: {url: env.server.url, ...urlHostPort(env.server.url), role: 'server', ...net},
      },
    ]
    for (const a of ctx.agents) {
      if (a.url)
        out.push({
          target: a.url,
          stage: 'after' as const,
          owner: {agent: a.identifier},
          params: {url: a.url, ...urlHostPort(a.url), role: `agent ${a.identifier}`, ...net},
        })
    }
    // An http:// URL (allowed, not recommended: validate warns) has no TLS to judge.
    return out.map((t) =>
      /^http:\/\//i.test(t.target)
        ? {...t, skip: `${t.target} is http://: no TLS to check (the docs recommend HTTPS)`}
        : t,
    )
  },
  title: (p) => `TLS ${p.url}`,
  probe: async (p, ctx) =>
    (await import('../src/probes/tls/tls-probe.js')).probeTls({
      host: p.host,
      port: p.port,
      dnsServers: p.dnsServers,
      caFile: p.caFile,
      signal: ctx.signal,
      timeoutMs: ctx.timeoutMs,
    }),
  evaluate(p, f, ctx): Finding[] {
    const where = `${p.host}:${p.port}`
    if (f.failedPhase === 'dns')
      return [{status: 'fail', message: `cannot resolve ${f.error}`, remediation: 'see dns.alias for this name'}]
    if (f.failedPhase === 'connect') {
      const why = f.errorCode === 'ECONNREFUSED' ? 'connection refused (nothing listens there)' : (f.error ?? 'failed')
      return [
        {
          status: 'fail',
          message: `cannot connect to ${where} (${f.addresses?.join(', ')}): ${why}`,
          remediation: `check that the ${p.role} site is started with an https binding on port ${p.port}, and that the firewall allows it`,
        },
      ]
    }
    if (f.failedPhase === 'tls') {
      return [
        {
          status: 'fail',
          message: `TLS handshake with ${where} failed: ${f.error}`,
          remediation: `check the https binding and its certificate in IIS, and that the server offers ${protocolName(p.minProtocol ?? DEFAULT_MIN_PROTOCOL)} or later`,
        },
      ]
    }
    const out: Finding[] = []
    const leaf = f.chain?.[0]
    if (!leaf)
      return [
        {
          status: 'fail',
          message: `${where} presented no certificate`,
          remediation: 'bind a server certificate to the https site',
        },
      ]
    const about = certSummary(leaf)
    const min = p.minProtocol ?? DEFAULT_MIN_PROTOCOL
    if (protocolRank(f.protocol) < protocolRank(min))
      out.push({
        status: 'fail',
        message: `${where} negotiated ${f.protocol}, below this tool's security baseline of ${protocolName(min)} (the product docs name no TLS version; checks.settings.tls.endpoint.minProtocol sets it)`,
        remediation: `enable ${protocolName(min)} or later and disable the older protocols on the server (Schannel settings or IIS Crypto)`,
      })
    if (f.hostnameError) {
      out.push({
        status: 'fail',
        message: `the certificate does not cover ${p.host}: it names ${leaf.subjectAltNames.join(', ') || leaf.subject} (${about})`,
        remediation: `issue a certificate whose subjectAltName includes ${p.host.toLowerCase()}`,
      })
    }
    const validityChecked = checkValidity(leaf, ctx.now, ctx.expiryWarningDays, out, about)
    if (!f.authorized) {
      const code = f.authorizationError ?? 'UNKNOWN'
      const known = TRUST[code]
      const skip = (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') && validityChecked
      if (!(code === 'ERR_TLS_CERT_ALTNAME_INVALID' && f.hostnameError) && !skip) {
        out.push({
          status: 'fail',
          message: `not trusted: ${known?.[0] ?? code} (${about})`,
          remediation: known?.[1] ?? 'check the chain with openssl s_client -showcerts',
        })
      }
    }
    out.push(...tlsKeyFindings(leaf, 'the certificate', about))
    for (const c of f.chain ?? []) {
      // A root's own signature is not checked by anyone: only judge what a client verifies.
      if (c.selfSigned && c !== leaf) continue
      if (isWeakSignature(c.signatureAlgorithm))
        out.push({
          status: 'fail',
          message: `${c === leaf ? 'the certificate' : `the intermediate ${c.subject}`} is signed with ${c.signatureAlgorithm}: this tool's baseline refuses SHA-1 and MD5, as browsers do (${about})`,
          remediation: 'reissue it signed with SHA-256 or stronger',
        })
    }
    if (out.some((x) => x.status === 'fail' || x.status === 'warn')) return out
    return [
      {
        status: 'pass',
        message: `${f.protocol}, trusted (issuer ${leaf.issuer}), covers ${p.host}, valid until ${leaf.notAfter.slice(0, 10)} (${daysUntil(leaf.notAfter, ctx.now)} days), ${leaf.keyType.toUpperCase()} ${leaf.keyBits}, ${leaf.signatureAlgorithm}`,
      },
    ]
  },
  data: (f) => ({
    ...f,
    chain: f.chain?.map((c) => ({
      subject: c.subject,
      issuer: c.issuer,
      notBefore: c.notBefore,
      notAfter: c.notAfter,
      keyType: c.keyType,
      keyBits: c.keyBits,
      signatureAlgorithm: c.signatureAlgorithm,
      thumbprint: c.thumbprint,
    })),
  }),
  // What `checks show` says beyond the definition (verdicts, and the docs sentences it rests on).
  explain: {
    how: "Opens a TLS connection to the URL's host and port (resolved as dns.alias does) and reads the negotiated protocol and the chain, verified against the system's roots plus network.caFile.",
    verdicts: [
      {status: 'pass', when: 'TLS 1.2 or later, trusted, covers the host, in validity, strong key and signature'},
      {
        status: 'fail',
        when: 'the name does not resolve, nothing listens, or the handshake fails',
        fix: 'the https binding of the site, the firewall',
      },
      {
        status: 'fail',
        when: 'TLS below 1.2, a chain not trusted here, a certificate not covering the host, expired or not yet valid, RSA < 2048 or EC < 256, or a SHA-1/MD5 signature',
        fix: 'the certificate to issue or the CA to add to network.caFile, per verdict',
      },
      {
        status: 'warn',
        when: 'the certificate expires within checks.expiryWarningDays',
        fix: 'renew it before that date',
      },
      {status: 'skip', when: 'the URL is http:// (no TLS to check)'},
    ],
    sources: [
      {
        page: netwrixDocs('installation-guide/requirements/server-requirements'),
        quote:
          "Identity Manager on-premises offering requires the use of an SSL certificate trusted by all the target end-users' browsers.",
      },
    ],
    policy:
      "TLS 1.2 as a floor (checks.settings.tls.endpoint.minProtocol), the key sizes and no SHA-1/MD5 are this tool's security baseline (the docs name no protocol version and no key for the SSL certificate)",
  },
})

/** Validity window and expiry warning; true when it found the chain's date problem itself. */
export function checkValidity(
  leaf: CertificateInfo,
  now: Date,
  warnDays: number,
  out: Finding[],
  about: string,
): boolean {
  if (Date.parse(leaf.notBefore) > now.getTime()) {
    out.push({
      status: 'fail',
      message: `the certificate is not valid before ${leaf.notBefore.slice(0, 10)} (${about})`,
      remediation: "check this host's clock, or use a certificate already valid",
    })
    return true
  }
  const days = daysUntil(leaf.notAfter, now)
  if (days < 0) {
    out.push({
      status: 'fail',
      message: `the certificate expired on ${leaf.notAfter.slice(0, 10)} (${about})`,
      remediation: 'renew it and rebind it',
    })
    return true
  }
  if (days < warnDays)
    out.push({
      status: 'warn',
      message: `the certificate expires in ${days} days, on ${leaf.notAfter.slice(0, 10)} (${about})`,
      remediation: `renew it before ${leaf.notAfter.slice(0, 10)} (checks.expiryWarningDays is ${warnDays})`,
    })
  return false
}
