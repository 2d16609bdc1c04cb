import {defineCheck, type Finding, netwrixDocs} from '../src/model/index.js'
import {
  isReference,
  networkParams,
  networkParamsSchema,
  writtenHost,
  type NetworkParams,
} from '../src/environment/index.js'
import {FAILURE_TEXT, resolveName, ResolutionError, type ResolutionFailure} from '../src/probes/dns/index.js'

interface Params extends NetworkParams {
  hostname: string
  /** Who uses the name: "server alias", "agent ContosoAD URL", "SMTP server"… */
  roles: string[]
}

interface Facts {
  resolver: string
  addresses?: string[]
  cnames?: string[]
  failure?: ResolutionFailure
  error?: string
  /** For a CNAME loop: the names in the order met. */
  chain?: string
}

/** RFC 1123 host name: labels of letters, digits and inner hyphens, 63 characters each, 253 in all. */
export function hostnameProblem(name: string): string | undefined {
  if (name.length > 253) return `is ${name.length} characters long (253 at most)`
  if (name.endsWith('.')) return undefined
  for (const label of name.split('.')) {
    if (label.length === 0) return 'has an empty label (two dots in a row)'
    if (label.length > 63) return `has a label of ${label.length} characters (63 at most)`
    if (!/^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/.test(label))
      return `label "${label}" may contain only letters, digits and inner hyphens (no "_", spaces or leading/trailing "-")`
  }
  return undefined
}

/**
 * The verdicts on a name as written, before it is resolved: its syntax (a fail, and then nothing
 * else is judged), and capitals. evaluate gives them, and validate through fileRules.
 */
export function nameFindings(hostname: string, used: string): Finding[] {
  const syntax = hostnameProblem(hostname)
  if (syntax)
    return [
      {
        status: 'fail',
        message: `"${hostname}" is not a valid host name: it ${syntax} (${used})`,
        remediation: 'use an RFC 1123 name: letters, digits and hyphens, dot-separated',
      },
    ]
  if (hostname !== hostname.toLowerCase())
    return [
      {
        status: 'warn',
        message: `"${hostname}" has capitals; the requirements pages: "The DNS alias should be written in lowercase in order to comply with as many security rules as possible"`,
        remediation: `write ${hostname.toLowerCase()} everywhere (settings, bindings, certificates)`,
      },
    ]
  return []
}

const FIX: Record<ResolutionFailure, string> = {
  NXDOMAIN: "create the record (an alias is usually a CNAME to the host's A record) in the zone the clients query",
  NODATA: 'add an A (or AAAA) record, or a CNAME to a host that has one',
  CNAME_LOOP: 'fix the CNAME records so that the chain ends at a name with an A or AAAA record',
  SERVFAIL: "the DNS server could not answer for this zone: check its forwarders and the zone's own servers",
  REFUSED:
    'the DNS server refuses this client or zone: check its allowed clients, or set network.dnsServers to the servers this host really uses',
  TIMEOUT: 'the DNS server did not answer: check that it is up and that UDP 53 is open from this host',
  ERROR: 'check the DNS configuration of this host',
}

export default defineCheck<Params, Facts>({
  id: 'dns.alias',
  summary: 'Each DNS alias is a valid, lowercase host name that resolves (A/AAAA), CNAME chain reported',
  docs: netwrixDocs('installation-guide/requirements/server-requirements'),
  flow: 'network',
  topologies: ['saas', 'on-prem-integrated', 'on-prem-separate'],
  params: {
    type: 'object',
    additionalProperties: false,
    required: ['hostname', 'roles'],
    properties: {hostname: {type: 'string'}, roles: {type: 'array', items: {type: 'string'}}, ...networkParamsSchema},
  },
  plan(env, ctx) {
    // One instance per name, whatever its spelling; keep a spelling with capitals when there is
    // one, since lowercase is a verdict, not something to tidy away.
    // Whose host resolves it: every host the server's names and SMTP (agents reach the server,
    // server and agents send mail); an agent's own names, that agent's host (browsers → agent).
    const names = new Map<string, {hostname: string; roles: string[]; agents: Set<string>; shared: boolean}>()
    const add = (host: string | undefined, role: string, agent?: string) => {
      if (!host) return
      let e = names.get(host.toLowerCase())
      if (!e) names.set(host.toLowerCase(), (e = {hostname: host, roles: [], agents: new Set(), shared: false}))
      else if (host !== host.toLowerCase()) e.hostname = host
      e.roles.push(role)
      if (agent) e.agents.add(agent)
      else e.shared = true
    }
    if (env.server.alias) add(env.server.alias, 'server alias')
    add(writtenHost(env.server.url), 'server URL')
    for (const a of ctx.agents) {
      if (a.alias) add(a.alias, `agent ${a.identifier} alias`, a.identifier)
      if (a.url) add(writtenHost(a.url), `agent ${a.identifier} URL`, a.identifier)
    }
    if (env.smtp?.host) add(env.smtp.host, 'SMTP server')
    const net = networkParams(env, ctx.baseDir)
    return [...names.values()].map(({hostname, roles, agents, shared}) => ({
      target: hostname,
      ...(!shared && agents.size === 1 ? {owner: {agent: [...agents][0]!}} : {}),
      params: {hostname, roles, ...net},
    }))
  },
  title: (p) => `DNS ${p.hostname}`,
  async probe(p, ctx) {
    if (hostnameProblem(p.hostname)) return {resolver: 'not queried'}
    try {
      const r = await resolveName(p.hostname, p.dnsServers, {timeoutMs: ctx.timeoutMs, signal: ctx.signal})
      return {resolver: r.resolver, addresses: r.addresses.map((a) => a.address), cnames: r.cnames}
    } catch (e) {
      if (e instanceof ResolutionError)
        return {
          resolver: e.resolver,
          failure: e.failure,
          error: e.message,
          ...(e.failure === 'CNAME_LOOP' && e.detail ? {chain: e.detail} : {}),
        }
      throw e
    }
  },
  evaluate(p, f): Finding[] {
    const used = `used as ${p.roles.join(', ')}`
    const out = nameFindings(p.hostname, used)
    if (out.some((x) => x.status === 'fail')) return out
    if (f.failure) {
      out.push({
        status: 'fail',
        message: `${p.hostname} does not resolve: ${FAILURE_TEXT[f.failure]}${f.chain ? ` (${f.chain})` : ''}, via ${f.resolver} (${used})`,
        remediation: FIX[f.failure],
      })
      return out
    }
    const chain = f.cnames?.length ? ` via CNAME ${[p.hostname, ...f.cnames].join(' → ')}` : ''
    out.push({status: 'pass', message: `${p.hostname} → ${f.addresses?.join(', ')}${chain} (${f.resolver})`})
    return out
  },
  // The names the plan resolves, judged as written (nameFindings), each where the file says it.
  fileRules(env) {
    const named: [(string | number)[], string | undefined, string][] = [
      [['server', 'alias'], env.server.alias, 'server alias'],
      [['server', 'url'], isReference(env.server.url) ? undefined : writtenHost(env.server.url), 'server URL'],
      ...(env.agents ?? []).flatMap((a, i): [(string | number)[], string | undefined, string][] => [
        [['agents', i, 'alias'], a.alias, `agent ${a.identifier} alias`],
        [
          ['agents', i, 'url'],
          a.url && !isReference(a.url) ? writtenHost(a.url) : undefined,
          `agent ${a.identifier} URL`,
        ],
      ]),
      [['smtp', 'host'], env.smtp?.host, 'SMTP server'],
    ]
    return named.flatMap(([path, host, role]) =>
      host && !isReference(host)
        ? nameFindings(host, `used as ${role}`).map((f) => ({...f, status: f.status as 'fail' | 'warn', path}))
        : [],
    )
  },
  // What `checks show` says beyond the definition (verdicts, and the docs sentences it rests on).
  explain: {
    how: "Resolves each name the file uses (server and agent aliases and URL hosts, the SMTP host) through network.dnsServers or the system resolver, following CNAMEs to an A or AAAA record. The name's syntax and case are judged first, without a query (validate says them too).",
    verdicts: [
      {status: 'pass', when: 'the name resolves; the CNAME chain and the resolver used are shown'},
      {
        status: 'fail',
        when: 'the name is not an RFC 1123 host name (nothing is queried)',
        fix: 'letters, digits and hyphens, dot-separated',
      },
      {
        status: 'warn',
        when: 'the name has capitals',
        fix: 'write it in lowercase everywhere: settings, bindings, certificates',
      },
      {
        status: 'fail',
        when: 'NXDOMAIN, no A/AAAA record, a CNAME loop, SERVFAIL, REFUSED or no answer',
        fix: 'the record to create or the DNS server to fix, per failure',
      },
    ],
    sources: [
      {
        page: netwrixDocs('installation-guide/requirements/server-requirements'),
        quote:
          "In the case of an on-premises installation, the server needs to be assigned a hostname within the organization's domain. Agents must be able to resolve the server's hostname.",
      },
      {
        page: netwrixDocs('installation-guide/requirements/server-requirements'),
        quote:
          'The DNS alias should be written in lowercase in order to comply with as many security rules as possible.',
      },
    ],
  },
})
