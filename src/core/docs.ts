/** Netwrix documentation links. One place, so that a site move is one edit. */
const NETWRIX = 'https://docs.netwrix.com'

/** A page of the Identity Manager docs, by its repo path under `docs/identitymanager/<version>/`. */
export function netwrixDocs(path: string, version = '6.2'): string {
  return `${NETWRIX}/docs/identitymanager/${version}/${path.replace(/^\/+/, '')}`
}
