import {defineCheck, type Finding, netwrixDocs} from '../src/model/index.js'
import {ldapAuthType, networkParams, networkParamsSchema} from '../src/environment/index.js'
import {connectionsOf, connectorParamsSchema, noConnectionReason, ownedBy} from '../src/product/index.js'
import type {LdapFacts, LdapParams} from '../src/probes/ldap/index.js'

/** Active Directory's sub-codes of a failed bind (data NNN in its diagnostic message). */
const AD_BIND_CODES: Record<string, string> = {
  '525': 'the account does not exist',
  '52e': 'the password is wrong',
  '530': 'the account may not log on at this time',
  '531': 'the account may not log on from this workstation',
  '532': 'the password has expired',
  '533': 'the account is disabled',
  '701': 'the account has expired',
  '773': 'the password must be changed at next logon',
  '775': 'the account is locked out',
}

const FIX: Record<string, string> = {
  dns: "the directory's host must resolve from the agent's host (see dns.alias; on AD, use a DC's or the domain's name)",
  tcp: 'open the LDAP feed from the agent to the directory: 636 for LDAPS, 389 for LDAP/StartTLS (firewall), and check host and port',
  rootdse: 'the peer accepted the connection but did not answer LDAP: check host and port (is it a directory server?)',
  base: 'check baseDN: it must name an entry the directory holds',
  search: "check the filter (Microsoft's search filter syntax) and that the account may read under the base DN",
}

export default defineCheck<LdapParams, LdapFacts>({
  id: 'connector.ldap',
  summary:
    "Active Directory / LDAP connection from the agent's host: DNS, TCP, LDAPS or StartTLS (trust and host name), bind as the account, base DN read, paged search measured",
  docs: netwrixDocs('integration-guide/connectors/references-connectors/ldap'),
  flow: 'agent-systems',
  topologies: ['saas', 'on-prem-integrated', 'on-prem-separate'],
  roles: ['agent'],
  params: {
    type: 'object',
    additionalProperties: false,
    required: [
      'owner',
      'system',
      'connection',
      'activeDirectory',
      'host',
      'port',
      'security',
      'baseDN',
      'authType',
      'filter',
      'countCap',
    ],
    properties: {
      ...connectorParamsSchema,
      activeDirectory: {type: 'boolean'},
      host: {type: 'string'},
      port: {type: 'integer'},
      security: {enum: ['ldaps', 'starttls', 'none']},
      baseDN: {type: 'string'},
      authType: {enum: ['Basic', 'Anonymous', 'Negotiate']},
      login: {type: 'string'},
      password: {type: 'string'},
      filter: {type: 'string'},
      countCap: {type: 'integer'},
      ...networkParamsSchema,
    },
  },
  settings: {
    type: 'object',
    additionalProperties: false,
    properties: {
      countCap: {
        type: 'integer',
        minimum: 1,
        maximum: 1000000,
        default: 10000,
        description: 'Most entries the paged search counts before it stops (default 10000)',
      },
    },
  },
  emptyReason: (env, ctx) => noConnectionReason(env, ctx, ['activeDirectory', 'ldap']),
  plan(env, ctx) {
    return connectionsOf(env, ctx, ['activeDirectory', 'ldap']).flatMap(({connection: k, owner, target, system}) => {
      const security = k.security ?? 'ldaps'
      return (k.servers ?? []).map((s) => {
        const port = s.port ?? (security === 'ldaps' ? 636 : 389)
        return {
          target: `${target}@${s.host}:${port}`,
          ...ownedBy(owner),
          ...(k.type === 'activeDirectory'
            ? {docs: netwrixDocs('integration-guide/connectors/references-connectors/activedirectory')}
            : {}),
          params: {
            owner,
            system,
            connection: k.identifier,
            activeDirectory: k.type === 'activeDirectory',
            host: s.host,
            port,
            security,
            baseDN: s.baseDN ?? k.baseDN ?? '',
            authType: ldapAuthType(k),
            ...(k.login ? {login: k.login} : {}),
            ...(k.password !== undefined ? {password: k.password} : {}),
            filter: k.filter ?? '(objectClass=*)',
            countCap: Number(ctx.settings.countCap ?? 10000),
            ...networkParams(env, ctx.baseDir),
          },
        }
      })
    })
  },
  title: (p) => `${p.connection} → ${p.security === 'ldaps' ? 'ldaps' : 'ldap'}://${p.host}:${p.port}`,
  probe: async (p, ctx) => (await import('../src/probes/ldap/ldap-probe.js')).probeLdap(p, ctx),
  evaluate(p, f): Finding[] {
    const where = `${p.host}:${p.port}`
    const ad = p.activeDirectory || f.rootDse?.activeDirectory === true
    if (f.failedPhase) return [failure(p, f, where, ad)]
    const out: Finding[] = []
    const tlsText =
      p.security === 'none'
        ? 'no TLS'
        : `${p.security === 'ldaps' ? 'LDAPS' : 'StartTLS'} ${f.tls?.protocol ?? ''}, certificate trusted`.replace(
            '  ',
            ' ',
          )
    const who = p.authType === 'Basic' ? `bound as ${p.login}` : p.authType === 'Anonymous' ? 'anonymous' : 'not bound'
    const count =
      f.pagedEntries === undefined || f.pagedLimit !== undefined
        ? ''
        : `, ${f.capped ? `≥ ${f.pagedEntries}` : f.pagedEntries} entr${f.pagedEntries === 1 ? 'y' : 'ies'} match ${p.filter}`
    out.push({status: 'pass', message: `${where}: ${tlsText}, ${who}, ${p.baseDN} read${count}`})
    if (p.security === 'none' && p.authType === 'Basic')
      out.push({
        status: 'warn',
        message: `${where}: the bind password crossed the network in clear (security none)`,
        remediation: 'use LDAPS (EnableSSL: port 636 with a certificate the agent trusts)',
      })
    if (p.authType === 'Negotiate')
      out.push({
        status: 'warn',
        message: `${where}: Negotiate (Kerberos) binds as the agent's Windows identity, which idm-preflight cannot use from here: that bind was not tested, the reads above were anonymous`,
        remediation:
          'run idm-preflight on the agent host as the service account, or give the connection authType Basic with a login and a password reference',
      })
    if (f.pagedLimit !== undefined)
      out.push({
        status: 'fail',
        message: `${where}: the server stopped a paged search after ${f.pagedLimit} entries (sizeLimitExceeded): an export would be truncated`,
        remediation: ad
          ? 'raise MaxPageSize/MaxResultSetSize (ntdsutil LDAP policies), or narrow the base DN or the filter'
          : "raise the server's size limit for this account (OpenLDAP: olcLimits size.prtotal=unlimited for the bind DN), or narrow the base DN or the filter",
      })
    else if (f.pagedShort !== undefined)
      out.push({
        status: 'fail',
        message: `${where}: a paged search returned ${f.pagedEntries} entries, an unpaged one ${f.pagedShort}: the server's paging loses entries, an export would miss them`,
        remediation:
          "check the directory's paged-results support (a proxy or load balancer in front of it may break the paging cookie)",
      })
    else if (f.rootDse && !f.rootDse.pagedResults)
      out.push({
        status: 'warn',
        message: `${where}: the server does not announce paged results (1.2.840.113556.1.4.319)${f.unpagedLimit !== undefined ? `, and stops unpaged searches at ${f.unpagedLimit} entries` : ''}: a large export may be truncated`,
        // The connection asks for paging (scaffold writes Controls: PagedResult for a generic LDAP
        // one), and the LDAP page says SizeLimit is "ignored when using Servers:Controls"; the
        // Active Directory connector has no SizeLimit setting.
        remediation: ad
          ? 'have the domain controller offer paged results (the Active Directory connector has no setting for it)'
          : 'have the directory offer paged results: the connection asks for them (Controls: PagedResult), and SizeLimit is "ignored when using Servers:Controls" (LDAP page)',
      })
    else if (f.unpagedLimit !== undefined)
      out.push({
        status: 'pass',
        message: `${where}: unpaged searches stop at ${f.unpagedLimit} entries; paged ones (PagedResult, which the connector uses) read them all`,
      })
    if (f.capped)
      out.push({
        status: 'pass',
        message: `${where}: the count stopped at ${p.countCap} (checks.settings.connector.ldap.countCap): the directory holds more`,
      })
    if (p.activeDirectory && f.rootDse && !f.rootDse.activeDirectory)
      out.push({
        status: 'warn',
        message: `${where}: the connection says Active Directory but the server does not (${f.rootDse.vendor ?? 'no AD capability in its rootDSE'})`,
        remediation: 'use type ldap (the Generic LDAP connector) for a directory that is not Active Directory',
      })
    const nc = f.rootDse?.namingContexts ?? []
    if (nc.length && !nc.some((c) => p.baseDN.toLowerCase().endsWith(c.toLowerCase())))
      out.push({
        status: 'warn',
        message: `${where}: ${p.baseDN} lies under none of the server's naming contexts (${nc.join('; ')}): a referral elsewhere`,
        remediation: 'point the connection at a server that holds this naming context',
      })
    return out
  },
  // What `checks show` says beyond the definition (verdicts, and the docs sentences it rests on).
  explain: {
    how: "From the agent's host, for each server of the connection: DNS, TCP, LDAPS or StartTLS with the certificate verified (the password is sent only then, or with security none), the rootDSE, the bind, the base DN read, then a paged search with the filter, counted up to countCap.",
    verdicts: [
      {status: 'pass', when: 'bound, the base DN read, the entries matching the filter counted'},
      {
        status: 'fail',
        when: 'the DNS, TCP, TLS or StartTLS, rootDSE, bind (49 with the AD sub-code; 8/13 signing), base (noSuchObject) or search phase failed',
        fix: 'per phase: the firewall, the CA, the account, the base DN',
      },
      {
        status: 'fail',
        when: 'the server stops a paged search (sizeLimitExceeded) or loses entries while paging: an export would be truncated',
        fix: "raise the server's limits, or narrow the base DN or the filter",
      },
      {
        status: 'warn',
        when: 'Negotiate (not tested from here), a password sent in clear, no paged results announced, a base DN outside the naming contexts, or an Active Directory connection to a server that is not one',
      },
    ],
    sources: [
      {
        page: netwrixDocs('installation-guide/requirements/agent-requirements'),
        quote:
          'Every Identity Manager agent needs one or several service accounts on the target managed systems, able to read and write to said managed systems.',
      },
    ],
  },
})

function failure(p: LdapParams, f: LdapFacts, where: string, ad: boolean): Finding {
  const phase = f.failedPhase!
  const head = `${where}: ${phase} failed`
  if (phase === 'tls' || phase === 'starttls') {
    const tlsRefused = f.resultCode !== undefined || !f.tls
    return {
      status: 'fail',
      message: `${head}: ${f.error}${tlsRefused ? '' : ' (the password was not sent)'}`,
      remediation: tlsRefused
        ? phase === 'starttls'
          ? 'the server refused StartTLS: give it a certificate (OpenLDAP olcTLSCertificateFile; AD: a Domain Controller certificate), or use ldaps'
          : 'the server does not speak TLS on this port: use 636 for LDAPS, or security starttls on 389'
        : `the agent must trust the directory's certificate and it must name ${p.host}: add its CA to network.caFile and to the agent's trust store, or connect with the name the certificate gives`,
    }
  }
  if (phase === 'bind') {
    const code = f.resultCode
    if (code === 49) {
      const why = f.adDataCode ? AD_BIND_CODES[f.adDataCode] : undefined
      return {
        status: 'fail',
        message: `${head} as ${p.login}: invalid credentials (49)${why ? `: ${why} (AD ${f.adDataCode})` : ''}`,
        remediation: ad
          ? 'check login (DN, user@domain or DOMAIN\\user) and the password reference; the account must be enabled, unlocked, its password not expired'
          : 'check login (the full DN of the bind account) and the password reference',
      }
    }
    if (code === 8 || code === 13)
      return {
        status: 'fail',
        message: `${head}: the server requires ${code === 8 ? 'a stronger authentication (8, LDAP signing)' : 'confidentiality (13)'}: ${f.error}`,
        remediation: ad
          ? 'the domain controller enforces LDAP signing: use LDAPS (security ldaps, EnableSSL, port 636)'
          : 'the directory refuses simple binds in clear: use security ldaps or starttls',
      }
    if (code === 53)
      return {
        status: 'fail',
        message: `${head}: the server is unwilling to perform the bind (53): ${f.error}`,
        remediation: 'a password-less or anonymous bind is refused: set login and password (authType Basic)',
      }
    return {status: 'fail', message: `${head}: ${f.error}`, remediation: 'check login and password'}
  }
  if (phase === 'base' && f.resultCode === 32)
    return {
      status: 'fail',
      message: `${head}: ${p.baseDN} does not exist (noSuchObject 32)${f.rootDse?.namingContexts.length ? `; the server holds ${f.rootDse.namingContexts.join('; ')}` : ''}`,
      remediation: FIX.base!,
    }
  if ((phase === 'base' || phase === 'search') && f.resultCode === 50)
    return {
      status: 'fail',
      message: `${head}: ${p.login ?? 'the connection'} may not read ${p.baseDN} (insufficientAccessRights 50)`,
      remediation: ad
        ? 'grant the service account read on the base DN, and Replicating Directory Changes on the domain root (the Active Directory page: "the Replicating Directory Changes rights are required for the service account")'
        : 'grant the bind account read access (OpenLDAP olcAccess) under the base DN',
    }
  if (phase === 'tcp' && ad && (p.port === 3268 || p.port === 3269))
    return {
      status: 'fail',
      message: `${head}: ${f.error}`,
      remediation: `${p.port} is the global catalog; the connector reads a domain on 389/636`,
    }
  return {status: 'fail', message: `${head}: ${f.error}`, remediation: FIX[phase] ?? ''}
}
