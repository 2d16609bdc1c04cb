import type {Ajv, ValidateFunction} from 'ajv'
import type {CheckDefinition} from './check.js'

/** The ajv options every validator is compiled with, at build time and at run time alike. */
export const AJV_OPTIONS = {allErrors: true, verbose: true, strict: true, allowUnionTypes: true} as const
export const ENVIRONMENT_FORMATS = ['email', 'date'] as const

export interface Validators {
  environment: ValidateFunction
  params(check: CheckDefinition): ValidateFunction
}

const cache = new WeakMap<readonly CheckDefinition[], Promise<Validators>>()

/**
 * The environment schema's validator and each check's params validator. Built from dist/, they
 * come precompiled (ajv standalone, written by `npm run build`); from source, or when the
 * checks changed since the build, they are compiled here once per process.
 */
export function validators(checks: readonly CheckDefinition[]): Promise<Validators> {
  let v = cache.get(checks)
  if (!v) cache.set(checks, (v = load(checks)))
  return v
}

async function load(checks: readonly CheckDefinition[]): Promise<Validators> {
  const ids = checks.map((c) => c.id)
  const generated = new URL('../generated/validators.js', import.meta.url)
  try {
    const mod = (await import(generated.href)) as Record<string, ValidateFunction> & {checkIds: string[]}
    if (JSON.stringify(mod.checkIds) === JSON.stringify(ids)) {
      return {
        environment: mod.environment!,
        params: (c) => mod[`params_${c.id.replace(/[^a-z0-9]/gi, '_')}`]!,
      }
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw e
  }
  return compileAtRunTime(checks)
}

async function compileAtRunTime(checks: readonly CheckDefinition[]): Promise<Validators> {
  const [{Ajv}, formats, {buildEnvironmentSchema}] = await Promise.all([
    import('ajv'),
    import('ajv-formats'),
    import('./environment-schema.js'),
  ])
  const ajv: Ajv = new Ajv(AJV_OPTIONS)
  const addFormats = ((formats as unknown as {default?: unknown}).default ?? formats) as (
    a: Ajv,
    f: readonly string[],
  ) => void
  addFormats(ajv, ENVIRONMENT_FORMATS)
  const environment = ajv.compile(buildEnvironmentSchema(checks))
  const params = new Map<CheckDefinition, ValidateFunction>()
  return {
    environment,
    params(c) {
      let v = params.get(c)
      if (!v) params.set(c, (v = ajv.compile(c.params)))
      return v
    },
  }
}
