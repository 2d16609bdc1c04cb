import {Document, Scalar, visit} from 'yaml'

/**
 * YAML for an environment file we write (init, the sandbox): every `${env:}`/`${file:}` reference
 * double-quoted, as README asks users to write them (unquoted, one inside `{ … }` is a syntax
 * error, so a file we write must never teach the unquoted form).
 */
export function stringifyEnvironment(value: unknown): string {
  const doc = new Document(value)
  visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value === 'string' && node.value.startsWith('${')) node.type = Scalar.QUOTE_DOUBLE
    },
  })
  return doc.toString({lineWidth: 0})
}
