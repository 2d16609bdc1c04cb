import {
  FLOWS,
  type CheckDefinition,
  type VerdictExplain,
  docsForProduct,
  PRODUCTS,
  TOPOLOGIES,
  type Environment,
  type Product,
  type Topology,
} from '../model/index.js'

/**
 * One check described in full for `checks show`: as much as possible read from the definition
 * itself (id, summary, flow, topologies, stages, platforms, opt-in flag, docs page per product
 * version, the schema of its settings, whether validate applies its file rules), the rest from
 * its optional `explain` (how it measures, its verdicts, the docs sentences).
 */
export interface CheckDescription {
  id: string
  summary: string
  flow: string
  /**
   * Per topology: whether it applies, at which stage, and what its plan makes of a sample
   * installation of that topology (each instance with its stage, or why it is skipped).
   */
  topologies: Record<
    Topology,
    {applies: boolean; stage?: string; instances?: {target: string; stage: string; skip?: string}[]}
  >
  platforms: string[]
  optIn?: string
  /** The docs page the check links to, for each product version. */
  docs: Record<Product, string>
  how?: string
  verdicts: VerdictExplain[]
  sources: {page: string; quote: string}[]
  policy?: string
  /** `checks.settings.<id>`: each key, its type, bounds, default and meaning. */
  settings: {key: string; type?: string; default?: unknown; minimum?: number; maximum?: number; description?: string}[]
  /** validate applies this check's verdicts on the environment file alone (no network). */
  validate: boolean
}

export function describeCheck(c: CheckDefinition): CheckDescription {
  const stage = c.stages ?? c.stage ?? 'before'
  const props = (c.settings?.properties ?? {}) as Record<string, Record<string, unknown>>
  return {
    id: c.id,
    summary: c.summary,
    flow: FLOWS[c.flow],
    topologies: Object.fromEntries(
      TOPOLOGIES.map((t) => [
        t,
        c.topologies.includes(t) ? {applies: true, stage, ...sampleInstances(c, t)} : {applies: false},
      ]),
    ) as CheckDescription['topologies'],
    platforms: c.platforms ? [...c.platforms] : ['all'],
    ...(c.optIn ? {optIn: `--${c.optIn.flag}`} : {}),
    docs: Object.fromEntries(PRODUCTS.map((p) => [p, docsForProduct(c.docs, p)])) as Record<Product, string>,
    ...(c.explain?.how ? {how: c.explain.how} : {}),
    verdicts: c.explain?.verdicts ?? [],
    sources: c.explain?.sources ?? [],
    ...(c.explain?.policy ? {policy: c.explain.policy} : {}),
    settings: Object.entries(props).map(([key, s]) => ({
      key,
      ...(typeof s.type === 'string' ? {type: s.type} : {}),
      ...(s.default !== undefined ? {default: s.default} : {}),
      ...(typeof s.minimum === 'number' ? {minimum: s.minimum} : {}),
      ...(typeof s.maximum === 'number' ? {maximum: s.maximum} : {}),
      ...(typeof s.description === 'string' ? {description: s.description} : {}),
    })),
    validate: typeof c.fileRules === 'function',
  }
}

/** The text `checks show` prints. */
export function renderCheckText(d: CheckDescription): string {
  const out: string[] = [`${d.id}  ${d.summary}`, `  flow: ${d.flow}`]
  if (d.how) out.push('', 'How it measures', ...wrap(d.how, '  '))
  const stage = Object.values(d.topologies).find((a) => a.stage)?.stage
  out.push('', 'Where it applies')
  out.push(
    ...wrap(
      `stage: ${stage ?? 'before'} · platforms: ${d.platforms.join(', ')}${d.optIn ? ` · opt-in, with ${d.optIn}` : ''}`,
      '  ',
    ),
  )
  for (const [t, a] of Object.entries(d.topologies)) {
    out.push(`  ${t.padEnd(20)} ${a.applies ? 'runs' : 'skipped (not this topology)'}`)
    if (a.instances?.length === 0) out.push('    · nothing to check in the sample installation')
    for (const i of a.instances ?? [])
      out.push(...wrap(`${i.target}: ${i.skip ? `skipped, ${i.skip}` : `stage ${i.stage}`}`, '    · ', '      '))
  }
  if (Object.values(d.topologies).some((a) => a.instances))
    out.push('  (· what its plan makes of a sample installation of each topology)')
  if (d.verdicts.length) {
    out.push('', 'Verdicts')
    for (const v of d.verdicts) {
      out.push(...wrap(v.when, `  ${v.status.toUpperCase().padEnd(5)} `, '        '))
      if (v.fix) out.push(...wrap(`fix: ${v.fix}`, '        '))
    }
  }
  out.push('', 'Docs')
  for (const [p, url] of Object.entries(d.docs)) out.push(`  ${p.padEnd(5)} ${url}`)
  if (d.sources.length) {
    out.push('', 'Rests on')
    for (const s of d.sources) out.push(`  ${s.page}`, ...wrap(`“${s.quote}”`, '    '))
  }
  if (d.policy) out.push('', "This tool's own policy", ...wrap(d.policy, '  '))
  out.push('', `Settings (checks.settings.${d.id})`)
  if (d.settings.length === 0) out.push('  none')
  for (const s of d.settings) {
    const bounds = [
      s.type,
      s.minimum !== undefined || s.maximum !== undefined ? `${s.minimum ?? ''}–${s.maximum ?? ''}` : undefined,
      s.default !== undefined ? `default ${JSON.stringify(s.default)}` : undefined,
    ]
      .filter(Boolean)
      .join(', ')
    out.push(...wrap(`${s.key} (${bounds})${s.description ? `: ${s.description}` : ''}`, '  '))
  }
  out.push(
    '',
    d.validate
      ? 'validate applies its verdicts on the environment file alone, without a network.'
      : 'Its verdicts need what only check observes: validate does not give them.',
  )
  return `${out.join('\n')}\n`
}

/** Words wrapped at 100 columns, the first line after `first`, the others after `rest`. */
function wrap(text: string, first: string, rest = first, width = 100): string[] {
  const lines: string[] = []
  let line = first
  for (const word of text.split(/\s+/)) {
    if (line.length + word.length + 1 > width && line.trim() !== '' && line !== first) {
      lines.push(line.trimEnd())
      line = rest
    }
    line += line === first || line === rest ? word : ` ${word}`
  }
  lines.push(line.trimEnd())
  return lines
}

/**
 * A sample installation of each topology, for `checks show` to run a check's own plan on: a
 * server, one agent with its certificates, SMTP, and a connection of each kind. POSIX paths, so
 * that no instance is skipped for being a Windows path here.
 */
export function sampleEnvironment(topology: Topology): Environment {
  const cert = (name: string) => ({file: `/srv/idm-certs/${name}.pfx`, password: 'sample'})
  const onPrem = topology !== 'saas'
  const agent = {
    identifier: 'ContosoAgent',
    url: 'https://idm-agent.contoso.com',
    workingDirectory: '/srv/idm-agent',
    serviceAccount: 'svc-idm-agent',
    encryptionCertificate: cert('agent-files'),
    identityServerCertificate: cert('identityserver-public'),
    tlsCertificate: cert('idm-agent-ssl'),
    openIdClient: {id: 'Job', secret: 'sample'},
  }
  return {
    version: 1,
    name: `sample-${topology}`,
    product: onPrem ? '6.2' : 'saas',
    topology,
    organization: 'Contoso',
    server: onPrem
      ? {
          url: 'https://idm.contoso.com',
          workingDirectory: '/srv/idm',
          serviceAccount: 'CONTOSO\\svc-idm',
          database: {connectionString: 'Data Source=sql01;Database=UsercubeContoso;User ID=idm;Password=sample'},
          encryptionCertificate: cert('server-files'),
          identityServerCertificate: cert('identityserver'),
          tlsCertificate: cert('idm-ssl'),
        }
      : {url: 'https://contoso.usercube.com'},
    agents: topology === 'on-prem-integrated' ? [{identifier: 'ContosoAgent'}] : [agent],
    smtp: {host: 'smtp.contoso.com', port: 587, secureSocketOption: 'StartTls', fromAddress: 'no-reply@contoso.com'},
    connectors: [
      {
        identifier: 'AD',
        agent: 'ContosoAgent',
        connections: [
          {
            identifier: 'ADExport',
            type: 'activeDirectory',
            servers: [{host: 'dc01.contoso.com'}],
            baseDN: 'DC=contoso,DC=com',
            login: 'CONTOSO\\svc-ad',
            password: 'sample',
          },
          {identifier: 'HRExport', type: 'files', path: '/srv/idm-agent/Sources/hr.csv'},
          {identifier: 'SCIMExport', type: 'http', url: 'https://api.contoso.com/scim', token: 'sample'},
          {
            identifier: 'HRDatabaseExport',
            type: 'sql',
            connectionString: 'Data Source=sql02;Database=HR;User ID=hr;Password=sample',
          },
        ],
      },
    ],
  }
}

/** The check's own plan on the sample installation of a topology, or nothing when it cannot say. */
function sampleInstances(
  c: CheckDefinition,
  topology: Topology,
): {instances?: {target: string; stage: string; skip?: string}[]} {
  try {
    const env = sampleEnvironment(topology)
    const planned = c.plan(env, {
      platform: process.platform,
      settings: {},
      agents: env.agents ?? [],
      baseDir: '/srv',
      processEnv: {},
    })
    return {
      instances: planned.map((t) => ({
        target: t.target,
        stage: t.stage ?? c.stage ?? 'before',
        ...(t.skip ? {skip: t.skip} : {}),
      })),
    }
  } catch {
    return {}
  }
}
