import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {describe, test} from 'node:test'
import {parse} from 'yaml'
import {DOC_PAGES, docsForProduct, netwrixDocs, type DocPage} from '../../src/model/docs.js'
import {PRODUCTS, type Environment, type Product} from '../../src/model/environment.js'
import {planChecks} from '../../src/run/planner.js'
import {loadChecks} from '../../src/run/registry.js'
import {VERSIONS} from '../../src/model/versions.js'
import {onPremEnv, saasEnv} from '../helpers/envs.js'

/**
 * Every docs link the tool can print, held against the page list of the docs repository kept in
 * test/fixtures/docs-pages.txt (its header says how it was made), for each product version.
 */

const FIXTURE = new URL('../fixtures/docs-pages.txt', import.meta.url)
const LINK = /^https:\/\/docs\.netwrix\.com\/docs\/identitymanager\/(6_1|6_2|6_3|current)\/([a-z0-9./-]+)$/

/** The fixture as pages per docs folder: `x/index.md` and `x.md` are both the page `x`. */
function pagesByFolder(): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>()
  for (const line of readFileSync(FIXTURE, 'utf8').split('\n')) {
    if (!line || line.startsWith('#')) continue
    const m = /^[0-9a-f]{40} docs\/identitymanager\/([^/]+)\/(.+?)(?:\/index)?\.md$/.exec(line)
    assert.ok(m, `a fixture line is not "<commit> docs/identitymanager/<version>/<path>.md": ${line}`)
    if (!out.has(m[1]!)) out.set(m[1]!, new Set())
    out.get(m[1]!)!.add(m[2]!)
  }
  return out
}

const FOLDER_OF_SITE: Record<string, string> = Object.fromEntries(
  Object.values(VERSIONS).map((v) => [v.site, v.folder]),
)

/** Environments of every version: on premises with a separate agent (6.x), SaaS, every connection kind. */
function environments(): Record<Product, Environment> {
  const connectors = `connectors:
  - identifier: AD
    agent: ContosoAD
    connections:
      - { identifier: ADExport, type: activeDirectory, servers: [{ host: dc01.contoso.com }], baseDN: "DC=contoso,DC=com" }
  - identifier: LDAP
    agent: ContosoAD
    connections:
      - { identifier: LDAPExport, type: ldap, servers: [{ host: ldap.contoso.com }], baseDN: "DC=contoso,DC=com" }
  - identifier: HR
    agent: ContosoAD
    connections:
      - { identifier: HRExport, type: files, path: /tmp/idm-agent/Sources/hr.csv }
      - { identifier: HRDatabase, type: sql, connectionString: "Server=sql02;Database=HR;Integrated Security=true" }
  - identifier: APIs
    agent: ContosoAD
    connections:
      - { identifier: SCIMExport, type: http, url: https://scim.contoso.com/scim }
      - { identifier: SNExport, type: http, api: servicenow, url: https://contoso.service-now.com/api/now/table, username: svc }
`
  const onprem = parse(onPremEnv(connectors)) as Environment
  return {
    '6.1': {...onprem, product: '6.1'},
    '6.2': {...onprem, product: '6.2'},
    '6.3': {...onprem, product: '6.3'},
    saas: parse(saasEnv('/tmp/idm-wd', connectors.replace(/\/tmp\/idm-agent/g, '/tmp/idm-wd'))) as Environment,
  }
}

describe('docs links against the docs repository', () => {
  const fixture = pagesByFolder()

  test('the page list says how it was made, and lists each version', () => {
    const head = readFileSync(FIXTURE, 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('#'))
      .join('\n')
    assert.match(head, /find_files repo=netwrix\/docs under=docs\/identitymanager\/<v>\//)
    assert.deepEqual([...fixture.keys()].sort(), ['6.1', '6.2', '6.3', 'current'])
  })

  test("DOC_PAGES says which versions have each page exactly as the repository's list does", () => {
    for (const [page, have] of Object.entries(DOC_PAGES) as [DocPage, readonly Product[]][])
      for (const product of PRODUCTS) {
        const listed = fixture.get(VERSIONS[product].folder)!.has(page)
        assert.equal(have.includes(product), listed, `${page} in ${VERSIONS[product].folder}: listed ${listed}`)
      }
  })

  test("each version's rules cite a page of that version's own docs", () => {
    for (const product of PRODUCTS) {
      const v = VERSIONS[product]
      for (const [name, rule] of Object.entries(v).filter(([, r]) => r && typeof r === 'object' && 'page' in r))
        assert.ok(
          fixture.get(v.folder)!.has((rule as {page: string}).page),
          `${product} ${name}: ${(rule as {page: string}).page} is not a page of ${v.folder}`,
        )
    }
  })

  test('every page a check cites in its explanation (checks show) is a page of the repository, as printed', async () => {
    let n = 0
    for (const c of await loadChecks())
      for (const s of c.explain?.sources ?? []) {
        if (!s.page.includes('docs.netwrix.com')) continue
        const m = LINK.exec(s.page)
        assert.ok(m, `${c.id}: ${s.page} is not in the site's scheme`)
        const folder = FOLDER_OF_SITE[m[1]!]!
        assert.ok(
          fixture.get(folder)!.has(m[2]!),
          `${c.id}: ${s.page} is not a page of ${folder} in the repository's list`,
        )
        n++
      }
    assert.ok(n >= 20, `only ${n} cited pages`)
  })

  for (const product of PRODUCTS)
    test(`${product}: every link the tool can print is a page of the repository, of ${VERSIONS[product].folder} whenever it has it`, async () => {
      const checks = await loadChecks()
      const links = new Set<string>()
      for (const c of checks) if (c.docs.includes('docs.netwrix.com')) links.add(docsForProduct(c.docs, product))
      const env = environments()[product]
      for (const stage of ['before', 'after'] as const)
        for (const p of planChecks(env, checks, {stage, baseDir: '/', processEnv: {}})) links.add(p.docs)
      for (const page of Object.keys(DOC_PAGES) as DocPage[]) links.add(netwrixDocs(page, product))
      let own = 0
      for (const url of links) {
        if (!url.includes('docs.netwrix.com')) continue
        const m = LINK.exec(url)
        assert.ok(m, `${url}: not the site's scheme (…/identitymanager/<6_1|6_2|6_3|current>/<page>, no index.md)`)
        const folder = FOLDER_OF_SITE[m[1]!]!
        assert.ok(
          fixture.get(folder)!.has(m[2]!),
          `${url}: ${m[2]} is not a page of ${folder} in the repository's list`,
        )
        if (fixture.get(VERSIONS[product].folder)!.has(m[2]!))
          assert.equal(folder, VERSIONS[product].folder, `${url}: the page exists in ${VERSIONS[product].folder}`)
        if (folder === VERSIONS[product].folder) own++
      }
      assert.ok(own >= 10, `only ${own} links to ${VERSIONS[product].folder}`)
      assert.ok(![...links].some((u) => u.includes('/identitymanager/saas/')), 'a link to the old saas/ folder')
    })
})
