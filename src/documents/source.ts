import {extname} from 'node:path'
import {isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node} from 'yaml'
import type {Diagnostic} from '../base/index.js'
import {FileReadError, readRegularFile, sizeText} from '../io/index.js'

/** How many alias uses a document may expand: enough for any real file, far from a bomb. */
const MAX_ALIAS_COUNT = 100

/** Largest environment file we read: real ones are a few kilobytes. */
export const MAX_SOURCE_BYTES = 1024 * 1024

/** A parsed YAML or JSON document that can tell where any JSON path sits in the text. */
export interface SourceDocument {
  file: string
  text: string
  value: unknown
  /** 1-based line and column of the node at `path`; of its key with `key: true`. */
  position(path: readonly (string | number)[], opts?: {key?: boolean}): {line: number; column: number}
}

export type SourceResult = {ok: true; doc: SourceDocument} | {ok: false; diagnostics: Diagnostic[]}

const at = (file: string, line: number, column: number, message: string, path = ''): Diagnostic => ({
  file,
  line,
  column,
  path,
  message,
  severity: 'error',
})

/**
 * Reads and parses an environment file (or any settings file) with source positions. Every
 * failure is a diagnostic with a position: missing, unreadable, too large, binary, empty, or a
 * syntax error (with a hint for the common YAML traps).
 */
export async function readSource(file: string): Promise<SourceResult> {
  let bytes: Buffer
  try {
    bytes = await readRegularFile(file, MAX_SOURCE_BYTES)
  } catch (e) {
    if (!(e instanceof FileReadError)) throw e
    const message =
      e.code === 'missing'
        ? 'file not found'
        : e.code === 'directory'
          ? 'is a directory, not an environment file'
          : e.code === 'too-large'
            ? `is ${((e.size ?? 0) / 1024 / 1024).toFixed(1)} MB; an environment file is at most ${sizeText(MAX_SOURCE_BYTES)} (is this the right file?)`
            : e.code === 'denied'
              ? 'permission denied: cannot read this file'
              : `${e.message}: an environment file is a regular YAML or JSON file`
    return fail(at(file, 1, 1, message))
  }
  return parseSource(file, bytes)
}

/** Parses bytes already read (exported for tests and for `validate --workdir`). */
export function parseSource(
  file: string,
  bytes: Buffer,
  opts: {what?: 'environment file' | 'settings file'} = {},
): SourceResult {
  const what = opts.what ?? 'environment file'
  const nul = bytes.indexOf(0)
  if (nul >= 0) {
    const {line, column} = offsetToPos(bytes.subarray(0, nul).toString('utf8'), nul)
    return fail(
      at(
        file,
        line,
        column,
        `is not a text file (it contains NUL bytes): expected ${what === 'environment file' ? 'YAML or JSON' : 'JSON'}`,
      ),
    )
  }
  let text: string
  try {
    text = new TextDecoder('utf-8', {fatal: true}).decode(bytes)
  } catch {
    return fail(at(file, 1, 1, 'is not valid UTF-8 text: save it as UTF-8 (YAML or JSON)'))
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1)
  if (onlyComments(text)) {
    return fail(
      at(
        file,
        1,
        1,
        what === 'environment file'
          ? 'is empty: expected an environment file (run `idm-preflight init` to write one)'
          : 'is empty: expected a JSON object',
      ),
    )
  }

  const isJson = extname(file).toLowerCase() === '.json'
  if (isJson) {
    try {
      JSON.parse(text)
    } catch (e) {
      return fail(jsonSyntaxDiagnostic(file, text, e as Error))
    }
  }

  const lineCounter = new LineCounter()
  let doc: Document
  let value: unknown
  try {
    // Duplicate keys are found below in linear time: the library's own check is quadratic
    // (40,000 keys took a minute).
    doc = parseDocument(text, {lineCounter, prettyErrors: false, uniqueKeys: false, strict: true})
    if (doc.errors.length > 0) {
      return {
        ok: false,
        diagnostics: doc.errors.slice(0, 10).map((err) => {
          const pos = lineCounter.linePos(err.pos[0])
          return at(file, pos.line, pos.col, yamlMessage(err.code, err.message, text, pos.line))
        }),
      }
    }
    const dup = firstDuplicateKey(doc.contents)
    if (dup) {
      const pos = lineCounter.linePos(dup.offset)
      return fail(
        at(
          file,
          pos.line,
          pos.col,
          what === 'settings file'
            ? `this key is already defined above (duplicate key "${dup.key}"): the product refuses the file`
            : `YAML syntax error: this key is already defined above (duplicate key "${dup.key}")`,
        ),
      )
    }
    // A bounded alias expansion: a "billion laughs" file is refused, not expanded.
    value = doc.toJS({maxAliasCount: MAX_ALIAS_COUNT})
  } catch (e) {
    const msg = (e as Error).message ?? ''
    if (/alias/i.test(msg))
      return fail(
        at(
          file,
          1,
          1,
          `YAML aliases expand too much (more than ${MAX_ALIAS_COUNT} uses of an anchor): an environment file needs no such thing (write the values out)`,
        ),
      )
    if (e instanceof RangeError) return fail(at(file, 1, 1, 'is nested too deeply to be an environment file'))
    throw e
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    const kind = value === null ? 'nothing' : Array.isArray(value) ? 'a list' : `a single ${typeof value}`
    return fail(
      at(
        file,
        1,
        1,
        what === 'settings file'
          ? `holds ${kind}; a settings file is a JSON object ({ "ApplicationUri": … })`
          : `holds ${kind}; an environment file is a mapping of keys (version, name, topology, ...)`,
      ),
    )
  }
  return {
    ok: true,
    doc: {
      file,
      text,
      value,
      position: (path, opts) => nodePosition(doc, lineCounter, path, opts?.key ?? false),
    },
  }
}

function fail(d: Diagnostic): SourceResult {
  return {ok: false, diagnostics: [d]}
}

function nodePosition(
  doc: Document,
  lc: LineCounter,
  path: readonly (string | number)[],
  key: boolean,
): {line: number; column: number} {
  // Walk down as far as the path exists; a missing key points at its parent.
  let node: unknown = doc.contents
  let keyNode: Node | undefined
  for (const seg of path) {
    keyNode = undefined
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg))
      if (!pair) break
      keyNode = pair.key as Node
      node = pair.value ?? pair.key
    } else if (isSeq(node) && typeof seg === 'number' && node.items[seg]) {
      node = node.items[seg]
    } else break
  }
  // A mapping or list is shown at the key that holds it (`server:`), not at its first child.
  const collection = isMap(node) || isSeq(node)
  const target = keyNode && (key || collection) ? keyNode : (node as Node | null)
  const offset = target?.range?.[0] ?? 0
  const p = lc.linePos(offset)
  return {line: p.line, column: p.col}
}

function offsetToPos(textBefore: string, _offset: number): {line: number; column: number} {
  const lines = textBefore.split('\n')
  return {line: lines.length, column: (lines.at(-1)?.length ?? 0) + 1}
}

function jsonSyntaxDiagnostic(file: string, text: string, e: Error): Diagnostic {
  // Node 22: "Unexpected token } in JSON at position 12 (line 2 column 3)" or "... at position 12".
  const m = /line (\d+) column (\d+)/.exec(e.message)
  const p = /position (\d+)/.exec(e.message)
  let line = 1
  let column = 1
  if (m) {
    line = Number(m[1])
    column = Number(m[2])
  } else if (p) {
    ;({line, column} = offsetToPos(text.slice(0, Number(p[1])), Number(p[1])))
  } else if (/end of JSON input/i.test(e.message)) {
    ;({line, column} = offsetToPos(text, text.length))
  }
  return at(file, line, column, `JSON syntax error: ${jsonErrorWords(e.message)}`)
}

function yamlMessage(code: string, message: string, text: string, line: number): string {
  const first = message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')
  const src = text.split(/\r?\n/)[line - 1] ?? ''
  if (/^\t| \t/.test(src) || code === 'TAB_AS_INDENT') {
    return `YAML syntax error: tabs are not allowed for indentation; indent with spaces (${first})`
  }
  if (/[:,{[]\s*\$\{/.test(src) && !/["']\$\{/.test(src)) {
    return `YAML syntax error: ${first}. A secret reference must be quoted, e.g. password: "\${env:NAME}" (unquoted, { starts a YAML mapping)`
  }
  if (code === 'DUPLICATE_KEY') return `YAML syntax error: this key is already defined above (${first})`
  return `YAML syntax error: ${first}`
}

/** The first key defined twice in one mapping, anywhere in the document: one pass, a set per mapping. */
function firstDuplicateKey(root: unknown): {key: string; offset: number} | undefined {
  const stack: unknown[] = [root]
  let found: {key: string; offset: number} | undefined
  while (stack.length) {
    const node = stack.pop()
    if (isMap(node)) {
      const seen = new Set<string>()
      for (const pair of node.items) {
        if (!isPair(pair)) continue
        if (isScalar(pair.key)) {
          const k = String(pair.key.value)
          if (seen.has(k)) {
            const offset = pair.key.range?.[0] ?? 0
            if (!found || offset < found.offset) found = {key: k, offset}
          }
          seen.add(k)
        }
        stack.push(pair.value)
      }
    } else if (isSeq(node)) for (const item of node.items) stack.push(item)
  }
  return found
}

/**
 * Nothing but blank lines and `#` comments. Line by line: the one-regex form
 * `/^(\s*#.*\n?)*\s*$/` backtracked exponentially (each newline matched two ways): 26 comment
 * lines at the top of a file took 16 s, and `init --from-workdir`'s header hung.
 */
function onlyComments(text: string): boolean {
  for (const line of text.split('\n')) {
    const t = line.trim()
    if (t !== '' && !t.startsWith('#')) return false
  }
  return true
}

/**
 * JSON.parse's message without the text it quotes: V8 adds some ten characters around an
 * unexpected token (`Unexpected token 'I', ..."assword": Ir1KnzZrAH"... is not valid JSON`), which
 * is the start of a password written without quotes. Only the kind of error is kept.
 */
export function jsonErrorWords(message: string): string {
  const m = message.replace(/^JSON\.parse: /, '')
  if (/^Unexpected token/i.test(m))
    return 'unexpected character (a value without its double quotes, single quotes, or a missing comma?)'
  return m.replace(/ in JSON at position \d+.*$/s, '').replace(/,? *(?:\.\.\.)?".*$/s, '')
}
