import {defineCheck, type Finding} from '../src/core/check.js'
import {netwrixDocs} from '../src/core/docs.js'
import {networkParams, networkParamsSchema, writtenHost, type NetworkParams} from '../src/lib/network.js'
import {FAILURE_TEXT, resolveName, ResolutionError, type ResolutionFailure} from '../src/lib/resolver.js'

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
    const out: Finding[] = []
    const used = `used as ${p.roles.join(', ')}`
    const syntax = hostnameProblem(p.hostname)
    if (syntax)
      return [
        {
          status: 'fail',
          message: `"${p.hostname}" is not a valid host name: it ${syntax} (${used})`,
          remediation: 'use an RFC 1123 name: letters, digits and hyphens, dot-separated',
        },
      ]
    if (p.hostname !== p.hostname.toLowerCase()) {
      out.push({
        status: 'warn',
        message: `"${p.hostname}" has capitals; the product's docs require DNS aliases in lowercase`,
        remediation: `write ${p.hostname.toLowerCase()} everywhere (settings, bindings, certificates)`,
      })
    }
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
})
