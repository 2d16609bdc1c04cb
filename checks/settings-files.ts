import {defineCheck, type Finding, netwrixDocs} from '../src/model/index.js'
import {type Diagnostic, isWindowsPath} from '../src/base/index.js'
import {scaffoldTarget} from '../src/scaffold/index.js'

interface Params {
  workingDirectory: string
  file: 'appsettings.json' | 'appsettings.agent.json'
  expectedApplicationUri: string
  /** Whose settings, from the environment (not guessed from the file's content). */
  role: 'server' | 'agent'
}

interface Facts {
  exists: boolean
  diagnostics: Diagnostic[]
}

export default defineCheck<Params, Facts>({
  id: 'settings.files',
  summary:
    "The product's settings files parse as it parses them and hold what it needs: ApplicationUri, certificates, OpenId, mail",
  docs: netwrixDocs('user-guide/deploy/production-agent-installation/settings-files'),
  flow: 'files',
  topologies: ['saas', 'on-prem-integrated', 'on-prem-separate'],
  roles: ['agent'],
  params: {
    type: 'object',
    additionalProperties: false,
    required: ['workingDirectory', 'file', 'expectedApplicationUri', 'role'],
    properties: {
      workingDirectory: {type: 'string'},
      file: {enum: ['appsettings.json', 'appsettings.agent.json']},
      expectedApplicationUri: {type: 'string'},
      role: {enum: ['server', 'agent']},
    },
  },
  plan(env, ctx) {
    const owners = env.topology === 'on-prem-integrated' ? [undefined] : ctx.agents.map((a) => a.identifier)
    return owners.flatMap((owner) => {
      const t = scaffoldTarget(env, owner, ctx.baseDir)
      if ('error' in t) return []
      const who = t.owner
      return (['appsettings.json', 'appsettings.agent.json'] as const).map((file) => ({
        target: `${who}:${file}`,
        ...(t.role === 'agent' ? {owner: {agent: who}} : {}),
        params: {
          workingDirectory: t.workingDirectory,
          file,
          expectedApplicationUri: env.server.url,
          role: t.role === 'agent' ? ('agent' as const) : ('server' as const),
        },
        ...(isWindowsPath(t.workingDirectory) && process.platform !== 'win32'
          ? {skip: `${t.workingDirectory} is a Windows path: run on the Windows host`}
          : {}),
      }))
    })
  },
  title: (p) => `${p.file} in ${p.workingDirectory}`,
  async probe(p) {
    const {checkSettingsFiles} = await import('../src/product/settings-files.js')
    const r = await checkSettingsFiles(p.workingDirectory, p.expectedApplicationUri, p.role)
    const f = r.files.find((x) => x.file.endsWith(p.file))!
    return {exists: f.exists, diagnostics: f.diagnostics}
  },
  evaluate(p, f): Finding[] {
    if (!f.exists)
      return [{status: 'skip', message: `Runtime/${p.file} is not there yet: idm-preflight scaffold writes it`}]
    const out: Finding[] = f.diagnostics.map((d) => ({
      status: d.severity === 'error' ? 'fail' : 'warn',
      message: `Runtime/${p.file}:${d.line}:${d.column}${d.path ? ` ${d.path}` : ''}: ${d.message}`,
      remediation: /placeholder/.test(d.message)
        ? 'set the variable behind it and run idm-preflight scaffold --force, or edit the file'
        : 'edit the file (idm-preflight validate --workdir shows every problem)',
    }))
    return out.length ? out : [{status: 'pass', message: `Runtime/${p.file} parses and holds what the product needs`}]
  },
  // What `checks show` says beyond the definition (verdicts, and the docs sentences it rests on).
  explain: {
    how: "Reads Runtime/appsettings.json and Runtime/appsettings.agent.json as the product parses them (comments and trailing commas allowed, keys case-insensitive) and applies the rules of validate --workdir: required keys per role, ApplicationUri equal to server.url, AgentIdentifier not Local, certificate blocks, mail, the agent's Connections, no placeholder left.",
    verdicts: [
      {status: 'pass', when: 'the file parses and holds what the product needs'},
      {
        status: 'fail',
        when: 'an error of the file, at its line and column (a missing key, a placeholder, a server setting in an agent file…)',
        fix: 'edit the file, or scaffold --force',
      },
      {
        status: 'warn',
        when: 'a warning of the file (no License in an agent file, EncryptFile false, a certificate password with "@" not escaped…)',
      },
      {status: 'skip', when: 'the file is not there yet (scaffold writes it), or a Windows path on another platform'},
    ],
    sources: [
      {
        page: netwrixDocs('user-guide/deploy/production-agent-installation/settings-files'),
        quote:
          'From the `Runtime/Agent` folder, copy the files `appsettings.json`, `appsettings.agent.json` and `web.config` and paste them in the `Runtime` folder, thus replacing the pre-existing ones.',
      },
      {
        page: netwrixDocs('user-guide/deploy/production-agent-installation/settings-files'),
        quote: 'Do not write a `/` character at the end of the string.',
      },
    ],
  },
})
