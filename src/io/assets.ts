import {existsSync} from 'node:fs'
import {readFile} from 'node:fs/promises'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

/**
 * The files idm-preflight ships beside its code (`templates/`), read the same way whether it runs
 * from source (tsx), from `dist/`, from the bundle in `dist/bundle/` or as a standalone executable
 * (where they are the executable's embedded assets: `node:sea`'s getAsset).
 */
let embedded: ((key: string) => string) | undefined

/** The standalone executable hands over its embedded assets (keys like `templates/x/y`). */
export function provideAssets(get: (key: string) => string): void {
  embedded = get
}

let worker: string | undefined

/**
 * The bundle hands over the file its certificate worker starts from (a file URL): in the bundle,
 * the module that starts the worker is not a file of its own (src/probes/pki/certificates.ts).
 */
export function provideCertificateWorker(url: string): void {
  worker = url
}

/** The certificate worker's file as the build provided it, if it did. */
export function certificateWorker(): string | undefined {
  return worker
}

let root: string | undefined

/** The package folder: the nearest one up from this module holding `templates/`. */
export function packageRoot(): string {
  if (root) return root
  let dir = dirname(fileURLToPath(import.meta.url))
  for (;;) {
    if (existsSync(join(dir, 'templates')) && existsSync(join(dir, 'package.json'))) return (root = dir)
    const up = dirname(dir)
    if (up === dir) throw new Error(`templates/ not found above ${fileURLToPath(import.meta.url)}`)
    dir = up
  }
}

/** A shipped template's text, by its path under `templates/` (`/`-separated). */
export async function readTemplate(relative: string): Promise<string> {
  if (embedded) return embedded(`templates/${relative}`)
  return readFile(join(packageRoot(), 'templates', ...relative.split('/')), 'utf8')
}

/** Where a template is on disk, for messages; `embedded:` in a standalone executable. */
export function templateLocation(relative: string): string {
  return embedded ? `embedded:templates/${relative}` : join(packageRoot(), 'templates', ...relative.split('/'))
}
