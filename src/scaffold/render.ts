import {XMLBuilder, XMLParser} from 'fast-xml-parser'

const PLACEHOLDER = /^\{\{(\w+)\}\}$/

/**
 * Renders a JSON template: a string that is exactly `{{name}}` becomes `data[name]` (any JSON
 * type); an absent datum removes the key (or array entry). The caller JSON-encodes the result, so
 * quotes, backslashes and `&` in values need no care.
 */
export function renderJson(template: unknown, data: Readonly<Record<string, unknown>>): unknown {
  if (typeof template === 'string') {
    const m = PLACEHOLDER.exec(template)
    if (!m) return template
    if (!(m[1]! in data)) throw new Error(`template placeholder {{${m[1]}}} has no datum`)
    return data[m[1]!]
  }
  if (Array.isArray(template)) return template.map((v) => renderJson(v, data)).filter((v) => v !== undefined)
  if (template && typeof template === 'object') {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(template)) {
      const r = renderJson(v, data)
      if (r !== undefined) out[k] = r
    }
    return out
  }
  return template
}

/** `overlay` over `base`: objects merge key by key; arrays and scalars are replaced. */
export function deepMerge(base: unknown, overlay: unknown): unknown {
  if (isObject(base) && isObject(overlay)) {
    const out: Record<string, unknown> = {...base}
    for (const [k, v] of Object.entries(overlay)) {
      // .NET configuration keys are case-insensitive: merge onto the spelling already there.
      const existing = Object.keys(out).find((x) => x.toLowerCase() === k.toLowerCase()) ?? k
      if (existing !== k) delete out[existing]
      out[existing === k ? k : existing] = deepMerge(base[existing], v)
    }
    return out
  }
  return overlay === undefined ? base : overlay
}

function isObject(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v)
}

/** Settings files are written with two-space indentation and a final newline, as the product ships them. */
export function jsonText(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`
}

export interface WebConfigUpdate {
  /** `./Usercube-Agent.dll` … */
  arguments: string
  stdoutLogFile: string
  /** aspNetCore/environmentVariables to set (others are kept). */
  environment: Record<string, string>
}

type XmlNode = Record<string, unknown> & {':@'?: Record<string, string>}

const xmlOptions = {
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  commentPropName: '#comment',
  processEntities: true,
  trimValues: true,
  parseAttributeValue: false,
  parseTagValue: false,
} as const

/**
 * Updates a web.config in place with an XML library: the `aspNetCore` element's launch attributes
 * and its environment variables; every other element, attribute and comment is kept. Throws when
 * the file is not XML or has no system.webServer to hold the module.
 */
export function updateWebConfig(xml: string, u: WebConfigUpdate): string {
  const parser = new XMLParser(xmlOptions)
  const doc = parser.parse(xml) as XmlNode[]
  let aspNetCore = find(doc, 'aspNetCore')
  if (!aspNetCore) {
    const webServer = find(doc, 'system.webServer')
    if (!webServer) throw new Error('web.config has no <system.webServer> element')
    aspNetCore = {aspNetCore: [], ':@': {}}
    ;(webServer['system.webServer'] as XmlNode[]).push(aspNetCore)
  }
  const attrs = (aspNetCore[':@'] ??= {})
  attrs['@_processPath'] ??= 'dotnet'
  attrs['@_arguments'] = u.arguments
  attrs['@_stdoutLogEnabled'] ??= 'false'
  attrs['@_stdoutLogFile'] = u.stdoutLogFile
  attrs['@_hostingModel'] ??= 'inprocess'
  const children = aspNetCore.aspNetCore as XmlNode[]
  let vars = children.find((c) => 'environmentVariables' in c)
  if (!vars && Object.keys(u.environment).length) {
    vars = {environmentVariables: []}
    children.push(vars)
  }
  for (const [name, value] of Object.entries(u.environment)) {
    const list = vars!.environmentVariables as XmlNode[]
    const existing = list.find((v) => 'environmentVariable' in v && v[':@']?.['@_name'] === name)
    if (existing) existing[':@']!['@_value'] = value
    else list.push({environmentVariable: [], ':@': {'@_name': name, '@_value': value}})
  }
  const builder = new XMLBuilder({...xmlOptions, format: true, indentBy: '  ', suppressEmptyNode: true})
  return `${(builder.build(doc) as string).replace(/^\s+/, '').trimEnd()}\n`
}

/** The first element named `name`, depth first. */
function find(nodes: XmlNode[], name: string): XmlNode | undefined {
  for (const n of nodes) {
    if (name in n) return n
    for (const [k, v] of Object.entries(n)) {
      if (k === ':@' || !Array.isArray(v)) continue
      const r = find(v as XmlNode[], name)
      if (r) return r
    }
  }
  return undefined
}

/** Reads the aspNetCore launch settings back (for settings.files and tests). */
export function readWebConfig(xml: string): {
  arguments?: string
  stdoutLogFile?: string
  environment: Record<string, string>
} {
  const doc = new XMLParser(xmlOptions).parse(xml) as XmlNode[]
  const a = find(doc, 'aspNetCore')
  const env: Record<string, string> = {}
  const vars = (a?.aspNetCore as XmlNode[] | undefined)?.find((c) => 'environmentVariables' in c)
  for (const v of (vars?.environmentVariables as XmlNode[] | undefined) ?? []) {
    if (v[':@']?.['@_name']) env[v[':@']['@_name']] = v[':@']['@_value'] ?? ''
  }
  return {arguments: a?.[':@']?.['@_arguments'], stdoutLogFile: a?.[':@']?.['@_stdoutLogFile'], environment: env}
}

/** Replaces whole `{{name}}` lines of a script template with generated lines. */
export function renderScript(template: string, blocks: Readonly<Record<string, string[]>>): string {
  return template.replace(/^\{\{(\w+)\}\}$/gm, (_m, name: string) => {
    const lines = blocks[name]
    if (!lines) throw new Error(`script placeholder {{${name}}} has no lines`)
    return lines.join('\n')
  })
}

/**
 * A PowerShell script's text as Windows PowerShell 5.1 reads it back: without a byte-order mark it
 * reads a .ps1 in the system's ANSI code page, so an account or path outside ASCII (josé, ‘…’)
 * would be another name. Such a script gets the UTF-8 BOM; an ASCII one stays as it is.
 */
export function powershellText(script: string): string {
  // eslint-disable-next-line no-control-regex
  return /[^\u0000-\u007f]/.test(script) && !script.startsWith('\uFEFF') ? `\uFEFF${script}` : script
}
