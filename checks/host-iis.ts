import {defineCheck, type Finding} from '../src/core/check.js'
import {netwrixDocs} from '../src/core/docs.js'
import {powershellJson} from '../src/lib/windows.js'

interface Facts {
  installed: boolean
  major?: number
  minor?: number
}

/** IIS's version as the registry says it (HKLM\SOFTWARE\Microsoft\InetStp), from the script's JSON. */
export function parseInetStp(json: unknown): Facts {
  const j = json as {MajorVersion?: number; MinorVersion?: number} | null
  if (!j || j.MajorVersion === undefined || j.MajorVersion === null) return {installed: false}
  return {installed: true, major: Number(j.MajorVersion), minor: Number(j.MinorVersion ?? 0)}
}

/** Reads IIS's version from the registry; prints `null` when IIS is not installed. */
export const INETSTP_SCRIPT =
  "$k = Get-ItemProperty -LiteralPath 'HKLM:\\SOFTWARE\\Microsoft\\InetStp' -ErrorAction SilentlyContinue; if ($k) { $k | Select-Object MajorVersion, MinorVersion | ConvertTo-Json -Compress } else { 'null' }"

export default defineCheck<{minMajor: number}, Facts>({
  id: 'host.iis',
  summary: 'IIS 10 or later is installed (Windows)',
  docs: netwrixDocs('user-guide/deploy/production-agent-installation/iis-installation'),
  flow: 'host',
  topologies: ['saas', 'on-prem-integrated', 'on-prem-separate'],
  platforms: ['win32'],
  params: {
    type: 'object',
    additionalProperties: false,
    required: ['minMajor'],
    properties: {minMajor: {type: 'integer'}},
  },
  plan: () => [{target: 'local', params: {minMajor: 10}}],
  title: () => 'IIS of this host',
  async probe(_p, ctx) {
    return parseInetStp(await powershellJson(INETSTP_SCRIPT, ctx.signal))
  },
  evaluate(p, f): Finding[] {
    if (!f.installed)
      return [
        {
          status: 'fail',
          message: 'IIS is not installed',
          remediation:
            'Server Manager → Add Roles and Features → Web Server (IIS); then install the ASP.NET Core Hosting Bundle',
        },
      ]
    if ((f.major ?? 0) < p.minMajor)
      return [
        {
          status: 'fail',
          message: `IIS ${f.major}.${f.minor}; the product needs IIS ${p.minMajor} or later`,
          remediation: 'move to Windows Server 2016 or later (IIS 10)',
        },
      ]
    return [{status: 'pass', message: `IIS ${f.major}.${f.minor}`}]
  },
})
