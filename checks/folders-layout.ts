import {lstat, realpath, stat} from 'node:fs/promises'
import {join, relative, sep} from 'node:path'
import {defineCheck, type Finding, netwrixDocs} from '../src/model/index.js'
import {folderRules, planWorkdirs, workdirParamsSchema, type WorkdirParams} from '../src/product/index.js'

interface Entry {
  name: string
  kind: 'directory' | 'file' | 'link' | 'missing' | 'other'
  /** For links: where they lead, and whether that is outside the working directory. */
  target?: string
  escapes?: boolean
}

interface Facts {
  rootKind: Entry['kind']
  entries: Entry[]
}

export default defineCheck<WorkdirParams, Facts>({
  id: 'folders.layout',
  summary: 'Each working directory has Runtime, Temp, Work (and Mails, Sources for agents), as directories inside it',
  docs: netwrixDocs('user-guide/deploy/production-agent-installation'),
  flow: 'files',
  topologies: ['saas', 'on-prem-integrated', 'on-prem-separate'],
  params: workdirParamsSchema,
  plan: (env, ctx) => planWorkdirs(env, ctx.agents, ctx.agent, ctx.baseDir),
  title: (p) => `Working directory ${p.directory} (${p.owner})`,
  async probe(p) {
    let rootReal: string
    try {
      const st = await stat(p.path)
      if (!st.isDirectory()) return {rootKind: 'file', entries: []}
      rootReal = await realpath(p.path)
    } catch {
      return {rootKind: 'missing', entries: []}
    }
    // One lstat per folder, all at once (a realpath and a stat more for a link).
    const entries = await Promise.all(
      folderRules(p.role, p.product)
        .filter((r) => r.name)
        .map(async (rule): Promise<Entry> => {
          const full = join(p.path, rule.name)
          try {
            const l = await lstat(full)
            if (!l.isSymbolicLink())
              return {name: rule.name, kind: l.isDirectory() ? 'directory' : l.isFile() ? 'file' : 'other'}
            const target = await realpath(full).catch(() => undefined)
            const rel = target ? relative(rootReal, target) : undefined
            const isDir = target ? (await stat(target)).isDirectory() : false
            return {
              name: rule.name,
              kind: isDir ? 'link' : target ? 'file' : 'missing',
              target,
              escapes: rel === undefined || rel.startsWith('..') || rel.startsWith(sep),
            }
          } catch {
            return {name: rule.name, kind: 'missing'}
          }
        }),
    )
    return {rootKind: 'directory', entries}
  },
  evaluate(p, f): Finding[] {
    const scaffold = 'idm-preflight scaffold creates the working directory and its folders'
    if (f.rootKind === 'missing') return [{status: 'fail', message: `${p.path} does not exist`, remediation: scaffold}]
    if (f.rootKind !== 'directory')
      return [
        {
          status: 'fail',
          message: `${p.path} is a file, not a directory`,
          remediation: 'point workingDirectory at a folder',
        },
      ]
    const out: Finding[] = []
    const rules = new Map(folderRules(p.role, p.product).map((r) => [r.name, r]))
    for (const e of f.entries) {
      const rule = rules.get(e.name)!
      if (e.kind === 'missing')
        out.push({
          status: rule.required ? 'fail' : 'warn',
          message: `${e.name} is missing in ${p.directory} (${rule.why})`,
          remediation: `create ${join(p.path, e.name)} (${scaffold})`,
        })
      else if (e.kind === 'file' || e.kind === 'other')
        out.push({
          status: 'fail',
          message: `${e.name} in ${p.directory} is not a directory`,
          remediation: `replace it with a folder named ${e.name}`,
        })
      else if (e.kind === 'link' && e.escapes)
        out.push({
          status: 'fail',
          message: `${e.name} is a link to ${e.target}, outside the working directory`,
          remediation: 'use a real folder inside the working directory; permissions and backups assume it',
        })
    }
    if (out.length === 0)
      out.push({status: 'pass', message: `${p.path} has ${f.entries.map((e) => e.name).join(', ')}`})
    return out
  },
  // What `checks show` says beyond the definition (verdicts, and the docs sentences it rests on).
  explain: {
    how: 'Looks at each working directory (no account involved): Runtime, Temp, Work, and for an agent Mails and Sources, each a folder inside it (a link leading outside is refused).',
    verdicts: [
      {status: 'pass', when: 'every folder is there, inside the working directory'},
      {
        status: 'fail',
        when: 'the working directory or a required folder is missing, is a file, or is a link to outside',
        fix: 'idm-preflight scaffold creates them',
      },
      {status: 'warn', when: 'an optional folder is missing'},
    ],
    sources: [
      {
        page: netwrixDocs('user-guide/deploy/production-agent-installation'),
        quote: 'Create a Working Directory and make sure it contains the folders: `Mails`; `Sources`; `Temp`; `Work`.',
      },
    ],
  },
})
