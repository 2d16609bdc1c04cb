import {netwrixDocs} from '../src/model/index.js'
import {certificateCheck} from '../src/probes/certificates/index.js'

export default certificateCheck({
  id: 'cert.identity-server',
  summary:
    "IdentityServer certificate: same rules; the server's needs its private key, an agent's may be certificate-only",
  docs: netwrixDocs('integration-guide/network-configuration/server-configuration/end-users-authentication'),
  kind: 'identity-server',
  field: 'identityServerCertificate',
  // What `checks show` says beyond the definition (verdicts, and the docs sentences it rests on).
  explain: {
    how: "As cert.encryption, for the IdentityServer certificate: the server's must hold its private key; an agent's may be the public part only, and must hold the server's public key.",
    verdicts: [
      {status: 'pass', when: "opens and is sound; an agent's holds the public key of the server's"},
      {
        status: 'fail',
        when: "as cert.encryption; or an agent's certificate is not the server's (another public key)",
        fix: "give the agent the server's IdentityServer certificate (its public part)",
      },
      {status: 'warn', when: 'it expires within checks.expiryWarningDays'},
    ],
    sources: [
      {
        page: netwrixDocs('installation-guide/requirements/server-requirements'),
        quote:
          "An RSA-2048 encryption key pair is required for: […] Identity Manager's Identity Server for end-user authentication purposes.",
      },
      {
        page: netwrixDocs('user-guide/deploy/production-agent-installation/settings-files'),
        quote:
          "**IdentityServer** contains the encryption certificate's path and password provided by Netwrix Identity Manager (formerly Usercube) team, in order to secure agent/server identification;",
      },
    ],
  },
})
