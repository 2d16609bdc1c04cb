import {access} from 'node:fs/promises'
import {join} from 'node:path'
import {defineCheck, type Finding, netwrixDocs, versionRules} from '../src/model/index.js'

interface Params {
  /** The ASP.NET Core major of the product version (VERSIONS' `runtime`: 8, or 10 for SaaS agents). */
  minMajor: number
  /** Its hosting bundle's download page. */
  download?: string
}

interface Facts {
  /** `dotnet --list-runtimes` lines, or why it could not run. */
  runtimes?: {name: string; version: string}[]
  error?: 'not-found' | 'failed'
  detail?: string
  platform: string
  /** Windows: the ASP.NET Core Module (hosting bundle) for IIS. */
  ancm?: boolean
}

/** `Microsoft.AspNetCore.App 8.0.11 [C:\Program Files\dotnet\shared\Microsoft.AspNetCore.App]` → name, version. */
export function parseRuntimes(text: string): {name: string; version: string}[] {
  return text
    .split(/\r?\n/)
    .map((l) => /^(\S+)\s+(\d+\.\d+\.\d+\S*)\s+\[/.exec(l.trim()))
    .filter((m): m is RegExpExecArray => !!m)
    .map((m) => ({name: m[1]!, version: m[2]!}))
}

export default defineCheck<Params, Facts>({
  id: 'host.runtime',
  summary:
    "The product version's ASP.NET Core is installed (8; SaaS agents 10: dotnet --list-runtimes; a later major alone is a warning); on Windows, the hosting bundle for IIS",
  docs: netwrixDocs('installation-guide/requirements/agent-requirements'),
  flow: 'host',
  topologies: ['saas', 'on-prem-integrated', 'on-prem-separate'],
  params: {
    type: 'object',
    additionalProperties: false,
    required: ['minMajor'],
    properties: {minMajor: {type: 'integer'}, download: {type: 'string'}},
  },
  // The version's runtime rule and the page it rests on (src/model/versions.ts).
  plan: (env) => {
    const r = versionRules(env.product).runtime
    return [
      {
        target: 'local',
        params: {minMajor: r.value.major, download: r.value.download},
        docs: netwrixDocs(r.page, env.product),
      },
    ]
  },
  title: () => '.NET runtime of this host',
  async probe(_p, ctx) {
    const {execa} = await import('execa')
    const r = await execa('dotnet', ['--list-runtimes'], {
      reject: false,
      cancelSignal: ctx.signal,
      windowsHide: true,
      env: {DOTNET_CLI_TELEMETRY_OPTOUT: '1', DOTNET_NOLOGO: '1'},
    })
    const facts: Facts = {platform: process.platform}
    if (r.failed && r.exitCode === undefined) facts.error = 'not-found'
    else if (r.exitCode !== 0) {
      facts.error = 'failed'
      facts.detail = String(r.stderr || r.stdout).split(/\r?\n/)[0]
    } else facts.runtimes = parseRuntimes(String(r.stdout))
    if (process.platform === 'win32') {
      const dll = join(
        process.env.ProgramFiles ?? 'C:\\Program Files',
        'IIS',
        'Asp.Net Core Module',
        'V2',
        'aspnetcorev2.dll',
      )
      facts.ancm = await access(dll).then(
        () => true,
        () => false,
      )
    }
    return facts
  },
  evaluate(p, f): Finding[] {
    const bundle = `install the ASP.NET Core Runtime ${p.minMajor}.0 Hosting Bundle${p.download ? ` (${p.download})` : ''} after IIS; if IIS came later, run the bundle again in Repair mode`
    if (f.error === 'not-found')
      return [
        {
          status: 'fail',
          message: `dotnet is not installed (or not on PATH): the product version needs the ASP.NET Core ${p.minMajor} runtime`,
          remediation: bundle,
        },
      ]
    if (f.error === 'failed')
      return [{status: 'fail', message: `dotnet --list-runtimes failed: ${f.detail}`, remediation: bundle}]
    const out: Finding[] = []
    const asp = (f.runtimes ?? []).filter((r) => r.name === 'Microsoft.AspNetCore.App')
    const major = (r: {version: string}) => Number(r.version.split('.')[0])
    // The pages say "8.0 or higher" (SaaS: 10.0). .NET starts an app built for 8 on any 8.x (minor
    // and patch roll forward), not on 9 or 10 unless the app asks for it (rollForward Major),
    // which the product's pages do not say it does: a later major alone is a warning, not a pass.
    const same = asp.filter((r) => major(r) === p.minMajor)
    const later = asp.filter((r) => major(r) > p.minMajor)
    if (same.length)
      out.push({status: 'pass', message: `Microsoft.AspNetCore.App ${same.map((r) => r.version).join(', ')}`})
    else if (later.length)
      out.push({
        status: 'warn',
        message: `only a later ASP.NET Core (${later.map((r) => r.version).join(', ')}): the docs link the ${p.minMajor}.0 hosting bundle ("${p.minMajor}.0 or higher"), and .NET starts an app built for ${p.minMajor} on a later major only when its runtimeconfig allows roll-forward`,
        remediation: `install the ASP.NET Core Runtime ${p.minMajor}.0 Hosting Bundle beside it (runtimes of several majors coexist)`,
      })
    else
      out.push({
        status: 'fail',
        message: `no ASP.NET Core ${p.minMajor} runtime (found ${asp.length ? asp.map((r) => r.version).join(', ') : 'no Microsoft.AspNetCore.App at all'})`,
        remediation: bundle,
      })
    if (f.platform === 'win32') {
      if (f.ancm === false)
        out.push({
          status: 'fail',
          message:
            'the ASP.NET Core Module V2 for IIS is missing (aspnetcorev2.dll): the hosting bundle is not installed, or was installed before IIS',
          remediation: bundle,
        })
      else if (f.ancm) out.push({status: 'pass', message: 'ASP.NET Core Module V2 for IIS present'})
    } else
      out.push({status: 'skip', message: 'the IIS hosting bundle (ASP.NET Core Module) is checked on Windows only'})
    return out
  },
  // What `checks show` says beyond the definition (verdicts, and the docs sentences it rests on).
  explain: {
    how: "Runs dotnet --list-runtimes and looks for Microsoft.AspNetCore.App of the product version's major (8 for 6.1, 6.2 and 6.3; 10 for a SaaS agent: src/model/versions.ts); on Windows also for the ASP.NET Core Module V2 of IIS (aspnetcorev2.dll), which the hosting bundle installs.",
    verdicts: [
      {status: 'pass', when: "the version's ASP.NET Core runtime is installed (and, on Windows, the IIS module)"},
      {
        status: 'fail',
        when: "dotnet is missing or fails, no ASP.NET Core of the version's major, or the IIS module is missing",
        fix: "install the version's ASP.NET Core Runtime Hosting Bundle (8.0; SaaS 10.0) after IIS",
      },
      {
        status: 'warn',
        when: 'only a later major is installed: an app built for 8 starts on it only with roll-forward',
        fix: "install the version's hosting bundle beside it",
      },
    ],
    sources: [
      {
        page: 'https://docs.netwrix.com/docs/identitymanager/6_2/installation-guide/requirements/agent-requirements',
        quote: 'Running an agent requires installing the Windows hosting bundle for ASP.Net Runtime.',
      },
      {
        page: 'https://docs.netwrix.com/docs/identitymanager/6_2/installation-guide/requirements/device-requirements',
        quote: '.NET version 8.0 or higher must be installed.',
      },
      {
        page: 'https://docs.netwrix.com/docs/identitymanager/current/installation-guide/requirements/device-requirements',
        quote: '.NET version 10.0 or higher must be installed.',
      },
    ],
  },
})
