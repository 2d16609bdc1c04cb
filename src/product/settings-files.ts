import {FileReadError, readRegularFile} from '../io/index.js'
import {parseJsonc} from '../documents/index.js'
import {join} from 'node:path'
import type {Diagnostic} from '../base/index.js'
import {dottedPath} from '../environment/index.js'
import {MAX_SETTINGS_BYTES, roleOf, settingsProblems, type SettingsFile} from './settings-rules.js'

export {MAX_SETTINGS_BYTES}

export const SETTINGS_FILES: SettingsFile[] = ['appsettings.json', 'appsettings.agent.json']

/**
 * Reads a working directory's settings files as the product parses them (comments and trailing
 * commas allowed) and applies the rules, every problem at `file:line:column`. Files not there are
 * listed as missing.
 */
export async function checkSettingsFiles(
  workdir: string,
  expectedApplicationUri?: string,
  /** Whose directory, when the environment says; otherwise guessed from appsettings.json. */
  knownRole?: 'server' | 'agent',
): Promise<{files: {file: string; exists: boolean; diagnostics: Diagnostic[]}[]}> {
  const runtime = join(workdir, 'Runtime')
  const main = join(runtime, 'appsettings.json')
  let role: 'server' | 'agent' = knownRole ?? 'agent'
  const out: {file: string; exists: boolean; diagnostics: Diagnostic[]}[] = []
  for (const name of SETTINGS_FILES) {
    const path = join(runtime, name)
    let bytes: Buffer
    try {
      bytes = await readRegularFile(path, MAX_SETTINGS_BYTES)
    } catch (e) {
      if (!(e instanceof FileReadError)) throw e
      if (e.code === 'missing') out.push({file: path, exists: false, diagnostics: []})
      else
        out.push({
          file: path,
          exists: true,
          diagnostics: [{file: path, line: 1, column: 1, path: '', message: e.message, severity: 'error'}],
        })
      continue
    }
    const parsed = parseJsonc(path, bytes)
    if (!parsed.ok) {
      out.push({file: path, exists: true, diagnostics: parsed.diagnostics})
      continue
    }
    if (path === main && !knownRole) role = roleOf(parsed.doc.value)
    const diagnostics = settingsProblems(name, parsed.doc.value, {role, expectedApplicationUri}).map((p) => {
      const pos = parsed.doc.position(p.path, {key: true})
      return {
        file: path,
        line: pos.line,
        column: pos.column,
        path: dottedPath(p.path),
        message: p.message,
        severity: p.severity,
      }
    })
    out.push({
      file: path,
      exists: true,
      diagnostics: diagnostics.sort((a, b) => a.line - b.line || a.column - b.column),
    })
  }
  return {files: out}
}
