import type {Product} from './environment.js'
import {VERSIONS} from './versions.js'

/** Netwrix documentation links. One place, so that a site move is one edit. */
const SITE = 'https://docs.netwrix.com/docs/identitymanager'

/**
 * The pages of the Identity Manager docs this tool links to, by their path in the docs
 * repository (`docs/identitymanager/<folder>/<path>/index.md` for 6.1 and 6.2,
 * `<path>.md` for 6.3 and current), with the versions whose folder has them; `saas` is the
 * `current` folder. Taken from the page list of the docs repository kept in
 * test/fixtures/docs-pages.txt (how it was made is written at its top), which
 * test/model/docs-links.test.ts holds this table and every link against. That list proves a page
 * exists, not that one is absent (the index leaves out a file whose text another version already
 * has): a version not listed here is linked to its nearest version that is (VERSIONS' `nearest`).
 */
export const DOC_PAGES = {
  'installation-guide/production-ready/agent': ['6.1', '6.2', '6.3', 'saas'],
  'installation-guide/production-ready/database': ['6.1', '6.2', '6.3', 'saas'],
  'installation-guide/production-ready/email-server': ['6.1', '6.2'],
  'installation-guide/production-ready/server': ['6.1', '6.2', 'saas'],
  'installation-guide/requirements/agent-requirements': ['6.1', '6.2', '6.3', 'saas'],
  'installation-guide/requirements/database-requirements': ['6.1', '6.2', '6.3', 'saas'],
  'installation-guide/requirements/device-requirements': ['6.1', '6.2', 'saas'],
  'installation-guide/requirements/server-requirements': ['6.1', '6.2', '6.3', 'saas'],
  'integration-guide/connectors/references-connectors/activedirectory': ['6.1', '6.2', 'saas'],
  'integration-guide/connectors/references-connectors/csv': ['6.1', '6.2', 'saas'],
  'integration-guide/connectors/references-connectors/ldap': ['6.1', '6.2', '6.3', 'saas'],
  'integration-guide/connectors/references-connectors/scim': ['6.1', '6.2', '6.3', 'saas'],
  'integration-guide/connectors/references-connectors/servicenowentitymanagement': ['6.1', '6.2', 'saas'],
  'integration-guide/connectors/references-connectors/sql': ['6.1', '6.2', 'saas'],
  'integration-guide/network-configuration/proxy': ['6.1', '6.3', 'saas'],
  'integration-guide/network-configuration/server-configuration/end-users-authentication': [
    '6.1',
    '6.2',
    '6.3',
    'saas',
  ],
  'user-guide/deploy/production-agent-installation': ['6.1', '6.2'],
  'user-guide/deploy/production-agent-installation/directory-permissions': ['6.1', '6.2', '6.3', 'saas'],
  'user-guide/deploy/production-agent-installation/iis-configuration': ['6.1', '6.2', '6.3', 'saas'],
  'user-guide/deploy/production-agent-installation/iis-installation': ['6.1', '6.2', 'saas'],
  'user-guide/deploy/production-agent-installation/settings-files': ['6.1', '6.2', 'saas'],
} as const satisfies Record<string, readonly Product[]>

export type DocPage = keyof typeof DOC_PAGES

/** The version whose docs a link for `version` goes to: itself when its folder has the page, else the nearest that has it. */
export function docsVersion(page: DocPage, version: Product): Product {
  const have: readonly string[] = DOC_PAGES[page]
  return VERSIONS[version].nearest.find((x) => have.includes(x))!
}

/**
 * The site's URL of a page for a product version: `…/identitymanager/6_3/<path>` (the version
 * with `_`; SaaS is `current`; no `index.md`), or that of the nearest version that has the page.
 */
export function netwrixDocs(page: DocPage, version: Product = '6.2'): string {
  return `${SITE}/${VERSIONS[docsVersion(page, version)].site}/${page}`
}

/** The same page for another product version (the planner gives each result its environment's). */
export function docsForProduct(url: string, product: Product): string {
  const m = /^https:\/\/docs\.netwrix\.com\/docs\/identitymanager\/(?:6_1|6_2|6_3|current|saas)\/(.+)$/.exec(url)
  if (!m || !(m[1]! in DOC_PAGES)) return url
  return netwrixDocs(m[1] as DocPage, product)
}
