import {defineCheck} from '../src/core/check.js'
import {netwrixDocs} from '../src/core/docs.js'
import {certParamsSchema, planCertificates} from '../src/lib/cert-plan.js'
import {certFindings, type CertFacts, type CertParams} from '../src/lib/cert-verdicts.js'
import {certDataOf} from '../src/lib/cert-data.js'

export default defineCheck<CertParams, CertFacts>({
  id: 'cert.encryption',
  summary:
    'Encryption certificate: PFX opens with its password, private key matches, RSA ≥ 2048, SHA-256+, in validity, not readable by everyone',
  docs: netwrixDocs('installation-guide/requirements/agent-requirements/index.md'),
  flow: 'certificates',
  topologies: ['saas', 'on-prem-integrated', 'on-prem-separate'],
  params: certParamsSchema,
  plan: (env, ctx) => planCertificates(env, ctx.agents, ctx.baseDir, 'encryption', 'encryptionCertificate'),
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
