import {netwrixDocs} from '../src/core/docs.js'
import {certificateCheck} from '../src/lib/cert-check.js'

export default certificateCheck({
  id: 'cert.tls',
  summary:
    'TLS certificate for the IIS https binding, before the site exists: covers the alias, chains to a trusted root, server authentication, strength, validity, private key',
  docs: netwrixDocs('user-guide/deploy/production-agent-installation/iis-configuration'),
  kind: 'tls',
  field: 'tlsCertificate',
})
