import {isAbsolute, resolve} from 'node:path'
import type {Environment} from '../model/index.js'

/** What every network check needs to see the network as the product will: resolver and trust. */
export interface NetworkParams {
  dnsServers?: string[]
  /** Absolute path of network.caFile. */
  caFile?: string
}

export const networkParamsSchema = {
  dnsServers: {type: 'array', items: {type: 'string'}},
  caFile: {type: 'string'},
} as const

export function networkParams(env: Environment, baseDir: string): NetworkParams {
  const out: NetworkParams = {}
  if (env.network?.dnsServers?.length) out.dnsServers = [...env.network.dnsServers]
  if (env.network?.caFile)
    out.caFile = isAbsolute(env.network.caFile) ? env.network.caFile : resolve(baseDir, env.network.caFile)
  return out
}

/** The host of a URL as written (case kept: `new URL` lower-cases it), or undefined. */
export function writtenHost(url: string): string | undefined {
  return /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/]*@)?(\[[^\]]+\]|[^:/?#]+)/i.exec(url)?.[1]?.replace(/^\[|\]$/g, '')
}

/** Host and port of an https URL as written (the host keeps its case, unlike `new URL`). */
export function urlHostPort(url: string): {host: string; port: number} {
  const u = new URL(url)
  const written = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/]*@)?(\[[^\]]+\]|[^:/?#]+)/i.exec(url)?.[1] ?? u.hostname
  return {host: written.replace(/^\[|\]$/g, ''), port: u.port ? Number(u.port) : u.protocol === 'http:' ? 80 : 443}
}
