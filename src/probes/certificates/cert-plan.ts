import {isAbsolute, resolve} from 'node:path'
import type {PlannedTarget, CertificateRef, Environment} from '../../model/index.js'
import type {CertKind, CertParams} from './cert-verdicts.js'
import {isWindowsPath} from '../../base/index.js'
import {writtenHost} from '../../environment/index.js'

type Field = 'encryptionCertificate' | 'identityServerCertificate' | 'tlsCertificate'

/**
 * The certificate instances of one kind: the server's (on premises) and each agent's in scope.
 * What is not described is a warning (the product requires it), or a skip for the TLS one.
 */
export function planCertificates(
  env: Environment,
  agents: NonNullable<Environment['agents']>,
  baseDir: string,
  kind: CertKind,
  field: Field,
): PlannedTarget<CertParams>[] {
  const out: PlannedTarget<CertParams>[] = []
  const caFile = env.network?.caFile
    ? isAbsolute(env.network.caFile)
      ? env.network.caFile
      : resolve(baseDir, env.network.caFile)
    : undefined
  const add = (
    owner: string,
    path: string,
    ref: CertificateRef | undefined,
    requireKey: boolean,
    host: string | undefined,
  ) => {
    const params: CertParams = {
      owner,
      kind,
      field: path,
      requirePrivateKey: requireKey,
      ...(caFile ? {caFile} : {}),
      ...(host ? {hostnames: [host]} : {}),
    }
    const whose = {owner: owner === 'server' ? ('server' as const) : {agent: owner}}
    if (!ref) {
      out.push({
        target: owner,
        ...whose,
        params,
        skip: `no ${path} in the environment file${kind === 'tls' ? ': the live site is checked by tls.endpoint (--stage after)' : ''}`,
      })
      return
    }
    if (ref.store) params.store = ref.store
    if (ref.file) {
      params.fileAsWritten = ref.file
      params.file = isAbsolute(ref.file) || isWindowsPath(ref.file) ? ref.file : resolve(baseDir, ref.file)
    }
    if (ref.password !== undefined) params.password = ref.password
    if (params.file && isWindowsPath(params.file) && process.platform !== 'win32') {
      out.push({
        target: owner,
        ...whose,
        params,
        skip: `${ref.file} is a Windows path: run idm-preflight on the Windows host to open it`,
      })
      return
    }
    out.push({target: owner, ...whose, params})
  }
  if (env.topology !== 'saas') {
    add('server', `server.${field}`, env.server[field], true, env.server.alias ?? writtenHost(env.server.url))
  }
  if (env.topology !== 'on-prem-integrated') {
    env.agents?.forEach((a, i) => {
      if (!agents.includes(a)) return
      // An agent's IdentityServer certificate verifies the server's tokens: the public part is enough.
      add(
        a.identifier,
        `agents[${i}].${field}`,
        a[field],
        kind !== 'identity-server',
        a.alias ?? (a.url ? writtenHost(a.url) : undefined),
      )
      // On premises both are known: the agent's must hold the server's public key. A comparison
      // only: without the server's password (not this host's secret) it is left out.
      const server = env.server.identityServerCertificate
      const last = out.at(-1)
      const unresolved = server?.password !== undefined && /^\$\{(env|file):[^}]+\}$/.test(server.password)
      if (
        kind === 'identity-server' &&
        env.topology === 'on-prem-separate' &&
        server?.file &&
        last?.params.file &&
        !unresolved
      )
        last.params.counterpart = {
          field: 'server.identityServerCertificate',
          file: isAbsolute(server.file) || isWindowsPath(server.file) ? server.file : resolve(baseDir, server.file),
          fileAsWritten: server.file,
          ...(server.password !== undefined ? {password: server.password} : {}),
        }
    })
  }
  return out
}

export const certParamsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['owner', 'kind', 'field', 'requirePrivateKey'],
  properties: {
    owner: {type: 'string'},
    kind: {enum: ['encryption', 'identity-server', 'tls']},
    field: {type: 'string'},
    fileAsWritten: {type: 'string'},
    file: {type: 'string'},
    password: {type: 'string'},
    store: {
      type: 'object',
      properties: {
        thumbprint: {type: 'string'},
        subject: {type: 'string'},
        storeLocation: {type: 'string'},
        storeName: {type: 'string'},
      },
      required: ['storeLocation', 'storeName'],
      additionalProperties: false,
    },
    requirePrivateKey: {type: 'boolean'},
    hostnames: {type: 'array', items: {type: 'string'}},
    caFile: {type: 'string'},
    counterpart: {
      type: 'object',
      additionalProperties: false,
      required: ['field', 'file', 'fileAsWritten'],
      properties: {
        field: {type: 'string'},
        file: {type: 'string'},
        fileAsWritten: {type: 'string'},
        password: {type: 'string'},
      },
    },
  },
} as const
