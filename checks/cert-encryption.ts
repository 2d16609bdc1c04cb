import {netwrixDocs} from '../src/model/index.js'
import {certificateCheck} from '../src/probes/certificates/index.js'

export default certificateCheck({
  id: 'cert.encryption',
  summary:
    'Encryption certificate: PFX opens with its password, private key matches, RSA ≥ 2048, SHA-256+, in validity, not readable by everyone',
  docs: netwrixDocs('installation-guide/requirements/agent-requirements'),
  kind: 'encryption',
  field: 'encryptionCertificate',
  // What `checks show` says beyond the definition (verdicts, and the docs sentences it rests on).
  explain: {
    how: 'Opens the PFX with its password (or reads the Windows store entry), checks that a certificate and its matching private key are there, and judges key, signature, validity and who may read the file.',
    verdicts: [
      {status: 'pass', when: 'opens, key pair matches, RSA ≥ 2048, SHA-256 or stronger, in validity'},
      {
        status: 'fail',
        when: 'missing file, wrong password, corrupt file, no private key or one that does not match, a weak key or signature, expired, or readable by everyone',
        fix: 'the certificate or password to give, or cert create',
      },
      {status: 'warn', when: 'it expires within checks.expiryWarningDays'},
    ],
    sources: [
      {
        page: netwrixDocs('installation-guide/requirements/agent-requirements'),
        quote:
          'An RSA-2048 encryption key pair is required for the agent in order to perform various encryption operations, such as source, configuration, or log file encryptions;',
      },
      {
        page: netwrixDocs('user-guide/deploy/production-agent-installation'),
        quote:
          'Ensure that your encryption certificates are valid by checking their: expiration date; signatory; key size exceeding 2048; sha256 and not sha-1.',
      },
    ],
  },
})
