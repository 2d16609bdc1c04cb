import type {Product} from './environment.js'

/** Netwrix documentation links. One place, so that a site move is one edit. */
const SITE = 'https://docs.netwrix.com/docs/identitymanager'

/**
 * The pages of the Identity Manager docs this tool links to, by their path in the docs
 * repository (`docs/identitymanager/<version>/<path>/index.md`), with the versions that have
 * them. Verified against the public netwrix/docs repository (commit ad22dd64, 2026-12-01): a
 * page may be missing from a version (6.2 has no proxy page; 6.1 and SaaS do). A link is never
 * made to a page not listed here (the test of the catalogue fails).
 */
export const DOC_PAGES = {
  'installation-guide/production-ready/database': ['6.1', '6.2', 'saas'],
  'installation-guide/production-ready/email-server': ['6.1', '6.2', 'saas'],
  'installation-guide/production-ready/server': ['6.1', '6.2', 'saas'],
  'installation-guide/requirements/agent-requirements': ['6.1', '6.2', 'saas'],
  'installation-guide/requirements/database-requirements': ['6.1', '6.2', 'saas'],
  'installation-guide/requirements/device-requirements': ['6.1', '6.2', 'saas'],
  'installation-guide/requirements/server-requirements': ['6.1', '6.2', 'saas'],
  'integration-guide/connectors/references-connectors/activedirectory': ['6.1', '6.2', 'saas'],
  'integration-guide/connectors/references-connectors/csv': ['6.1', '6.2', 'saas'],
  'integration-guide/connectors/references-connectors/ldap': ['6.1', '6.2', 'saas'],
  'integration-guide/connectors/references-connectors/scim': ['6.1', '6.2', 'saas'],
  'integration-guide/connectors/references-connectors/sql': ['6.1', '6.2', 'saas'],
  'integration-guide/network-configuration/proxy': ['6.1', 'saas'],
  'integration-guide/network-configuration/server-configuration/end-users-authentication': ['6.1', '6.2', 'saas'],
  'user-guide/deploy/production-agent-installation': ['6.1', '6.2', 'saas'],
  'user-guide/deploy/production-agent-installation/directory-permissions': ['6.1', '6.2', 'saas'],
  'user-guide/deploy/production-agent-installation/iis-configuration': ['6.1', '6.2', 'saas'],
  'user-guide/deploy/production-agent-installation/iis-installation': ['6.1', '6.2', 'saas'],
  'user-guide/deploy/production-agent-installation/settings-files': ['6.1', '6.2', 'saas'],
} as const satisfies Record<string, readonly Product[]>

export type DocPage = keyof typeof DOC_PAGES

/** Versions to fall back on, nearest first, when a page is missing from the one asked. */
const FALLBACK: Record<Product, Product[]> = {
  '6.1': ['6.1', '6.2', 'saas'],
  '6.2': ['6.2', 'saas', '6.1'],
  saas: ['saas', '6.2', '6.1'],
}

/**
 * The site's URL of a page for a product version: `…/identitymanager/6_2/<path>` (the version
 * with `_`, no `index.md`), or that of the nearest version that has the page.
 */
export function netwrixDocs(page: DocPage, version: Product = '6.2'): string {
  const have: readonly string[] = DOC_PAGES[page]
  const v = FALLBACK[version].find((x) => have.includes(x))!
  return `${SITE}/${v.replace('.', '_')}/${page}`
}

/** The same page for another product version (the planner gives each result its environment's). */
export function docsForProduct(url: string, product: Product): string {
  const m = /^https:\/\/docs\.netwrix\.com\/docs\/identitymanager\/(?:6_1|6_2|saas)\/(.+)$/.exec(url)
  if (!m || !(m[1]! in DOC_PAGES)) return url
  return netwrixDocs(m[1] as DocPage, product)
}
