import type {PlanContext, Agent, Connection, ConnectionType, Connector, Environment} from '../model/index.js'

/** One connection of the environment, with the agent that runs it. */
export interface PlannedConnection {
  connector: Connector
  connection: Connection
  /** The agent's identifier, or `server` for the integrated agent. */
  owner: string
  agent?: Agent
  /** `<agent>:<connection>`: the instance's target, stable across runs. */
  target: string
  /** `<connector>/<connection>`: the managed system's box in the picture. */
  system: string
}

/**
 * The connections of the given types that this run checks: those of the agents in scope (all,
 * or the --agent one), each with its agent. On premises with an integrated agent, a connector
 * without `agent` runs in the server.
 */
export function connectionsOf(
  env: Environment,
  ctx: Pick<PlanContext, 'agents' | 'agent'>,
  types: readonly ConnectionType[],
): PlannedConnection[] {
  const integrated = env.topology === 'on-prem-integrated'
  const out: PlannedConnection[] = []
  for (const connector of env.connectors ?? []) {
    const wanted = connector.agent?.toLowerCase()
    const agent = wanted
      ? ctx.agents.find((a) => a.identifier.toLowerCase() === wanted)
      : integrated
        ? ctx.agents[0]
        : undefined
    // Another agent's connector is checked on that agent's host (--agent names it).
    if (wanted && !agent && !(integrated && !ctx.agent && (env.agents ?? []).length === 0)) continue
    if (!wanted && !integrated) continue
    const owner = integrated ? 'server' : agent!.identifier
    for (const connection of connector.connections) {
      if (!types.includes(connection.type)) continue
      out.push({
        connector,
        connection,
        owner,
        ...(agent ? {agent} : {}),
        target: `${agent?.identifier ?? connector.agent ?? 'server'}:${connection.identifier}`,
        system: `${connector.identifier}/${connection.identifier}`,
      })
    }
  }
  return out
}

/** Whose host checks a connection: its agent's (the integrated agent's is the server's, one host). */
export function ownedBy(owner: string): {owner?: {agent: string}} {
  return owner === 'server' ? {} : {owner: {agent: owner}}
}

/** The agent's SourcesRootPaths as scaffold writes them: its own, else `<workingDirectory>/Sources`. */
export function sourcesRootPathsOf(agent: Agent | undefined, env: Environment): string[] {
  if (agent?.sourcesRootPaths?.length) return agent.sourcesRootPaths
  const wd = agent?.workingDirectory ?? env.server.workingDirectory
  return wd ? [`${wd.replace(/[\\/]+$/, '')}/Sources`] : []
}

/** The service account that runs the connector: the agent's, else (integrated) the server's. */
export function accountOf(agent: Agent | undefined, env: Environment): string | undefined {
  return agent?.serviceAccount ?? (env.topology === 'on-prem-integrated' ? env.server.serviceAccount : undefined)
}

/** Common params of every connector.* instance: where it runs and where it sits in the picture. */
export const connectorParamsSchema = {
  owner: {type: 'string'},
  system: {type: 'string'},
  connection: {type: 'string'},
} as const

/** Why a connector check has nothing to check: no connectors, none of its types, or another agent's. */
export function noConnectionReason(
  env: Environment,
  ctx: Pick<PlanContext, 'agent'>,
  types: readonly ConnectionType[],
): string {
  const what = types.join(' or ')
  if (!env.connectors?.length) return 'no connectors: in the environment file (the managed systems the agents reach)'
  const all = env.connectors.flatMap((c) => c.connections.filter((k) => types.includes(k.type)).map(() => c.agent))
  if (all.length === 0) return `no ${what} connection under connectors:`
  if (!ctx.agent) return `no ${what} connection of an agent in this file`
  return `no ${what} connection run by agent ${ctx.agent} (another agent's connectors are checked on its host, with its --agent)`
}
