import {FLOWS, type CheckDefinition, type VerdictExplain} from './check.js'
import {docsForProduct} from './docs.js'
import {PRODUCTS, TOPOLOGIES, type Product, type Topology} from './environment.js'

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
  /** Per topology: whether it applies, and at which stage. */
  topologies: Record<Topology, {applies: boolean; stage?: string}>
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
      TOPOLOGIES.map((t) => [t, c.topologies.includes(t) ? {applies: true, stage} : {applies: false}]),
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
  out.push('', 'Where it applies')
  for (const [t, a] of Object.entries(d.topologies))
    out.push(`  ${t.padEnd(20)} ${a.applies ? `runs: stage ${a.stage}` : 'skipped (not this topology)'}`)
  out.push(`  platforms: ${d.platforms.join(', ')}${d.optIn ? ` · opt-in, with ${d.optIn}` : ''}`)
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
