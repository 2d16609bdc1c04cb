/**
 * What `scaffold` prints when it is done (the text; `--json` gives the same facts as data): every
 * file with what was done to it, the diffs of a dry run, the files kept because they differ, the
 * values still to provide, the change the environment file needs, the certificates, the IIS site
 * and what to run next.
 */
import {join} from 'node:path'
import type {ItemResult} from './apply.js'
import type {OutsideCertificate} from './certificates.js'
import type {CertificateItem} from './make-certificates.js'
import type {ScaffoldTarget} from './settings.js'
import type {ExpectedSite} from '../product/index.js'

/** Everything scaffold did or planned, as its text needs it. */
export interface ScaffoldSummary {
  dryRun: boolean
  target: ScaffoldTarget
  /** Where the target came from when it is the file's (`workingDirectory of env.yaml`). */
  targetFrom?: string
  /** The working directory as the user named it. */
  shownTarget: string
  /** The environment file. */
  file: string
  productPrefix: string
  prefixSource: string
  results: ItemResult[]
  extra: CertificateItem[]
  placeholders: string[]
  environmentChange?: {field: string; current?: string; yaml: string}
  certificateNotes: string[]
  outside: (OutsideCertificate & {copied: boolean})[]
  site: ExpectedSite
}

/** scaffold's report, one line per file and then what is left to do. */
export function scaffoldText(s: ScaffoldSummary): string {
  const verb = (a: string) => (s.dryRun && a !== 'unchanged' && a !== 'skipped' ? `would be ${a}` : a)
  const lines = [
    `${s.dryRun ? 'Plan for' : 'Scaffolded'} ${s.target.role === 'agent' ? `agent ${s.target.owner}` : s.target.agent ? 'the server (with its integrated agent)' : 'the server'} in ${s.target.workingDirectory}${s.targetFrom ? ` (from ${s.targetFrom})` : ''} (${s.productPrefix}-${s.target.role === 'agent' ? 'Agent' : 'Server'}.dll: ${s.prefixSource})`,
  ]
  for (const r of [...s.results, ...s.extra]) {
    const detail = ['mode' in r && r.mode ? `mode ${r.mode}` : '', r.note ?? ''].filter(Boolean).join(', ')
    lines.push(`  ${verb(r.action).padEnd(18)} ${r.relative}${detail ? `  (${detail})` : ''}`)
  }
  if (s.dryRun) for (const r of s.results) if (r.diff && r.action !== 'unchanged') lines.push('', r.diff.trimEnd())
  const skipped = s.results.filter((r) => r.action === 'skipped')
  if (skipped.length) {
    lines.push(
      '',
      `${skipped.length} file${skipped.length === 1 ? '' : 's'} differ${skipped.length === 1 ? 's' : ''} from what would be written and ${skipped.length === 1 ? 'was' : 'were'} kept; see the diff with --dry-run, replace with --force (a .bak is kept)`,
    )
    if (!s.dryRun) for (const r of skipped) if (r.diff) lines.push(r.diff.trimEnd())
  }
  if (s.placeholders.length) {
    lines.push(
      '',
      `${s.placeholders.length} value${s.placeholders.length === 1 ? '' : 's'} to provide (set the variables and run scaffold --force again, or edit the files):`,
    )
    for (const p of s.placeholders) lines.push(`  ${p}`)
    lines.push(`  idm-preflight validate --workdir ${s.shownTarget} lists what is left`)
  }
  if (s.environmentChange)
    lines.push(
      '',
      `The settings now use the generated certificate, but ${s.file} ${s.environmentChange.current ? `names ${s.environmentChange.current}` : 'names no file'} in ${s.environmentChange.field}: check would judge another file. Change it to:`,
      `  at ${s.environmentChange.field.replace(/\.encryptionCertificate$/, '')}:`,
      `    ${s.environmentChange.yaml}`,
    )
  for (const n of s.certificateNotes) lines.push('', `note: ${n}`)
  const notCopied = s.outside.filter((c) => !c.copied)
  if (notCopied.length) {
    lines.push(
      '',
      "Certificates outside the working directory: the settings hold this path, which must exist on the product's host:",
    )
    for (const c of notCopied) lines.push(`  ${c.setting}: ${c.path}`)
    lines.push("  --copy-certificates copies them into Runtime and references ./<name>.pfx, as the docs' examples do")
  }
  lines.push(
    '',
    `install-iis-s.site.ps1 makes pool ${s.site.poolName} and site ${s.site.siteName} (https ${s.site.hostName || '*'}:${s.site.port}${s.site.pfxFile ? `, certificate ${s.site.thumbprint ? `${s.site.thumbprint} ` : ''}imported from ${s.site.pfxFile}` : s.site.thumbprint ? `, certificate ${s.site.thumbprint}` : s.site.certSubject ? `, certificate "${s.site.certSubject}"` : ''}); -WhatIf shows what it would change`,
  )
  for (const n of s.site.notes) lines.push(`  note: ${n}`)
  if (!s.dryRun)
    lines.push(
      '',
      `Next: apply the folder rights with ${join(s.shownTarget, process.platform === 'win32' ? 'set-permissions.ps1' : 'set-permissions.sh')}, create the IIS site with install-iis-s.site.ps1 (Windows, as an administrator), then idm-preflight check --stage after`,
    )
  return `${lines.join('\n')}\n`
}
