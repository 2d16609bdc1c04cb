import {netwrixDocs} from '../src/model/index.js'
import {certificateCheck} from '../src/probes/certificates/index.js'

export default certificateCheck({
  id: 'cert.tls',
  summary:
    "TLS certificate for the IIS https binding, before the site exists: covers the alias, chains to a trusted root (the docs: trusted by the browsers), server authentication, validity, private key; key and signature by this tool's baseline (RSA ≥ 2048 or EC ≥ 256, no SHA-1), as tls.endpoint judges them",
  docs: netwrixDocs('user-guide/deploy/production-agent-installation/iis-configuration'),
  kind: 'tls',
  field: 'tlsCertificate',
  // What `checks show` says beyond the definition (verdicts, and the docs sentences it rests on).
  explain: {
    how: "Before the site exists, the certificate the https binding will use (tlsCertificate): opens it as cert.encryption does, checks that it covers the alias, chains to a trusted root and allows server authentication, and judges its key and signature by this tool's baseline, with tls.endpoint's function.",
    verdicts: [
      {status: 'pass', when: 'sound, covers the host, trusted, for server authentication, RSA ≥ 2048 or EC ≥ 256'},
      {
        status: 'fail',
        when: 'it does not open, has no matching private key, is expired, does not cover the host, does not chain to a trusted root, or lacks server authentication',
        fix: 'issue one from your PKI for the alias',
      },
      {
        status: 'fail',
        when: "an RSA key below 2048 bits, an EC key below 256, or a SHA-1/MD5 signature: this tool's baseline (the docs' RSA-2048 rule is for the encryption and IdentityServer key pairs)",
        fix: 'issue it again with a stronger key or SHA-256',
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
    policy:
      "The key (RSA ≥ 2048 or EC ≥ 256) and signature (no SHA-1/MD5) rules are this tool's security baseline, the same as tls.endpoint's: the docs ask only that the SSL certificate be trusted",
  },
})
