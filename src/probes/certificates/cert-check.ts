import {defineCheck, type CheckDefinition, type CheckExplain, type Finding} from '../../model/index.js'
import {effectivePassword} from '../../product/index.js'
import {certParamsSchema, planCertificates} from './cert-plan.js'
import {certDataOf} from './cert-data.js'
import {certFindings, type CertFacts, type CertKind, type CertParams} from './cert-verdicts.js'

/** An agent's IdentityServer certificate against the server's: the same public key, or a failure. */
function counterpartFindings(p: CertParams, f: CertFacts): Finding[] {
  const c = p.counterpart
  if (!c || !f.counterpart || f.counterpart.unknown) return []
  return f.counterpart.matches
    ? [{status: 'pass', message: `holds the public key of ${c.field} (${c.fileAsWritten})`}]
    : [
        {
          status: 'fail',
          message: `${p.field} is not ${c.field}: a different public key, so the agent could not verify the server's tokens`,
          remediation: `give the agent the server's IdentityServer certificate (its public part is enough: idm-preflight cert create --public-from ${c.fileAsWritten} --out ${p.fileAsWritten ?? 'IdentityServer-Public.pfx'})`,
        },
      ]
}

/**
 * The three certificate checks differ only in which certificate they judge: one definition,
 * parameterised, so that each `checks/cert-*.ts` file states just that.
 */
export function certificateCheck(o: {
  id: string
  summary: string
  docs: string
  kind: CertKind
  field: 'encryptionCertificate' | 'identityServerCertificate' | 'tlsCertificate'
  explain?: CheckExplain
}): CheckDefinition<CertParams, CertFacts> {
  return defineCheck<CertParams, CertFacts>({
    id: o.id,
    summary: o.summary,
    docs: o.docs,
    flow: 'certificates',
    topologies: ['saas', 'on-prem-integrated', 'on-prem-separate'],
    params: certParamsSchema,
    plan: (env, ctx) => planCertificates(env, ctx.agents, ctx.baseDir, o.kind, o.field),
    title: (p) => `${p.field} (${p.owner})`,
    async probe(p, ctx) {
      const [{probeCertificate}, {readStoreCertificate}] = await Promise.all([
        import('./cert-probe.js'),
        import('../windows/windows.js'),
      ])
      return probeCertificate(p, (s) => readStoreCertificate(s, ctx.signal))
    },
    prefetch(p) {
      for (const f of [
        {file: p.file, password: p.password},
        ...(p.counterpart ? [{file: p.counterpart.file, password: p.counterpart.password}] : []),
      ])
        if (f.file)
          void import('../pki/certificates.js')
            .then(({loadCertificateFile}) => {
              const pw = effectivePassword(f.password)
              return loadCertificateFile(f.file!, pw.protectedFormat ? '' : pw.password)
            })
            .catch(() => {})
    },
    evaluate: (p, f, ctx) => [...certFindings(p, f, ctx.now, ctx.expiryWarningDays), ...counterpartFindings(p, f)],
    data: certDataOf,
    ...(o.explain ? {explain: o.explain} : {}),
  })
}
