import type {DocPage} from './docs.js'
import type {Product} from './environment.js'

/**
 * What changes with the product version, side by side: one row per version the public docs
 * document (`docs/identitymanager/<folder>/` in netwrix/docs: 6.1, 6.2, 6.3, and `current`, which
 * holds the SaaS pages since the `saas/` folder went away). Each rule carries the page it rests
 * on and the sentence there, so that a rule and its source are read together and a docs change
 * is one edit here. Everything else idm-preflight judges is the same for every version, or is
 * this tool's own policy and said so where it is judged.
 */

/** A version's rule with its source: the page (its path in every version) and the sentence. */
export interface Rule<T> {
  value: T
  page: DocPage
  says: string
}

export interface VersionRules {
  /** How `init` names the version. */
  name: string
  /** The version's folder in the docs repository and on the site (`…/identitymanager/<site>/<page>`). */
  folder: '6.1' | '6.2' | '6.3' | 'current'
  site: '6_1' | '6_2' | '6_3' | 'current'
  /** How the repository stores a page: `<page>/index.md` (6.1, 6.2) or `<page>.md` (6.3, current). */
  file: 'index.md' | '.md'
  /** Where to link a page this version's docs lack, nearest first (the version itself first). */
  nearest: readonly Product[]
  /** host.runtime: the ASP.NET Core major the agent (and an on-premises server) runs on. */
  runtime: Rule<{major: number; download: string}>
  /**
   * folders.permissions and scaffold's scripts: may the service account write in the working
   * directory itself (the agent-requirements page's first line)?
   */
  workingDirectoryWrite: Rule<boolean>
  /** scaffold: the product's file names when no runtime is extracted yet (`<prefix>-Agent.dll`). */
  productFiles: Rule<'Usercube'>
  /** sql.requirements: the oldest SQL Server the version supports (on premises). */
  sqlServer: Rule<{major: number; name: string}>
}

const HOSTING_BUNDLE = (major: number) => `https://dotnet.microsoft.com/en-us/download/dotnet/${major}.0`

export const VERSIONS: Record<Product, VersionRules> = {
  '6.1': {
    name: 'Usercube 6.1',
    folder: '6.1',
    site: '6_1',
    file: 'index.md',
    nearest: ['6.1', '6.2', '6.3', 'saas'],
    runtime: {
      value: {major: 8, download: HOSTING_BUNDLE(8)},
      page: 'installation-guide/requirements/agent-requirements',
      says: 'Running an agent requires installing the ASP.NET 8.0 Runtime.',
    },
    workingDirectoryWrite: {
      value: false,
      page: 'installation-guide/requirements/agent-requirements',
      says: '_Read_ and _List folder contents_ on the working directory; … Other permissions should be denied.',
    },
    productFiles: {
      value: 'Usercube',
      page: 'installation-guide/requirements/agent-requirements',
      says: 'a separate `appsettings.agent.json` file stored next to the `Usercube-Server.exe` executable',
    },
    sqlServer: {
      value: {major: 13, name: 'SQL Server 2016'},
      page: 'installation-guide/requirements/database-requirements',
      says: 'Usercube uses a SQL Server database and supports SQL Server 2016 or later.',
    },
  },
  '6.2': {
    name: 'Identity Manager 6.2',
    folder: '6.2',
    site: '6_2',
    file: 'index.md',
    nearest: ['6.2', '6.3', '6.1', 'saas'],
    runtime: {
      value: {major: 8, download: HOSTING_BUNDLE(8)},
      page: 'installation-guide/requirements/agent-requirements',
      says: 'Running an agent requires installing the Windows hosting bundle for ASP.Net Runtime (linked: dotnet/8.0).',
    },
    workingDirectoryWrite: {
      value: true,
      page: 'installation-guide/requirements/agent-requirements',
      says: '_Read_, _Modify_, and _List folder contents_ on the working directory',
    },
    productFiles: {
      value: 'Usercube',
      page: 'installation-guide/requirements/agent-requirements',
      says: 'a separate `appsettings.agent.json` file stored next to the `Usercube-Server.exe` executable',
    },
    sqlServer: {
      value: {major: 13, name: 'SQL Server 2016'},
      page: 'installation-guide/requirements/database-requirements',
      says: 'Identity Manager uses a SQL Server database and supports SQL Server 2016 or later.',
    },
  },
  '6.3': {
    name: 'Identity Manager 6.3',
    folder: '6.3',
    site: '6_3',
    file: '.md',
    nearest: ['6.3', 'saas', '6.2', '6.1'],
    runtime: {
      value: {major: 8, download: HOSTING_BUNDLE(8)},
      page: 'installation-guide/requirements/agent-requirements',
      says: 'Running an agent requires installing the Windows hosting bundle for ASP.NET Runtime (linked: dotnet/8.0); the agent page: "the dotnet hosting bundle (version 8.0 or higher)".',
    },
    workingDirectoryWrite: {
      value: true,
      page: 'installation-guide/requirements/agent-requirements',
      says: '_Read_, _Modify_, and _List folder contents_ on the working directory',
    },
    productFiles: {
      value: 'Usercube',
      page: 'installation-guide/production-ready/agent',
      says: '<aspNetCore processPath="dotnet" arguments="./Usercube-Agent.dll" …>',
    },
    sqlServer: {
      value: {major: 13, name: 'SQL Server 2016'},
      page: 'installation-guide/requirements/database-requirements',
      says: 'Identity Manager uses a SQL Server database and supports SQL Server 2016 or later.',
    },
  },
  saas: {
    name: 'SaaS',
    folder: 'current',
    site: 'current',
    file: '.md',
    nearest: ['saas', '6.3', '6.2', '6.1'],
    runtime: {
      value: {major: 10, download: HOSTING_BUNDLE(10)},
      page: 'installation-guide/requirements/device-requirements',
      says: '.NET version 10.0 or higher must be installed. (The agent page: "the dotnet hosting bundle (version 10.0 or higher)".)',
    },
    workingDirectoryWrite: {
      value: true,
      page: 'installation-guide/requirements/agent-requirements',
      says: '_Read_, _Modify_, and _List folder contents_ on the working directory',
    },
    productFiles: {
      value: 'Usercube',
      page: 'user-guide/deploy/production-agent-installation/settings-files',
      says: 'make sure that, in the `aspNetCore` tag, the value of `arguments` is set to `./Usercube-Agent.dll`',
    },
    sqlServer: {
      value: {major: 16, name: 'SQL Server 2022'},
      page: 'installation-guide/requirements/database-requirements',
      says: "Identity Manager uses a SQL Server database and supports SQL Server 2022 or later. (SaaS: the database is Netwrix's.)",
    },
  },
}

/**
 * The rules of one product version. An environment file always names one (the schema requires
 * it); code that plans from a partial environment (tests, `cert` commands) gets 6.2's, as
 * `netwrixDocs` links 6.2 by default.
 */
export function versionRules(product: Product | undefined): VersionRules {
  return VERSIONS[product ?? '6.2'] ?? VERSIONS['6.2']
}
