import {netwrixDocs} from '../src/core/docs.js'
import {certificateCheck} from '../src/lib/cert-check.js'

export default certificateCheck({
  id: 'cert.tls',
  summary:
    'TLS certificate for the IIS https binding, before the site exists: covers the alias, chains to a trusted root, server authentication, strength, validity, private key',
  docs: netwrixDocs('user-guide/deploy/production-agent-installation/iis-configuration'),
  kind: 'tls',
  field: 'tlsCertificate',
  // What `checks show` says beyond the definition (verdicts, and the docs sentences it rests on).
  explain: {
    how: 'Before the site exists, the certificate the https binding will use (tlsCertificate): as cert.encryption, and it covers the alias, chains to a trusted root and allows server authentication.',
    verdicts: [
      {status: 'pass', when: 'sound, covers the host, trusted, for server authentication'},
      {
        status: 'fail',
        when: 'as cert.encryption; or it does not cover the host, does not chain to a trusted root, or lacks server authentication',
        fix: 'issue one from your PKI for the alias',
      },
      {status: 'warn', when: 'it expires within checks.expiryWarningDays'},
    ],
    sources: [
      {
        page: netwrixDocs('installation-guide/requirements/agent-requirements'),
        quote:
          'The agent requires the use of HTTPS ports and an SSL certificate in order to perform HTTPS communication with the server.',
      },
      {
        page: netwrixDocs('installation-guide/requirements/server-requirements'),
        quote: 'The on-premise SSL certificate must be set up in IIS.',
      },
    ],
  },
})
