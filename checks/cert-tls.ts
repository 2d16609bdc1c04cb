import {defineCheck} from '../src/core/check.js'
import {netwrixDocs} from '../src/core/docs.js'
import {certParamsSchema, planCertificates} from '../src/lib/cert-plan.js'
import {certFindings, type CertFacts, type CertParams} from '../src/lib/cert-verdicts.js'
import {certDataOf} from '../src/lib/cert-data.js'

export default defineCheck<CertParams, CertFacts>({
  id: 'cert.tls',
  summary:
    'TLS certificate for the IIS https binding, before the site exists: covers the alias, chains to a trusted root, server authentication, strength, validity, private key',
  docs: netwrixDocs('user-guide/deploy/production-agent-installation/iis-configuration/index.md'),
  flow: 'certificates',
  topologies: ['saas', 'on-prem-integrated', 'on-prem-separate'],
  params: certParamsSchema,
  plan: (env, ctx) => planCertificates(env, ctx.agents, ctx.baseDir, 'tls', 'tlsCertificate'),
  title: (p) => `${p.field} (${p.owner})`,
  async probe(p, ctx) {
    const [{probeCertificate}, {readStoreCertificate}] = await Promise.all([
      import('../src/lib/cert-probe.js'),
      import('../src/lib/windows.js'),
    ])
    return probeCertificate(p, (s) => readStoreCertificate(s, ctx.signal))
  },
  evaluate: (p, f, ctx) => certFindings(p, f, ctx.now, ctx.expiryWarningDays),
  data: certDataOf,
})
