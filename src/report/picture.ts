import type {CheckInstance, Environment} from '../model/index.js'
import {parseConnectionString, writtenHost} from '../environment/index.js'

/**
 * The data-flow picture of an installation (DESIGN.md §5): its components (browsers, server,
 * database, each agent, SMTP, proxy, DNS) and the links between them, and where each result
 * belongs in it. It is part of the JSON report, so that `report show` and `report merge` draw
 * the same picture from saved reports without the environment file.
 */

export type ComponentKind = 'browsers' | 'server' | 'database' | 'agent' | 'smtp' | 'proxy' | 'dns' | 'system'

export interface PictureNode {
  id: string
  kind: ComponentKind
  /** What the box says: its role, then its host (never a secret: no user information of a URL). */
  label: string[]
}

export interface PictureLink {
  /** `<from>><to>`. */
  id: string
  from: string
  to: string
}

export interface Picture {
  nodes: PictureNode[]
  links: PictureLink[]
}

/**
 * The places whose results are about a component: its own (its host, certificates, folders,
 * settings) and those of the links into it (the checks that reach it: its HTTPS endpoint from the
 * browsers, the server from an agent, a managed system from its agent). A box is coloured by the
 * worst of these; an arrow by the worst of its own.
 */
export function placesAbout(p: Pick<Picture, 'links'>, component: string): string[] {
  return [component, ...p.links.filter((l) => l.to === component).map((l) => l.id)]
}

const link = (from: string, to: string): PictureLink => ({id: `${from}>${to}`, from, to})
const hostOf = (url: string | undefined) => (url ? (writtenHost(url) ?? '') : '')

/** The picture of an environment: every agent of the file (a run narrowed to one still shows all). */
export function pictureOf(env: Environment): Picture {
  const integrated = env.topology === 'on-prem-integrated'
  const nodes: PictureNode[] = [
    {id: 'browsers', kind: 'browsers', label: ['Browsers']},
    {
      id: 'server',
      kind: 'server',
      label: [
        env.topology === 'saas' ? 'Server (SaaS)' : integrated ? 'Server + agent' : 'Server',
        hostOf(env.server.url),
      ],
    },
  ]
  const links: PictureLink[] = [link('browsers', 'server')]
  if (env.topology !== 'saas') {
    let db = ''
    try {
      db = parseConnectionString(env.server.database?.connectionString ?? '').dataSource?.host ?? ''
    } catch {
      // validate and sql.connection say what is wrong with it; the box just has no host.
    }
    nodes.push({id: 'database', kind: 'database', label: ['SQL Server', db]})
    links.push(link('server', 'database'))
  }
  const senders: string[] = []
  if (!integrated)
    for (const a of env.agents ?? []) {
      const id = `agent:${a.identifier}`
      nodes.push({id, kind: 'agent', label: [`Agent ${a.identifier}`, hostOf(a.url) || a.alias || '']})
      links.push(link(id, 'server'))
      if (a.url) links.push(link('browsers', id))
      senders.push(id)
    }
  else senders.push('server')
  if (env.smtp) {
    nodes.push({
      id: 'smtp',
      kind: 'smtp',
      label: env.smtp.host ? ['SMTP', `${env.smtp.host}${env.smtp.port ? `:${env.smtp.port}` : ''}`] : ['SMTP pickup'],
    })
    for (const s of senders) links.push(link(s, 'smtp'))
  }
  // Each connection the agents reach: a managed system (AD, a database, a file drop, an API).
  for (const c of env.connectors ?? []) {
    const agent = c.agent
      ? (env.agents ?? []).find((a) => a.identifier.toLowerCase() === c.agent!.toLowerCase())
      : undefined
    const from = integrated ? 'server' : agent ? `agent:${agent.identifier}` : undefined
    if (!from) continue
    for (const k of c.connections) {
      const id = `system:${c.identifier}/${k.identifier}`
      if (nodes.some((n) => n.id === id)) continue
      nodes.push({id, kind: 'system', label: [`${c.identifier} · ${k.identifier}`, systemHost(k)]})
      links.push(link(from, id))
    }
  }
  if (env.network?.httpsProxy)
    nodes.push({
      id: 'proxy',
      kind: 'proxy',
      label: ['Proxy', env.network.httpsProxy.startsWith('${') ? '' : hostOf(env.network.httpsProxy)],
    })
  nodes.push({
    id: 'dns',
    kind: 'dns',
    label: ['DNS', env.network?.dnsServers?.length ? env.network.dnsServers.join(', ') : 'system resolver'],
  })
  for (const n of nodes) n.label = n.label.filter(Boolean)
  return {nodes, links}
}

/** What a managed system's box says under its name: its host, file or URL host (never a secret). */
function systemHost(k: Connection): string {
  return systemHostOf(k, {url: hostOf, detail: false})
}

type Connection = NonNullable<Environment['connectors']>[number]['connections'][number]

/**
 * Where a connection goes, for people: the LDAP hosts (with their ports in detail), the API's URL
 * (through `url`, which masks or shortens it), the input file (its last two steps unless in
 * detail), the SQL Server host. Never a secret: a connection string is parsed, not shown.
 */
export function systemHostOf(k: Connection, o: {url: (u: string) => string; detail: boolean}): string {
  switch (k.type) {
    case 'activeDirectory':
    case 'ldap':
      return (k.servers ?? []).map((s) => (o.detail && s.port ? `${s.host}:${s.port}` : s.host)).join(', ')
    case 'http':
      return k.url && !k.url.startsWith('${') ? o.url(k.url) : ''
    case 'files': {
      const path = k.path ?? k.pathIncremental ?? ''
      return o.detail ? path : path.replace(/^.*[\\/](?=[^\\/]+[\\/][^\\/]+$)/, '…/')
    }
    case 'sql':
      try {
        return k.connectionString && !k.settings?.ProviderClassFullName
          ? (parseConnectionString(k.connectionString).dataSource?.host ?? '')
          : ''
      } catch {
        return ''
      }
  }
}

/** The component this run's host is: the --agent's, else the only agent's, else the server. */
export function runHostOf(env: Environment, agent: string | undefined): string {
  if (env.topology === 'on-prem-integrated') return 'server'
  const agents = env.agents ?? []
  const a = agent ? agents.find((x) => x.identifier.toLowerCase() === agent.toLowerCase()) : undefined
  if (a) return `agent:${a.identifier}`
  if (agents.length === 1) return `agent:${agents[0]!.identifier}`
  return 'server'
}

/** Where each result belongs in the picture: a node id or a link id (the ids are gathered once). */
export function placer(
  p: Picture,
  runHost: string,
): (inst: Pick<CheckInstance, 'id' | 'target' | 'flow' | 'params'>) => string {
  const ids = new Set([...p.nodes.map((n) => n.id), ...p.links.map((l) => l.id)])
  return (inst) => placeIn(inst, p, ids, runHost)
}

function placeIn(
  inst: Pick<CheckInstance, 'id' | 'target' | 'flow' | 'params'>,
  p: Picture,
  ids: ReadonlySet<string>,
  runHost: string,
): string {
  const or = (id: string, fallback: string) => (ids.has(id) ? id : fallback)
  const params = (inst.params ?? {}) as {owner?: unknown; role?: unknown; site?: {owner?: unknown}}
  const owner = (o: unknown) => (o === 'server' || typeof o !== 'string' ? 'server' : or(`agent:${o}`, 'server'))
  switch (inst.flow) {
    case 'host':
      return inst.target === 'local' ? runHost : owner(params.site?.owner ?? inst.target)
    case 'network':
      return inst.id === 'dns.alias' ? 'dns' : or('proxy', runHost)
    case 'browsers-server': {
      const role = typeof params.role === 'string' ? params.role : 'server'
      return role.startsWith('agent ') ? or(`browsers>agent:${role.slice(6)}`, 'browsers>server') : 'browsers>server'
    }
    case 'server-database':
      return or('server>database', 'server')
    case 'agent-server':
      return or(
        `${runHost}>server`,
        p.links.find((l) => l.to === 'server' && l.from.startsWith('agent:'))?.id ?? 'server',
      )
    case 'files':
    case 'certificates':
      return owner(params.owner ?? inst.target.split(':')[0])
    case 'smtp':
      return or(`${runHost}>smtp`, or(p.links.find((l) => l.to === 'smtp')?.id ?? 'smtp', runHost))
    case 'agent-systems': {
      const system = `system:${String((params as {system?: unknown}).system ?? '')}`
      const from = owner((params as {owner?: unknown}).owner)
      return or(`${from}>${system}`, or(system, from))
    }
    default:
      return runHost
  }
}
