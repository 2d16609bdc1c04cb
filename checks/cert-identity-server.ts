import {netwrixDocs} from '../src/core/docs.js'
import {certificateCheck} from '../src/lib/cert-check.js'

export default certificateCheck({
  id: 'cert.identity-server',
  summary:
    "IdentityServer certificate: same rules; the server's needs its private key, an agent's may be certificate-only",
  docs: netwrixDocs('integration-guide/network-configuration/server-configuration/end-users-authentication'),
  kind: 'identity-server',
  field: 'identityServerCertificate',
})
