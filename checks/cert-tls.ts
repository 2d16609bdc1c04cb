import {netwrixDocs} from '../src/core/docs.js'
import {certificateCheck} from '../src/lib/cert-check.js'

export default certificateCheck({
  id: 'cert.tls',
  summary:
    "TLS certificate for the IIS https binding, before the site exists: covers the alias, chains to a trusted root (the docs: trusted by the browsers), server authentication, validity, private key; key and signature by this tool's baseline (RSA ≥ 2048 or EC ≥ 256, no SHA-1), as tls.endpoint judges them",
  docs: netwrixDocs('user-guide/deploy/production-agent-installation/iis-configuration'),
  kind: 'tls',
  field: 'tlsCertificate',
})
