import {netwrixDocs} from '../src/core/docs.js'
import {certificateCheck} from '../src/lib/cert-check.js'

export default certificateCheck({
  id: 'cert.encryption',
  summary:
    'Encryption certificate: PFX opens with its password, private key matches, RSA ≥ 2048, SHA-256+, in validity, not readable by everyone',
  docs: netwrixDocs('installation-guide/requirements/agent-requirements'),
  kind: 'encryption',
  field: 'encryptionCertificate',
})
