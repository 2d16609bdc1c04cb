import type {Ajv, ValidateFunction} from 'ajv'
import type {CheckDefinition} from '../model/index.js'
import {commonJs} from '../base/index.js'

/** The ajv options every validator is compiled with, at build time and at run time alike. */
export const AJV_OPTIONS = {allErrors: true, verbose: false, strict: true, allowUnionTypes: true} as const
export const ENVIRONMENT_FORMATS = ['email', 'date'] as const

export interface Validators {
  environment: ValidateFunction
  /** The environment schema the validator was built from (error messages navigate it). */
  schema: Record<string, unknown>
  params(check: CheckDefinition): ValidateFunction
}

/** The generated validator modules compiled into the bundle, handed over by its entry point. */
let bundledGenerated: Record<string, () => Promise<unknown>> | undefined

export function provideGeneratedValidators(load: Record<'environment.js' | 'params.js', () => Promise<unknown>>): void {
  bundledGenerated = load
}

const cache = new WeakMap<readonly CheckDefinition[], Promise<Validators>>()

/**
 * The environment schema's validator and each check's params validator. Built from dist/, they
 * come precompiled (ajv standalone, written by `npm run build`: environment.js and params.js);
 * from source, or when the checks changed since the build, they are compiled here once.
 */
export function validators(checks: readonly CheckDefinition[], opts: {params?: boolean} = {}): Promise<Validators> {
  let v = cache.get(checks)
  if (!v) cache.set(checks, (v = load(checks, opts.params ?? true)))
  return v
}

/** Whether the planner checks each check's params (an internal assertion: tests turn it on). */
export function paramsCheckWanted(): boolean {
  return process.env.IDM_PREFLIGHT_CHECK_PARAMS === '1'
}

async function load(checks: readonly CheckDefinition[], withParams: boolean): Promise<Validators> {
  const ids = JSON.stringify(checks.map((c) => c.id))
  type Mod = Record<string, ValidateFunction> & {checkIds: string[]}
  const generated = async (name: string): Promise<Mod | undefined> => {
    if (bundledGenerated) {
      const mod = (await bundledGenerated[name]?.()) as Mod | undefined
      return mod && JSON.stringify(mod.checkIds) === ids ? mod : undefined
    }
    try {
      const mod = (await import(new URL(`../generated/${name}`, import.meta.url).href)) as Mod
      return JSON.stringify(mod.checkIds) === ids ? mod : undefined
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw e
      return undefined
    }
  }
  const env = await generated('environment.js')
  const params = withParams ? await generated('params.js') : undefined
  if (env && (params || !withParams)) {
    const {buildEnvironmentSchema} = await import('./environment-schema.js')
    return {
      environment: env.environment!,
      schema: buildEnvironmentSchema(checks),
      params: (c) => {
        const f = params?.[`params_${c.id.replace(/[^a-z0-9]/gi, '_')}`]
        if (!f) throw new Error('params validators were not loaded')
        return f
      },
    }
  }
  return compileAtRunTime(checks)
}

async function compileAtRunTime(checks: readonly CheckDefinition[]): Promise<Validators> {
  const [{Ajv}, formats, {buildEnvironmentSchema}] = await Promise.all([
    import('ajv').then(commonJs),
    import('ajv-formats'),
    import('./environment-schema.js'),
  ])
  const ajv: Ajv = new Ajv(AJV_OPTIONS)
  const addFormats = ((formats as unknown as {default?: unknown}).default ?? formats) as (
    a: Ajv,
    f: readonly string[],
  ) => void
  addFormats(ajv, ENVIRONMENT_FORMATS)
  const schema = buildEnvironmentSchema(checks)
  const environment = ajv.compile(schema)
  const params = new Map<CheckDefinition, ValidateFunction>()
  return {
    environment,
    schema,
    params(c) {
      let v = params.get(c)
      if (!v) params.set(c, (v = ajv.compile(c.params)))
      return v
    },
  }
}
