import type {ErrorObject} from 'ajv'
import {isSecretPath} from '../model/index.js'
import {didYouMean} from '../base/index.js'

export {didYouMean, levenshtein} from '../base/index.js'

/** A JSON path segment list (`['agents', 0, 'identifier']`) as the dotted form users read. */
export function dottedPath(path: readonly (string | number)[]): string {
  let out = ''
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`
    else if (/^[A-Za-z_$][\w$-]*$/.test(seg)) out += out ? `.${seg}` : seg
    else out += `[${JSON.stringify(seg)}]`
  }
  return out
}

/** `/agents/0/identifier` → ['agents', 0, 'identifier'] (numbers where the JSON value is an array). */
export function pointerToPath(pointer: string, root: unknown): (string | number)[] {
  if (!pointer) return []
  const out: (string | number)[] = []
  let node: unknown = root
  for (const raw of pointer.slice(1).split('/')) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~')
    if (Array.isArray(node)) {
      const i = Number(seg)
      out.push(i)
      node = node[i]
    } else {
      out.push(seg)
      node = node && typeof node === 'object' ? (node as Record<string, unknown>)[seg] : undefined
    }
  }
  return out
}

export interface SchemaProblem {
  path: (string | number)[]
  /** Point at the key rather than the value (unknown keys). */
  atKey: boolean
  message: string
}

const TYPE_WORDS: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  integer: 'a whole number',
  boolean: 'true or false',
  object: 'a mapping (key: value)',
  array: 'a list',
  null: 'empty',
}

/** Turns ajv's errors into one readable problem per place, with "did you mean" for unknown keys. */
export function describeSchemaErrors(errors: readonly ErrorObject[], root: unknown, schema: unknown): SchemaProblem[] {
  const out: SchemaProblem[] = []
  const seen = new Set<string>()
  // A type error makes the other errors at the same place noise.
  const typed = new Set(errors.filter((e) => e.keyword === 'type').map((e) => e.instancePath))
  for (const e of errors) {
    if (e.keyword === 'if' || e.keyword === '$ref') continue
    if (typed.has(e.instancePath) && e.keyword !== 'type') continue
    const base = pointerToPath(e.instancePath, root)
    let path = base
    let atKey = false
    let message: string
    // Not ajv's `verbose` (it doubles the generated validator): the schema and the value are
    // found from the error's paths instead.
    // Inside a $ref (a certificate, a connection), ajv's schemaPath is relative to the referenced
    // schema: the place is found by walking the instance path through the schema instead.
    const parentSchema = (
      e.keyword === 'additionalProperties'
        ? schemaAt(schema, base)
        : atPointer(schema, e.schemaPath.replace(/^#/, '').split('/').slice(0, -1).join('/'))
    ) as Record<string, unknown> | undefined
    const parentProps = Object.keys((parentSchema?.properties ?? {}) as object)
    // A secret field's value is never quoted back, whatever its type.
    const secret = isSecretPath(dottedPath(base))
    const data = atPointer(root, e.instancePath)
    const describeGot = (d: unknown) => (secret ? describeSecretGot(d) : describeValue(d))
    switch (e.keyword) {
      case 'additionalProperties': {
        const key = String((e.params as {additionalProperty: string}).additionalProperty)
        path = [...base, key]
        atKey = true
        const guess = didYouMean(key, parentProps)
        message = guess
          ? `unknown key "${key}": did you mean "${guess}"?`
          : `unknown key "${key}"; allowed here: ${parentProps.filter((p) => p !== '$schema').join(', ')}`
        break
      }
      case 'required': {
        const key = (e.params as {missingProperty: string}).missingProperty
        message = `missing required key "${key}"`
        break
      }
      case 'type': {
        const want = ([] as string[]).concat((e.params as {type: string | string[]}).type)
        message = `must be ${want.map((t) => TYPE_WORDS[t] ?? t).join(' or ')}${describeGot(data)}`
        break
      }
      case 'enum': {
        const allowed = ((e.params as {allowedValues: unknown[]}).allowedValues ?? []).filter(
          (v) => typeof v === 'string',
        )
        const guess = typeof data === 'string' ? didYouMean(data, allowed as string[]) : undefined
        message = `must be one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}${describeGot(data)}${guess ? `: did you mean "${guess}"?` : ''}`
        break
      }
      case 'const':
        message = `must be ${JSON.stringify((e.params as {allowedValue: unknown}).allowedValue)}${describeGot(data)}`
        if (base.at(-1) === 'version') message += ' (this idm-preflight reads environment files of version 1)'
        break
      case 'pattern':
        message =
          base[0] === 'connectors' && base.at(-1) === 'identifier' && base[2] === 'connections'
            ? 'is not a valid connection identifier: it must not start with a digit nor contain < > : " / \\ | ? * _'
            : isSecretPath(dottedPath(base)) && e.schemaPath.endsWith('/pattern')
              ? patternMessage({...e, schemaPath: '#/$defs/secret/pattern'})
              : patternMessage(e)
        break
      case 'format':
        message = formatMessage((e.params as {format: string}).format)
        break
      case 'minLength':
        message = (e.params as {limit: number}).limit === 1 ? 'must not be empty' : `is too short (${e.message})`
        break
      case 'maxLength':
        message = `is too long (${e.message})`
        break
      case 'minimum':
      case 'maximum':
      case 'exclusiveMinimum':
      case 'exclusiveMaximum':
        message = `${e.message}${describeGot(data)}`
        break
      case 'minItems':
        message = `must have at least ${(e.params as {limit: number}).limit} entr${(e.params as {limit: number}).limit === 1 ? 'y' : 'ies'}`
        break
      default:
        message = e.message ?? e.keyword
    }
    const k = `${path.join('\u0000')}|${message}`
    if (seen.has(k)) continue
    seen.add(k)
    out.push({path, atKey, message})
  }
  return out
}

function describeSecretGot(data: unknown): string {
  if (data === null || data === undefined) return ', found nothing'
  if (Array.isArray(data)) return ', found a list'
  return `, found ${typeof data === 'object' ? 'a mapping' : `a ${typeof data}`} (not shown: this field is a secret)`
}

function describeValue(data: unknown): string {
  if (data === null || data === undefined) return ', found nothing'
  if (Array.isArray(data)) return ', found a list'
  if (typeof data === 'object') return ', found a mapping'
  if (typeof data === 'string')
    return `, found the string ${JSON.stringify(data.length > 40 ? `${data.slice(0, 40)}…` : data)}`
  return `, found ${JSON.stringify(data)}`
}

function patternMessage(e: ErrorObject): string {
  const schemaPath = e.schemaPath
  if (schemaPath.startsWith('#/$defs/secret/')) {
    // Never echo the value: it is a secret written in clear.
    return 'is a secret: write a reference such as "${env:NAME}" or "${file:./path}" (quoted), never the value itself'
  }
  if (schemaPath.startsWith('#/$defs/checkSelector/'))
    return 'is not a check id or glob (for example tls.endpoint or tls.*)'
  if (schemaPath.includes('/identifier/')) return 'may contain only letters, digits, "_" and "-"'
  if (schemaPath.includes('/thumbprint/')) return 'must be a thumbprint: 40 hexadecimal digits, no spaces'
  if (schemaPath.includes('/timeout/')) return 'must be a duration such as 5s, 1500ms or 1m'
  return `does not have the expected form (${e.message})`
}

function formatMessage(format: string): string {
  if (format === 'email') return 'must be an email address (name@example.com)'
  if (format === 'date') return 'must be a date written YYYY-MM-DD'
  return `must be a valid ${format}`
}

/** The value at a JSON pointer (`/agents/0/url`), or undefined. */
/** The schema that describes the value at `path`: properties, items and local $refs followed. */
function schemaAt(root: unknown, path: readonly (string | number)[]): unknown {
  const deref = (n: unknown): unknown => {
    for (let i = 0; i < 10 && n && typeof n === 'object' && typeof (n as {$ref?: unknown}).$ref === 'string'; i++)
      n = atPointer(root, String((n as {$ref: string}).$ref).replace(/^#/, ''))
    return n
  }
  let node = deref(root)
  for (const seg of path) {
    const o = node as Record<string, unknown> | undefined
    if (!o || typeof o !== 'object') return undefined
    node = deref(
      typeof seg === 'number'
        ? o.items
        : ((o.properties as Record<string, unknown> | undefined)?.[seg] ??
            (typeof o.additionalProperties === 'object' ? o.additionalProperties : undefined)),
    )
  }
  return node
}

function atPointer(root: unknown, pointer: string): unknown {
  if (!pointer) return root
  let node: unknown = root
  for (const raw of pointer.slice(1).split('/')) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~')
    if (node === null || typeof node !== 'object') return undefined
    node = (node as Record<string, unknown>)[seg]
  }
  return node
}
