import {stat} from 'node:fs/promises'
import {dirname, isAbsolute, join, relative, sep} from 'node:path'

/**
 * The first line of an environment file `init` writes: `$schema` for editors (the YAML language
 * server), as a path from the file's folder to the schema this very installation ships (a clone's
 * schema/, node_modules/idm-preflight/schema/ for an npm install), so that it exists wherever the
 * tool came from. A standalone executable holds no schema file: the line says how to get one.
 */
export async function schemaLine(outFile: string, root: string): Promise<string> {
  const schema = join(root, 'schema', 'environment.schema.json')
  const there = await stat(schema).then(
    (s) => s.isFile(),
    () => false,
  )
  if (!there) return '# JSON Schema of this file: idm-preflight validate --print-schema > environment.schema.json'
  let path = relative(dirname(outFile), schema).split(sep).join('/')
  if (!isAbsolute(path) && !/^[A-Za-z]:/.test(path) && !path.startsWith('.')) path = `./${path}`
  return `# yaml-language-server: $schema=${path}`
}
